import express, { type Router } from 'express';
import { magentoErrorHandler } from './errors';
import { findOrder, presentOrder, saveOrder } from './orders';
import { defaultStatus } from './orderState';
import type { MagentoContext } from './types';
import { intParam, isObject, optionalString } from './values';

/**
 * Sandbox-only helpers under `/__sandbox` (no auth): seed an order with the same body as `POST /V1/orders`,
 * and force an order into a state Magento reaches by other means (e.g. `payment_review` from a payment gateway).
 */
export function magentoControls(ctx: MagentoContext): Router {
  const controls = express.Router();
  controls.post('/orders', (req, res) => void res.json(presentOrder(saveOrder(ctx, req.body))));
  controls.patch('/orders/:id', (req, res) => {
    const order = findOrder(ctx, intParam(req, 'id'));
    const body = isObject(req.body) ? req.body : {};
    const state = optionalString(body.state);
    if (state) order.state = state;
    order.status = optionalString(body.status) ?? (state ? defaultStatus(state) : order.status);
    ctx.store.changed();
    res.json(presentOrder(order));
  });
  controls.use(magentoErrorHandler);
  return controls;
}
