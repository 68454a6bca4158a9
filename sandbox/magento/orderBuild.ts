import { badRequest, requiredField } from './errors';
import { defaultStatus } from './orderState';
import {
  incrementId,
  magentoDate,
  nextId,
  type MagentoContext,
  type Order,
  type OrderAddress,
  type OrderItem,
  type OrderPayment,
  type ShippingAssignment,
  type StatusHistory,
} from './types';
import {
  flag,
  fromUnits,
  isObject,
  moneyUnits,
  optionalInt,
  optionalNumber,
  optionalString,
  requireObject,
  toUnits,
  withoutNulls,
} from './values';

const virtualTypes = new Set(['virtual', 'downloadable']);

/** Money fields an order item carries in both currencies; absent ones default as noted in buildItem. */
const itemMoneyFields = [
  'price',
  'original_price',
  'row_total',
  'tax_amount',
  'discount_amount',
  'price_incl_tax',
  'row_total_incl_tax',
];

function buildItem(ctx: MagentoContext, orderId: number, raw: unknown, now: string, storeId: number): OrderItem {
  const given = requireObject(raw, 'items');
  const sku = optionalString(given.sku);
  if (!sku) throw requiredField('sku');
  const qty = optionalNumber(given.qty_ordered) ?? 1;
  const productType = optionalString(given.product_type) ?? 'simple';
  const item: OrderItem = {
    ...withoutNulls(given),
    item_id: nextId(ctx, 'orderItem'),
    order_id: orderId,
    sku,
    name: optionalString(given.name) ?? sku,
    product_type: productType,
    is_virtual: given.is_virtual === undefined ? (virtualTypes.has(productType) ? 1 : 0) : flag(given.is_virtual),
    store_id: storeId,
    qty_ordered: qty,
    qty_invoiced: optionalNumber(given.qty_invoiced) ?? 0,
    qty_shipped: optionalNumber(given.qty_shipped) ?? 0,
    qty_refunded: optionalNumber(given.qty_refunded) ?? 0,
    qty_canceled: optionalNumber(given.qty_canceled) ?? 0,
    created_at: optionalString(given.created_at) ?? now,
    updated_at: optionalString(given.updated_at) ?? now,
  };
  for (const field of itemMoneyFields) {
    const value = moneyUnits(given[field]);
    const base = moneyUnits(given[`base_${field}`]);
    if (value !== undefined) item[field] = fromUnits(value);
    if (base !== undefined || value !== undefined) item[`base_${field}`] = fromUnits(base ?? value ?? 0);
  }
  const price = moneyUnits(given.price) ?? 0;
  if (item.price === undefined) Object.assign(item, { price: 0, base_price: 0 });
  if (item.row_total === undefined) {
    item.row_total = fromUnits(Math.round(price * qty));
    item.base_row_total = fromUnits(Math.round((moneyUnits(given.base_price) ?? price) * qty));
  }
  for (const field of ['tax_amount', 'discount_amount']) {
    item[field] ??= 0;
    item[`base_${field}`] ??= 0;
  }
  return item;
}

/**
 * Configurable products come as a parent row and a child row whose `parent_item_id` names the parent by the
 * caller's `item_id`; ids are reassigned here, so the link is carried over to the new ids.
 */
function linkChildren(rawItems: unknown[], items: OrderItem[]): void {
  const newIds = new Map<number, number>();
  rawItems.forEach((raw, i) => {
    const callerId = isObject(raw) ? optionalInt(raw.item_id) : undefined;
    const item = items[i];
    if (callerId !== undefined && item) newIds.set(callerId, item.item_id);
  });
  for (const item of items) {
    const parentId = newIds.get(optionalInt(item.parent_item_id) ?? -1);
    if (parentId !== undefined && parentId !== item.item_id) item.parent_item_id = parentId;
    else delete item.parent_item_id;
  }
}

function buildAddress(ctx: MagentoContext, orderId: number, raw: unknown, type: 'billing' | 'shipping'): OrderAddress {
  const given = requireObject(raw, `${type}_address`);
  const entityId = nextId(ctx, 'address');
  return { ...withoutNulls(given), entity_id: entityId, parent_id: orderId, address_type: type };
}

function buildPayment(
  ctx: MagentoContext,
  orderId: number,
  raw: unknown,
  order: Pick<Order, 'grand_total' | 'base_grand_total'>,
): OrderPayment {
  const given = raw === undefined || raw === null ? {} : requireObject(raw, 'payment');
  const info = given.additional_information;
  return {
    ...withoutNulls(given),
    entity_id: nextId(ctx, 'payment'),
    parent_id: orderId,
    method: optionalString(given.method) ?? 'checkmo',
    additional_information: Array.isArray(info) ? info.map((v) => String(v)) : [],
    amount_ordered: order.grand_total,
    base_amount_ordered: order.base_grand_total,
  };
}

