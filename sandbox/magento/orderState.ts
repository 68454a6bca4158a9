import type { Order, OrderItem } from './types';
import { units } from './values';

/** Magento's default state → status pairs; the first status is the state's default. */
export const statusesByState: Record<string, string[]> = {
  new: ['pending'],
  pending_payment: ['pending_payment'],
  processing: ['processing', 'fraud'],
  holded: ['holded'],
  complete: ['complete'],
  closed: ['closed'],
  canceled: ['canceled'],
  payment_review: ['payment_review', 'fraud'],
};

export function defaultStatus(state: string): string {
  return statusesByState[state]?.[0] ?? state;
}

export function setState(order: Order, state: string): void {
  order.state = state;
  order.status = defaultStatus(state);
}

const positive = (n: number): number => Math.max(0, Math.round(n * 10_000) / 10_000);

/**
 * A child row of a configurable product (its `parent_item_id` names another item of the order). Like Magento's
 * dummy items it is never invoiced, shipped or refunded by itself: it follows its parent.
 */
export const isChild = (item: OrderItem): boolean => typeof item.parent_item_id === 'number';

export const qtyToInvoice = (item: OrderItem): number =>
  isChild(item) ? 0 : positive(item.qty_ordered - item.qty_invoiced - item.qty_canceled);
export const qtyToShip = (item: OrderItem): number =>
  isChild(item) || item.is_virtual
    ? 0
    : positive(item.qty_ordered - item.qty_shipped - item.qty_refunded - item.qty_canceled);
export const qtyToRefund = (item: OrderItem): number =>
  isChild(item) ? 0 : positive(item.qty_invoiced - item.qty_refunded);

type QtyCounter = 'qty_invoiced' | 'qty_shipped' | 'qty_refunded' | 'qty_canceled';

/** Adds `qty` of a parent to its counter and, in proportion, to its children's. */
export function countQty(order: Order, item: OrderItem, counter: QtyCounter, qty: number): void {
  item[counter] = Math.round((item[counter] + qty) * 10_000) / 10_000;
  for (const child of order.items) {
    if (child.parent_item_id !== item.item_id || item.qty_ordered === 0) continue;
    child[counter] = Math.round((child[counter] + (qty * child.qty_ordered) / item.qty_ordered) * 10_000) / 10_000;
  }
}
export const qtyToCancel = (item: OrderItem): number =>
  item.is_virtual ? qtyToInvoice(item) : Math.min(qtyToInvoice(item), qtyToShip(item));

const hasQty = (order: Order, qty: (item: OrderItem) => number): boolean => order.items.some((item) => qty(item) > 0);

/** Paid and not yet refunded, in units. */
export function refundableUnits(order: Order): number {
  return units(order, 'total_paid') - units(order, 'total_refunded');
}

/** States from which no invoice may be created (Magento's CanInvoice validator). */
export function invoiceBlockedByState(order: Order): boolean {
  return ['payment_review', 'holded', 'canceled', 'complete', 'closed'].includes(order.state);
}

export function shipmentBlockedByState(order: Order): boolean {
  return ['payment_review', 'holded', 'canceled', 'closed'].includes(order.state);
}

export function creditmemoBlockedByState(order: Order): boolean {
  return ['payment_review', 'holded', 'canceled', 'closed'].includes(order.state);
}

export const canInvoice = (order: Order): boolean => !invoiceBlockedByState(order) && hasQty(order, qtyToInvoice);
export const canShip = (order: Order): boolean => !shipmentBlockedByState(order) && hasQty(order, qtyToShip);
export const canCreditmemo = (order: Order): boolean => !creditmemoBlockedByState(order) && refundableUnits(order) > 0;

/** Magento's Order::canHold / canUnhold / canCancel. */
export function canHold(order: Order): boolean {
  return !['payment_review', 'holded', 'canceled', 'complete', 'closed'].includes(order.state);
}

export function canUnhold(order: Order): boolean {
  return order.state === 'holded';
}

export function canCancel(order: Order): boolean {
  if (['payment_review', 'holded', 'canceled', 'complete', 'closed'].includes(order.state)) return false;
  return hasQty(order, qtyToInvoice);
}

/**
 * Magento's order state resolver, run after an invoice, shipment or credit memo: nothing left to invoice and
 * nothing left to refund after a refund → closed; nothing left to invoice or ship → complete; otherwise an
 * operation in progress moves a new order to processing.
 */
export function resolveState(order: Order, inProgress: boolean): void {
  if (['canceled', 'holded', 'payment_review'].includes(order.state)) return;
  if (!hasQty(order, qtyToInvoice)) {
    if (refundableUnits(order) <= 0 && units(order, 'total_refunded') > 0) return setState(order, 'closed');
    if (!hasQty(order, qtyToShip)) return setState(order, 'complete');
    if (inProgress || order.state !== 'processing') return setState(order, 'processing');
    return;
  }
  if (inProgress && order.state !== 'processing') setState(order, 'processing');
}
