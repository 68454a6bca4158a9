import { cancelledLinkError, linkValidationError, validationError } from '../frappeErrors';
import { fromCents, toCents, toNumber } from '../money';
import type { ErpDoc } from '../state';
import { account, flag, rowsOf, setDefault, type DocContext, type DocTypeDefinition } from './definition';
import {
  applyDiscountOn,
  computeSellingTotals,
  itemsTable,
  requireCustomer,
  sellingFields,
  setSellingDefaults,
  taxesTable,
} from './sellingTotals';

/**
 * Sales Invoice and its returns (credit notes: `is_return: 1`, `return_against`, negative quantities).
 * A submitted return reduces the original invoice's outstanding amount, as ERPNext posts it against that invoice,
 * unless `update_outstanding_for_self` is set, in which case the return carries its own negative outstanding.
 */
export const salesInvoice: DocTypeDefinition = {
  doctype: 'Sales Invoice',
  isSubmittable: true,
  namingSeries: 'ACC-SINV-',
  fields: [
    ...sellingFields,
    'posting_date',
    'posting_time',
    'set_posting_time',
    'due_date',
    'debit_to',
    'is_return',
    'return_against',
    'update_outstanding_for_self',
    'outstanding_amount',
    'remarks',
    'is_opening',
  ],
  selects: {
    naming_series: ['ACC-SINV-.YYYY.-', 'ACC-SINV-RET-.YYYY.-'],
    apply_discount_on: applyDiscountOn,
    is_opening: ['No', 'Yes'],
    status: [
      '',
      'Draft',
      'Return',
      'Credit Note Issued',
      'Submitted',
      'Paid',
      'Partly Paid',
      'Unpaid',
      'Unpaid and Discounted',
      'Partly Paid and Discounted',
      'Overdue and Discounted',
      'Overdue',
      'Cancelled',
      'Internal Transfer',
    ],
  },
  mandatory: ['customer', 'company', 'posting_date', 'due_date', 'currency', 'debit_to'],
  tables: [itemsTable('Sales Invoice Item'), taxesTable],
  allowOnSubmit: ['po_no', 'po_date', 'remarks', 'due_date'],
  setDefaults(doc, ctx) {
    setSellingDefaults(doc, ctx, 'posting_date');
    setDefault(doc, 'due_date', doc.posting_date);
    setDefault(doc, 'debit_to', account('Debtors'));
    doc.is_return = flag(doc.is_return);
    doc.update_outstanding_for_self = flag(doc.update_outstanding_for_self);
  },
  validate(doc, ctx) {
    requireCustomer(doc, ctx);
    if (String(doc.due_date) < String(doc.posting_date))
      throw validationError('Due Date cannot be before Posting Date');
    if (doc.is_return) validateReturn(doc, ctx);
    validateSalesOrderLinks(doc, ctx);
    const grandCents = computeSellingTotals(doc);
    doc.outstanding_amount = fromCents(grandCents);
  },
  onSubmit(doc, ctx) {
    const original = appliedTo(doc, ctx);
    if (!original) return;
    original.outstanding_amount = fromCents(toCents(original.outstanding_amount) + toCents(doc.grand_total));
    doc.outstanding_amount = 0;
    ctx.touch(original);
  },
  onCancel(doc, ctx) {
    const original = appliedTo(doc, ctx);
    if (!original) return;
    original.outstanding_amount = fromCents(toCents(original.outstanding_amount) - toCents(doc.grand_total));
    ctx.touch(original);
  },
  status(doc) {
    if (doc.docstatus === 0) return 'Draft';
    if (doc.docstatus === 2) return 'Cancelled';
    if (doc.is_return) return 'Return';
    const outstanding = toCents(doc.outstanding_amount);
    if (outstanding < 0) return 'Credit Note Issued';
    if (outstanding === 0) return 'Paid';
    return outstanding < toCents(doc.grand_total) ? 'Partly Paid' : 'Unpaid';
  },
};

/** Frappe's link validation on the rows' `sales_order`: the order must exist and must not be cancelled. */
function validateSalesOrderLinks(doc: ErpDoc, ctx: DocContext): void {
  for (const row of rowsOf(doc, 'items')) {
    if (typeof row.sales_order !== 'string' || row.sales_order === '') continue;
    const order = ctx.find('Sales Order', row.sales_order);
    if (!order) throw linkValidationError('Sales Order', row.sales_order);
    if (order.docstatus === 2) throw cancelledLinkError('Sales Order', row.sales_order);
  }
}

/** The invoice whose outstanding amount a submitted return reduces, if any. */
function appliedTo(doc: ErpDoc, ctx: DocContext): ErpDoc | undefined {
  if (!doc.is_return || doc.update_outstanding_for_self || !doc.return_against) return undefined;
  return ctx.find('Sales Invoice', String(doc.return_against));
}

/** ERPNext's `validate_return`: against a submitted invoice of the same customer, negative quantities, no more than was sold. */
function validateReturn(doc: ErpDoc, ctx: DocContext): void {
  if (!doc.return_against) return;
  const against = String(doc.return_against);
  const original = ctx.find('Sales Invoice', against);
  if (!original) throw linkValidationError('Sales Invoice', against);
  if (original.docstatus !== 1) throw validationError(`Sales Invoice ${against} must be submitted`);
  if (original.is_return) throw validationError(`Sales Invoice ${against} is itself a return`);
  if (original.customer !== doc.customer) {
    throw validationError(
      `The Customer (${String(doc.customer)}) must be equal to Customer (${String(original.customer)}) of Sales Invoice ${against}`,
    );
  }

  const sold = quantitiesByItem(rowsOf(original, 'items'));
  const returnedBefore = quantitiesByItem(
    ctx
      .all('Sales Invoice')
      .filter((r) => r.docstatus === 1 && r.is_return && r.return_against === against && r.name !== doc.name)
      .flatMap((r) => rowsOf(r, 'items')),
  );

  rowsOf(doc, 'items').forEach((row, i) => {
    const itemCode = String(row.item_code);
    const qty = toNumber(row.qty);
    if (qty >= 0) throw validationError(`Row #${i + 1}: Quantity must be negative in a return (Item ${itemCode})`);
    const soldQty = sold.get(itemCode);
    if (soldQty === undefined)
      throw validationError(`Row # ${i + 1}: Returned Item ${itemCode} does not exist in Sales Invoice ${against}`);
    const returnable = soldQty + (returnedBefore.get(itemCode) ?? 0);
    if (-qty > returnable)
      throw validationError(`Row # ${i + 1}: Cannot return more than ${returnable} for Item ${itemCode}`);
  });
}

function quantitiesByItem(rows: readonly Record<string, unknown>[]): Map<string, number> {
  const byItem = new Map<string, number>();
  for (const row of rows)
    byItem.set(String(row.item_code), (byItem.get(String(row.item_code)) ?? 0) + toNumber(row.qty));
  return byItem;
}
