import type { BookedDocument } from '../../domain/orderLedger';
import { toMinor } from '../../domain/money';
import type { DocStatus, ErpClient } from './client';

interface ErpDocument {
  name: string;
  docstatus: DocStatus;
  /** ERPNext's own status (`Paid`, `Return`, `Credit Note Issued`, `Completed`…). */
  status?: string;
  currency: string;
  postingDate?: string;
}

/** One order's ERPNext documents (found by `po_no` = increment id, and by the Stripe ids payments carry), money in minor units. */
export interface ErpOrderDocuments {
  salesOrders: Array<ErpDocument & { grandTotalMinor: number }>;
  salesInvoices: Array<ErpDocument & { grandTotalMinor: number; outstandingMinor: number }>;
  /** Returns against the order's invoices; `grandTotalMinor` positive, `refundId` from the remarks the product writes. */
  creditNotes: Array<ErpDocument & { grandTotalMinor: number; returnAgainst?: string; refundId?: string }>;
  /** `Receive` (money in, `referenceNo` the Stripe charge) or `Pay` (money back, `referenceNo` the Stripe refund). */
  paymentEntries: Array<ErpDocument & { paymentType: string; amountMinor: number; referenceNo?: string }>;
}

type Row = Record<string, unknown>;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const refundInRemarks = /^Stripe refund ((?:re|pyr)_[A-Za-z0-9]+)\./;

/**
 * Read-only: the Sales Orders and Sales Invoices (and returns) with the order's `po_no`, and the Payment Entries that
 * carry one of the given Stripe ids as `reference_no` or are allocated to one of those invoices.
 */
export async function readErpDocuments(erp: ErpClient, incrementId: string, stripeIds: readonly string[], orderCurrency?: string): Promise<ErpOrderDocuments> {
  const byPoNo = { filters: [['po_no', '=', incrementId]] as Array<[string, string, unknown]>, limit: 0, orderBy: 'creation asc' };
  const [orders, invoices] = await Promise.all([
    erp.listDocs<Row>('Sales Order', { ...byPoNo, fields: ['name', 'docstatus', 'status', 'currency', 'grand_total', 'transaction_date'] }),
    erp.listDocs<Row>('Sales Invoice', { ...byPoNo, fields: ['name', 'docstatus', 'status', 'currency', 'grand_total', 'outstanding_amount', 'is_return',
      'return_against', 'remarks', 'posting_date'] }),
  ]);
  const paymentFields = ['name', 'docstatus', 'status', 'payment_type', 'paid_amount', 'reference_no', 'posting_date', 'paid_from_account_currency',
    'paid_to_account_currency'];
  const invoiceNames = invoices.map((row) => String(row.name));
  const [byReference, byAllocation] = await Promise.all([
    stripeIds.length > 0 ? erp.listDocs<Row>('Payment Entry', { filters: [['reference_no', 'in', [...stripeIds]]], fields: paymentFields, limit: 0, orderBy: 'creation asc' }) : [],
    invoiceNames.length > 0 ? erp.listDocs<Row>('Payment Entry', { filters: [['Payment Entry Reference', 'reference_name', 'in', invoiceNames]], fields: paymentFields,
      limit: 0, orderBy: 'creation asc' }) : [],
  ]);
  const payments = [...byReference, ...byAllocation.filter((row) => !byReference.some((known) => known.name === row.name))];

  const base = (row: Row, currencyField = 'currency'): ErpDocument => ({
    name: String(row.name), docstatus: Number(row.docstatus ?? 0) as DocStatus, ...(text(row.status) ? { status: text(row.status) } : {}),
    currency: (text(row[currencyField]) ?? orderCurrency ?? 'USD').toUpperCase(),
    ...(text(row.posting_date ?? row.transaction_date) ? { postingDate: text(row.posting_date ?? row.transaction_date) } : {}),
  });
  const minor = (value: unknown, currency: string) => Math.abs(toMinor(Number(value ?? 0), currency));
  return {
    salesOrders: orders.map((row) => {
      const doc = base(row);
      return { ...doc, grandTotalMinor: minor(row.grand_total, doc.currency) };
    }),
    salesInvoices: invoices.filter((row) => !Number(row.is_return)).map((row) => {
      const doc = base(row);
      return { ...doc, grandTotalMinor: minor(row.grand_total, doc.currency), outstandingMinor: toMinor(Number(row.outstanding_amount ?? 0), doc.currency) };
    }),
    creditNotes: invoices.filter((row) => Number(row.is_return)).map((row) => {
      const doc = base(row);
      const refundId = refundInRemarks.exec(text(row.remarks) ?? '')?.[1];
      return { ...doc, grandTotalMinor: minor(row.grand_total, doc.currency), ...(text(row.return_against) ? { returnAgainst: text(row.return_against) } : {}),
        ...(refundId ? { refundId } : {}) };
    }),
    paymentEntries: payments.map((row) => {
      const paymentType = String(row.payment_type ?? '');
      const doc = base(row, paymentType === 'Pay' ? 'paid_from_account_currency' : 'paid_to_account_currency');
      return { ...doc, paymentType, amountMinor: minor(row.paid_amount, doc.currency), ...(text(row.reference_no) ? { referenceNo: text(row.reference_no) } : {}) };
    }),
  };
}

/** The ERP's books (submitted invoices in, credit notes out) and its payments (received in, paid back out); drafts and cancelled documents do not count. */
export function erpBooks(docs: ErpOrderDocuments): { books: BookedDocument[]; payments: BookedDocument[] } {
  const submitted = <T extends ErpDocument>(list: T[]) => list.filter((d) => d.docstatus === 1);
  const ref = (id: string | undefined) => (id ? { stripeRef: id } : {});
  return {
    books: [
      ...submitted(docs.salesInvoices).map((d): BookedDocument => ({ label: `ERP Sales Invoice ${d.name}`, direction: 'in', amountMinor: d.grandTotalMinor, currency: d.currency })),
      ...submitted(docs.creditNotes).map((d): BookedDocument => ({ label: `ERP credit note ${d.name}`, direction: 'out', amountMinor: d.grandTotalMinor,
        currency: d.currency, ...ref(d.refundId) })),
    ],
    payments: submitted(docs.paymentEntries).filter((d) => d.paymentType === 'Receive' || d.paymentType === 'Pay')
      .map((d): BookedDocument => ({ label: `ERP Payment Entry ${d.name}`, direction: d.paymentType === 'Receive' ? 'in' : 'out', amountMinor: d.amountMinor,
        currency: d.currency, ...ref(d.referenceNo) })),
  };
}
