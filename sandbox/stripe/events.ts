import { Router } from 'express';
import Stripe from 'stripe';
import type { Engine, RequestInfo } from './context';
import { resourceMissing } from './errors';
import { route } from './http';
import { newId } from './ids';
import { createdFilter, newestFirst, page } from './list';
import { paramsOf } from './params';
import { clone, type StripeState } from './state';
import type { StripeEvent } from './types';

const retentionSeconds = 30 * 24 * 60 * 60;

/** Builds and stores an event whose `data.object` is a deep copy of the object at this moment. */
export function recordEvent(
  state: StripeState,
  nowSeconds: number,
  request: RequestInfo,
  hasEndpoint: boolean,
  type: string,
  object: unknown,
  previousAttributes?: Record<string, unknown>,
): StripeEvent {
  const event: StripeEvent = {
    id: newId('evt'),
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: nowSeconds,
    data: previousAttributes
      ? { object: clone(object), previous_attributes: clone(previousAttributes) }
      : { object: clone(object) },
    livemode: false,
    pending_webhooks: hasEndpoint ? 1 : 0,
    request: { ...request },
    type,
  };
  state.events[event.id] = event;
  return event;
}

/** The fields of `before` whose values differ in `after`, with their old values (`previous_attributes`). */
export function changedFields(before: object, after: object): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  const old = before as Record<string, unknown>;
  const now = after as Record<string, unknown>;
  for (const key of new Set([...Object.keys(old), ...Object.keys(now)])) {
    if (JSON.stringify(old[key]) !== JSON.stringify(now[key])) previous[key] = old[key] ?? null;
  }
  return previous;
}

function typeMatcher(params: Record<string, unknown>): (type: string) => boolean {
  const patterns: string[] = [];
  if (typeof params.type === 'string' && params.type) patterns.push(params.type);
  const types = params.types;
  if (Array.isArray(types)) patterns.push(...types.filter((t): t is string => typeof t === 'string'));
  else if (types && typeof types === 'object')
    patterns.push(...Object.values(types).filter((t): t is string => typeof t === 'string'));
  if (patterns.length === 0) return () => true;
  const regexes = patterns.map((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`));
  return (type) => regexes.some((r) => r.test(type));
}

/** `GET /v1/events` (last 30 days; `type` with `*` wildcards, `types[]`, `created[…]`, paging) and `GET /v1/events/:id`. */
export function eventRoutes(engine: Engine): Router {
  const router = Router();
  router.get(
    '/v1/events/:id',
    route(engine, (ctx, req) => {
      const event = ctx.state.events[String(req.params.id)];
      if (!event || event.created < ctx.now() - retentionSeconds) throw resourceMissing('event', String(req.params.id));
      return event;
    }),
  );
  router.get(
    '/v1/events',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const matchesType = typeMatcher(params);
      const matchesCreated = createdFilter(params);
      const oldest = ctx.now() - retentionSeconds;
      const events = newestFirst(ctx.state.events).filter(
        (e) => e.created >= oldest && matchesType(e.type) && matchesCreated(e.created),
      );
      return page(events, req, '/v1/events');
    }),
  );
  return router;
}
