import { isFullyInvoiced, isFullyShipped, shippingAddressOf, topLevelItems, type MagentoOrder } from './magento';
import { normalizeCurrency, toMinor } from './money';

/** A line that is sold and shipped, with what was charged for it (row total less its discount) in minor units. */
export interface OrderLine {
  itemId: number;
  sku: string;
  name?: string;
  qty: number;
  rowMinor: number;
}

export interface ShipTo {
  firstname?: string;
  lastname?: string;
  street: string[];
  city?: string;
  region?: string;
  postcode?: string;
  countryId?: string;
  telephone?: string;
}

/**
 * What the order workflows need of a Magento order, and nothing else: ids, state, the buyer, where it ships, the
 * lines and totals in integer minor units. This, not the whole Magento order, is what crosses into workflow history.
 */
export interface OrderSnapshot {
  entityId: number;
  incrementId: string;
  state: string;
  status: string;
  /** ISO 4217, upper case. */
  currency: string;
  grandTotalMinor: number;
  /** Shipping charged, after a shipping discount. */
  shippingMinor: number;
  taxMinor: number;
  totalPaidMinor: number;
  totalRefundedMinor: number;
  fullyInvoiced: boolean;
  fullyShipped: boolean;
  createdAt?: string;
  /** `isGuest`: Magento's `customer_is_guest` (absent in snapshots taken before it was kept). */
  customer: { email: string; firstname?: string; lastname?: string; isGuest?: boolean };
  billingCountry?: string;
  shippingCountry?: string;
  /** The shipping address, or the billing address when the order has none. */
  shipTo?: ShipTo;
  lines: OrderLine[];
}

export function orderSnapshotOf(order: MagentoOrder): OrderSnapshot {
  const currency = normalizeCurrency(order.order_currency_code);
  const minor = (amount: number | undefined) => toMinor(amount ?? 0, currency);
  const address = shippingAddressOf(order) ?? order.billing_address;
  return {
    entityId: order.entity_id,
    incrementId: order.increment_id,
    state: order.state,
    status: order.status,
    currency,
    grandTotalMinor: minor(order.grand_total),
    // Magento keeps a shipping discount apart from the items' discounts, as a negative or a positive number.
    shippingMinor: minor(order.shipping_amount) - Math.abs(minor(order.shipping_discount_amount)),
    taxMinor: minor(order.tax_amount),
    totalPaidMinor: minor(order.total_paid),
    totalRefundedMinor: minor(order.total_refunded),
    fullyInvoiced: isFullyInvoiced(order),
    fullyShipped: isFullyShipped(order),
    ...(order.created_at ? { createdAt: order.created_at } : {}),
    customer: {
      email: order.customer_email,
      firstname: order.customer_firstname,
      lastname: order.customer_lastname,
      isGuest: order.customer_is_guest === true || Number(order.customer_is_guest) === 1,
    },
    billingCountry: order.billing_address?.country_id,
    shippingCountry: shippingAddressOf(order)?.country_id,
    ...(address
      ? {
          shipTo: {
            firstname: address.firstname,
            lastname: address.lastname,
            street: address.street ?? [],
            city: address.city,
            region: address.region_code ?? address.region,
            postcode: address.postcode,
            countryId: address.country_id,
            telephone: address.telephone,
          },
        }
      : {}),
    lines: topLevelItems(order).map((item) => ({
      itemId: item.item_id,
      sku: item.sku,
      name: item.name,
      qty: item.qty_ordered,
      rowMinor:
        toMinor(item.row_total ?? (item.price ?? 0) * item.qty_ordered, currency) -
        Math.abs(minor(item.discount_amount)),
    })),
  };
}

/**
 * An order Magento has already finished with: shipped and paid, closed, or canceled with the money given back.
 * (A canceled order whose payment was kept is not settled: someone has to look at it.)
 */
export function isSettledInMagento(
  order: OrderSnapshot,
  payment: { amountMinor: number; amountRefundedMinor: number; capturedMinor?: number; status?: string },
): boolean {
  if (order.state === 'canceled') {
    // What was taken: the captured amount; nothing for an authorisation released, or never made.
    const takenMinor = payment.capturedMinor ?? (payment.status === 'succeeded' ? payment.amountMinor : 0);
    return payment.amountRefundedMinor >= takenMinor;
  }
  return (
    ['complete', 'closed'].includes(order.state) ||
    (order.fullyInvoiced && order.fullyShipped && order.totalPaidMinor > 0)
  );
}
