import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Store } from '../kit/store';
import { StripeApiError, sendError } from './errors';
import type { StripeState } from './state';

const retentionMs = 24 * 60 * 60 * 1000;

/** Same parameters in any key order give the same signature. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function signature(body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(body ?? {})))
    .digest('hex');
}

/** Responses worth replaying: the request ran (success or a card decline), not a validation or rate-limit refusal. */
function isReplayable(status: number): boolean {
  return status < 400 || status === 402;
}

/**
 * `Idempotency-Key` on POSTs, kept 24 h: the same key and parameters replay the first response
 * (`Idempotent-Replayed: true`); the same key with other parameters or another endpoint is an `idempotency_error`.
 */
export function idempotency(store: Store<StripeState>, nowMs: () => number): RequestHandler {
  const inFlight = new Set<string>();
  let lastPruneMs = 0;

  function prune(now: number): void {
    if (now - lastPruneMs < 60_000) return;
    lastPruneMs = now;
    for (const [key, stored] of Object.entries(store.data.idempotency)) {
      if (now - stored.storedAtMs > retentionMs) delete store.data.idempotency[key];
    }
  }

  return (req, res, next) => {
    const key = req.get('idempotency-key');
    if (req.method !== 'POST' || !key) return next();
    if (key.length > 255) {
      return sendError(
        res,
        new StripeApiError(400, {
          type: 'invalid_request_error',
          message: 'Idempotency keys can be at most 255 characters long.',
        }),
      );
    }
    const now = nowMs();
    prune(now);
    const endpoint = `${req.method} ${req.path}`;
    const requestSignature = signature(req.body);
    const stored = store.data.idempotency[key];
    if (stored && now - stored.storedAtMs <= retentionMs) {
      if (stored.endpoint !== endpoint) {
        return sendError(
          res,
          new StripeApiError(400, {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${stored.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
          }),
        );
      }
      if (stored.requestSignature !== requestSignature) {
        return sendError(
          res,
          new StripeApiError(400, {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          }),
        );
      }
      res.set({ 'Idempotency-Key': key, 'Idempotent-Replayed': 'true' });
      return void res.status(stored.status).json(stored.body);
    }
    if (inFlight.has(key)) {
      return sendError(
        res,
        new StripeApiError(409, {
          type: 'idempotency_error',
          message: `There is currently another in-progress request using this Stripe-Idempotency-Key (that is, one with the same value as '${key}'). Try again later.`,
        }),
      );
    }
    inFlight.add(key);
    res.set('Idempotency-Key', key);
    res.on('close', () => inFlight.delete(key));
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      inFlight.delete(key);
      if (isReplayable(res.statusCode)) {
        store.data.idempotency[key] = { requestSignature, endpoint, status: res.statusCode, body, storedAtMs: now };
        store.changed();
      }
      return json(body);
    };
    next();
  };
}
