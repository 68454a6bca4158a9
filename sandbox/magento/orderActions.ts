import { badRequest } from './errors';
import {
  canCancel,
  canHold,
  canUnhold,
  countQty,
  defaultStatus,
  isChild,
  qtyToCancel,
  qtyToRefund,
  qtyToShip,
  setState,
} from './orderState';
import { canceledSnapshot, releaseCanceled } from './inventoryOrders';
import { findOrder } from './orders';
import { magentoDate, type MagentoContext, type MagentoRoute, type Order } from './types';
import { intParam, setUnits, units } from './values';

function hold(order: Order): void {
  if (!canHold(order)) throw badRequest('A hold action is not available.');
  order.hold_before_state = order.state;
  order.hold_before_status = order.status;
  setState(order, 'holded');
}

function unhold(order: Order): void {
  if (!canUnhold(order)) throw badRequest('You cannot remove the hold.');
  const state = order.hold_before_state ?? 'new';
  order.state = state;
  order.status = order.hold_before_status ?? defaultStatus(state);
  delete order.hold_before_state;
  delete order.hold_before_status;
}

/**
 * Magento's Order::registerCancellation: cancels what is neither invoiced nor shipped; an order with invoiced,
 * unrefunded items stays processing (or complete when nothing is left to ship).
 */
function cancel(order: Order): void {
  for (const item of order.items) if (!isChild(item)) countQty(order, item, 'qty_canceled', qtyToCancel(item));
  const keepsMoney = order.items.some((item) => qtyToRefund(item) > 0);
  if (!keepsMoney) setState(order, 'canceled');
  else setState(order, order.items.some((item) => qtyToShip(item) > 0) ? 'processing' : 'complete');
  for (const prefix of ['', 'base_']) {
    setUnits(
      order,
      `${prefix}subtotal_canceled`,
      units(order, `${prefix}subtotal`) - units(order, `${prefix}subtotal_invoiced`),
    );
    setUnits(
      order,
      `${prefix}tax_canceled`,
      units(order, `${prefix}tax_amount`) - units(order, `${prefix}tax_invoiced`),
    );
    setUnits(
      order,
      `${prefix}shipping_canceled`,
      units(order, `${prefix}shipping_amount`) - units(order, `${prefix}shipping_invoiced`),
    );
    setUnits(
      order,
      `${prefix}total_canceled`,
      units(order, `${prefix}grand_total`) - units(order, `${prefix}total_paid`),
    );
  }
}

export function orderActionRoutes(ctx: MagentoContext): MagentoRoute[] {
  const act =
    (change: (order: Order) => void) =>
    (id: number): void => {
      const order = findOrder(ctx, id);
      change(order);
      order.updated_at = magentoDate(ctx.now());
      ctx.store.changed();
    };
  return [
    {
      method: 'post',
      path: '/V1/orders/:id/hold',
      resource: 'Magento_Sales::hold',
      handle: (req, res) => {
        act(hold)(intParam(req, 'id'));
        res.json(true);
      },
    },
    {
      method: 'post',
      path: '/V1/orders/:id/unhold',
      resource: 'Magento_Sales::unhold',
      handle: (req, res) => {
        act(unhold)(intParam(req, 'id'));
        res.json(true);
      },
    },
    {
      // Magento's OrderManagement::cancel answers false (200), not an error, when the order cannot be canceled.
      method: 'post',
      path: '/V1/orders/:id/cancel',
      resource: 'Magento_Sales::cancel',
      handle: (req, res) => {
        const order = findOrder(ctx, intParam(req, 'id'));
        if (!canCancel(order)) return void res.json(false);
        const before = canceledSnapshot(order);
        act(cancel)(order.entity_id);
        releaseCanceled(ctx, order, before);
        res.json(true);
      },
    },
  ];
}
