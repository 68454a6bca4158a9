import type Stripe from 'stripe';
import { creditMemoRefundKey, type StripePaymentReference } from '../../domain/creditMemoSync';
import { magentoOrderIdFromMetadata } from '../../domain/eventRouting';
import { MappingError } from '../../domain/fulfilment';
import { formatMoney, normalizeCurrency } from '../../domain/money';
import { callStripe } from '../../integrations/stripe/client';
import { refundedOf, refundsOfCharge } from '../../integrations/stripe/chargeRefunds';

export interface CreditMemoRefundInput extends StripePaymentReference {
  creditMemoId: number;
  /** The Magento order the memo belongs to: the payment must name it, or none. */
  incrementId: string;
  amountMinor: number;
  currency: string;
  /** Refunds the order's Magento memos already record: none of them is this memo's money. */
  refundsRecorded?: string[];
}

export interface CreditMemoRefund {
  refundId: string;
  chargeId: string;
  amountMinor: number;
  currency: string;
  status: string;
  /** False when a refund carrying the memo's id was there already, or one made elsewhere for the memo's money. */
  created: boolean;
  /** A refund made in Stripe (the Dashboard) for the memo's amount that no memo recorded: the memo records it now. */
  linked?: boolean;
}

/** Stripe activities for refunds made in Magento. */
export function createCreditMemoRefundActivities(stripe: Stripe) {
  async function paymentOf(input: CreditMemoRefundInput): Promise<{ charge: Stripe.Charge; orderNamed?: string }> {
    if (input.paymentIntentId) {
      const pi = await callStripe(() =>
        stripe.paymentIntents.retrieve(input.paymentIntentId!, { expand: ['latest_charge'] }),
      );
      const charge = typeof pi.latest_charge === 'object' && pi.latest_charge ? pi.latest_charge : undefined;
      if (!charge)
        throw new MappingError(
          `Stripe PaymentIntent ${pi.id} of Magento order ${input.incrementId} has no charge to refund (status ${pi.status})`,
        );
      return {
        charge,
        orderNamed: magentoOrderIdFromMetadata(pi.metadata) ?? magentoOrderIdFromMetadata(charge.metadata),
      };
    }
    if (!input.chargeId) return paymentBySearch(input.incrementId);
    const charge = await callStripe(() => stripe.charges.retrieve(input.chargeId!, { expand: ['payment_intent'] }));
    const pi = typeof charge.payment_intent === 'object' && charge.payment_intent ? charge.payment_intent : undefined;
    return {
      charge,
      orderNamed: magentoOrderIdFromMetadata(charge.metadata) ?? magentoOrderIdFromMetadata(pi?.metadata),
    };
  }

  /** When Magento records no payment: Stripe's search on the metadata the storefront set (eventually consistent, fine for an old order). */
  async function paymentBySearch(incrementId: string): Promise<{ charge: Stripe.Charge; orderNamed?: string }> {
    const found = await callStripe(() =>
      stripe.paymentIntents.search({
        query: `metadata['magento_order_id']:'${incrementId.replace(/'/g, '')}' AND status:'succeeded'`,
        limit: 10,
        expand: ['data.latest_charge'],
      }),
    );
    const paid = found.data.filter((pi) => typeof pi.latest_charge === 'object' && pi.latest_charge);
    if (paid.length !== 1) {
      throw new MappingError(
        paid.length === 0
          ? `neither Magento nor Stripe's search knows a payment of order ${incrementId} (no invoice naming one, no succeeded PaymentIntent with metadata magento_order_id)`
          : `Stripe has ${paid.length} succeeded payments for order ${incrementId} (${paid.map((pi) => pi.id).join(', ')}) and Magento names none of them`,
      );
    }
    return { charge: paid[0]!.latest_charge as Stripe.Charge, orderNamed: incrementId };
  }

  /** The memo's refund among the charge's: the one carrying its id, else one of its amount made elsewhere that nothing records. */
  function refundOfMemo(
    refunds: readonly Stripe.Refund[],
    input: CreditMemoRefundInput,
  ): { refund: Stripe.Refund; linked: boolean } | undefined {
    const named = refunds.find((refund) => refund.metadata?.magento_creditmemo_id === String(input.creditMemoId));
    if (named) return { refund: named, linked: false };
    const unrecorded = refunds.find(
      (refund) =>
        !refund.metadata?.magento_creditmemo_id &&
        !refund.metadata?.o2c_key &&
        !input.refundsRecorded?.includes(refund.id) &&
        refund.amount === input.amountMinor &&
        refund.status !== 'failed' &&
        refund.status !== 'canceled',
    );
    return unrecorded && { refund: unrecorded, linked: true };
  }

  const result = (refund: Stripe.Refund, chargeId: string, created: boolean): CreditMemoRefund => ({
    refundId: refund.id,
    chargeId,
    amountMinor: refund.amount,
    currency: refund.currency.toUpperCase(),
    status: refund.status ?? 'pending',
    created,
  });

  return {
    /**
     * Refunds a credit memo made in Magento, once. The payment is the one Magento records (given), else the order's one
     * succeeded PaymentIntent by Stripe's search. Looks on the charge for a refund carrying the memo's id (in any
     * state: a failed one is its refund run's to handle), or one of the memo's amount made elsewhere (the Dashboard)
     * that neither names a memo nor is recorded by one (`linked`: the same money, not refunded twice), before creating
     * one for the memo's total, with the idempotency key `magento-creditmemo:<id>` and `metadata.magento_creditmemo_id`,
     * by which the refund's own run finds the memo.
     * A payment of another order, another currency, or a memo for more than the charge has left is bad data: nothing moves.
     */
    async refundForCreditMemo(input: CreditMemoRefundInput): Promise<CreditMemoRefund> {
      const what = `Magento credit memo ${input.creditMemoId} (order ${input.incrementId}, ${formatMoney(input.amountMinor, input.currency)})`;
      const { charge, orderNamed } = await paymentOf(input);
      if (orderNamed !== undefined && orderNamed !== input.incrementId) {
        throw new MappingError(
          `${what}: Stripe charge ${charge.id} is the payment of order ${orderNamed}, not of order ${input.incrementId}`,
        );
      }
      const refunds = await refundsOfCharge(stripe, charge.id);
      const existing = refundOfMemo(refunds, input);
      if (existing)
        return { ...result(existing.refund, charge.id, false), ...(existing.linked ? { linked: true } : {}) };

      const currency = normalizeCurrency(charge.currency);
      if (currency !== normalizeCurrency(input.currency))
        throw new MappingError(`${what}: Stripe charge ${charge.id} is in ${currency}`);
      if (charge.status !== 'succeeded' || !charge.captured)
        throw new MappingError(`${what}: Stripe charge ${charge.id} has not been captured (${charge.status})`);
      if (input.amountMinor <= 0) throw new MappingError(`${what}: nothing to refund`);
      const refundedMinor = refundedOf(refunds);
      const leftMinor = charge.amount_captured - refundedMinor;
      if (input.amountMinor > leftMinor) {
        throw new MappingError(
          `${what} is for more than Stripe charge ${charge.id} has left to refund: ${formatMoney(leftMinor, currency)} of ` +
            `${formatMoney(charge.amount_captured, currency)} (refunded already: ${formatMoney(refundedMinor, currency)}). Correct the memo in Magento or ` +
            'refund the customer another way, then retry or skip',
        );
      }
      const refund = await callStripe(() =>
        stripe.refunds.create(
          {
            charge: charge.id,
            amount: input.amountMinor,
            reason: 'requested_by_customer',
            metadata: { magento_creditmemo_id: String(input.creditMemoId), magento_order_id: input.incrementId },
          },
          { idempotencyKey: creditMemoRefundKey(input.creditMemoId) },
        ),
      );
      return result(refund, charge.id, true);
    },
  };
}

export type CreditMemoRefundActivities = ReturnType<typeof createCreditMemoRefundActivities>;
