import type Stripe from 'stripe';
import { magentoOrderIdFromMetadata } from '../../domain/eventRouting';
import { formatMoney, toMinor } from '../../domain/money';
import type { PayoutDetails } from '../../domain/reconciliation';
import type { Settlement } from '../../domain/settlement';
import { createAuthorizationActivities } from './authorizations';
import { createBillingActivities } from './billing';
import { createCheckoutActivities } from './checkout';
import { settlementOf } from './settlement';
import { callStripe, idOf, isoOf } from '../../integrations/stripe/client';
import { refundedOf, refundsOfCharge } from '../../integrations/stripe/chargeRefunds';
import { createRenewalActivities, orderOfPayment } from './renewals';

export { PaymentNotCapturable } from './authorizations';
export type { CancelAuthorizationResult, CancellationReason, CaptureResult } from './authorizations';
export type { RetryCheckoutInput, RetryCheckoutSession } from './checkout';
export type { SubscriptionSnapshot } from './billing';

/** A payment as the order workflow needs it, read from Stripe's current state (not from a possibly stale event). */
export interface PaymentSnapshot {
  paymentIntentId: string;
  chargeId?: string;
  status: string;
  amountMinor: number;
  amountRefundedMinor: number;
  currency: string;
  riskLevel?: string;
  riskScore?: number;
  declineCode?: string;
  failureMessage?: string;
  customerId?: string;
  magentoOrderId?: string;
  /** `manual` = authorise now, capture later (`automatic_async` is reported as `automatic`). */
  captureMethod: 'automatic' | 'manual';
  /** What a manual-capture authorisation still holds (0 once captured or canceled). */
  amountCapturableMinor: number;
  /** ISO time the PaymentIntent was canceled. */
  canceledAt?: string;
  cancellationReason?: string;
  /** ISO time of the latest charge (of the PaymentIntent when there is no charge yet). */
  createdAt: string;
  /** What was captured, in the order's currency (less than `amountMinor` after a partial capture); absent before capture. */
  capturedMinor?: number;
  /** What the captured charge brought into the Stripe balance, in the settlement currency; absent before capture. */
  settlement?: Settlement;
}

/** A refund as the Refund workflow needs it, read from Stripe's current state. */
export interface RefundSnapshot {
  refundId: string;
  status: 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled';
  amountMinor: number;
  currency: string;
  chargeId?: string;
  paymentIntentId?: string;
  reason?: string;
  failureReason?: string;
  /** The order the refunded payment names (PaymentIntent or charge metadata). */
  magentoOrderId?: string;
  /** Set when the payment belongs to a Stripe invoice (a subscription), not to a Magento order. */
  invoiceId?: string;
  /** Our own key, when the order run refunded as part of its reversal (`order:<id>:refund`). */
  o2cKey?: string;
  /** The Magento credit memo a refund made from Magento came from. */
  magentoCreditMemoId?: string;
  /** What the charge has had refunded in all, and what it captured: equal means fully refunded. */
  chargeAmountMinor?: number;
  chargeRefundedMinor?: number;
  /** What the refund took out of the Stripe balance (negative), in the settlement currency. */
  settlement?: Settlement;
  /** The charge's other refunds, with the Magento memo each came from: a memo one of them names is not this refund's. */
  otherRefunds?: Array<{ refundId: string; magentoCreditMemoId?: string }>;
  createdAt: string;
}

/** A charge less its refunds and disputes, in the settlement currency: `residueMinor` is what they left in the Stripe balance. */
export interface ChargeNet {
  currency: string;
  /** Stripe converted the charge (its currency is not the settlement currency). */
  converted: boolean;
  /** Its refunds and lost disputes add up to what it captured, in the charge's currency. */
  fullyReturned: boolean;
  residueMinor: number;
}

/** One movement of money a dispute caused (withdrawal, reinstatement), with Stripe's fee on it, in minor units. */
export interface DisputeMovement {
  balanceTransactionId: string;
  /** Negative when money left the Stripe balance. */
  amountMinor: number;
  feeMinor: number;
  netMinor: number;
  currency: string;
  reportingCategory: string;
  createdAt: string;
}

