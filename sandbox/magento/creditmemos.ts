import { badRequest, entityNotFound } from './errors';
import {
  documentBase,
  documentComments,
  documentListRoutes,
  itemDetails,
  requestedLines,
  type Line,
} from './documents';
import { countQty, creditmemoBlockedByState, qtyToRefund, refundableUnits, resolveState } from './orderState';
import { findOrder } from './orders';
import {
  magentoDate,
  nextId,
  type DocumentComment,
  type DocumentItem,
  type MagentoContext,
  type MagentoRoute,
  type Order,
  type SalesDocument,
} from './types';
import {
  addUnits,
  clone,
  flag,
  formatMoney,
  intParam,
  isObject,
  moneyUnits,
  optionalInt,
  optionalString,
  proportion,
  requireObject,
  setUnits,
  units,
} from './values';

interface RefundArguments {
  shipping?: number;
  adjustmentPositive: number;
  adjustmentNegative: number;
}

function readArguments(raw: unknown): RefundArguments {
  const args = isObject(raw) ? raw : {};
  return {
    shipping: moneyUnits(args.shipping_amount),
    adjustmentPositive: moneyUnits(args.adjustment_positive) ?? 0,
    adjustmentNegative: moneyUnits(args.adjustment_negative) ?? 0,
  };
}

/** One currency's amounts of a credit memo; arguments are in order currency and scaled for the base currency. */
function refundAmounts(order: Order, lines: Line[], args: RefundArguments, prefix: string) {
  const scale = (amount: number): number => {
    const total = units(order, 'grand_total');
    return prefix === '' || total === 0 ? amount : Math.round((amount * units(order, 'base_grand_total')) / total);
  };
  const perLine = lines.map(({ item, qty }) => {
    const available = item.qty_invoiced - item.qty_refunded;
    return {
      row: proportion(units(item, `${prefix}row_invoiced`) - units(item, `${prefix}amount_refunded`), qty, available),
      tax: proportion(units(item, `${prefix}tax_invoiced`) - units(item, `${prefix}tax_refunded`), qty, available),
      discount: proportion(
        units(item, `${prefix}discount_invoiced`) - units(item, `${prefix}discount_refunded`),
        qty,
        available,
      ),
    };
  });
  const allowedShipping = units(order, `${prefix}shipping_invoiced`) - units(order, `${prefix}shipping_refunded`);
  // Magento refunds all remaining shipping unless told otherwise.
  const shipping = args.shipping === undefined ? allowedShipping : scale(args.shipping);
  const shippingTaxLeft =
    (units(order, `${prefix}shipping_invoiced`) > 0 ? units(order, `${prefix}shipping_tax_amount`) : 0) -
    units(order, `${prefix}shipping_tax_refunded`);
  const shippingTax = shipping > 0 ? proportion(shippingTaxLeft, shipping, allowedShipping) : 0;
  const subtotal = perLine.reduce((sum, l) => sum + l.row, 0);
  const itemTax = perLine.reduce((sum, l) => sum + l.tax, 0);
  const discount = perLine.reduce((sum, l) => sum + l.discount, 0);
  const adjustmentPositive = scale(args.adjustmentPositive);
  const adjustmentNegative = scale(args.adjustmentNegative);
  const settlesEverything =
    shipping >= allowedShipping &&
    order.items.every((item) => qtyToRefund(item) <= (lines.find((l) => l.item === item)?.qty ?? 0));
  // Refunding everything that is left returns exactly what was paid, whatever the caller's order totals held.
  const parts = settlesEverything
    ? units(order, `${prefix}total_paid`) -
      units(order, `${prefix}total_refunded`) +
      units(order, `${prefix}adjustment_positive`) -
      units(order, `${prefix}adjustment_negative`)
    : subtotal + itemTax + shipping + shippingTax - discount;
  return {
    perLine,
    subtotal,
    itemTax,
    discount,
    shipping,
    shippingTax,
    allowedShipping,
    adjustmentPositive,
    adjustmentNegative,
    grand: parts + adjustmentPositive - adjustmentNegative,
  };
}

/**
 * Magento's RefundOrder (offline credit memo): refunds the requested (or all refundable) items, the remaining
 * shipping unless `arguments.shipping_amount` says otherwise, plus adjustments; never more than was paid.
 * `arguments.extension_attributes` (e.g. `return_to_stock_items`) is accepted and ignored: the sandbox keeps no stock.
 */
