import { topLevelItems, type MagentoOrder } from './magento';
import { formatMoney, toMinor } from './money';
import { MappingError } from './fulfilment';

/** What a Magento credit memo request carries besides its comment, amounts in minor units. */
export interface CreditMemoPlan {
  /** `items`: lines whose remaining totals make up the refund; `adjustment`: no items, the refund as an adjustment. */
  kind: 'everything_left' | 'items' | 'adjustment';
  items: Array<{ order_item_id: number; qty: number }>;
  shippingMinor: number;
  adjustmentPositiveMinor: number;
  adjustmentNegativeMinor: number;
}

interface RefundableLine {
  itemId: number;
  qtyLeft: number;
  remainingMinor: number;
}

/** What is left to refund on each sold line: row plus tax less discount, invoiced and not yet refunded. */
function refundableLines(order: MagentoOrder, currency: string): RefundableLine[] {
  const m = (v: number | undefined) => toMinor(v ?? 0, currency);
  return topLevelItems(order).map((item) => ({
    itemId: item.item_id,
    qtyLeft: (item.qty_invoiced ?? 0) - (item.qty_refunded ?? 0),
    remainingMinor:
      m(item.row_invoiced) -
      m(item.amount_refunded) +
      m(item.tax_invoiced) -
      m(item.tax_refunded) -
      (Math.abs(m(item.discount_invoiced)) - Math.abs(m(item.discount_refunded))),
  }));
}

/** Shipping not yet refunded, and its tax. */
function shippingLeft(order: MagentoOrder, currency: string): { shippingMinor: number; withTaxMinor: number } {
  const m = (v: number | undefined) => toMinor(v ?? 0, currency);
  const shippingMinor = Math.max(0, m(order.shipping_invoiced) - m(order.shipping_refunded));
  const taxMinor = shippingMinor > 0 ? Math.max(0, m(order.shipping_tax_amount) - m(order.shipping_tax_refunded)) : 0;
  return { shippingMinor, withTaxMinor: shippingMinor + taxMinor };
}

/**
 * A credit memo equal to a refund, to the minor unit, never more in total than was paid: the refund of everything
 * left credits every line and the shipping (an adjustment makes up for earlier adjustment-only memos); a partial
 * refund credits the lines whose remaining totals it matches (a whole line, or whole units of one), else it is an
 * adjustment refund with no items.
 */
export function creditMemoPlanFor(order: MagentoOrder, amountMinor: number): CreditMemoPlan {
  const currency = order.order_currency_code;
  const refundableMinor =
    toMinor(order.total_paid ?? order.total_invoiced ?? 0, currency) - toMinor(order.total_refunded ?? 0, currency);
  if (amountMinor <= 0)
    throw new MappingError(
      `order ${order.increment_id}: a credit memo must be for a positive amount, got ${formatMoney(amountMinor, currency)}`,
    );
  if (amountMinor > refundableMinor) {
    throw new MappingError(
      `order ${order.increment_id}: a credit memo of ${formatMoney(amountMinor, currency)} would be more than is left to refund ` +
        `(${formatMoney(refundableMinor, currency)} of ${formatMoney(toMinor(order.total_paid ?? 0, currency), currency)} paid)`,
    );
  }
  const lines = refundableLines(order, currency).filter((line) => line.qtyLeft > 0);
  const noItems = topLevelItems(order).map((item) => ({ order_item_id: item.item_id, qty: 0 }));
  if (amountMinor === refundableMinor) {
    const shipping = shippingLeft(order, currency);
    const creditedMinor = lines.reduce((sum, line) => sum + line.remainingMinor, 0) + shipping.withTaxMinor;
    const difference = amountMinor - creditedMinor;
    return {
      kind: 'everything_left',
      items: lines.map((line) => ({ order_item_id: line.itemId, qty: line.qtyLeft })),
      shippingMinor: shipping.shippingMinor,
      adjustmentPositiveMinor: Math.max(0, difference),
      adjustmentNegativeMinor: Math.max(0, -difference),
    };
  }
  const whole = lines.find((line) => line.remainingMinor === amountMinor);
  if (whole)
    return {
      kind: 'items',
      items: [{ order_item_id: whole.itemId, qty: whole.qtyLeft }],
      shippingMinor: 0,
      adjustmentPositiveMinor: 0,
      adjustmentNegativeMinor: 0,
    };
  for (const line of lines) {
    if (!Number.isInteger(line.qtyLeft) || line.remainingMinor % line.qtyLeft !== 0) continue;
    const unitMinor = line.remainingMinor / line.qtyLeft;
    if (unitMinor > 0 && amountMinor % unitMinor === 0 && amountMinor / unitMinor <= line.qtyLeft) {
      return {
        kind: 'items',
        items: [{ order_item_id: line.itemId, qty: amountMinor / unitMinor }],
        shippingMinor: 0,
        adjustmentPositiveMinor: 0,
        adjustmentNegativeMinor: 0,
      };
    }
  }
  return {
    kind: 'adjustment',
    items: noItems,
    shippingMinor: 0,
    adjustmentPositiveMinor: amountMinor,
    adjustmentNegativeMinor: 0,
  };
}