function buildAssignments(
  ctx: MagentoContext,
  orderId: number,
  raw: unknown,
  totals: Record<string, number>,
): ShippingAssignment[] {
  const given = Array.isArray(raw) ? raw.filter(isObject) : [];
  if (given.length === 0) return [{ shipping: { total: totals } }];
  return given.map((assignment) => {
    const shipping = isObject(assignment.shipping) ? withoutNulls(assignment.shipping) : {};
    const address =
      shipping.address === undefined ? undefined : buildAddress(ctx, orderId, shipping.address, 'shipping');
    // Items are presented from the order itself, as Magento does.
    const { items: _items, ...rest } = withoutNulls(assignment);
    return {
      ...rest,
      shipping: {
        ...shipping,
        total: { ...totals, ...(isObject(shipping.total) ? shipping.total : {}) },
        ...(address ? { address } : {}),
      },
    };
  });
}

function sumUnits(items: OrderItem[], field: string): number {
  return items.reduce((sum, item) => sum + toUnits(typeof item[field] === 'number' ? item[field] : 0), 0);
}

/** A pair of order/base money fields: given values win, otherwise `computed` (base copies the order currency). */
function money(
  given: Record<string, unknown>,
  field: string,
  computed: () => number,
  baseComputed?: () => number,
): [number, number] {
  const value = moneyUnits(given[field]) ?? computed();
  const base = moneyUnits(given[`base_${field}`]) ?? (baseComputed ? baseComputed() : value);
  return [fromUnits(value), fromUnits(base)];
}

/**
 * Builds a new order from `POST /V1/orders` `{entity}` the way Magento persists it: ids, increment id, state
 * new/pending unless given, items with their quantity counters; totals the caller gave are kept, missing ones
 * are summed from the items.
 */
export function buildOrder(ctx: MagentoContext, entity: Record<string, unknown>): Order {
  const state = ctx.store.data;
  const rawItems = entity.items;
  if (!Array.isArray(rawItems)) throw requiredField('items');
  const email = optionalString(entity.customer_email);
  if (!email) throw requiredField('customer_email');

  let increment = optionalString(entity.increment_id);
  if (increment !== undefined && state.orders.some((o) => o.increment_id === increment))
    throw badRequest('Unique constraint violation found');

  const id = nextId(ctx, 'order');
  const now = magentoDate(ctx.now());
  const storeId = optionalInt(entity.store_id) ?? 1;
  const items = rawItems.map((raw) => buildItem(ctx, id, raw, now, storeId));
  linkChildren(rawItems, items);
  for (let n = id; increment === undefined; n += 1) {
    const candidate = `${ctx.incrementIdPrefix}${incrementId(n)}`;
    if (!state.orders.some((o) => o.increment_id === candidate)) increment = candidate;
  }

  const [subtotal, baseSubtotal] = money(
    entity,
    'subtotal',
    () => sumUnits(items, 'row_total'),
    () => sumUnits(items, 'base_row_total'),
  );
  const [shipping, baseShipping] = money(entity, 'shipping_amount', () => 0);
  const [shippingTax, baseShippingTax] = money(entity, 'shipping_tax_amount', () => 0);
  const [tax, baseTax] = money(
    entity,
    'tax_amount',
    () => sumUnits(items, 'tax_amount') + toUnits(shippingTax),
    () => sumUnits(items, 'base_tax_amount') + toUnits(baseShippingTax),
  );
  const [discount, baseDiscount] = money(
    entity,
    'discount_amount',
    () => -sumUnits(items, 'discount_amount'),
    () => -sumUnits(items, 'base_discount_amount'),
  );
  const [grand, baseGrand] = money(
    entity,
    'grand_total',
    () => toUnits(subtotal) + toUnits(shipping) + toUnits(tax) + toUnits(discount),
    () => toUnits(baseSubtotal) + toUnits(baseShipping) + toUnits(baseTax) + toUnits(baseDiscount),
  );
  const currency = optionalString(entity.order_currency_code) ?? optionalString(entity.base_currency_code) ?? 'USD';
  const baseCurrency = optionalString(entity.base_currency_code) ?? currency;
  const customerId = optionalInt(entity.customer_id);
  const guest =
    entity.customer_is_guest === undefined ? (customerId === undefined ? 1 : 0) : flag(entity.customer_is_guest);
  const orderState = optionalString(entity.state) ?? 'new';
  const extension = isObject(entity.extension_attributes) ? withoutNulls(entity.extension_attributes) : {};
  const billing =
    entity.billing_address === undefined || entity.billing_address === null
      ? undefined
      : buildAddress(ctx, id, entity.billing_address, 'billing');
  const shippingTotals = {
    shipping_amount: shipping,
    base_shipping_amount: baseShipping,
    shipping_tax_amount: shippingTax,
    base_shipping_tax_amount: baseShippingTax,
  };

  const order: Order = {
    ...withoutNulls(entity),
    entity_id: id,
    increment_id: increment,
    state: orderState,
    status: optionalString(entity.status) ?? defaultStatus(orderState),
    store_id: storeId,
    customer_email: email,
    customer_is_guest: guest,
    customer_group_id: optionalInt(entity.customer_group_id) ?? (guest ? 0 : 1),
    ...(customerId === undefined ? {} : { customer_id: customerId }),
    order_currency_code: currency,
    base_currency_code: baseCurrency,
    global_currency_code: optionalString(entity.global_currency_code) ?? baseCurrency,
    store_currency_code: optionalString(entity.store_currency_code) ?? baseCurrency,
    base_to_order_rate: optionalNumber(entity.base_to_order_rate) ?? 1,
    subtotal,
    base_subtotal: baseSubtotal,
    shipping_amount: shipping,
    base_shipping_amount: baseShipping,
    shipping_tax_amount: shippingTax,
    base_shipping_tax_amount: baseShippingTax,
    shipping_incl_tax: fromUnits(toUnits(shipping) + toUnits(shippingTax)),
    base_shipping_incl_tax: fromUnits(toUnits(baseShipping) + toUnits(baseShippingTax)),
    tax_amount: tax,
    base_tax_amount: baseTax,
    discount_amount: discount,
    base_discount_amount: baseDiscount,
    grand_total: grand,
    base_grand_total: baseGrand,
    total_due: grand,
    base_total_due: baseGrand,
    total_qty_ordered: items.reduce((sum, item) => sum + item.qty_ordered, 0),
    total_item_count: items.length,
    is_virtual: items.length > 0 && items.every((item) => item.is_virtual) ? 1 : 0,
    items,
    payment: buildPayment(ctx, id, entity.payment, { grand_total: grand, base_grand_total: baseGrand }),
    status_histories: [],
    extension_attributes: {
      ...extension,
      shipping_assignments: buildAssignments(ctx, id, extension.shipping_assignments, shippingTotals),
    },
    created_at: optionalString(entity.created_at) ?? now,
    updated_at: optionalString(entity.updated_at) ?? now,
  };
  if (billing) {
    order.billing_address = billing;
    order.billing_address_id = billing.entity_id;
  }
  const histories = Array.isArray(entity.status_histories) ? entity.status_histories.filter(isObject) : [];
  order.status_histories = histories.map((h) => buildHistory(ctx, order, h));
  return order;
}

