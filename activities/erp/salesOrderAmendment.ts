import { MappingError, type ErpLine, type ErpTax } from '../../domain/fulfilment';
import { fromMinor, toMinor } from '../../domain/money';
import { ExternalSystemError } from '../../integrations/http/errors';
import { likeContaining, type ErpClient, type FrappeDoc } from '../../integrations/erp/client';
import { conversionRateFor, type Settlement } from '../../domain/settlement';
import type { CompanyBooks } from './companyBooks';
import { amendedOrderLines, type InvoiceLines } from './creditNote';

/**
 * A refund before the order is invoiced in the ERP: its Sales Order is amended (cancelled, and a copy less the refund
 * submitted with `amended_from`), and the order's invoice is later made from the amended order. Markers in the
 * order's `terms` make each step findable again: `[o2c:amending:re_…]` on the order about to be cancelled,
 * `[o2c:refund:re_…]` on the amendment (and carried into later amendments).
 */

export interface AmendForRefundInput {
  poNo: string;
  refundId: string;
  /** What Stripe refunded, tax included, in the order's currency. */
  amountMinor: number;
}

export type AmendForRefundResult =
  /** The order was invoiced first: the refund is a credit note against that invoice. */
  | { outcome: 'invoiced'; salesInvoice: string; customer: string }
  /** The Sales Order now carries the refund (`amended` false: an earlier attempt already did it). */
  | { outcome: 'amended'; salesOrder: string; customer: string; amended: boolean }
  /** No Sales Order to amend: never booked, or cancelled with the order's reversal. */
  | { outcome: 'nothing_to_amend'; reason: string };

export interface InvoiceOrderInput {
  poNo: string;
  /** `YYYY-MM-DD`, the shipment's date. */
  date: string;
  /** The captured charge's balance transaction: its rate is the invoice's `conversion_rate` when Stripe settled in the company's currency. */
  settlement?: Settlement;
}

type OrderDoc = FrappeDoc & {
  docstatus?: number;
  amended_from?: string;
  terms?: string;
  customer?: string;
  creation?: string;
};

const amendingMarker = (refundId: string) => `[o2c:amending:${refundId}]`;
const refundMarker = (refundId: string) => `[o2c:refund:${refundId}]`;
const anyAmendingMarker = /\s*\[o2c:amending:[^\]]+\]/g;
const hasAmendingMarker = (terms: string | undefined) => /\[o2c:amending:[^\]]+\]/.test(terms ?? '');

/** Frappe's `ValidationError` subclass name, from an error body. */
function excType(err: unknown): string | undefined {
  if (!(err instanceof ExternalSystemError)) return undefined;
  const body = err.body as { exc_type?: unknown } | undefined;
  return typeof body?.exc_type === 'string' ? body.exc_type : undefined;
}

