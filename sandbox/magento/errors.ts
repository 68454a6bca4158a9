import { randomBytes } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { FaultResponders } from '../kit/faults';

/** Magento's `{message, parameters}` error body; `%1`/`%name` placeholders stay in the message, as Magento sends them. */
export class MagentoError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly parameters?: string[] | Record<string, string>,
  ) {
    super(message);
    this.name = 'MagentoError';
  }

  body(): { message: string; parameters?: string[] | Record<string, string> } {
    return this.parameters === undefined
      ? { message: this.message }
      : { message: this.message, parameters: this.parameters };
  }
}

export const entityNotFound = (): MagentoError =>
  new MagentoError(404, "The entity that was requested doesn't exist. Verify the entity and try again.");

export const noSuchEntity = (fieldName: string, fieldValue: string | number): MagentoError =>
  new MagentoError(404, 'No such entity with %fieldName = %fieldValue', { fieldName, fieldValue: String(fieldValue) });

export const requiredField = (fieldName: string): MagentoError =>
  new MagentoError(400, '"%fieldName" is required. Enter and try again.', { fieldName });

export const invalidFieldValue = (fieldName: string, value: unknown): MagentoError =>
  new MagentoError(400, 'Invalid value of "%value" provided for the %fieldName field.', {
    fieldName,
    value: String(value),
  });

export const invalidType = (value: unknown, type: 'int' | 'float' | 'string' | 'array' | 'bool'): MagentoError =>
  new MagentoError(400, 'The "%value" value\'s type is invalid. The "%type" type was expected. Verify and try again.', {
    value: typeof value === 'object' ? JSON.stringify(value) : String(value),
    type,
  });

export const badRequest = (message: string, parameters?: string[] | Record<string, string>): MagentoError =>
  new MagentoError(400, message, parameters);

/** Unknown route or method, as Magento's REST router answers it (before any authorization). */
export const routeNotFound: RequestHandler = (_req, res) => {
  res.status(404).json({ message: 'Request does not match any route.' });
};

function reportId(): string {
  return `webapi-${randomBytes(7).toString('hex').slice(0, 13)}`;
}

export const magentoErrorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  if (err instanceof MagentoError) return void res.status(err.status).json(err.body());
  console.error('magento sandbox: unexpected error', err);
  res
    .status(500)
    .json({ message: `Internal Error. Details are available in Magento log file. Report ID: ${reportId()}` });
};

const fastly429 = `<!DOCTYPE html>
<html>
  <head><title>429 Too Many Requests</title></head>
  <body>
    <h1>Error 429 Too Many Requests</h1>
    <p>Too Many Requests</p>
    <h3>Error 54113</h3>
    <p>Details: cache-fra-etou8220000-FRA 1700000000 1234567890</p>
    <hr><p>Varnish cache server</p>
  </body>
</html>
`;

function htmlError(res: Response, status: number, title: string): void {
  res
    .status(status)
    .type('html')
    .send(`<html><head><title>${status} ${title}</title></head><body><h1>${title}</h1></body></html>\n`);
}

/**
 * Magento behind Fastly: about half the 429s are Fastly's HTML page with no `Retry-After`, the rest JSON with
 * one; 500 is Magento's own JSON with a report id, 502/503 come from the edge as HTML.
 */
export function magentoFaultResponders(random: () => number = Math.random): FaultResponders {
  return {
    tooManyRequests: (res) => {
      if (random() < 0.5) return void res.status(429).type('html').send(fastly429);
      res.status(429).set('Retry-After', '1').json({ message: 'Too many requests. Try again later.' });
    },
    serverError: (res, status) => {
      if (status === 500)
        return void res
          .status(500)
          .json({ message: `Internal Error. Details are available in Magento log file. Report ID: ${reportId()}` });
      htmlError(res, status, status === 502 ? 'Bad Gateway' : 'Service Unavailable');
    },
    unavailable: (res) => htmlError(res, 503, 'Service Unavailable'),
  };
}
