import { badRequest } from './errors';
import { appendReservations, defaultStockId, isManaged, roundQty, salableQty } from './inventoryStock';
import { inventoryOf, type MagentoContext, type Order, type OrderItem } from './types';

/**
 * MSI's side of the order lifecycle. Stock moves on the simple products: a configurable's parent row carries no
 * stock of its own, its child row (same SKU in Magento) does.
 */
const hasChildren = (order: Order, item: OrderItem): boolean =>
  order.items.some((child) => child.parent_item_id === item.item_id);

function addQty(quantities: Map<string, number>, sku: string, qty: number): void {
  quantities.set(sku, roundQty((quantities.get(sku) ?? 0) + qty));
}

/** Per SKU, the simple products' share of `qty` units of each line. */
function leafQuantities(order: Order, lines: { item: OrderItem; qty: number }[]): Map<string, number> {
  const quantities = new Map<string, number>();
  for (const { item, qty } of lines) {
    if (!hasChildren(order, item)) {
      addQty(quantities, item.sku, qty);
      continue;
    }
    for (const child of order.items.filter((c) => c.parent_item_id === item.item_id)) {
      if (item.qty_ordered > 0) addQty(quantities, child.sku, (qty * child.qty_ordered) / item.qty_ordered);
    }
  }
  return quantities;
}

function negate(quantities: Map<string, number>): Map<string, number> {
  return new Map([...quantities].map(([sku, qty]) => [sku, -qty]));
}

const eventOf = (type: 'order_placed' | 'shipment_created' | 'order_canceled', order: Order) => ({
  type,
  orderId: order.entity_id,
  incrementId: order.increment_id,
});

/**
 * Checkout's stock check and reservation: refuses the order when a stock-managed SKU's salable quantity on stock 1
 * is below what is ordered, otherwise reserves (−qty) every SKU, managed or not, as Magento does.
 */
export function reserveForPlacedOrder(ctx: MagentoContext, order: Order): void {
  const inventory = inventoryOf(ctx);
  const leaves = order.items.filter((item) => !hasChildren(order, item));
  const ordered = leafQuantities(
    order,
    leaves.map((item) => ({ item, qty: item.qty_ordered - item.qty_canceled })),
  );
  for (const [sku, qty] of ordered) {
    if (isManaged(inventory, sku) && salableQty(inventory, sku, defaultStockId) < qty)
      throw badRequest('The requested qty is not available');
  }
  appendReservations(ctx, negate(ordered), eventOf('order_placed', order));
}

/**
 * Source deduction of a shipment from the configured source, with the compensating (+qty) reservation that
 * releases what the order held. All lines are checked before any source item moves.
 */
export function deductForShipment(ctx: MagentoContext, order: Order, lines: { item: OrderItem; qty: number }[]): void {
  const inventory = inventoryOf(ctx);
  const shipped = leafQuantities(order, lines);
  const deductions = [...shipped].flatMap(([sku, qty]) => {
    const item = inventory.sourceItems.find((i) => i.sku === sku && i.source_code === ctx.shipmentSource);
    return item ? [{ item, qty }] : [];
  });
  if (deductions.some(({ item, qty }) => item.quantity < qty - 1e-9))
    throw badRequest('Not all of your products are available in the requested quantity.');
  for (const { item, qty } of deductions) {
    item.quantity = roundQty(item.quantity - qty);
    if (item.quantity <= 0) item.status = 0;
  }
  appendReservations(ctx, shipped, eventOf('shipment_created', order));
}

/** Each item's `qty_canceled` before a cancellation, to release exactly what it cancels. */
export function canceledSnapshot(order: Order): Map<number, number> {
  return new Map(order.items.map((item) => [item.item_id, item.qty_canceled]));
}

export function releaseCanceled(ctx: MagentoContext, order: Order, before: Map<number, number>): void {
  const released = leafQuantities(
    order,
    order.items
      .filter((item) => !hasChildren(order, item))
      .map((item) => ({ item, qty: item.qty_canceled - (before.get(item.item_id) ?? 0) })),
  );
  appendReservations(ctx, released, eventOf('order_canceled', order));
}
