import type { Settlement } from './settlement';
import { formatMoney } from './money';
import type { OrderSnapshot, ShipTo } from './orderSnapshot';
import type { ErpSettings, WmsSettings } from './settings';

export class MappingError extends Error {
  override name = 'MappingError';
}

/** ERPNext Customer for the buyer of a Magento order (looked up by e-mail before it is created). */
export interface ErpCustomerInput {
  customer_name: string;
  customer_type: 'Individual' | 'Company';
  customer_group: string;
  territory: string;
  email_id: string;
}

/** A document line; the unit price in minor units (the ERP activity turns it into ERPNext's decimal `rate`). */
export interface ErpLine {
  item_code: string;
  item_name?: string;
  qty: number;
  rateMinor: number;
}

/** A tax row as an actual amount, in minor units. */
export interface ErpTax {
  charge_type: 'Actual';
  account_head: string;
  taxMinor: number;
  description: string;
}

export interface ErpSalesOrderInput {
  customer: string;
  company: string;
  po_no: string;
  transaction_date: string;
  delivery_date: string;
  currency: string;
  items: ErpLine[];
  taxes: ErpTax[];
  docstatus: 1;
  /** The payment's balance transaction, for the order's `conversion_rate` (not an ERP field). */
  settlement?: Settlement;
}

/**
 * A row total as lines whose qty × rate add up to it exactly: 3 × 10.00 → 2 × 3.33 + 1 × 3.34.
 * (One line when the total divides evenly, or when the quantity is fractional.)
 */
export function splitIntoExactLines(rowMinor: number, qty: number): Array<{ qty: number; unitMinor: number }> {
  if (!Number.isInteger(qty) || qty <= 0) return [{ qty, unitMinor: Math.round(rowMinor / qty) }];
  const unitMinor = Math.floor(rowMinor / qty);
  const remainder = rowMinor - unitMinor * qty;
  if (remainder === 0) return [{ qty, unitMinor }];
  return [
    { qty: qty - remainder, unitMinor },
    { qty: remainder, unitMinor: unitMinor + 1 },
  ];
}

export function erpCustomerFor(order: OrderSnapshot, settings: ErpSettings): ErpCustomerInput {
  const name = [order.customer.firstname, order.customer.lastname].filter(Boolean).join(' ').trim();
  return {
    customer_name: name || order.customer.email,
    customer_type: 'Individual',
    customer_group: settings.customerGroup,
    territory: settings.territory,
    email_id: order.customer.email,
  };
}

/** Lines by SKU at their unit price, shipping as its own line, tax as an actual-amount tax row; totals match the order. */
export function erpSalesOrderFor(
  order: OrderSnapshot,
  customerName: string,
  settings: ErpSettings,
  date: string,
): ErpSalesOrderInput {
  const items: ErpLine[] = order.lines.flatMap((line) => {
    if (!line.sku) throw new MappingError(`order ${order.incrementId}: item ${line.itemId} has no SKU`);
    return splitIntoExactLines(line.rowMinor, line.qty).map(({ qty, unitMinor }) => ({
      item_code: line.sku,
      item_name: line.name,
      qty,
      rateMinor: unitMinor,
    }));
  });
  if (order.shippingMinor > 0)
    items.push({ item_code: settings.shippingItemCode, item_name: 'Shipping', qty: 1, rateMinor: order.shippingMinor });
  return {
    customer: customerName,
    company: settings.company,
    po_no: order.incrementId,
    transaction_date: date,
    delivery_date: date,
    currency: order.currency,
    items,
    taxes:
      order.taxMinor > 0
        ? [{ charge_type: 'Actual', account_head: settings.taxAccount, taxMinor: order.taxMinor, description: 'Tax' }]
        : [],
    docstatus: 1,
  };
}

/** ShipBob 2026-01 `Orders.CreateOrderModel` (closed: no field outside the schema). */
export interface WmsOrderInput {
  reference_id: string;
  order_number: string;
  type: 'DTC';
  shipping_method: string;
  recipient: {
    name: string;
    email?: string;
    phone_number?: string;
    address: { address1: string; address2?: string; city: string; state?: string; country: string; zip_code: string };
  };
  /** By `reference_id` (the SKU), which needs a `name` for ShipBob to create the product it does not know yet. */
  products: Array<{ reference_id: string; name: string; quantity: number }>;
}

function requireAddress(order: OrderSnapshot): Required<Pick<ShipTo, 'city' | 'countryId' | 'postcode'>> & ShipTo {
  const address = order.shipTo;
  if (!address?.street[0] || !address.city || !address.countryId || !address.postcode) {
    throw new MappingError(
      `order ${order.incrementId}: the shipping address is incomplete (street, city, postcode and country are needed to ship)`,
    );
  }
  return address as Required<Pick<ShipTo, 'city' | 'countryId' | 'postcode'>> & ShipTo;
}

export function wmsOrderFor(order: OrderSnapshot, settings: WmsSettings): WmsOrderInput {
  const address = requireAddress(order);
  return {
    reference_id: order.incrementId,
    order_number: order.incrementId,
    type: 'DTC',
    shipping_method: settings.shippingMethod,
    recipient: {
      name: [address.firstname, address.lastname].filter(Boolean).join(' ') || order.customer.email,
      email: order.customer.email,
      phone_number: address.telephone,
      address: {
        address1: address.street[0]!,
        address2: address.street[1],
        city: address.city,
        state: address.region,
        country: address.countryId,
        zip_code: address.postcode,
      },
    },
    products: order.lines.map((line) => ({ reference_id: line.sku, name: line.name || line.sku, quantity: line.qty })),
  };
}

/** Magento carrier code for the carrier a WMS shipped with. */
export function magentoCarrierCode(carrier: string | undefined, settings: WmsSettings): string {
  return (carrier && settings.carrierCodes[carrier]) || settings.defaultCarrierCode;
}

/** What an ERP Sales Order built by `erpSalesOrderFor` totals to, in minor units. */
export function erpOrderTotalMinor(input: Pick<ErpSalesOrderInput, 'items' | 'taxes'>): number {
  const lines = input.items.reduce((sum, line) => sum + Math.round(line.qty * line.rateMinor), 0);
  return lines + input.taxes.reduce((sum, tax) => sum + tax.taxMinor, 0);
}

/**
 * The ERP order must total Magento's grand total to the minor unit. Anything the mapping does not carry (store credit,
 * gift cards, a discount on an unexpected field) would book the order wrong: it is a MappingError, and the run parks.
 */
export function checkErpTotals(order: OrderSnapshot, input: ErpSalesOrderInput): void {
  const bookedMinor = erpOrderTotalMinor(input);
  if (bookedMinor !== order.grandTotalMinor) {
    throw new MappingError(
      `order ${order.incrementId}: the ERP order would total ${formatMoney(bookedMinor, order.currency)} ` +
        `but Magento's grand total is ${formatMoney(order.grandTotalMinor, order.currency)} (store credit, gift card or a discount the mapping does not carry?)`,
    );
  }
}
