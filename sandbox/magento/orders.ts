import { entityNotFound } from './errors';
import { reserveForPlacedOrder } from './inventoryOrders';
import { buildHistory, buildOrder, updateOrder } from './orderBuild';
import { statusesByState } from './orderState';
import { applySearchCriteria, parseSearchCriteria } from './searchCriteria';
import { magentoDate, type MagentoContext, type MagentoRoute, type Order } from './types';
import { clone, intParam, optionalInt, optionalString, requireObject } from './values';

export function findOrder(ctx: MagentoContext, id: number): Order {
  const order = ctx.store.data.orders.find((o) => o.entity_id === id);
  if (!order) throw entityNotFound();
  return order;
}

/** An order as Magento answers it: shipping assignments list the order's items. */
export function presentOrder(order: Order): Order {
  const copy = clone(order);
  for (const assignment of copy.extension_attributes.shipping_assignments) assignment.items = copy.items;
  return copy;
}

/** Creates an order, or updates one when `entity.entity_id` names an existing order (Magento's save). */
export function saveOrder(ctx: MagentoContext, body: unknown): Order {
  const entity = requireObject(requireObject(body, 'entity').entity, 'entity');
  const existingId = optionalInt(entity.entity_id);
  let order: Order;
  if (existingId !== undefined) {
    order = findOrder(ctx, existingId);
    updateOrder(ctx, order, entity);
  } else {
    order = buildOrder(ctx, entity);
    // The sandbox's order create stands in for checkout, where Magento checks and reserves stock.
    reserveForPlacedOrder(ctx, order);
    ctx.store.data.orders.push(order);
  }
  ctx.store.changed();
  return order;
}

export function orderRoutes(ctx: MagentoContext): MagentoRoute[] {
  return [
    {
      method: 'post',
      path: '/V1/orders',
      resource: 'Magento_Sales::create',
      handle: (req, res) => void res.json(presentOrder(saveOrder(ctx, req.body))),
    },
    {
      method: 'get',
      path: '/V1/orders',
      resource: 'Magento_Sales::actions_view',
      handle: (req, res) => {
        const result = applySearchCriteria(ctx.store.data.orders, parseSearchCriteria(req.query));
        res.json({ ...result, items: result.items.map(presentOrder) });
      },
    },
    {
      method: 'get',
      path: '/V1/orders/:id',
      resource: 'Magento_Sales::actions_view',
      handle: (req, res) => void res.json(presentOrder(findOrder(ctx, intParam(req, 'id')))),
    },
    {
      method: 'get',
      path: '/V1/orders/:id/statuses',
      resource: 'Magento_Sales::actions_view',
      handle: (req, res) => void res.json(findOrder(ctx, intParam(req, 'id')).status),
    },
    {
      method: 'get',
      path: '/V1/orders/:id/comments',
      resource: 'Magento_Sales::actions_view',
      handle: (req, res) => {
        const histories = findOrder(ctx, intParam(req, 'id')).status_histories;
        res.json({ items: clone(histories), search_criteria: { filter_groups: [] }, total_count: histories.length });
      },
    },
    {
      method: 'post',
      path: '/V1/orders/:id/comments',
      resource: 'Magento_Sales::comment',
      handle: (req, res) => {
        const order = findOrder(ctx, intParam(req, 'id'));
        const given = requireObject(requireObject(req.body, 'statusHistory').statusHistory, 'statusHistory');
        // A comment may move the status only within the order's current state (e.g. processing → fraud).
        const status = optionalString(given.status);
        if (status && statusesByState[order.state]?.includes(status)) order.status = status;
        order.status_histories.unshift(buildHistory(ctx, order, given));
        order.updated_at = magentoDate(ctx.now());
        ctx.store.changed();
        res.json(true);
      },
    },
  ];
}