export function createCreditmemo(ctx: MagentoContext, orderId: number, body: unknown): SalesDocument {
  const order = findOrder(ctx, orderId);
  const request = isObject(body) ? body : {};
  if (creditmemoBlockedByState(order))
    throw badRequest('A creditmemo can not be created when an order has a status of %1', [order.status]);
  if (refundableUnits(order) <= 0) throw badRequest('The order does not allow a creditmemo to be created.');
  const lines = requestedLines(order, request.items, qtyToRefund, {
    unknownItem: 'The creditmemo contains product item that is not part of the original order.',
    tooMany: 'The quantity to creditmemo must not be greater than the unrefunded quantity for product SKU "%1".',
  });
  const args = readArguments(request.arguments);
  const amounts = refundAmounts(order, lines, args, '');
  const baseAmounts = refundAmounts(order, lines, args, 'base_');
  if (amounts.shipping > amounts.allowedShipping) {
    throw badRequest('Maximum shipping amount allowed to refund is: %1', [
      formatMoney(amounts.allowedShipping, order.order_currency_code),
    ]);
  }
  if (amounts.grand <= 0) throw badRequest("The credit memo's total must be positive.");
  const baseAvailable = units(order, 'base_total_paid') - units(order, 'base_total_refunded');
  if (baseAmounts.grand > baseAvailable) {
    throw badRequest('The most money available to refund is %1.', [
      formatMoney(baseAvailable, order.base_currency_code),
    ]);
  }

  const base = documentBase(ctx, order, 'creditmemo', ctx.store.data.creditmemos);
  const items: DocumentItem[] = lines.map(({ item, qty }) => ({
    ...itemDetails(item),
    entity_id: nextId(ctx, 'creditmemoItem'),
    parent_id: base.entity_id,
    order_item_id: item.item_id,
    sku: item.sku,
    qty,
    base_cost: typeof item.base_cost === 'number' ? item.base_cost : 0,
    base_price: typeof item.base_price === 'number' ? item.base_price : 0,
  }));
  const memo: SalesDocument = {
    ...base,
    state: 2,
    order_currency_code: order.order_currency_code,
    base_currency_code: order.base_currency_code,
    items,
    comments: documentComments(ctx, base.entity_id, request.comment, request.notify),
  };
  for (const [prefix, a] of [
    ['', amounts],
    ['base_', baseAmounts],
  ] as const) {
    setUnits(memo, `${prefix}subtotal`, a.subtotal);
    setUnits(memo, `${prefix}subtotal_incl_tax`, a.subtotal + a.itemTax);
    setUnits(memo, `${prefix}tax_amount`, a.itemTax + a.shippingTax);
    setUnits(memo, `${prefix}shipping_amount`, a.shipping);
    setUnits(memo, `${prefix}shipping_tax_amount`, a.shippingTax);
    setUnits(memo, `${prefix}shipping_incl_tax`, a.shipping + a.shippingTax);
    setUnits(memo, `${prefix}discount_amount`, -a.discount);
    setUnits(memo, `${prefix}adjustment_positive`, a.adjustmentPositive);
    setUnits(memo, `${prefix}adjustment_negative`, a.adjustmentNegative);
    setUnits(memo, `${prefix}adjustment`, a.adjustmentPositive - a.adjustmentNegative);
    setUnits(memo, `${prefix}grand_total`, a.grand);
    lines.forEach(({ item }, i) => {
      const share = a.perLine[i] ?? { row: 0, tax: 0, discount: 0 };
      const docItem = items[i] ?? {};
      setUnits(docItem, `${prefix}row_total`, share.row);
      setUnits(docItem, `${prefix}tax_amount`, share.tax);
      setUnits(docItem, `${prefix}discount_amount`, share.discount);
      addUnits(item, `${prefix}amount_refunded`, share.row);
      addUnits(item, `${prefix}tax_refunded`, share.tax);
      addUnits(item, `${prefix}discount_refunded`, share.discount);
    });
    addUnits(order, `${prefix}subtotal_refunded`, a.subtotal);
    addUnits(order, `${prefix}tax_refunded`, a.itemTax + a.shippingTax);
    addUnits(order, `${prefix}shipping_refunded`, a.shipping);
    addUnits(order, `${prefix}shipping_tax_refunded`, a.shippingTax);
    addUnits(order, `${prefix}discount_refunded`, -a.discount);
    addUnits(order, `${prefix}adjustment_positive`, a.adjustmentPositive);
    addUnits(order, `${prefix}adjustment_negative`, a.adjustmentNegative);
    addUnits(order, `${prefix}total_refunded`, a.grand);
    addUnits(order, `${prefix}total_offline_refunded`, a.grand);
    addUnits(order.payment, `${prefix}amount_refunded`, a.grand);
    addUnits(order.payment, `${prefix}shipping_refunded`, a.shipping);
  }
  for (const { item, qty } of lines) countQty(order, item, 'qty_refunded', qty);
  resolveState(order, false);
  order.updated_at = memo.created_at;
  ctx.store.data.creditmemos.push(memo);
  ctx.store.changed();
  return memo;
}

