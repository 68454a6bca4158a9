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
  /** Oldest first; an amendment (for a refund before the invoice) names the order it replaced and the refund it took off. */
  salesOrders: Array<ErpDocument & { grandTotalMinor: number; amendedFrom?: string; refundIds?: string[] }>;
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
export async function readErpDocuments(
  erp: ErpClient,
  incrementId: string,
  stripeIds: readonly string[],
  orderCurrency?: string,
): Promise<ErpOrderDocuments> {
  const byPoNo = {
    filters: [['po_no', '=', incrementId]] as Array<[string, string, unknown]>,
    limit: 0,
    orderBy: 'creation asc',
  };
  const [orders, invoices] = await Promise.all([
    erp.listDocs<Row>('Sales Order', {
      ...byPoNo,
      fields: ['name', 'docstatus', 'status', 'currency', 'grand_total', 'transaction_date', 'amended_from', 'terms'],
    }),
    erp.listDocs<Row>('Sales Invoice', {
      ...byPoNo,
      fields: [
        'name',
        'docstatus',
        'status',
        'currency',
        'grand_total',
        'outstanding_amount',
        'is_return',
        'return_against',
        'remarks',
        'posting_date',
      ],
    }),
  ]);
  const paymentFields = [
    'name',
    'docstatus',
    'status',
    'payment_type',
    'paid_amount',
    'reference_no',
    'posting_date',
    'paid_from_account_currency',
    'paid_to_account_currency',
  ];
  const invoiceNames = invoices.map((row) => String(row.name));
  const [byReference, byAllocation] = await Promise.all([
    stripeIds.length > 0
      ? erp.listDocs<Row>('Payment Entry', {
          filters: [['reference_no', 'in', [...stripeIds]]],
          fields: paymentFields,
          limit: 0,
          orderBy: 'creation asc',
        })
      : [],
    invoiceNames.length > 0
      ? erp.listDocs<Row>('Payment Entry', {
          filters: [['Payment Entry Reference', 'reference_name', 'in', invoiceNames]],
          fields: paymentFields,
          limit: 0,
          orderBy: 'creation asc',
        })
      : [],
  ]);
  const payments = [
    ...byReference,
    ...byAllocation.filter((row) => !byReference.some((known) => known.name === row.name)),
  ];

  const base = (row: Row, currencyField = 'currency'): ErpDocument => ({
    name: String(row.name),
    docstatus: Number(row.docstatus ?? 0) as DocStatus,
    ...(text(row.status) ? { status: text(row.status) } : {}),
    currency: (text(row[currencyField]) ?? orderCurrency ?? 'USD').toUpperCase(),
    ...(text(row.posting_date ?? row.transaction_date)
      ? { postingDate: text(row.posting_date ?? row.transaction_date) }
      : {}),
  });
  const minor = (value: unknown, currency: string) => Math.abs(toMinor(Number(value ?? 0), currency));
  return {
    salesOrders: orders.map((row) => {
      const doc = base(row);
      const refundIds = [...(text(row.terms) ?? '').matchAll(/\[o2c:refund:([^\]]+)\]/g)].map((m) => m[1]!);
      return {
        ...doc,
        grandTotalMinor: minor(row.grand_total, doc.currency),
        ...(text(row.amended_from) ? { amendedFrom: text(row.amended_from) } : {}),
        ...(refundIds.length > 0 ? { refundIds } : {}),
      };
    }),
    salesInvoices: invoices
      .filter((row) => !Number(row.is_return))
      .map((row) => {
        const doc = base(row);
        return {
          ...doc,
          grandTotalMinor: minor(row.grand_total, doc.currency),
          outstandingMinor: toMinor(Number(row.outstanding_amount ?? 0), doc.currency),
        };
      }),
    creditNotes: invoices
      .filter((row) => Number(row.is_return))
      .map((row) => {
        const doc = base(row);
        const refundId = refundInRemarks.exec(text(row.remarks) ?? '')?.[1];
        return {
          ...doc,
          grandTotalMinor: minor(row.grand_total, doc.currency),
          ...(text(row.return_against) ? { returnAgainst: text(row.return_against) } : {}),
          ...(refundId ? { refundId } : {}),
        };
      }),
    paymentEntries: payments.map((row) => {
      const paymentType = String(row.payment_type ?? '');
      const doc = base(row, paymentType === 'Pay' ? 'paid_from_account_currency' : 'paid_to_account_currency');
      return {
        ...doc,
        paymentType,
        amountMinor: minor(row.paid_amount, doc.currency),
        ...(text(row.reference_no) ? { referenceNo: text(row.reference_no) } : {}),
      };
    }),
  };
}

/** The ERP's books (submitted invoices in, credit notes out) and its payments (received in, paid back out); drafts and cancelled documents do not count. */
export function erpBooks(docs: ErpOrderDocuments): { books: BookedDocument[]; payments: BookedDocument[] } {
  const submitted = <T extends ErpDocument>(list: T[]) => list.filter((d) => d.docstatus === 1);
  const ref = (id: string | undefined) => (id ? { stripeRef: id } : {});
  const invoices = submitted(docs.salesInvoices);
  const amendments = invoices.length > 0 ? refundAmendments(docs.salesOrders) : [];
  const amendedBy = amendments.reduce((sum, a) => sum + a.amountMinor, 0);
  return {
    books: [
      // An invoice made from a Sales Order amended for refunds bills what the customer kept: it is shown as the order's
      // amount in, with each amendment as money out for its refund.
      ...invoices.map((d, i): BookedDocument => ({
        label:
          i === 0 && amendedBy > 0
            ? `ERP Sales Invoice ${d.name} (from Sales Order amended for refunds)`
            : `ERP Sales Invoice ${d.name}`,
        direction: 'in',
        amountMinor: d.grandTotalMinor + (i === 0 ? amendedBy : 0),
        currency: d.currency,
      })),
      ...amendments,
      ...submitted(docs.creditNotes).map((d): BookedDocument => ({
        label: `ERP credit note ${d.name}`,
        direction: 'out',
        amountMinor: d.grandTotalMinor,
        currency: d.currency,
        ...ref(d.refundId),
      })),
    ],
    payments: submitted(docs.paymentEntries)
      .filter((d) => d.paymentType === 'Receive' || d.paymentType === 'Pay')
      .map((d): BookedDocument => ({
        label: `ERP Payment Entry ${d.name}`,
        direction: d.paymentType === 'Receive' ? 'in' : 'out',
        amountMinor: d.amountMinor,
        currency: d.currency,
        ...ref(d.referenceNo),
      })),
  };
}

/**
 * The refunds taken off the order's Sales Order before it was invoiced: along the chain of amendments that ends in
 * the submitted order, each amendment's drop in grand total, for the refund it added to the order's terms.
 */
function refundAmendments(orders: ErpOrderDocuments['salesOrders']): BookedDocument[] {
  const byName = new Map(orders.map((o) => [o.name, o]));
  const amendments: BookedDocument[] = [];
  for (let order = orders.find((o) => o.docstatus === 1); order?.amendedFrom; order = byName.get(order.amendedFrom)) {
    const previous = byName.get(order.amendedFrom);
    if (!previous) break;
    const refundId = (order.refundIds ?? []).find((id) => !(previous.refundIds ?? []).includes(id));
    amendments.unshift({
      label: `ERP Sales Order ${order.name} (amends ${previous.name})`,
      direction: 'out',
      amountMinor: previous.grandTotalMinor - order.grandTotalMinor,
      currency: order.currency,
      ...(refundId ? { stripeRef: refundId } : {}),
    });
  }
  return amendments;
}
