import { Router } from 'express';
import type { z } from 'zod';
import type { Store } from '../kit/store';
import { fromZodIssues } from './errors';
import type { WmsOrders } from './orders';
import { param, shipBob } from './routes';
import { endpointSchema, shipSchema, stockSchema } from './schemas';
import type { WmsState } from './state';

/**
 * Sandbox-only controls under `/__sandbox`: ship an order now, choose out-of-stock SKUs, inspect webhook deliveries,
 * point webhooks at another endpoint (deliveries already queued keep theirs).
 */
export function wmsControls(orders: WmsOrders, store: Store<WmsState>): Router {
  const router = Router();
  const state = (): WmsState => store.data;

  router.post(
    '/ship/:id',
    shipBob((req, res) => {
      const given = parse(shipSchema, req.body ?? {});
      res.json(orders.ship(param(req), given));
    }),
  );

  router.get('/stock', (_req, res) => void res.json({ outOfStockSkus: state().outOfStockSkus }));
  router.put(
    '/stock',
    shipBob((req, res) => {
      orders.setOutOfStock(parse(stockSchema, req.body ?? {}).outOfStockSkus);
      res.json({ outOfStockSkus: state().outOfStockSkus });
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
