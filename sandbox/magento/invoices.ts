import { badRequest } from './errors';
import {
  documentBase,
  documentComments,
  documentListRoutes,
  itemDetails,
  requestedLines,
  type Line,
} from './documents';
import { canInvoice, countQty, invoiceBlockedByState, qtyToInvoice, resolveState } from './orderState';
import { findOrder } from './orders';
import {
  nextId,
  type DocumentItem,
  type MagentoContext,
  type MagentoRoute,
  type Order,
  type SalesDocument,
} from './types';
import { addUnits, intParam, isObject, optionalString, proportion, setUnits, units } from './values';

interface LineAmounts {
  row: number;
  tax: number;
  discount: number;
}

/** One currency's share of the order for this invoice ('' = order currency, 'base_' = base currency). */
function invoiceAmounts(order: Order, lines: Line[], prefix: string, withShipping: boolean, completesOrder: boolean) {
  const perLine: LineAmounts[] = lines.map(({ item, qty }) => {
    const available = item.qty_ordered - item.qty_invoiced;
    return {
      row: proportion(units(item, `${prefix}row_total`) - units(item, `${prefix}row_invoiced`), qty, available),
      tax: proportion(units(item, `${prefix}tax_amount`) - units(item, `${prefix}tax_invoiced`), qty, available),
      discount: proportion(
        units(item, `${prefix}discount_amount`) - units(item, `${prefix}discount_invoiced`),
        qty,
        available,
      ),
    };
  });
  const subtotal = perLine.reduce((sum, l) => sum + l.row, 0);
  const itemTax = perLine.reduce((sum, l) => sum + l.tax, 0);
  const discount = perLine.reduce((sum, l) => sum + l.discount, 0);
  const shipping = withShipping ? units(order, `${prefix}shipping_amount`) : 0;
  const shippingTax = withShipping ? units(order, `${prefix}shipping_tax_amount`) : 0;
  // The last invoice takes whatever of the order total is left, as Magento's collectors end up doing.
  const grand = completesOrder
    ? units(order, `${prefix}grand_total`) - units(order, `${prefix}total_invoiced`)
    : subtotal + itemTax + shippingTax + shipping - discount;
  return { perLine, subtotal, tax: itemTax + shippingTax, discount, shipping, shippingTax, grand };
}

/**
 * Magento's InvoiceOrder: checks the order can be invoiced, invoices the requested (or all remaining)
 * quantities, counts an offline capture as paid, and moves the order on (new → processing, or complete when
 * nothing is left to invoice or ship).
 */