/** One `status_histories` entry, from `POST /V1/orders/{id}/comments` or an order create. */
export function buildHistory(ctx: MagentoContext, order: Order, given: Record<string, unknown>): StatusHistory {
  const history: StatusHistory = {
    ...withoutNulls(given),
    entity_id: nextId(ctx, 'history'),
    parent_id: order.entity_id,
    comment: optionalString(given.comment) ?? '',
    is_visible_on_front: flag(given.is_visible_on_front),
    status: order.status,
    entity_name: 'order',
    created_at: magentoDate(ctx.now()),
  };
  if (given.is_customer_notified !== undefined && given.is_customer_notified !== null)
    history.is_customer_notified = flag(given.is_customer_notified);
  return history;
}

/** Fields `POST /V1/orders` may change on an existing order (`entity.entity_id` given): its scalars and payment details. */
export function updateOrder(ctx: MagentoContext, order: Order, entity: Record<string, unknown>): void {
  const locked = new Set([
    'entity_id',
    'items',
    'payment',
    'billing_address',
    'status_histories',
    'extension_attributes',
    'increment_id',
  ]);
  for (const [field, value] of Object.entries(withoutNulls(entity))) {
    if (!locked.has(field) && typeof value !== 'object') order[field] = value;
  }
  if (isObject(entity.payment))
    Object.assign(order.payment, withoutNulls(entity.payment), {
      entity_id: order.payment.entity_id,
      parent_id: order.entity_id,
    });
  if (isObject(entity.billing_address) && order.billing_address) {
    Object.assign(order.billing_address, withoutNulls(entity.billing_address), {
      entity_id: order.billing_address.entity_id,
      parent_id: order.entity_id,
    });
  }
  if (isObject(entity.extension_attributes)) {
    const { shipping_assignments: _ignored, ...rest } = withoutNulls(entity.extension_attributes);
    Object.assign(order.extension_attributes, rest);
  }
  order.updated_at = magentoDate(ctx.now());
}
