import type { Request, RequestHandler } from 'express';
import type { Ctx, Engine } from './context';
import { newId } from './ids';
import { expandPaths } from './params';
import { clone, findById, type StripeState } from './state';

export type Operation = (ctx: Ctx, req: Request) => unknown;

/**
 * Wraps a resource operation as an Express handler: a `Request-Id`, a context carrying it to any events,
 * persistence of whatever changed (also when the operation throws, e.g. a declined card), and `expand[]`.
 */
export function route(engine: Engine, operation: Operation): RequestHandler {
  return (req, res) => {
    const requestId = newId('req');
    res.set('Request-Id', requestId);
    const ctx = engine.context({ id: requestId, idempotency_key: req.get('idempotency-key') ?? null }, baseUrlOf(req));
    let result: unknown;
    try {
      result = operation(ctx, req);
    } finally {
      engine.store.changed();
    }
    res.status(200).json(expand(ctx.state, clone(result), expandPaths(req)));
  };
}

/** Where the request reached the sandbox (`http://127.0.0.1:8084`). */
export function baseUrlOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
}

/** Replaces ids with the objects they name along each dotted path (`data.balance_transaction`, `latest_charge`). */
export function expand(state: StripeState, value: unknown, paths: string[]): unknown {
  for (const path of paths) expandPath(state, value, path.split('.').slice(0, 4));
  return value;
}

function expandPath(state: StripeState, value: unknown, segments: string[]): void {
  const [head, ...rest] = segments;
  if (!head || !value || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) expandPath(state, item, segments);
    return;
  }
  const holder = value as Record<string, unknown>;
  let child = holder[head];
  if (typeof child === 'string') {
    const found = findById(state, child);
    if (found !== undefined) {
      child = clone(found);
      holder[head] = child;
    }
  } else if (Array.isArray(child)) {
    child = child.map((entry: unknown) =>
      typeof entry === 'string' && findById(state, entry) !== undefined ? clone(findById(state, entry)) : entry,
    );
    holder[head] = child;
  }
  if (rest.length > 0) expandPath(state, child, rest);
}
