import type Stripe from 'stripe';
import { magentoOrderIdFromMetadata } from '../../domain/eventRouting';
import { MappingError } from '../../domain/fulfilment';
import { callStripe, idOf, invoiceIdOfPaymentIntent, isoOf } from '../../integrations/stripe/client';
import type { PaymentSnapshot } from './activities';

/**
 * How a renewal order is found from its payment. When the subscription's run makes the Magento order for a paid
 * invoice, it writes the order's increment id as `metadata.magento_order_id` on the invoice and on the PaymentIntent
 * that paid it, as the storefront does on an order's PaymentIntent: every reader of a payment (refunds, disputes,
 * reviews, an operator's refund, a staff credit memo) then finds the order as it finds any order's. The invoice's copy
 * covers an invoice paid without a PaymentIntent, and a PaymentIntent whose own write has not happened. An invoice that
 * makes no order is marked `o2c_renewal_order: none`, so its payment is known to be no order's.
 */
export const renewalNoOrderKey = 'o2c_renewal_order';

/**
 * A payment as an order's run holds it: a PaymentIntent's (`getPayment`), or a renewal's read from its invoice
 * (`getInvoicePayment`), which may have no PaymentIntent at all.
 */
export type OrderPayment = Omit<PaymentSnapshot, 'paymentIntentId'> & {
  /** Absent for an invoice paid without one: from the customer's credit balance, or outside Stripe. */
  paymentIntentId?: string;
  /** The renewal's Stripe invoice, when the payment is read from it. */
  invoiceId?: string;
  /** Of the invoice's total, what the customer's credit balance paid (negative when an earlier debt was added to it). */
  paidFromBalanceMinor?: number;
  /** Of the invoice's total, what was paid outside Stripe (the invoice marked paid out of band). */
  paidOutOfBandMinor?: number;
};

/** Fields older API versions (and the sandbox) show on an invoice beside the current ones. */
type LooseInvoice = Stripe.Invoice & {
  subscription?: string | { id: string } | null;
  payment_intent?: string | { id: string } | null;
  paid_out_of_band?: boolean;
};

function subscriptionOf(invoice: LooseInvoice): string | undefined {
  return (
    idOf(invoice.parent?.subscription_details?.subscription as string | { id: string } | undefined) ??
    idOf(invoice.subscription)
  );
}

/** The PaymentIntent that paid the invoice: its paid InvoicePayment's (API 2025-03-31 on), else the invoice's own field. */
export function paidPaymentIntentOf(invoice: LooseInvoice): string | undefined {
  const payments = invoice.payments?.data;
  if (payments) {
    const paid = payments.find((p) => p.status === 'paid' && p.payment?.payment_intent);
    return idOf(paid?.payment.payment_intent as string | { id: string } | undefined);
  }
  return idOf(invoice.payment_intent);
}

/** The invoice a PaymentIntent pays: named on it before API 2025-03-31 (and by the sandbox), else its InvoicePayment. */
async function invoicePaidBy(stripe: Stripe, pi: Stripe.PaymentIntent): Promise<string | undefined> {
  const named = invoiceIdOfPaymentIntent(pi);
  if (named) return named;
  const found = await callStripe(() =>
    stripe.invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: pi.id }, limit: 1 }),
  );
  return idOf(found.data[0]?.invoice as string | { id: string } | undefined);
}

export interface RenewalReference {
  invoiceId?: string | undefined;
  magentoOrderId?: string | undefined;
  unrecorded?: boolean;
}

/**
 * What a payment says about the Magento order of the invoice it pays: none when it pays no invoice; the order the
 * invoice names; or just the invoice, `unrecorded` when it is a subscription's and names neither an order nor none (an
 * invoice of a release before renewal orders were recorded, or one whose order is still being made).
 */
export async function renewalReferenceOf(
  stripe: Stripe,
  pi: Stripe.PaymentIntent | undefined,
): Promise<RenewalReference> {
  if (!pi) return {};
  const invoiceId = await invoicePaidBy(stripe, pi);
  if (!invoiceId) return {};
  const invoice = (await callStripe(() => stripe.invoices.retrieve(invoiceId))) as LooseInvoice;
  const magentoOrderId = magentoOrderIdFromMetadata(invoice.metadata);
  if (magentoOrderId) return { invoiceId, magentoOrderId };
  const unrecorded = subscriptionOf(invoice) !== undefined && invoice.metadata?.[renewalNoOrderKey] === undefined;
  return { invoiceId, ...(unrecorded ? { unrecorded } : {}) };
}

/**
 * The order a payment belongs to: named on its PaymentIntent (or charge) as the storefront names it, else through the
 * renewal invoice it paid (`renewalReferenceOf`). Every reader of a payment (refunds, disputes, the intake, look-ups)
 * finds it this one way.
 */
