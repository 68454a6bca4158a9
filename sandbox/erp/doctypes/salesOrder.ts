import { validationError } from '../frappeErrors';
import { fromCents, toCents } from '../money';
import { setDefault, type DocTypeDefinition } from './definition';
import { computeSellingTotals, itemsTable, requireCustomer, setSellingDefaults, taxesTable } from './sellingTotals';

export const salesOrder: DocTypeDefinition = {
  doctype: 'Sales Order',
  isSubmittable: true,
  namingSeries: 'SAL-ORD-',
  mandatory: ['customer', 'company', 'transaction_date', 'delivery_date', 'currency', 'order_type'],
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
    if (String(doc.delivery_date) < String(doc.transaction_date)) {
      throw validationError('Expected Delivery Date should be after Sales Order Date');
    }
    computeSellingTotals(doc);
  },
  status(doc) {
    if (doc.docstatus === 0) return 'Draft';
    if (doc.docstatus === 2) return 'Cancelled';
    return 'To Deliver and Bill';
  },
};

/** A Payment Entry allocating an advance against a Sales Order raises its `advance_paid`. */
export function addAdvance(order: Record<string, unknown>, allocatedCents: number): void {
  order.advance_paid = fromCents(toCents(order.advance_paid) + allocatedCents);
}
