import Stripe from 'stripe';
import { kindOfStatus, type FailureKind } from '../../domain/failures';

/**
 * Whose fault a Stripe error is, from Stripe's own error types and codes: a refused key is our set-up; an object
 * Stripe no longer returns (`resource_missing`) or a request it cannot take is data; a card error is the customer's
 * bank saying no; rate limits, connection errors and 5xx are transient.
 */
export function stripeFailureKind(err: InstanceType<typeof Stripe.errors.StripeError>): FailureKind {
  if (err instanceof Stripe.errors.StripeAuthenticationError || err instanceof Stripe.errors.StripePermissionError)
    return 'misconfigured';
  if (err instanceof Stripe.errors.StripeConnectionError || err instanceof Stripe.errors.StripeRateLimitError)
    return 'transient';
  if (err instanceof Stripe.errors.StripeCardError) return 'business_refusal';
  if (err.statusCode === undefined) return 'transient';
  const kind = kindOfStatus(err.statusCode);
  // A 404 with no code is a route Stripe does not have: our wrong API base, not a missing object.
  if (err.statusCode === 404 && !err.code) return 'misconfigured';
  return kind;
}
