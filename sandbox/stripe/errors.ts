import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { FaultResponders } from '../kit/faults';

export type ErrorType = 'invalid_request_error' | 'card_error' | 'idempotency_error' | 'api_error' | 'rate_limit_error';

export interface StripeErrorBody {
  type: ErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
  [extra: string]: unknown;
}

/** An error answered in Stripe's shape: `{error: {type, code, decline_code, message, param}}` with Stripe's status. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }
}

export function invalidRequest(message: string, extra: { param?: string; code?: string } = {}): StripeApiError {
  const body: StripeErrorBody = { type: 'invalid_request_error', message, ...extra };
  if (extra.code) body.doc_url = `https://stripe.com/docs/error-codes/${extra.code.replace(/_/g, '-')}`;
  return new StripeApiError(400, body);
}

/** 404 `No such payment_intent: 'pi_x'`, named as Stripe names the object. */
export function resourceMissing(objectName: string, id: string, param = 'id'): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    param,
    message: `No such ${objectName}: '${id}'`,
    doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
  });
}

export function missingParam(param: string): StripeApiError {
  return invalidRequest(`Missing required param: ${param}.`, { param, code: 'parameter_missing' });
}

export function sendError(res: Parameters<RequestHandler>[1], error: StripeApiError): void {
  res.status(error.status).json({ error: error.body });
}

/** Last handler of the API router: Stripe-shaped bodies for known errors, `api_error` for anything else. */
export const stripeErrorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  if (err instanceof StripeApiError) return sendError(res, err);
  if (typeof err?.status === 'number' && err.status < 500) {
    return sendError(res, invalidRequest('Invalid request body: the body could not be parsed.'));
  }
  res.status(500).json({
    error: {
      type: 'api_error',
      message: `An unknown error occurred: ${err instanceof Error ? err.message : String(err)}`,
    },
  });
};

export const unrecognizedUrl: RequestHandler = (req, res) => {
  sendError(
    res,
    new StripeApiError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${req.method}: ${req.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    }),
  );
};

/** How Stripe answers injected faults: its 429 is an `invalid_request_error` with code `rate_limit`. */
export const stripeFaultResponders: FaultResponders = {
  tooManyRequests: (res) =>
    void res.status(429).json({
      error: {
        type: 'invalid_request_error',
        code: 'rate_limit',
        message: 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
        doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
      },
    }),
  serverError: (res, status) =>
    void res.status(status).json({
      error: {
        type: 'api_error',
        message: 'An unknown error occurred while processing your request. Please try again.',
      },
    }),
  unavailable: (res) =>
    void res.status(503).json({
      error: { type: 'api_error', message: 'Stripe is temporarily unavailable. Please try again.' },
    }),
};
