import { badRequest, entityNotFound, invalidType } from './errors';
import { applySearchCriteria, parseSearchCriteria } from './searchCriteria';
import {
  incrementId,
  magentoDate,
  nextId,
  type DocumentBase,
  type DocumentComment,
  type MagentoContext,
  type MagentoRoute,
  type Order,
  type OrderItem,
  type SalesDocument,
  type Sequence,
} from './types';
import { clone, flag, intParam, isObject, optionalInt, optionalNumber, optionalString } from './values';

export interface Line {
  item: OrderItem;
  qty: number;
}

export interface LineMessages {
  /** An `order_item_id` that is not on the order. */
  unknownItem: string;
  /** More than is left, with the SKU as `%1`. */
  tooMany: string;
}

/**
 * The `items` of an invoice, shipment or credit memo request. As in Magento, no items (or an empty list)
 * means everything still available; listed items with qty 0 are skipped.
 */
export function requestedLines(
  order: Order,
  items: unknown,
  available: (item: OrderItem) => number,
  messages: LineMessages,
): Line[] {
  if (items === undefined || items === null || (Array.isArray(items) && items.length === 0)) {
    return order.items.filter((item) => available(item) > 0).map((item) => ({ item, qty: available(item) }));
  }
  if (!Array.isArray(items)) throw invalidType(items, 'array');
  const lines: Line[] = [];
  for (const raw of items) {
    if (!isObject(raw)) throw invalidType(raw, 'array');
    const id = optionalInt(raw.order_item_id);
    const qty = optionalNumber(raw.qty) ?? 0;
    const item = order.items.find((i) => i.item_id === id);
    if (!item) throw badRequest(messages.unknownItem);
    if (qty < 0) throw invalidType(raw.qty, 'float');
    const line = lines.find((l) => l.item === item);
    const total = qty + (line?.qty ?? 0);
    if (total > available(item) + 1e-9) throw badRequest(messages.tooMany, [item.sku]);
    if (qty === 0) continue;
    if (line) line.qty = total;
    else lines.push({ item, qty });
  }
  return lines;
}

/** The optional `comment` of a document request, stored as Magento stores it. */
export function documentComments(
  ctx: MagentoContext,
  parentId: number,
  comment: unknown,
  notify: unknown,
): DocumentComment[] {
  if (!isObject(comment) || optionalString(comment.comment) === undefined) return [];
  return [
    {
      entity_id: nextId(ctx, 'comment'),
      parent_id: parentId,
      comment: optionalString(comment.comment) ?? '',
      is_visible_on_front: flag(comment.is_visible_on_front),
      is_customer_notified: flag(notify),
      created_at: magentoDate(ctx.now()),
    },
  ];
}

/** Fields every sales document copies from its order. */
export function documentBase(
  ctx: MagentoContext,
  order: Order,
  kind: Sequence,
  sequence: SalesDocument[],
): DocumentBase {
  const now = magentoDate(ctx.now());
  const base: DocumentBase = {
    entity_id: nextId(ctx, kind),
    order_id: order.entity_id,
    increment_id: incrementId(sequence.length + 1),
    store_id: typeof order.store_id === 'number' ? order.store_id : 1,
    created_at: now,
    updated_at: now,
  };
  if (typeof order.billing_address_id === 'number') base.billing_address_id = order.billing_address_id;
  const shippingAddress = order.extension_attributes.shipping_assignments[0]?.shipping.address;
  if (shippingAddress) base.shipping_address_id = shippingAddress.entity_id;
  return base;
}

/** `GET /V1/<plural>` with searchCriteria and `GET /V1/<singular>/{id}` for one kind of document. */
export function documentListRoutes(
  ctx: MagentoContext,
  records: () => SalesDocument[],
  paths: { list: string; one: string },
  resource: string,
): MagentoRoute[] {
  return [
    {
      method: 'get',
      path: paths.list,
      resource,
      handle: (req, res) => {
        const result = applySearchCriteria(records(), parseSearchCriteria(req.query));
        res.json({ ...result, items: clone(result.items) });
      },
    },
    {
      method: 'get',
      path: paths.one,
      resource,
      handle: (req, res) => {
        const id = intParam(req, 'id');
        const record = records().find((r) => r.entity_id === id);
        if (!record) throw entityNotFound();
        res.json(clone(record));
      },
    },
  ];
}

/** Copies order item details onto a document item. */
export function itemDetails(item: OrderItem): Record<string, unknown> {
  const details: Record<string, unknown> = { order_item_id: item.item_id, sku: item.sku, name: item.name };
  for (const field of ['product_id', 'price', 'base_price', 'weight'])
    if (item[field] !== undefined) details[field] = item[field];
  return details;
}
