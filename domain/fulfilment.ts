import { shippingAddressOf, topLevelItems, type MagentoAddress, type MagentoOrder } from './magento';
import { fromMinor, toMinor } from './money';
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

export interface ErpLine {
  item_code: string;
  item_name?: string;
  qty: number;
  rate: number;
}

export interface ErpSalesOrderInput {
  customer: string;
  company: string;
  po_no: string;
  transaction_date: string;
  delivery_date: string;
  currency: string;
  items: ErpLine[];
  taxes: Array<{ charge_type: 'Actual'; account_head: string; tax_amount: number; description: string }>;
  docstatus: 1;
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
  return [{ qty: qty - remainder, unitMinor }, { qty: remainder, unitMinor: unitMinor + 1 }];
}

export function erpCustomerFor(order: MagentoOrder, settings: ErpSettings): ErpCustomerInput {
  const name = [order.customer_firstname, order.customer_lastname].filter(Boolean).join(' ').trim();
  return {
    customer_name: name || order.customer_email,
    customer_type: 'Individual',
    customer_group: settings.customerGroup,
    territory: settings.territory,
    email_id: order.customer_email,
  };
}

/** Lines by SKU at their unit price, shipping as its own line, tax as an actual-amount tax row; totals match the order. */
export function erpSalesOrderFor(order: MagentoOrder, customerName: string, settings: ErpSettings, date: string): ErpSalesOrderInput {
  const currency = order.order_currency_code;
  const items: ErpLine[] = topLevelItems(order).flatMap((item) => {
    if (!item.sku) throw new MappingError(`order ${order.increment_id}: item ${item.item_id} has no SKU`);
    const rowMinor = toMinor(item.row_total ?? (item.price ?? 0) * item.qty_ordered, currency) - toMinor(item.discount_amount ?? 0, currency);
    return splitIntoExactLines(rowMinor, item.qty_ordered).map(({ qty, unitMinor }) =>
      ({ item_code: item.sku, item_name: item.name, qty, rate: fromMinor(unitMinor, currency) }));
  });
  // Magento keeps a shipping discount apart from the items' discounts; the shipping line carries what was charged.
  const shippingMinor = toMinor(order.shipping_amount ?? 0, currency) - toMinor(Math.abs(order.shipping_discount_amount ?? 0), currency);
  if (shippingMinor > 0) items.push({ item_code: settings.shippingItemCode, item_name: 'Shipping', qty: 1, rate: fromMinor(shippingMinor, currency) });
  const taxMinor = toMinor(order.tax_amount ?? 0, currency);
  return {
    customer: customerName,
    company: settings.company,
    po_no: order.increment_id,
    transaction_date: date,
    delivery_date: date,
    currency,
    items,
    taxes: taxMinor > 0 ? [{ charge_type: 'Actual', account_head: settings.taxAccount, tax_amount: fromMinor(taxMinor, currency), description: 'Tax' }] : [],
    docstatus: 1,
  };
}

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
  products: Array<{ reference_id: string; name?: string; quantity: number }>;
}

function requireAddress(order: MagentoOrder, address: MagentoAddress | undefined): Required<Pick<MagentoAddress, 'city' | 'country_id' | 'postcode'>> & MagentoAddress {
  if (!address?.street?.[0] || !address.city || !address.country_id || !address.postcode) {
    throw new MappingError(`order ${order.increment_id}: the shipping address is incomplete (street, city, postcode and country are needed to ship)`);
  }
  return address as Required<Pick<MagentoAddress, 'city' | 'country_id' | 'postcode'>> & MagentoAddress;
}

export function wmsOrderFor(order: MagentoOrder, settings: WmsSettings): WmsOrderInput {
  const address = requireAddress(order, shippingAddressOf(order) ?? order.billing_address);
  return {
    reference_id: order.increment_id,
    order_number: order.increment_id,
    type: 'DTC',
    shipping_method: settings.shippingMethod,
    recipient: {
      name: [address.firstname, address.lastname].filter(Boolean).join(' ') || order.customer_email,
      email: order.customer_email,
      phone_number: address.telephone,
      address: {
        address1: address.street![0]!,
        address2: address.street![1],
        city: address.city,
        state: address.region_code ?? address.region,
        country: address.country_id,
        zip_code: address.postcode,
      },
    },
    products: topLevelItems(order).map((item) => ({ reference_id: item.sku, name: item.name, quantity: item.qty_ordered })),
  };
}

/** Magento carrier code for the carrier a WMS shipped with. */
export function magentoCarrierCode(carrier: string | undefined, settings: WmsSettings): string {
  return (carrier && settings.carrierCodes[carrier]) || settings.defaultCarrierCode;
}

/** What an ERP Sales Order built by `erpSalesOrderFor` totals to, in minor units. */
export function erpOrderTotalMinor(input: Pick<ErpSalesOrderInput, 'currency' | 'items' | 'taxes'>): number {
  const lines = input.items.reduce((sum, line) => sum + Math.round(line.qty * toMinor(line.rate, input.currency)), 0);
  return lines + input.taxes.reduce((sum, tax) => sum + toMinor(tax.tax_amount, input.currency), 0);
}

/**
 * The ERP order must total Magento's grand total to the minor unit. Anything the mapping does not carry (store credit,
 * gift cards, a discount on an unexpected field) would book the order wrong: it is a MappingError, and the run parks.
 */
export function checkErpTotals(order: MagentoOrder, input: ErpSalesOrderInput): void {
  const expectedMinor = toMinor(order.grand_total, order.order_currency_code);
  const bookedMinor = erpOrderTotalMinor(input);
  if (bookedMinor !== expectedMinor) {
    throw new MappingError(`order ${order.increment_id}: the ERP order would total ${fromMinor(bookedMinor, input.currency)} ${input.currency} `
      + `but Magento's grand total is ${order.grand_total} ${order.order_currency_code} (store credit, gift card or a discount the mapping does not carry?)`);
  }
}
