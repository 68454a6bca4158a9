/** Magento 2.4 REST shapes the product reads and writes, in Magento's own field names. */
export interface MagentoAddress {
  firstname?: string;
  lastname?: string;
  street?: string[];
  city?: string;
  region?: string;
  region_code?: string;
  postcode?: string;
  country_id?: string;
  telephone?: string;
  email?: string;
}

export interface MagentoOrderItem {
  item_id: number;
  sku: string;
  name?: string;
  product_type?: string;
  parent_item_id?: number;
  qty_ordered: number;
  qty_invoiced?: number;
  qty_shipped?: number;
  qty_refunded?: number;
  qty_canceled?: number;
  price?: number;
  row_total?: number;
  tax_amount?: number;
  discount_amount?: number;
  row_invoiced?: number;
  tax_invoiced?: number;
  discount_invoiced?: number;
  amount_refunded?: number;
  tax_refunded?: number;
  discount_refunded?: number;
}

export interface MagentoStatusHistory {
  comment?: string;
  status?: string;
  created_at?: string;
  is_customer_notified?: number | boolean | null;
}

export interface MagentoOrder {
  entity_id: number;
  increment_id: string;
  state: string;
  status: string;
  grand_total: number;
  subtotal?: number;
  shipping_amount?: number;
  shipping_discount_amount?: number;
  tax_amount?: number;
  discount_amount?: number;
  order_currency_code: string;
  customer_email: string;
  customer_firstname?: string;
  customer_lastname?: string;
  customer_id?: number;
  customer_is_guest?: number | boolean;
  created_at?: string;
  billing_address?: MagentoAddress;
  extension_attributes?: { shipping_assignments?: Array<{ shipping?: { address?: MagentoAddress; method?: string } }> };
  items: MagentoOrderItem[];
  payment?: { method?: string; last_trans_id?: string; additional_information?: string[] };
  total_invoiced?: number;
  total_paid?: number;
  total_refunded?: number;
  shipping_invoiced?: number;
  shipping_refunded?: number;
  shipping_tax_amount?: number;
  shipping_tax_refunded?: number;
  status_histories?: MagentoStatusHistory[];
}

export interface MagentoInvoice {
  entity_id: number;
  order_id: number;
  increment_id?: string;
  transaction_id?: string;
  grand_total?: number;
  comments?: Array<{ comment?: string }>;
}

export interface MagentoShipment {
  entity_id: number;
  order_id: number;
  created_at?: string;
  items?: Array<{ sku?: string; qty?: number }>;
  tracks?: Array<{ track_number?: string; carrier_code?: string; title?: string }>;
}

export interface MagentoCreditMemo {
  entity_id: number;
  order_id: number;
  increment_id?: string;
  grand_total?: number;
  order_currency_code?: string;
  /** Set when a payment module refunded the memo online (the gateway's refund id). */
  transaction_id?: string;
  created_at?: string;
  updated_at?: string;
  comments?: Array<{ comment?: string }>;
}

export interface MagentoCustomer {
  id: number;
  email: string;
  firstname: string;
  lastname: string;
  custom_attributes?: Array<{ attribute_code: string; value: string }>;
  [field: string]: unknown;
}

export interface MagentoSearchResult<T> {
  items: T[];
  total_count: number;
}

export function shippingAddressOf(order: MagentoOrder): MagentoAddress | undefined {
  return order.extension_attributes?.shipping_assignments?.[0]?.shipping?.address;
}

/** Lines that are sold and shipped: simple items and configurable parents, not their child rows. */
export function topLevelItems(order: MagentoOrder): MagentoOrderItem[] {
  return order.items.filter((item) => item.parent_item_id === undefined || item.parent_item_id === null);
}

export function isFullyInvoiced(order: MagentoOrder): boolean {
  return topLevelItems(order).every((item) => (item.qty_invoiced ?? 0) >= item.qty_ordered - (item.qty_canceled ?? 0));
}

export function isFullyShipped(order: MagentoOrder): boolean {
  return topLevelItems(order).every(
    (item) => (item.qty_shipped ?? 0) >= item.qty_ordered - (item.qty_canceled ?? 0) - (item.qty_refunded ?? 0),
  );
}

/** Marker text the product writes into Magento comments, so a retry can see it already wrote one. */
export function commentMarker(key: string): string {
  return `[o2c:${key}]`;
}

/** Whether a text carries any of the product's markers: a document the product itself made or has recorded. */
export function hasAnyMarker(text: string | undefined): boolean {
  return /\[o2c:[^\]\s]+\]/.test(text ?? '');
}

export function hasComment(order: MagentoOrder, key: string): boolean {
  const marker = commentMarker(key);
  return (order.status_histories ?? []).some((h) => h.comment?.includes(marker));
}

/** Magento's `created_at` format, UTC: `2026-11-26 17:35:00`. */
export function magentoDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** `2026-11-26 17:35:00` (UTC, as Magento stores and answers date-times) to epoch milliseconds; NaN when it is not one. */
export function magentoDateTimeMs(text: string): number {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(text.trim());
  return match ? Date.parse(`${match[1]}T${match[2]}Z`) : Number.NaN;
}
