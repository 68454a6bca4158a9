import express, { type Router } from 'express';
import { createStaffCreditmemo } from './creditmemos';
import { entityNotFound, magentoErrorHandler } from './errors';
import { defaultStockId, isManaged, reservedQty, salableQty } from './inventoryStock';
import { findOrder, presentOrder, saveOrder } from './orders';
import { defaultStatus } from './orderState';
import { inventoryOf, type MagentoContext } from './types';
import { clone, intParam, isObject, optionalString } from './values';

/**
 * Sandbox-only helpers under `/__sandbox` (no auth): seed an order with the same body as `POST /V1/orders`,
 * force an order into a state Magento reaches by other means (e.g. `payment_review` from a payment gateway), and
 * make a credit memo as a staff member would in the admin (`POST /orders/:incrementId/creditmemos`, the body of
 * `POST /V1/order/:orderId/refund`; answers the whole memo), and read the MSI inventory with its stock-1 arithmetic
 * per SKU (`GET /inventory`).
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
  controls.post('/orders/:incrementId/creditmemos', (req, res) => {
    const incrementId = String(req.params.incrementId);
    const order = ctx.store.data.orders.find((o) => o.increment_id === incrementId);
    if (!order) throw entityNotFound();
    res.json(clone(createStaffCreditmemo(ctx, order, req.body)));
  });
  controls.get('/inventory', (_req, res) => {
    const inventory = inventoryOf(ctx);
    const skus = [...new Set([...inventory.sourceItems, ...inventory.reservations].map((r) => r.sku))].sort();
    res.json({
      sources: clone(inventory.sources),
      stocks: clone(inventory.stocks),
      stock_source_links: clone(inventory.links),
      source_items: clone(inventory.sourceItems),
      reservations: clone(inventory.reservations),
      skus: skus.map((sku) => ({
        sku,
        stock_id: defaultStockId,
        managed: isManaged(inventory, sku),
        reserved: reservedQty(inventory, sku, defaultStockId),
        salable: salableQty(inventory, sku, defaultStockId),
      })),
    });
  });
  controls.use(magentoErrorHandler);
  return controls;
}
