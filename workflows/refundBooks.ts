/**
 * Booking one Stripe refund on its order: the Magento credit memo and the ERP credit (a credit note and a payment
 * paying the customer back, or, before the ERP invoice, the Sales Order amended and the payment left unallocated).
 * The refund's own run (workflows/refund.ts) books it, or the order's run (workflows/orderToCash.ts) when the refund
 * came before shipment: one writer per refund, each with the same steps.
 */
import type { OrderSettings } from '../domain/settings';
import type { RefundSnapshot } from '../activities/stripe/activities';
import type { createReviewQueue } from './reviewQueue';
import type { Systems } from './systems';

type Review = ReturnType<typeof createReviewQueue>;

export interface RefundBooker {
  review: Review;
  incrementId: string;
  settings: OrderSettings;
  magento: Pick<Systems['magento'], 'creditMemoForRefund'>;
  erp: Pick<
    Systems['erp'],
    'erpDocsOfOrder' | 'amendErpSalesOrderForRefund' | 'createErpRefundPayment' | 'createErpCreditNote'
  >;
}

/** What the ERP now holds for the refund, by the status fields the runs show. */
export type ErpCredit =
  | { step: 'erp_credited'; erpCreditNote: string; erpRefundPayment: string }
  | { step: 'erp_order_amended'; erpSalesOrder: string; erpRefundPayment: string }
  | { step: 'nothing_to_credit'; erp: string };

/** Magento: an offline credit memo for exactly the refund (found again, not made twice, on a redelivery or re-run). */
export async function creditMemoFor(books: RefundBooker, entityId: number, refund: RefundSnapshot): Promise<number> {
  const { refundId, amountMinor, currency, reason, magentoCreditMemoId } = refund;
  const memo = await books.review.step(() =>
    books.magento.creditMemoForRefund({
      entityId,
      refundId,
      amountMinor,
      currency,
      ...(magentoCreditMemoId ? { magentoCreditMemoId } : {}),
      ...(reason ? { reason } : {}),
      ...(refund.otherRefunds ? { otherRefunds: refund.otherRefunds } : {}),
      returnToStock: books.settings.refunds.returnToStock,
    }),
  );
  return memo.creditMemoId;
}

/**
 * ERP: a credit note against the order's Sales Invoice and a payment paying the customer back, both equal to the
 * refund. Before the order is invoiced there, its Sales Order is amended instead (the invoice is later made from the
 * amendment) and the payment stays unallocated. An order reversed in the ERP (its Sales Order cancelled) or never
 * booked there has nothing to credit.
 */
export async function creditInErp(books: RefundBooker, refund: RefundSnapshot): Promise<ErpCredit> {
  const { review, erp, incrementId } = books;
  const { refundId, amountMinor, currency, reason } = refund;
  const date = refund.createdAt.slice(0, 10);
  const { bankAccount: paidFrom, company } = books.settings.erp;
  const settlement = refund.settlement ? { settlement: refund.settlement } : {};
  const docs = await review.step(() => erp.erpDocsOfOrder(incrementId));
  if (docs.salesInvoice) return creditNote(docs.salesInvoice, docs.customer!);
  if (!docs.salesOrder || docs.salesOrderCancelled) {
    return {
      step: 'nothing_to_credit',
      erp: docs.salesOrder
        ? `Sales Order ${docs.salesOrder} cancelled: nothing to credit`
        : 'no ERP order: nothing to credit',
    };
  }
  const amended = await review.step(() =>
    erp.amendErpSalesOrderForRefund({ poNo: incrementId, refundId, amountMinor }),
  );
  if (amended.outcome === 'invoiced') return creditNote(amended.salesInvoice, amended.customer);
  if (amended.outcome === 'nothing_to_amend')
    return { step: 'nothing_to_credit', erp: `${amended.reason}: nothing to credit` };
  const payment = await payBack({ poNo: incrementId, customer: amended.customer });
  return { step: 'erp_order_amended', erpSalesOrder: amended.salesOrder, erpRefundPayment: payment.name };

  /** The payment paying the customer back: against the credit note, or before the invoice against the order. */
  function payBack(against: { creditNote: string; customer: string } | { poNo: string; customer: string }) {
    return review.step(() =>
      erp.createErpRefundPayment({
        ...against,
        company,
        amountMinor,
        currency,
        referenceNo: refundId,
        date,
        paidFrom,
        ...settlement,
      }),
    );
  }

  async function creditNote(salesInvoice: string, customer: string): Promise<ErpCredit> {
    const note = await review.step(() =>
      erp.createErpCreditNote({
        salesInvoice,
        referenceNo: refundId,
        amountMinor,
        date,
        reason: reason ?? 'refunded in Stripe',
      }),
    );
    const payment = await payBack({ creditNote: note.name, customer });
    return { step: 'erp_credited', erpCreditNote: note.name, erpRefundPayment: payment.name };
  }
}
