import { Router, type Request, type RequestHandler, type Response } from 'express';
import { fieldErrors, fromZodIssues, ShipBobError, sendShipBobError } from './errors';
import { defaultPageSize, maxPageSize, problem, type WmsInventory } from './inventory';
import type { OrderListQuery, WmsOrders } from './orders';
import { createOrderSchema } from './schemas';
import { sandboxChannel } from './state';

export const apiPrefix = '/2026-01';

/**
 * ShipBob 2026-01: orders (create, get, list by reference ids, cancel, the order's shipments) and inventory levels.
 * `shipbob_channel_id` is required to create an order and checked wherever it is given.
 */
export function wmsRoutes(orders: WmsOrders, inventory: WmsInventory): Router {
  const router = Router();

  router.use(`${apiPrefix}/order`, channel);

  router.post(
    `${apiPrefix}/order`,
    shipBob((req, res) => {
      if (req.header('shipbob_channel_id') === undefined) {
        throw fieldErrors(400, { shipbob_channel_id: ['The shipbob_channel_id header is required.'] });
      }
      const parsed = createOrderSchema.safeParse(req.body ?? {}, { reportInput: true });
      if (!parsed.success) throw fromZodIssues(parsed.error.issues);
      res.status(201).json(orders.create(parsed.data));
    }),
  );

  router.get(
    `${apiPrefix}/order`,
    shipBob((req, res) => {
      const query = listQuery(req.query as Record<string, unknown>);
      const { orders: page, total } = orders.list(query);
      const totalPages = Math.max(1, Math.ceil(total / query.limit));
      res.set({ 'total-count': String(total), 'total-pages': String(totalPages), 'page-number': String(query.page) });
      if (query.page < totalPages) {
        const next = new URLSearchParams(req.query as Record<string, string>);
        next.set('Page', String(query.page + 1));
        res.set('next-page', `${apiPrefix}/order?${next.toString()}`);
      }
      res.json(page);
    }),
  );

  router.get(
    `${apiPrefix}/order/:id`,
    shipBob((req, res) => void res.json(orders.get(param(req)))),
  );
  router.get(
    `${apiPrefix}/order/:id/shipment`,
    shipBob((req, res) => void res.json(orders.get(param(req)).shipments)),
  );
  // `{orderId}:cancel` is one path segment (Google-style custom method), so the id is read out of it.
  router.post(
    `${apiPrefix}/order/:idAction`,
    shipBob((req, res, next) => {
      const match = /^(\d{1,10}):cancel$/.exec(param(req, 'idAction'));
      if (!match) return next();
      res.json(orders.cancel(match[1]!));
    }),
  );

  router.get(
    `${apiPrefix}/inventory-level`,
    shipBob((req, res) => {
      const query = req.query as Record<string, unknown>;
      const pageSize = integer(query.PageSize, defaultPageSize);
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > maxPageSize) {
        throw problem(400, 'Bad Request', `PageSize must be between 1 and ${maxPageSize}`);
      }
      const inventoryIds = list(query.InventoryIds).map(Number);
      if (inventoryIds.some((id) => !Number.isInteger(id))) {
        throw problem(400, 'Bad Request', 'InventoryIds must be integers');
      }
      const cursor = typeof query.Cursor === 'string' && query.Cursor ? query.Cursor : undefined;
      const page = inventory.page({ pageSize, cursor, inventoryIds });
      const link = (extra: Record<string, string>) => {
        const params = new URLSearchParams({ PageSize: String(pageSize), ...extra });
        if (inventoryIds.length > 0) params.set('InventoryIds', inventoryIds.join(','));
        return `${apiPrefix}/inventory-level?${params.toString()}`;
      };
      res.json({
        items: page.items,
        first: link({}),
        next: page.nextCursor ? link({ Cursor: page.nextCursor }) : null,
        prev: null,
        last: null,
      });
    }),
  );

  return router;
}

/** A given `shipbob_channel_id` must be the sandbox's channel: malformed 400, another one 403. */
const channel: RequestHandler = (req, res, next) => {
  const given = req.header('shipbob_channel_id');
  if (given === undefined) return next();
  if (!/^\d{1,10}$/.test(given.trim())) {
    return sendShipBobError(res, fieldErrors(400, { shipbob_channel_id: ['The shipbob_channel_id is not valid.'] }));
  }
  if (Number(given) !== sandboxChannel.id) return void res.status(403).end();
  next();
};

export function shipBob(handler: (req: Request, res: Response, next: (err?: unknown) => void) => void): RequestHandler {
  return (req, res, next) => {
    try {
      handler(req, res, next);
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

const list = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value])
    .flatMap((v) => (typeof v === 'string' ? v.split(',') : []))
    .map((v) => v.trim())
    .filter(Boolean);

/**
 * `ReferenceIds`/`IDs` as comma lists (or repeated), `Page` from 1, `Limit` 1–250 (default 50), `SortOrder`
 * Newest|Oldest, `LastUpdateStartDate` (a shipment updated since).
 */
function listQuery(query: Record<string, unknown>): OrderListQuery {
  const errors: Record<string, string[]> = {};
  const page = integer(query.Page, 1);
  const limit = integer(query.Limit, 50);
  if (!Number.isInteger(page) || page < 1) errors.Page = ['Page must be a positive integer'];
  if (!Number.isInteger(limit) || limit < 1 || limit > 250) errors.Limit = ['Limit must be between 1 and 250'];
  const ids = list(query.IDs ?? query.Ids).map(Number);
  if (ids.some((id) => !Number.isInteger(id))) errors.IDs = ['IDs must be integers'];
  const lastUpdateStartMs =
    typeof query.LastUpdateStartDate === 'string' ? Date.parse(query.LastUpdateStartDate) : undefined;
  if (Number.isNaN(lastUpdateStartMs)) errors.LastUpdateStartDate = ['LastUpdateStartDate must be a date-time'];
  if (Object.keys(errors).length > 0) throw new ShipBobError(400, errors);
  return {
    referenceIds: list(query.ReferenceIds),
    ids,
    page,
    limit,
    isNewestFirst: query.SortOrder !== 'Oldest',
    ...(lastUpdateStartMs !== undefined ? { lastUpdateStartMs } : {}),
  };
}

function integer(value: unknown, fallback: number): number {
  return value === undefined || value === '' ? fallback : Number(value);
}
