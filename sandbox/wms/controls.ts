import { Router } from 'express';
import type { z } from 'zod';
import type { Store } from '../kit/store';
import { fromZodIssues } from './errors';
import type { WmsInventory } from './inventory';
import type { WmsOrders } from './orders';
import { param, shipBob } from './routes';
import { emptySchema, endpointSchema, inventorySchema, reasonSchema, shipSchema, stockSchema } from './schemas';
import type { WmsState } from './state';

/**
 * Sandbox-only controls under `/__sandbox`: move an order through its shipment's life (ship, deliver, exception,
 * hold, cancel), set stock (out-of-stock SKUs, inventory levels), inspect webhook deliveries, point webhooks at
 * another endpoint (deliveries already queued keep theirs).
 */
export function wmsControls(orders: WmsOrders, inventory: WmsInventory, store: Store<WmsState>): Router {
  const router = Router();
  const state = (): WmsState => store.data;

  router.post(
    '/orders/:id/ship',
    shipBob((req, res) => void res.json(orders.ship(param(req), parse(shipSchema, req.body ?? {})))),
  );
  router.post(
    '/orders/:id/deliver',
    shipBob((req, res) => {
      parse(emptySchema, req.body ?? {});
      res.json(orders.deliver(param(req)));
    }),
  );
  const withReason = (act: (id: string, reason?: string) => unknown) =>
    shipBob((req, res) => void res.json(act(param(req), parse(reasonSchema, req.body ?? {}).reason)));
  router.post(
    '/orders/:id/exception',
    withReason((id, reason) => orders.exception(id, reason)),
  );
  router.post(
    '/orders/:id/hold',
    withReason((id, reason) => orders.hold(id, reason)),
  );
  router.post(
    '/orders/:id/cancel',
    withReason((id, reason) => orders.cancelByWarehouse(id, reason)),
  );

  router.get('/stock', (_req, res) => void res.json({ outOfStockSkus: state().outOfStockSkus }));
  router.put(
    '/stock',
    shipBob((req, res) => {
      orders.setOutOfStock(parse(stockSchema, req.body ?? {}).outOfStockSkus);
      res.json({ outOfStockSkus: state().outOfStockSkus });
    }),
  );

  router.get('/inventory', (_req, res) => void res.json({ items: inventory.levels() }));
  router.post(
    '/inventory',
    shipBob((req, res) => {
      const given = parse(inventorySchema, req.body ?? {});
      res.json({ items: inventory.set('items' in given ? given.items : [given]) });
    }),
  );

  router.get('/webhooks', (_req, res) => {
    res.json(
      state().deliveries.map(({ body, ...delivery }) => ({ ...delivery, payload: JSON.parse(body) as unknown })),
    );
  });
  router.get('/webhook-endpoint', (_req, res) => void res.json({ url: state().webhookUrl }));
  router.put(
    '/webhook-endpoint',
    shipBob((req, res) => {
      state().webhookUrl = parse(endpointSchema, req.body ?? {}).url;
      store.changed();
      res.json({ url: state().webhookUrl });
    }),
  );

  return router;
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body, { reportInput: true });
  if (!parsed.success) throw fromZodIssues(parsed.error.issues);
  return parsed.data;
}