export async function orderOfPayment(
  stripe: Stripe,
  pi: Stripe.PaymentIntent | undefined,
  charge?: Stripe.Charge,
): Promise<RenewalReference> {
  const named = magentoOrderIdFromMetadata(pi?.metadata) ?? magentoOrderIdFromMetadata(charge?.metadata);
  if (named) return { magentoOrderId: named, invoiceId: invoiceIdOfPaymentIntent(pi) };
  return renewalReferenceOf(stripe, pi);
}

/** Stripe activities for renewal orders: a renewal's payment read from its invoice, and the order written on it. */
export function createRenewalActivities(
  stripe: Stripe,
  getPayment: (paymentIntentId: string) => Promise<PaymentSnapshot>,
) {
  return {
    /**
     * Read-only: a renewal's payment, from its invoice. Paid by a PaymentIntent, the PaymentIntent's snapshot; paid
     * without one (the customer's credit balance covered it, or it was marked paid out of band), a snapshot of no
     * charge. Either way with what of the invoice's total the credit balance and payments outside Stripe paid, so the
     * order is checked against the whole invoice. `succeeded` once the invoice is paid.
     */
    async getInvoicePayment(invoiceId: string): Promise<OrderPayment> {
      const invoice = (await callStripe(() =>
        stripe.invoices.retrieve(invoiceId, { expand: ['payments'] }),
      )) as LooseInvoice;
      const paid = invoice.status === 'paid';
      const paymentIntentId = paidPaymentIntentOf(invoice);
      const payment = paymentIntentId ? await getPayment(paymentIntentId) : undefined;
      const byCard = payment?.status === 'succeeded' ? payment : undefined;
      const paidOutOfBandMinor =
        invoice.amount_paid_off_stripe ??
        (invoice.paid_out_of_band ? invoice.amount_paid - (byCard?.amountMinor ?? 0) : 0);
      const magentoOrderId = byCard?.magentoOrderId ?? magentoOrderIdFromMetadata(invoice.metadata);
      const fromInvoice = {
        invoiceId,
        paidFromBalanceMinor: invoice.total - invoice.amount_due,
        paidOutOfBandMinor,
        ...(magentoOrderId ? { magentoOrderId } : {}),
      };
      if (byCard) return { ...byCard, ...fromInvoice };
      const customerId = idOf(invoice.customer as string | { id: string } | null);
      return {
        status: paid ? 'succeeded' : (invoice.status ?? 'draft'),
        amountMinor: 0,
        amountRefundedMinor: 0,
        currency: invoice.currency.toUpperCase(),
        ...(customerId ? { customerId } : {}),
        captureMethod: 'automatic',
        amountCapturableMinor: 0,
        createdAt: isoOf(invoice.status_transitions?.paid_at ?? invoice.created),
        ...fromInvoice,
      };
    },

    /**
     * Writes the renewal's Magento order on its invoice (`metadata.magento_order_id`, or `o2c_renewal_order: none` when
     * the invoice makes no order) and on the PaymentIntent that paid it, each unless it already says so, with an
     * idempotency key per object. A PaymentIntent that names another order is bad data: nothing is written to it.
     */
    async recordRenewalOrder(input: {
      invoiceId: string;
      incrementId?: string;
      paymentIntentId?: string;
    }): Promise<{ invoiceUpdated: boolean; paymentIntentUpdated: boolean }> {
      const { invoiceId, incrementId, paymentIntentId } = input;
      const metadata: Record<string, string> = incrementId
        ? { magento_order_id: incrementId }
        : { [renewalNoOrderKey]: 'none' };
      const invoice = await callStripe(() => stripe.invoices.retrieve(invoiceId));
      const invoiceUpdated = Object.entries(metadata).some(([k, v]) => invoice.metadata?.[k] !== v);
      if (invoiceUpdated) {
        await callStripe(() =>
          stripe.invoices.update(invoiceId, { metadata }, { idempotencyKey: `renewal-order:${invoiceId}:invoice` }),
        );
      }
      if (!incrementId || !paymentIntentId) return { invoiceUpdated, paymentIntentUpdated: false };
      const pi = await callStripe(() => stripe.paymentIntents.retrieve(paymentIntentId));
      const named = magentoOrderIdFromMetadata(pi.metadata);
      if (named === incrementId) return { invoiceUpdated, paymentIntentUpdated: false };
      if (named)
        throw new MappingError(
          `Stripe PaymentIntent ${paymentIntentId} of invoice ${invoiceId} names Magento order ${named}, not the renewal order ${incrementId}`,
        );
      await callStripe(() =>
        stripe.paymentIntents.update(
          paymentIntentId,
          { metadata: { magento_order_id: incrementId } },
          { idempotencyKey: `renewal-order:${invoiceId}:payment` },
        ),
      );
      return { invoiceUpdated, paymentIntentUpdated: true };
    },
  };
}

export type RenewalActivities = ReturnType<typeof createRenewalActivities>;
