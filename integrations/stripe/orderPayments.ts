import type Stripe from 'stripe';
import type { Settled } from '../../domain/orderLedger';
import { callStripe, idOf, isoOf } from './client';
import { refundedOf } from './chargeRefunds';

/** One order's money in Stripe, amounts in minor units, currencies upper case. */
export interface StripeOrderPayments {
  paymentIntents: Array<{ id: string; status: string; amountMinor: number; currency: string }>;
  charges: Array<{
    id: string;
    paymentIntentId?: string;
    status: 'succeeded' | 'pending' | 'failed';
    amountMinor: number;
    capturedMinor: number;
    refundedMinor: number;
    currency: string;
    disputed: boolean;
    /** Its balance transaction: what reached the Stripe balance, in the settlement currency. */
    settled?: Settled;
  }>;
  /** `reversesOrder`: made by the order's run while reversing it; `magentoCreditMemoId`: made from this staff credit memo. */
  refunds: Array<{
    id: string;
    chargeId?: string;
    status: 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled';
    amountMinor: number;
    currency: string;
    reason?: string;
    failureReason?: string;
    reversesOrder: boolean;
    magentoCreditMemoId?: string;
    createdAt: string;
    settled?: Settled;
  }>;
  /** `feeMinor`: the dispute fees on its balance transactions, net. */
  disputes: Array<{
    id: string;
    chargeId?: string;
    status: string;
    amountMinor: number;
    feeMinor: number;
    currency: string;
    reason: string;
    /** The withdrawal from the Stripe balance. */
    settled?: Settled;
  }>;
  /** What could not be looked up, in words. */
  notes: string[];
}

export interface StripeHints {
  incrementId: string;
  paymentIntentIds: readonly string[];
  chargeIds: readonly string[];
  refundIds: readonly string[];
}

/**
 * Read-only: the order's PaymentIntents and charges (from the ids its runs and documents name; when none is known,
 * Stripe's search by `metadata['magento_order_id']`), each charge's refunds and disputes.
 */
export async function readStripePayments(stripe: Stripe, hints: StripeHints): Promise<StripeOrderPayments> {
  const found: StripeOrderPayments = { paymentIntents: [], charges: [], refunds: [], disputes: [], notes: [] };
  const paymentIntentIds = new Set(hints.paymentIntentIds);
  if (paymentIntentIds.size === 0 && hints.chargeIds.length === 0) {
    for (const id of await searchByOrder(stripe, hints.incrementId, found.notes)) paymentIntentIds.add(id);
  }
  const charges = new Map<string, Stripe.Charge>();
  for (const id of paymentIntentIds) {
    const pi = await callStripe(() => stripe.paymentIntents.retrieve(id));
    found.paymentIntents.push({
      id: pi.id,
      status: pi.status,
      amountMinor: pi.amount,
      currency: pi.currency.toUpperCase(),
    });
    await callStripe(async () => {
      for await (const charge of stripe.charges.list({
        payment_intent: pi.id,
        limit: 100,
        expand: ['data.balance_transaction'],
      }))
        charges.set(charge.id, charge);
    });
  }
  for (const id of hints.chargeIds.filter((c) => !charges.has(c)))
    charges.set(id, await callStripe(() => stripe.charges.retrieve(id, { expand: ['balance_transaction'] })));

  const refunds = new Map<string, Stripe.Refund>();
  for (const charge of charges.values()) {
    found.charges.push({
      id: charge.id,
      ...(idOf(charge.payment_intent) ? { paymentIntentId: idOf(charge.payment_intent) } : {}),
      status: chargeStatus(charge.status),
      amountMinor: charge.amount,
      capturedMinor: charge.captured ? charge.amount_captured : 0,
      refundedMinor: charge.amount_refunded,
      currency: charge.currency.toUpperCase(),
      disputed: charge.disputed,
      ...settledOf(charge.balance_transaction),
    });
    await callStripe(async () => {
      for await (const refund of stripe.refunds.list({
        charge: charge.id,
        limit: 100,
        expand: ['data.balance_transaction'],
      }))
        refunds.set(refund.id, refund);
      for await (const dispute of stripe.disputes.list({ charge: charge.id, limit: 100 }))
        found.disputes.push(disputeOf(dispute));
    });
  }
  for (const id of hints.refundIds.filter((r) => !refunds.has(r)))
    refunds.set(id, await callStripe(() => stripe.refunds.retrieve(id, { expand: ['balance_transaction'] })));
  // What each charge paid back is its refunds', not amount_refunded (which counts a partial capture's released rest).
  for (const charge of found.charges)
    charge.refundedMinor = refundedOf([...refunds.values()].filter((r) => idOf(r.charge ?? undefined) === charge.id));
  found.refunds = [...refunds.values()].sort((a, b) => a.created - b.created).map(refundOf);
  return found;
}

async function searchByOrder(stripe: Stripe, incrementId: string, notes: string[]): Promise<string[]> {
  try {
    const result = await stripe.paymentIntents.search({
      query: `metadata['magento_order_id']:'${incrementId}'`,
      limit: 10,
    });
    return result.data.map((pi) => pi.id);
  } catch (err) {
    notes.push(
      `no run or document names the order's Stripe payment, and Stripe's search could not be used (${(err as Error).message})`,
    );
    return [];
  }
}

function refundOf(refund: Stripe.Refund): StripeOrderPayments['refunds'][number] {
  const memoId = refund.metadata?.magento_creditmemo_id;
  return {
    id: refund.id,
    ...(idOf(refund.charge) ? { chargeId: idOf(refund.charge) } : {}),
    status: (refund.status ?? 'pending') as StripeOrderPayments['refunds'][number]['status'],
    amountMinor: refund.amount,
    currency: refund.currency.toUpperCase(),
    ...(refund.reason ? { reason: refund.reason } : {}),
    ...(refund.failure_reason ? { failureReason: refund.failure_reason } : {}),
    reversesOrder: refund.metadata?.o2c_key?.startsWith('order:') ?? false,
    ...settledOf(refund.balance_transaction),
    ...(memoId && /^\d+$/.test(memoId) ? { magentoCreditMemoId: memoId } : {}),
    createdAt: isoOf(refund.created),
  };
}

function disputeOf(dispute: Stripe.Dispute): StripeOrderPayments['disputes'][number] {
  const feeMinor = (dispute.balance_transactions ?? []).reduce(
    (total, txn) => total + (typeof txn === 'object' ? txn.fee : 0),
    0,
  );
  const withdrawal = (dispute.balance_transactions ?? []).find((txn) => typeof txn === 'object' && txn.amount < 0);
  return {
    id: dispute.id,
    ...(idOf(dispute.charge) ? { chargeId: idOf(dispute.charge) } : {}),
    ...settledOf(withdrawal),
    status: dispute.status,
    amountMinor: dispute.amount,
    feeMinor,
    currency: dispute.currency.toUpperCase(),
    reason: dispute.reason,
  };
}

/** A balance transaction as the positive amount it moved, when Stripe gave it expanded. */
function settledOf(txn: string | Stripe.BalanceTransaction | null | undefined): { settled?: Settled } {
  if (!txn || typeof txn === 'string') return {};
  return { settled: { amountMinor: Math.abs(txn.amount), currency: txn.currency.toUpperCase() } };
}

function chargeStatus(status: string): StripeOrderPayments['charges'][number]['status'] {
  return status === 'succeeded' || status === 'pending' ? status : 'failed';
}
