import type Stripe from 'stripe';
import { callStripe } from './client';

/**
 * What the customer has been paid back on a charge: the sum of its refunds that stand (succeeded, or still pending).
 * Not `charge.amount_refunded`, which after a partial capture also counts the authorisation's released rest.
 */
export function refundedOf(refunds: Iterable<Pick<Stripe.Refund, 'amount' | 'status'>>): number {
  let total = 0;
  for (const refund of refunds) if (refund.status !== 'failed' && refund.status !== 'canceled') total += refund.amount;
  return total;
}

/** Every refund of the charge, newest first as Stripe lists them; `expand` as Stripe's list takes it. */
export async function refundsOfCharge(stripe: Stripe, chargeId: string, expand?: string[]): Promise<Stripe.Refund[]> {
  return callStripe(async () => {
    const refunds: Stripe.Refund[] = [];
    for await (const refund of stripe.refunds.list({ charge: chargeId, limit: 100, ...(expand ? { expand } : {}) }))
      refunds.push(refund);
    return refunds;
  });
}
