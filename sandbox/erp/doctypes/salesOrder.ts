import { validationError } from '../frappeErrors';
import { fromMinorUnits, toMinor } from '../money';
import { companyBooks } from '../chart';
import type { ErpDoc } from '../state';
import { isBlank, rowsOf, setDefault, type DocTypeDefinition } from './definition';
import {
  applyDiscountOn,
  computeSellingTotals,
  itemsTable,
  requireCustomer,
  sellingFields,
  setSellingDefaults,
  taxesTable,
} from './sellingTotals';

export const salesOrder: DocTypeDefinition = {
  doctype: 'Sales Order',
  isSubmittable: true,
  namingSeries: 'SAL-ORD-',
  fields: [
    ...sellingFields,
    'amended_from',
    'order_type',
    'transaction_date',
    'delivery_date',
    'advance_paid',
    'party_account_currency',
    'per_delivered',
    'per_billed',
  ],
  selects: {
    naming_series: ['SAL-ORD-.YYYY.-'],
    order_type: ['', 'Sales', 'Maintenance', 'Shopping Cart'],
    apply_discount_on: applyDiscountOn,
    status: [
      '',
      'Draft',
      'On Hold',
      'To Deliver and Bill',
      'To Bill',
      'To Deliver',
      'Completed',
      'Cancelled',
      'Closed',
    ],
  },
  mandatory: ['customer', 'company', 'transaction_date', 'currency', 'order_type'],
  tables: [itemsTable('Sales Order Item'), taxesTable],
  allowOnSubmit: ['po_no', 'po_date', 'delivery_date', 'terms'],
  setDefaults(doc, ctx) {
    setSellingDefaults(doc, ctx, 'transaction_date');
    setDefault(doc, 'order_type', 'Sales');
    setDefault(doc, 'advance_paid', 0);
    setDefault(doc, 'per_delivered', 0);
    setDefault(doc, 'per_billed', 0);
  },
  validate(doc, ctx) {
    requireCustomer(doc, ctx);
    if (doc.order_type === 'Sales') validateDeliveryDate(doc);
    computeSellingTotals(doc, ctx);
    // The sandbox keeps receivables in the company's currency: an advance is paid, and counted, in it.
    doc.party_account_currency = companyBooks(ctx.find, String(doc.company)).currency;
  },
  linkedFrom(doc, ctx) {
    const invoice = ctx
      .all('Sales Invoice')
      .find((inv) => inv.docstatus === 1 && rowsOf(inv, 'items').some((row) => row.sales_order === doc.name));
    return invoice && { doctype: 'Sales Invoice', name: invoice.name };
  },
  status(doc) {
    if (doc.docstatus === 0) return 'Draft';
    if (doc.docstatus === 2) return 'Cancelled';
    return 'To Deliver and Bill';
  },
};

/** ERPNext's `validate_delivery_date` for an order of type Sales: the latest row date, or the header's, on every row. */
function validateDeliveryDate(doc: ErpDoc): void {
  const rowDates = rowsOf(doc, 'items')
    .map((row) => row.delivery_date)
    .filter((d): d is string => typeof d === 'string' && d !== '')
    .sort();
  const latest = rowDates[rowDates.length - 1];
  if (latest !== undefined && doc.delivery_date !== latest) doc.delivery_date = latest;
  if (isBlank(doc.delivery_date)) throw validationError('Please enter Delivery Date');
  for (const row of rowsOf(doc, 'items')) {
    setDefault(row, 'delivery_date', doc.delivery_date);
    if (String(doc.transaction_date) > String(row.delivery_date))
      throw validationError('Expected Delivery Date should be after Sales Order Date');
  }
}

/** A Payment Entry allocating an advance against a Sales Order raises its `advance_paid`. */
export function addAdvance(order: Record<string, unknown>, allocatedMinor: number): void {
  const currency = String(order.party_account_currency);
  order.advance_paid = fromMinorUnits(toMinor(order.advance_paid, currency) + allocatedMinor, currency);
}

/** What is still to be paid on the order, in the receivable account's currency. */
export function orderOutstandingMinor(order: Record<string, unknown>): number {
  const currency = String(order.party_account_currency);
  const total = currency === order.currency ? order.grand_total : order.base_grand_total;
  return toMinor(total, currency) - toMinor(order.advance_paid, currency);
}