/** The comment the sandbox puts on a credit memo made "in the admin" (`POST /__sandbox/orders/:incrementId/creditmemos`). */
export const staffCreditmemoComment = 'Created by admin';

/**
 * A credit memo a staff member makes in the admin: the same document as `POST /V1/order/:orderId/refund` makes, with a
 * "Created by admin" comment after any comment given, so a poller can tell it from the integration's own memos. A
 * `transaction_id` in the body makes it a memo refunded online, as a payment module (the official Stripe module)
 * records the gateway's refund id on it.
 */
export function createStaffCreditmemo(ctx: MagentoContext, order: Order, body: unknown): SalesDocument {
  const memo = createCreditmemo(ctx, order.entity_id, body);
  const transactionId = isObject(body) ? optionalString(body.transaction_id) : undefined;
  if (transactionId) memo.transaction_id = transactionId;
  memo.comments.push({
    entity_id: nextId(ctx, 'comment'),
    parent_id: memo.entity_id,
    comment: staffCreditmemoComment,
    is_visible_on_front: 0,
    is_customer_notified: 0,
    created_at: memo.created_at,
  });
  ctx.store.changed();
  return memo;
}

function findCreditmemo(ctx: MagentoContext, id: number): SalesDocument {
  const memo = ctx.store.data.creditmemos.find((m) => m.entity_id === id);
  if (!memo) throw entityNotFound();
  return memo;
}

/**
 * Magento's CreditmemoCommentRepository::save (`POST /V1/creditmemo/{id}/comments {entity}`). As in Magento the
 * comment's `parent_id` names the credit memo (the id in the path is not used) and a comment without text or without an
 * existing parent is not saved. The memo's `updated_at` moves to the comment's time, newest comments come first.
 */
function addCreditmemoComment(ctx: MagentoContext, body: unknown): DocumentComment {
  const entity = requireObject(requireObject(body, 'entity').entity, 'entity');
  const parentId = optionalInt(entity.parent_id);
  const text = optionalString(entity.comment) ?? '';
  const memo = parentId === undefined ? undefined : ctx.store.data.creditmemos.find((m) => m.entity_id === parentId);
  if (!memo || text.trim() === '') throw badRequest('Could not save the creditmemo comment.');
  const now = magentoDate(ctx.now());
  const comment: DocumentComment = {
    entity_id: nextId(ctx, 'comment'),
    parent_id: memo.entity_id,
    comment: text,
    is_visible_on_front: flag(entity.is_visible_on_front),
    is_customer_notified: flag(entity.is_customer_notified),
    created_at: now,
  };
  memo.comments.unshift(comment);
  memo.updated_at = now;
  ctx.store.changed();
  return comment;
}

export function creditmemoRoutes(ctx: MagentoContext): MagentoRoute[] {
  return [
    {
      method: 'post',
      path: '/V1/order/:orderId/refund',
      resource: 'Magento_Sales::sales_creditmemo',
      handle: (req, res) => void res.json(createCreditmemo(ctx, intParam(req, 'orderId'), req.body).entity_id),
    },
    {
      method: 'get',
      path: '/V1/creditmemo/:id/comments',
      resource: 'Magento_Sales::sales_creditmemo',
      handle: (req, res) => {
        const comments = findCreditmemo(ctx, intParam(req, 'id')).comments;
        res.json({ items: clone(comments), search_criteria: { filter_groups: [] }, total_count: comments.length });
      },
    },
    {
      method: 'post',
      path: '/V1/creditmemo/:id/comments',
      resource: 'Magento_Sales::sales_creditmemo',
      handle: (req, res) => void res.json(clone(addCreditmemoComment(ctx, req.body))),
    },
    ...documentListRoutes(
      ctx,
      () => ctx.store.data.creditmemos,
      { list: '/V1/creditmemos', one: '/V1/creditmemo/:id' },
      'Magento_Sales::sales_creditmemo',
    ),
  ];
}
