import type { Request } from 'express';
import { invalidRequest } from './errors';
import { optionalInteger, paramsOf, type Params } from './params';

export interface ListObject<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

/**
 * One page of `items` (newest first), as Stripe pages: `limit` (1–100, default 10), `starting_after` for
 * older objects, `ending_before` for newer ones (still newest first, the ones nearest the cursor).
 */
export function page<T extends { id: string }>(items: T[], req: Request, url: string): ListObject<T> {
  const params = paramsOf(req);
  const limit = optionalInteger(params, 'limit', 1) ?? 10;
  if (limit > 100) throw invalidRequest('Invalid integer: limit must be at most 100', { param: 'limit' });
  const startingAfter =
    typeof params.starting_after === 'string' && params.starting_after ? params.starting_after : undefined;
  const endingBefore =
    typeof params.ending_before === 'string' && params.ending_before ? params.ending_before : undefined;
  if (startingAfter && endingBefore)
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.');
  if (startingAfter) {
    const index = cursorIndex(items, startingAfter, 'starting_after');
    const rest = items.slice(index + 1);
    return { object: 'list', data: rest.slice(0, limit), has_more: rest.length > limit, url };
  }
  if (endingBefore) {
    const index = cursorIndex(items, endingBefore, 'ending_before');
    const newer = items.slice(0, index);
    return {
      object: 'list',
      data: newer.slice(Math.max(0, newer.length - limit)),
      has_more: newer.length > limit,
      url,
    };
  }
  return { object: 'list', data: items.slice(0, limit), has_more: items.length > limit, url };
}

function cursorIndex(items: { id: string }[], id: string, param: string): number {
  const index = items.findIndex((item) => item.id === id);
  if (index < 0) throw invalidRequest(`No such object: '${id}'`, { param, code: 'resource_missing' });
  return index;
}

/** Newest first: collections keep insertion order, so reversing their values is enough. */
export function newestFirst<T>(collection: Record<string, T>): T[] {
  return Object.values(collection).reverse();
}

/** `created=123` or `created[gte]=…&created[lt]=…` filter. */
export function createdFilter(params: Params, name = 'created'): (created: number) => boolean {
  const raw = params[name];
  if (raw === undefined || raw === '') return () => true;
  if (typeof raw === 'string') {
    const exact = optionalInteger(params, name) ?? 0;
    return (created) => created === exact;
  }
  const range = raw as Params;
  const bound = (key: string): number | undefined => optionalInteger(range, key, -Infinity);
  const [gt, gte, lt, lte] = [bound('gt'), bound('gte'), bound('lt'), bound('lte')];
  return (created) =>
    (gt === undefined || created > gt) &&
    (gte === undefined || created >= gte) &&
    (lt === undefined || created < lt) &&
    (lte === undefined || created <= lte);
}