export function createSalesOrderAmendment(erp: ErpClient, companyBooks: (company: string) => Promise<CompanyBooks>) {
  async function invoiceOf(poNo: string): Promise<{ name: string; customer: string } | undefined> {
    const [invoice] = await erp.listDocs<{ name: string; customer: string }>('Sales Invoice', {
      filters: [
        ['po_no', '=', poNo],
        ['docstatus', '=', 1],
        ['is_return', '=', 0],
      ],
      fields: ['name', 'customer'],
      limit: 1,
      orderBy: 'creation asc',
    });
    return invoice;
  }

  async function ordersOf(poNo: string): Promise<OrderDoc[]> {
    return erp.listDocs<OrderDoc>('Sales Order', {
      filters: [['po_no', '=', poNo]],
      fields: ['name', 'docstatus', 'amended_from', 'terms', 'customer', 'creation'],
      limit: 0,
      orderBy: 'creation asc',
    });
  }

  /** The order to invoice (the submitted one), or the cancelled one an interrupted amendment left behind, or none. */
  function current(orders: OrderDoc[]): { live?: OrderDoc; halfAmended?: OrderDoc } {
    const live = orders.find((o) => o.docstatus === 1);
    if (live) return { live };
    const latest = orders[orders.length - 1];
    const amended = latest && orders.some((o) => o.amended_from === latest.name);
    return latest && !amended && hasAmendingMarker(latest.terms) ? { halfAmended: latest } : {};
  }

  async function submitAmendment(original: FrappeDoc, refundId: string, amountMinor: number): Promise<string> {
    const currency = String(original.currency);
    const lines = amendedOrderLines(
      orderLines(original),
      amountMinor,
      `Sales Order ${original.name} less Stripe refund ${refundId}`,
    );
    const rowDefaults = rows(original, 'items')[0] ?? {};
    const terms = `${String(original.terms ?? '').replace(anyAmendingMarker, '')} ${refundMarker(refundId)}`.trim();
    const doc = await erp.createDoc('Sales Order', {
      amended_from: original.name,
      customer: original.customer,
      company: original.company,
      currency,
      ...(original.conversion_rate ? { conversion_rate: original.conversion_rate } : {}),
      po_no: original.po_no,
      order_type: original.order_type,
      transaction_date: original.transaction_date,
      delivery_date: original.delivery_date,
      terms,
      items: lines.items.map((line) => ({
        ...erpItem(line, currency),
        ...(rowDefaults.delivery_date ? { delivery_date: rowDefaults.delivery_date } : {}),
      })),
      taxes: lines.taxes.map((tax) => erpTax(tax, currency)),
      docstatus: 1,
    });
    return doc.name;
  }

  return {
    /**
     * Takes a refund off the order's Sales Order before it is invoiced. Looks first: an invoice already made (the
     * refund is then a credit note), or an amendment already carrying this refund. Marks the order, cancels it and
     * submits the amendment; an attempt interrupted after the cancel finishes it. The ERP refusing the cancel
     * because the order was invoiced meanwhile answers `invoiced`.
     */
    async amendErpSalesOrderForRefund(input: AmendForRefundInput): Promise<AmendForRefundResult> {
      for (let attempt = 0; ; attempt++) {
        const invoice = await invoiceOf(input.poNo);
        if (invoice) return { outcome: 'invoiced', salesInvoice: invoice.name, customer: invoice.customer };
        const orders = await ordersOf(input.poNo);
        const done = orders.find((o) => (o.terms ?? '').includes(refundMarker(input.refundId)));
        const { live, halfAmended } = current(orders);
        if (done)
          return {
            outcome: 'amended',
            salesOrder: live?.name ?? done.name,
            customer: String(done.customer),
            amended: false,
          };
        if (halfAmended) {
          const original = await erp.getDoc('Sales Order', halfAmended.name);
          const salesOrder = await submitAmendment(original, input.refundId, input.amountMinor);
          return { outcome: 'amended', salesOrder, customer: String(original.customer), amended: true };
        }
        if (!live) {
          return {
            outcome: 'nothing_to_amend',
            reason:
              orders.length > 0
                ? `Sales Order ${orders[orders.length - 1]!.name} is cancelled`
                : 'the ERP has no Sales Order for it',
          };
        }
        const original = await erp.getDoc('Sales Order', live.name);
        // Checked before anything is changed, so that a refund the order cannot carry parks with the order as it was.
        amendedOrderLines(
          orderLines(original),
          input.amountMinor,
          `Sales Order ${original.name} less Stripe refund ${input.refundId}`,
        );
        const terms = `${String(original.terms ?? '')} ${amendingMarker(input.refundId)}`.trim();
        await erp.updateDoc('Sales Order', live.name, { terms });
        try {
          await erp.cancelDoc('Sales Order', live.name);
        } catch (err) {
          if (excType(err) !== 'LinkExistsError' || attempt > 0) throw err;
          continue; // invoiced between the look and the cancel
        }
        const salesOrder = await submitAmendment({ ...original, terms }, input.refundId, input.amountMinor);
        return { outcome: 'amended', salesOrder, customer: String(original.customer), amended: true };
      }
    },

    /**
     * The order's Sales Invoice, made from its submitted Sales Order (amended for refunds before shipment, so it bills
     * what the customer kept). Looks for the invoice first. While a refund's amendment is half done, answers a
     * transient error so that Temporal tries again a moment later.
     */
    async invoiceErpSalesOrder(
      input: InvoiceOrderInput,
    ): Promise<{ name: string; created: boolean; salesOrder: string; grandTotalMinor: number }> {
      for (let attempt = 0; ; attempt++) {
        const invoice = await invoiceOf(input.poNo);
        const { live, halfAmended } = current(await ordersOf(input.poNo));
        if (invoice) {
          const doc = await erp.getDoc('Sales Invoice', invoice.name);
          return {
            name: invoice.name,
            created: false,
            salesOrder: String(rows(doc, 'items')[0]?.sales_order ?? live?.name ?? ''),
            grandTotalMinor: toMinor(Number(doc.grand_total ?? 0), String(doc.currency)),
          };
        }
        if (halfAmended)
          throw new ExternalSystemError(
            'Erp',
            `Sales Order ${halfAmended.name} is being amended for a refund`,
            undefined,
            'transient',
          );
        if (!live) throw new MappingError(`order ${input.poNo} has no submitted Sales Order in the ERP to invoice`);
        const order = await erp.getDoc('Sales Order', live.name);
        const currency = String(order.currency);
        const books = await companyBooks(String(order.company));
        const rate = conversionRateFor(currency, books.currency, input.settlement) ?? order.conversion_rate;
        try {
          const doc = await erp.createDoc('Sales Invoice', {
            customer: order.customer,
            company: order.company,
            currency,
            ...(rate ? { conversion_rate: rate } : {}),
            po_no: input.poNo,
            set_posting_time: 1,
            posting_date: input.date,
            due_date: input.date,
            items: rows(order, 'items').map((row) => ({
              item_code: row.item_code,
              item_name: row.item_name,
              qty: row.qty,
              rate: row.rate,
              sales_order: order.name,
              so_detail: row.name,
            })),
            taxes: rows(order, 'taxes').map((row) => ({
              charge_type: row.charge_type ?? 'Actual',
              account_head: row.account_head,
              tax_amount: row.tax_amount,
              description: row.description,
            })),
            docstatus: 1,
          });
          return {
            name: doc.name,
            created: true,
            salesOrder: order.name,
            grandTotalMinor: toMinor(Number(doc.grand_total ?? 0), currency),
          };
        } catch (err) {
          if (excType(err) !== 'CancelledLinkError' || attempt > 2) throw err;
          // a refund amended the order between the read and the insert: invoice the amendment
        }
      }
    },

    /**
     * Refunds paid back before the order was invoiced, as their Payment Entries say: cancelled when the order itself
     * is reversed, since the ERP then books none of the order's money. Returns what it cancelled.
     */
    async cancelPaymentsBeforeInvoice(poNo: string): Promise<string[]> {
      const paid = await erp.listDocs<{ name: string }>('Payment Entry', {
        filters: [
          ['payment_type', '=', 'Pay'],
          ['docstatus', '=', 1],
          ['remarks', 'like', likeContaining(beforeInvoiceRemark(poNo))],
        ],
        fields: ['name'],
        limit: 0,
      });
      for (const { name } of paid) await erp.cancelDoc('Payment Entry', name);
      return paid.map((p) => p.name);
    },
  };
}

