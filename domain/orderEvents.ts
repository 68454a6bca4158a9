import type { StripeEventEnvelope } from './stripeEvents';

/** What the Stripe events received so far say about an order's payment. Arrival order does not matter. */
export interface PaymentFacts {
  paymentIntentId?: string;
  succeeded: boolean;
  /** An authorise-only payment is authorised (`requires_capture`): money held, to be captured after the fraud gate. */
  authorized?: boolean;
  /** The PaymentIntent was canceled in Stripe (by the merchant, or an authorisation that expired). */
  canceled?: boolean;
  failures: number;
  lastDeclineCode?: string;
  /** Reasons to hold from Stripe itself: an open Radar review, an early fraud warning. */
  stripeFlags: string[];
  stripeReviewClosedAs?: string;
  fullyRefunded: boolean;
  disputeOpened: boolean;
  disputeLost: boolean;
  seenEventIds: string[];
}

export const noPaymentFacts: PaymentFacts = {
  succeeded: false,
  failures: 0,
  stripeFlags: [],
  fullyRefunded: false,
  disputeOpened: false,
  disputeLost: false,
  seenEventIds: [],
};

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string')
    return (value as { id: string }).id;
  return undefined;
}

/** Folds one event into the facts; an event seen before changes nothing. */
export function foldPaymentEvent(facts: PaymentFacts, event: StripeEventEnvelope): PaymentFacts {
  if (facts.seenEventIds.includes(event.id)) return facts;
  const o = event.object;
  const next: PaymentFacts = {
    ...facts,
    stripeFlags: [...facts.stripeFlags],
    seenEventIds: [...facts.seenEventIds, event.id],
  };
  const paymentIntentId = event.type.startsWith('payment_intent.') ? str(o.id) : str(o.payment_intent);
  next.paymentIntentId ??= paymentIntentId;
  switch (event.type) {
    case 'payment_intent.succeeded':
    case 'charge.succeeded':
      next.succeeded = true;
      if (paymentIntentId) next.paymentIntentId = paymentIntentId;
      break;
    case 'payment_intent.amount_capturable_updated':
      next.authorized = true;
      break;
    case 'payment_intent.canceled':
      next.canceled = true;
      break;
    case 'payment_intent.payment_failed': {
      next.failures += 1;
      const error = (o.last_payment_error ?? {}) as { decline_code?: string; code?: string };
      next.lastDeclineCode = error.decline_code ?? error.code ?? 'unknown';
      break;
    }
    case 'review.opened':
      next.stripeFlags.push(`Stripe Radar opened a review (${String(o.reason ?? 'rule')})`);
      break;
    case 'review.closed':
      next.stripeReviewClosedAs = String(o.reason ?? 'closed');
      break;
    case 'radar.early_fraud_warning.created':
      next.stripeFlags.push(`The card issuer sent an early fraud warning (${String(o.fraud_type ?? 'fraud')})`);
      break;
    case 'charge.refunded':
      // Releasing an uncaptured authorisation shows as a refunded charge too: that is a cancellation, not a refund.
      // Stripe's own flag, not amount_refunded: after a partial capture that also counts the released rest.
      next.fullyRefunded = o.captured !== false && o.refunded === true;
      break;
    case 'charge.dispute.created':
      next.disputeOpened = true;
      break;
    case 'charge.dispute.closed':
      next.disputeLost = o.status === 'lost';
      break;
  }
  return next;
}
