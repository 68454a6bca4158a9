import { Router, type Request, type RequestHandler, type Response } from 'express';
import { docTypes } from './doctypes';
import { isRecord, type ErpDocuments } from './documents';
import { FrappeError, sendFrappeError, validationError } from './frappeErrors';
import { parseListQuery, runListQuery } from './listQuery';
import { apiUser } from './state';

/** Frappe's REST surface: `/api/resource/{DocType}[/{name}]` and the few `/api/method/frappe.client.*` calls the product uses. */
export function erpRoutes(documents: ErpDocuments): Router {
  const router = Router();

  router.get(
    '/api/resource/:doctype',
    frappe((req) => {
      const doctype = param(req, 'doctype');
      const docs = documents.list(doctype);
      const query = parseListQuery(req.query as Record<string, unknown>);
      return { data: runListQuery(docs, query, doctype, docTypes.get(doctype)?.tables ?? []) };
    }),
  );

  router.post(
    '/api/resource/:doctype',
    frappe((req) => ({ data: documents.insert(param(req, 'doctype'), bodyOf(req)) })),
  );
  router.get(
    '/api/resource/:doctype/:name',
    frappe((req) => ({ data: documents.get(param(req, 'doctype'), param(req, 'name')) })),
  );
  router.put(
    '/api/resource/:doctype/:name',
    frappe((req) => ({ data: documents.update(param(req, 'doctype'), param(req, 'name'), bodyOf(req)) })),
  );
  router.delete(
    '/api/resource/:doctype/:name',
    frappe((req) => {
      documents.delete(param(req, 'doctype'), param(req, 'name'));
      return { message: 'ok' };
    }),
  );

  router.post(
    '/api/method/frappe.client.cancel',
    frappe((req) => {
      const args = methodArgs(req);
      return { message: documents.cancel(requiredArg(args, 'doctype'), requiredArg(args, 'name')) };
    }),
  );
  router.post(
    '/api/method/frappe.client.submit',
    frappe((req) => {
      const args = methodArgs(req);
      const doc = typeof args.doc === 'string' ? parseJson(args.doc) : args.doc;
      if (!isRecord(doc) || typeof doc.doctype !== 'string' || typeof doc.name !== 'string')
        throw validationError('doc with doctype and name is required');
      return { message: documents.submit(doc.doctype, doc.name) };
    }),
  );
  router.get('/api/method/frappe.auth.get_logged_user', (_req, res) => void res.json({ message: apiUser }));

  return router;
}

/** Every unmatched path answers like Frappe does for a method or page it does not know. */
export const frappeNotFound: RequestHandler = (req, res) => {
  sendFrappeError(res, new FrappeError(404, 'DoesNotExistError', `${req.method} ${req.path} not found`, ['Not found']));
};

function frappe(handler: (req: Request) => unknown): RequestHandler {
  return (req: Request, res: Response) => {
    try {
      res.json(handler(req));
    } catch (error) {
      if (error instanceof FrappeError) return sendFrappeError(res, error);
      sendFrappeError(
        res,
        new FrappeError(500, 'Exception', error instanceof Error ? error.message : String(error), []),
      );
    }
  };
}

function param(req: Request, name: string): string {
  const value = req.params[name];
  return typeof value === 'string' ? value : '';
}

/** The document fields: a JSON object, or Frappe's older form `{"data": "<json>"}`. */
function bodyOf(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (isRecord(body) && typeof body.data === 'string' && Object.keys(body).length === 1) {
    const inner = parseJson(body.data);
    if (isRecord(inner)) return inner;
  }
  if (!isRecord(body)) throw validationError('Request body must be a JSON object');
  return body;
}

function methodArgs(req: Request): Record<string, unknown> {
  return { ...(req.query as Record<string, unknown>), ...(isRecord(req.body) ? req.body : {}) };
}

function requiredArg(args: Record<string, unknown>, name: string): string {
  const value = args[name];
  if (typeof value !== 'string' || value === '') throw validationError(`${name} is required`);
  return value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw validationError('Invalid JSON');
  }
}