/** Carried in the `remarks` of a refund's Payment Entry made before the order had an invoice. */
export const beforeInvoiceRemark = (poNo: string): string => `before order ${poNo} was invoiced`;

function rows(doc: FrappeDoc, field: string): Array<Record<string, unknown>> {
  return Array.isArray(doc[field]) ? (doc[field] as Array<Record<string, unknown>>) : [];
}

function orderLines(doc: FrappeDoc): InvoiceLines {
  return {
    name: doc.name,
    currency: String(doc.currency),
    items: rows(doc, 'items').map((row) => ({
      item_code: String(row.item_code),
      item_name: typeof row.item_name === 'string' ? row.item_name : undefined,
      qty: Number(row.qty ?? 0),
      rate: Number(row.rate ?? 0),
    })),
    taxes: rows(doc, 'taxes').map((row) => ({
      account_head: String(row.account_head),
      tax_amount: Number(row.tax_amount ?? 0),
      ...(typeof row.description === 'string' ? { description: row.description } : {}),
    })),
  };
}

function erpItem(line: ErpLine, currency: string) {
  return {
    item_code: line.item_code,
    item_name: line.item_name,
    qty: line.qty,
    rate: fromMinor(line.rateMinor, currency),
  };
}

function erpTax(tax: ErpTax, currency: string) {
  return {
    charge_type: tax.charge_type,
    account_head: tax.account_head,
    description: tax.description,
    tax_amount: fromMinor(tax.taxMinor, currency),
  };
}