/** A dispute as the Dispute workflow needs it, read from Stripe's current state. */
export interface DisputeSnapshot {
  disputeId: string;
  status: string;
  amountMinor: number;
  currency: string;
  reason: string;
  chargeId: string;
  paymentIntentId?: string;
  magentoOrderId?: string;
  invoiceId?: string;
  /** ISO time evidence is due by. */
  evidenceDueBy?: string;
  movements: DisputeMovement[];
  createdAt: string;
}

/** An operator's refund of an order: all that is left, or `amountMinor` / `amount` (a decimal in the order's currency). */
export interface OperatorRefundRequest {
  incrementId: string;
  requestId: string;
  operator: string;
  amountMinor?: number;
  amount?: string;
  reason: 'fraudulent' | 'requested_by_customer' | 'duplicate';
  note?: string;
}

export interface OrderReference {
  magentoOrderId?: string;
  /** Set when the payment belongs to a Stripe invoice (a subscription), not to a Magento order. */
  invoiceId?: string;
}

/** One page of a payout's balance transactions, mapped to the reconciliation's lines. */
/** Stripe activities: reads are plain; every write carries an idempotency key and is looked for before it is made. */
export function createStripeActivities(stripe: Stripe) {
  async function referenceOfPaymentIntent(paymentIntentId: string): Promise<OrderReference> {
    const pi = await callStripe(() => stripe.paymentIntents.retrieve(paymentIntentId));
    const { magentoOrderId, invoiceId } = await orderOfPayment(stripe, pi);
    return { magentoOrderId, invoiceId };
  }

  const activities = {
    ...createAuthorizationActivities(stripe),
    ...createCheckoutActivities(stripe),
    ...createBillingActivities(stripe),

    /** Read-only: which Magento order a PaymentIntent pays for (reviews and disputes only name the payment). */
    async orderReferenceOfPaymentIntent(paymentIntentId: string): Promise<OrderReference> {
      return referenceOfPaymentIntent(paymentIntentId);
    },

    /** Read-only: the same, starting from a charge. */
    async orderReferenceOfCharge(chargeId: string): Promise<OrderReference> {
      const charge = await callStripe(() => stripe.charges.retrieve(chargeId));
      const fromCharge = magentoOrderIdFromMetadata(charge.metadata);
      if (fromCharge) return { magentoOrderId: fromCharge };
      const pi = idOf(charge.payment_intent);
      return pi ? referenceOfPaymentIntent(pi) : {};
    },

    /** Read-only: the PaymentIntent with its latest charge (risk outcome, refunds). */
    async getPayment(paymentIntentId: string): Promise<PaymentSnapshot> {
      const pi = await callStripe(() =>
        stripe.paymentIntents.retrieve(paymentIntentId, { expand: ['latest_charge.balance_transaction'] }),
      );
      const charge = typeof pi.latest_charge === 'object' && pi.latest_charge ? pi.latest_charge : undefined;
      const settlement = settlementOf(charge?.balance_transaction);
      return {
        paymentIntentId: pi.id,
        chargeId: charge?.id ?? idOf(pi.latest_charge ?? undefined),
        status: pi.status,
        amountMinor: pi.amount,
        amountRefundedMinor: charge ? refundedOf(await refundsOfCharge(stripe, charge.id)) : 0,
        ...(charge?.captured ? { capturedMinor: charge.amount_captured } : {}),
        currency: pi.currency.toUpperCase(),
        riskLevel: charge?.outcome?.risk_level ?? undefined,
        riskScore: charge?.outcome?.risk_score ?? undefined,
        declineCode: pi.last_payment_error?.decline_code ?? pi.last_payment_error?.code ?? undefined,
        failureMessage: pi.last_payment_error?.message ?? undefined,
        customerId: idOf(pi.customer ?? undefined),
        magentoOrderId: magentoOrderIdFromMetadata(pi.metadata),
        captureMethod: pi.capture_method === 'manual' ? 'manual' : 'automatic',
        amountCapturableMinor: pi.amount_capturable,
        ...(pi.canceled_at ? { canceledAt: isoOf(pi.canceled_at) } : {}),
        ...(pi.cancellation_reason ? { cancellationReason: pi.cancellation_reason } : {}),
        createdAt: isoOf(charge?.created ?? pi.created),
        ...(settlement ? { settlement } : {}),
      };
    },

    /** Read-only: a refund with its charge and PaymentIntent (for the order it belongs to), amounts in minor units. */
    async getRefund(refundId: string): Promise<RefundSnapshot> {
      const refund = await callStripe(() =>
        stripe.refunds.retrieve(refundId, { expand: ['charge', 'payment_intent', 'balance_transaction'] }),
      );
      const charge = typeof refund.charge === 'object' && refund.charge ? refund.charge : undefined;
      const pi = typeof refund.payment_intent === 'object' && refund.payment_intent ? refund.payment_intent : undefined;
      const renewal = await orderOfPayment(stripe, pi, charge);
      // A refund made from Magento or by an operator names its order too (a renewal from before orders were recorded).
      const magentoOrderId = renewal.magentoOrderId ?? magentoOrderIdFromMetadata(refund.metadata);
      // A subscription's invoice that names no order (nor none): no invoice, so the run waits for its order in the queue.
      const invoiceId = renewal.unrecorded ? undefined : renewal.invoiceId;
      const memoId = refund.metadata?.magento_creditmemo_id;
      const settlement = settlementOf(refund.balance_transaction);
      const ofCharge = charge ? await refundsOfCharge(stripe, charge.id) : [];
      const otherRefunds = ofCharge
        .filter((other) => other.id !== refund.id)
        .map((other) => {
          const otherMemoId = other.metadata?.magento_creditmemo_id;
          return { refundId: other.id, ...(otherMemoId ? { magentoCreditMemoId: otherMemoId } : {}) };
        });
      return {
        refundId: refund.id,
        status: (refund.status ?? 'pending') as RefundSnapshot['status'],
        amountMinor: refund.amount,
        currency: refund.currency.toUpperCase(),
        chargeId: idOf(refund.charge ?? undefined),
        paymentIntentId: idOf(refund.payment_intent ?? undefined),
        ...(refund.reason ? { reason: refund.reason } : {}),
        ...(refund.failure_reason ? { failureReason: refund.failure_reason } : {}),
        ...(magentoOrderId ? { magentoOrderId } : {}),
        ...(invoiceId ? { invoiceId } : {}),
        ...(refund.metadata?.o2c_key ? { o2cKey: refund.metadata.o2c_key } : {}),
        ...(memoId && /^\d+$/.test(memoId) ? { magentoCreditMemoId: memoId } : {}),
        ...(charge
          ? {
              chargeAmountMinor: charge.captured ? charge.amount_captured : charge.amount,
              chargeRefundedMinor: refundedOf([refund, ...ofCharge.filter((other) => other.id !== refund.id)]),
            }
          : {}),
        ...(settlement ? { settlement } : {}),
        ...(otherRefunds.length > 0 ? { otherRefunds } : {}),
        createdAt: isoOf(refund.created),
      };
    },

    /**
     * Read-only: what a charge, its refunds and its disputes' withdrawals and reinstatements left in the Stripe balance,
     * in the settlement currency (each converted on its own balance transaction; fees left out). A charge returned in
     * full in another currency can leave a minor unit of rounding.
     */
    async chargeNetOfRefunds(chargeId: string): Promise<ChargeNet | undefined> {
      const charge = await callStripe(() => stripe.charges.retrieve(chargeId, { expand: ['balance_transaction'] }));
      const received = settlementOf(charge.balance_transaction);
      if (!received || !charge.captured) return undefined;
      const refunds = await refundsOfCharge(stripe, chargeId, ['data.balance_transaction']);
      const disputes: Stripe.Dispute[] = [];
      await callStripe(async () => {
        for await (const dispute of stripe.disputes.list({ charge: chargeId, limit: 100 })) disputes.push(dispute);
      });
      const moved = [
        ...refunds
          .filter((r) => r.status !== 'failed' && r.status !== 'canceled')
          .map((r) => settlementOf(r.balance_transaction)),
        ...disputes.flatMap((d) => d.balance_transactions.map((t) => settlementOf(t))),
      ];
      if (moved.some((m) => !m || m.currency !== received.currency)) return undefined;
      const lostMinor = disputes.filter((d) => d.status === 'lost').reduce((sum, d) => sum + d.amount, 0);
      return {
        currency: received.currency,
        converted: received.currency !== charge.currency.toUpperCase(),
        fullyReturned: refundedOf(refunds) + lostMinor === charge.amount_captured,
        residueMinor: moved.reduce((sum, m) => sum + m!.amountMinor, received.amountMinor),
      };
    },

    /** Read-only: a dispute with its balance transactions (amount and fee of each movement) and the order its payment names. */
    async getDispute(disputeId: string): Promise<DisputeSnapshot> {
      const dispute = await callStripe(() =>
        stripe.disputes.retrieve(disputeId, { expand: ['charge', 'payment_intent'] }),
      );
      const charge = typeof dispute.charge === 'object' && dispute.charge ? dispute.charge : undefined;
      const pi =
        typeof dispute.payment_intent === 'object' && dispute.payment_intent ? dispute.payment_intent : undefined;
      const renewal = await orderOfPayment(stripe, pi, charge);
      const magentoOrderId = renewal.magentoOrderId;
      const invoice = renewal.unrecorded ? undefined : renewal.invoiceId;
      const dueBy = dispute.evidence_details?.due_by;
      return {
        disputeId: dispute.id,
        status: dispute.status,
        amountMinor: dispute.amount,
        currency: dispute.currency.toUpperCase(),
        reason: dispute.reason,
        chargeId: idOf(dispute.charge)!,
        ...(idOf(dispute.payment_intent ?? undefined)
          ? { paymentIntentId: idOf(dispute.payment_intent ?? undefined) }
          : {}),
        ...(magentoOrderId ? { magentoOrderId } : {}),
        ...(invoice ? { invoiceId: invoice } : {}),
        ...(dueBy ? { evidenceDueBy: isoOf(dueBy) } : {}),
        movements: dispute.balance_transactions.map((txn) => ({
          balanceTransactionId: txn.id,
          amountMinor: txn.amount,
          feeMinor: txn.fee,
          netMinor: txn.net,
          currency: txn.currency.toUpperCase(),
          reportingCategory: txn.reporting_category,
          createdAt: isoOf(txn.created),
        })),
        createdAt: isoOf(dispute.created),
      };
    },

    /** Read-only: the ids of every refund on a charge, oldest first (`charge.refunded` names only the charge). */
    async listRefundIdsOfCharge(chargeId: string): Promise<string[]> {
      const ids: string[] = [];
      await callStripe(async () => {
        for await (const refund of stripe.refunds.list({ charge: chargeId, limit: 100 })) ids.push(refund.id);
      });
      return ids.reverse();
    },

    /** Read-only: a payout, amounts in minor units. */
    async getPayout(payoutId: string): Promise<PayoutDetails> {
      const payout = await callStripe(() => stripe.payouts.retrieve(payoutId));
      return {
        id: payout.id,
        amountMinor: payout.amount,
        currency: payout.currency.toUpperCase(),
        status: payout.status,
        automatic: payout.automatic,
        arrivalDate: payout.arrival_date,
        reconciliationStatus: payout.reconciliation_status,
        created: payout.created,
        ...(payout.failure_code ? { failureCode: payout.failure_code } : {}),
      };
    },

    /**
     * An operator's refund: the order's succeeded charge (found by Stripe's search on `metadata['magento_order_id']`),
     * refunded once under the request id as idempotency key. What cannot be refunded (nothing left, more than is left,
     * a disputed charge, no payment for the order) is answered as `refused`, with the reason; nothing moves.
     */
    async refundOrderForOperator(
      input: OperatorRefundRequest,
    ): Promise<{ refundId?: string; amountMinor?: number; currency?: string; refused?: string }> {
      const key = `operator-refund:${input.requestId}`;
      const found = await callStripe(() =>
        stripe.paymentIntents.search({
          query: `metadata['magento_order_id']:'${input.incrementId.replace(/'/g, '')}' AND status:'succeeded'`,
          limit: 10,
        }),
      );
      const pi = found.data[0];
      if (!pi) return { refused: `Stripe has no succeeded payment for order ${input.incrementId}` };
      const existing = await callStripe(() => stripe.refunds.list({ payment_intent: pi.id, limit: 100 }));
      const ours = existing.data.find((r) => r.metadata?.o2c_key === key);
      if (ours) return { refundId: ours.id, amountMinor: ours.amount, currency: ours.currency.toUpperCase() };
      const charge = await callStripe(() => stripe.charges.retrieve(idOf(pi.latest_charge ?? undefined)!));
      const currency = charge.currency.toUpperCase();
      const leftMinor = charge.amount_captured - refundedOf(existing.data);
      let amountMinor: number;
      try {
        amountMinor = input.amountMinor ?? (input.amount !== undefined ? toMinor(input.amount, currency) : leftMinor);
      } catch (err) {
        return { refused: `${(err as Error).message} (an amount in ${currency})` };
      }
      if (charge.disputed)
        return { refused: `charge ${charge.id} is disputed: the dispute decides where the money goes` };
      if (leftMinor <= 0) return { refused: `charge ${charge.id} is already fully refunded` };
      if (amountMinor <= 0 || amountMinor > leftMinor) {
        return {
          refused: `${formatMoney(amountMinor, currency)} is not between 0 and what is left to refund (${formatMoney(leftMinor, currency)})`,
        };
      }
      const refund = await callStripe(() =>
        stripe.refunds.create(
          {
            payment_intent: pi.id,
            amount: amountMinor,
            reason: input.reason,
            metadata: {
              o2c_key: key,
              magento_order_id: input.incrementId,
              operator: input.operator.slice(0, 200),
              ...(input.note ? { note: input.note.slice(0, 500) } : {}),
            },
          },
          { idempotencyKey: key },
        ),
      );
      return { refundId: refund.id, amountMinor: refund.amount, currency };
    },

    /**
     * Refunds what is left of a payment, once: looks for a refund carrying this key first, sends the key to Stripe as
     * the idempotency key, and does nothing when the charge is already fully refunded.
     */
    async refundPayment(input: {
      paymentIntentId: string;
      idempotencyKey: string;
      reason: 'fraudulent' | 'requested_by_customer' | 'duplicate';
      note: string;
    }): Promise<{ refundId?: string; refundedMinor: number; alreadyRefunded: boolean }> {
      const existing = await callStripe(() =>
        stripe.refunds.list({ payment_intent: input.paymentIntentId, limit: 100 }),
      );
      const ours = existing.data.find(
        (r) => r.metadata?.o2c_key === input.idempotencyKey && r.status !== 'failed' && r.status !== 'canceled',
      );
      if (ours) return { refundId: ours.id, refundedMinor: ours.amount, alreadyRefunded: true };
      const pi = await callStripe(() =>
        stripe.paymentIntents.retrieve(input.paymentIntentId, { expand: ['latest_charge'] }),
      );
      const charge = typeof pi.latest_charge === 'object' ? pi.latest_charge : undefined;
      if (!charge || charge.status !== 'succeeded') return { refundedMinor: 0, alreadyRefunded: false };
      // Stripe's own flag: amount_refunded also counts a partial capture's released rest.
      if (charge.refunded) return { refundedMinor: 0, alreadyRefunded: true };
      const refund = await callStripe(() =>
        stripe.refunds.create(
          {
            payment_intent: input.paymentIntentId,
            reason: input.reason,
            metadata: { o2c_key: input.idempotencyKey, note: input.note.slice(0, 500) },
          },
          { idempotencyKey: input.idempotencyKey },
        ),
      );
      return { refundId: refund.id, refundedMinor: refund.amount, alreadyRefunded: false };
    },
  };
  return { ...activities, ...createRenewalActivities(stripe, activities.getPayment) };
}

export type StripeActivities = ReturnType<typeof createStripeActivities>;
