import { Router, type Request, type RequestHandler, type Response } from 'express';
import { fromZodIssues, ShipBobError, sendShipBobError } from './errors';
import type { OrderListQuery, WmsOrders } from './orders';
import { createOrderSchema } from './schemas';

/** ShipBob API 2.0 orders: create, get, list by reference ids, cancel, and the order's shipments. */
export function wmsRoutes(orders: WmsOrders): Router {
  const router = Router();

  router.post(
    '/2.0/order',
    shipBob((req, res) => {
      const parsed = createOrderSchema.safeParse(req.body ?? {}, { reportInput: true });
      if (!parsed.success) throw fromZodIssues(parsed.error.issues);
      res.status(201).json(orders.create(parsed.data));
    }),
  );

  router.get(
    '/2.0/order',
    shipBob((req, res) => {
      const query = listQuery(req.query as Record<string, unknown>);
      const { orders: page, total } = orders.list(query);
      const totalPages = Math.max(1, Math.ceil(total / query.limit));
      res.set({ 'total-count': String(total), 'total-pages': String(totalPages), 'page-number': String(query.page) });
      if (query.page < totalPages) {
        const next = new URLSearchParams(req.query as Record<string, string>);
        next.set('Page', String(query.page + 1));
        res.set('next-page', `/2.0/order?${next.toString()}`);
      }
      res.json(page);
    }),
  );

  router.get(
    '/2.0/order/:id',
    shipBob((req, res) => void res.json(orders.get(param(req)))),
  );
  router.get(
    '/2.0/order/:id/shipment',
    shipBob((req, res) => void res.json(orders.get(param(req)).shipments)),
  );
  router.post(
    '/2.0/order/:id/cancel',
    shipBob((req, res) => void res.json(orders.cancel(param(req)))),
  );

  return router;
}

export function shipBob(handler: (req: Request, res: Response) => void): RequestHandler {
  return (req, res) => {
    try {
      handler(req, res);
    } catch (error) {
      if (error instanceof ShipBobError) return sendShipBobError(res, error);
      throw error;
    }
  };
}

export function param(req: Request, name = 'id'): string {
  const value = req.params[name];
  return typeof value === 'string' ? value : '';
}

/** `ReferenceIds`/`IDs` as comma lists (or repeated), `Page` from 1, `Limit` 1–250 (default 50), `SortOrder` Newest|Oldest. */
function listQuery(query: Record<string, unknown>): OrderListQuery {
  const list = (value: unknown): string[] =>
    (Array.isArray(value) ? value : [value])
      .flatMap((v) => (typeof v === 'string' ? v.split(',') : []))
      .map((v) => v.trim())
      .filter(Boolean);
  const errors: Record<string, string[]> = {};
  const page = integer(query.Page, 1);
  const limit = integer(query.Limit, 50);
  if (!Number.isInteger(page) || page < 1) errors.Page = ['Page must be a positive integer'];
  if (!Number.isInteger(limit) || limit < 1 || limit > 250) errors.Limit = ['Limit must be between 1 and 250'];
  const ids = list(query.IDs ?? query.Ids).map(Number);
  if (ids.some((id) => !Number.isInteger(id))) errors.IDs = ['IDs must be integers'];
  if (Object.keys(errors).length > 0) throw new ShipBobError(400, errors);
  return { referenceIds: list(query.ReferenceIds), ids, page, limit, isNewestFirst: query.SortOrder !== 'Oldest' };
}

function integer(value: unknown, fallback: number): number {
  return value === undefined || value === '' ? fallback : Number(value);
}