function createInvoice(ctx: MagentoContext, orderId: number, body: unknown): SalesDocument {
  const order = findOrder(ctx, orderId);
  const request = isObject(body) ? body : {};
  if (invoiceBlockedByState(order))
    throw badRequest('An invoice cannot be created when an order has a status of %1', [order.status]);
  if (!canInvoice(order)) throw badRequest('The order does not allow an invoice to be created.');
  const lines = requestedLines(order, request.items, qtyToInvoice, {
    unknownItem: 'The invoice contains one or more items that are not part of the original order.',
    tooMany: 'The quantity to invoice must not be greater than the uninvoiced quantity for product SKU "%1".',
  });
  if (lines.length === 0)
    throw badRequest("The invoice can't be created without products. Add products and try again.");

  const completesOrder = order.items.every(
    (item) => qtyToInvoice(item) <= (lines.find((l) => l.item === item)?.qty ?? 0),
  );
  const withShipping = units(order, 'shipping_invoiced') === 0;
  const base = documentBase(ctx, order, 'invoice', ctx.store.data.invoices);
  const items: DocumentItem[] = lines.map(({ item, qty }) => ({
    ...itemDetails(item),
    entity_id: nextId(ctx, 'invoiceItem'),
    parent_id: base.entity_id,
    order_item_id: item.item_id,
    sku: item.sku,
    qty,
  }));
  const invoice: SalesDocument = {
    ...base,
    state: 2,
    can_void_flag: 0,
    order_currency_code: order.order_currency_code,
    base_currency_code: order.base_currency_code,
    total_qty: lines.reduce((sum, l) => sum + l.qty, 0),
    items,
    comments: documentComments(ctx, base.entity_id, request.comment, request.notify),
  };

  for (const prefix of ['', 'base_']) {
    const amounts = invoiceAmounts(order, lines, prefix, withShipping, completesOrder);
    setUnits(invoice, `${prefix}subtotal`, amounts.subtotal);
    setUnits(invoice, `${prefix}subtotal_incl_tax`, amounts.subtotal + amounts.tax - amounts.shippingTax);
    setUnits(invoice, `${prefix}tax_amount`, amounts.tax);
    setUnits(invoice, `${prefix}shipping_amount`, amounts.shipping);
    setUnits(invoice, `${prefix}shipping_tax_amount`, amounts.shippingTax);
    setUnits(invoice, `${prefix}shipping_incl_tax`, amounts.shipping + amounts.shippingTax);
    setUnits(invoice, `${prefix}discount_amount`, -amounts.discount);
    setUnits(invoice, `${prefix}grand_total`, amounts.grand);
    lines.forEach(({ item }, i) => {
      const share = amounts.perLine[i] ?? { row: 0, tax: 0, discount: 0 };
      const docItem = items[i] ?? {};
      setUnits(docItem, `${prefix}row_total`, share.row);
      setUnits(docItem, `${prefix}tax_amount`, share.tax);
      setUnits(docItem, `${prefix}discount_amount`, share.discount);
      addUnits(item, `${prefix}row_invoiced`, share.row);
      addUnits(item, `${prefix}tax_invoiced`, share.tax);
      addUnits(item, `${prefix}discount_invoiced`, share.discount);
    });
    addUnits(order, `${prefix}subtotal_invoiced`, amounts.subtotal);
    addUnits(order, `${prefix}tax_invoiced`, amounts.tax);
    addUnits(order, `${prefix}shipping_invoiced`, amounts.shipping);
    addUnits(order, `${prefix}discount_invoiced`, -amounts.discount);
    addUnits(order, `${prefix}total_invoiced`, amounts.grand);
    addUnits(order, `${prefix}total_paid`, amounts.grand);
    setUnits(order, `${prefix}total_due`, units(order, `${prefix}grand_total`) - units(order, `${prefix}total_paid`));
    addUnits(order.payment, `${prefix}amount_paid`, amounts.grand);
    addUnits(order.payment, `${prefix}shipping_captured`, amounts.shipping);
  }
  for (const { item, qty } of lines) countQty(order, item, 'qty_invoiced', qty);

  // Not part of Magento's creation arguments; accepted so a caller can record the payment's transaction id.
  const extension =
    isObject(request.arguments) && isObject(request.arguments.extension_attributes)
      ? request.arguments.extension_attributes
      : {};
  const transactionId = optionalString(extension.transaction_id);
  if (transactionId) {
    invoice.transaction_id = transactionId;
    order.payment.last_trans_id = transactionId;
  }
  resolveState(order, true);
  order.updated_at = invoice.created_at;
  ctx.store.data.invoices.push(invoice);
  ctx.store.changed();
  return invoice;
}

export function invoiceRoutes(ctx: MagentoContext): MagentoRoute[] {
  return [
    {
      method: 'post',
      path: '/V1/order/:orderId/invoice',
      resource: 'Magento_Sales::sales_invoice',
      handle: (req, res) => void res.json(createInvoice(ctx, intParam(req, 'orderId'), req.body).entity_id),
    },
    ...documentListRoutes(
      ctx,
      () => ctx.store.data.invoices,
      { list: '/V1/invoices', one: '/V1/invoices/:id' },
      'Magento_Sales::sales_invoice',
    ),
  ];
}
