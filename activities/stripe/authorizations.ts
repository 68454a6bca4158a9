import { ApplicationFailure } from '@temporalio/common';
import type Stripe from 'stripe';
import { callStripe } from '../../integrations/stripe/client';

/**
 * A PaymentIntent that cannot be captured (canceled, or never authorised). A non-retryable Temporal failure of type
 * `PaymentNotCapturable`: no retry makes a canceled authorisation capturable again.
 */
export class PaymentNotCapturable extends ApplicationFailure {
  constructor(
    readonly paymentIntentId: string,
    readonly paymentStatus: string,
  ) {
    super(
      `Stripe: PaymentIntent ${paymentIntentId} cannot be captured: its status is ${paymentStatus}`,
      'PaymentNotCapturable',
      true,
      [{ paymentIntentId, status: paymentStatus }],
    );
  }
}

export interface CaptureResult {
  status: string;
  amountCapturedMinor: number;
  alreadyCaptured: boolean;
}

export interface CancelAuthorizationResult {
  status: string;
  alreadyCanceled: boolean;
}

export type CancellationReason = 'duplicate' | 'fraudulent' | 'requested_by_customer' | 'abandoned';

/** Manual capture: capture an authorisation once, or release it; each looks at the PaymentIntent before it writes. */
export function createAuthorizationActivities(stripe: Stripe) {
  return {
    /**
     * Captures an authorised (manual-capture) payment in full, once: an already captured payment is reported as such,
     * a canceled one throws PaymentNotCapturable. The key goes to Stripe as the idempotency key.
     */
    async capturePayment(input: { paymentIntentId: string; idempotencyKey: string }): Promise<CaptureResult> {
      const pi = await callStripe(() => stripe.paymentIntents.retrieve(input.paymentIntentId));
      if (pi.status === 'succeeded')
        return { status: pi.status, amountCapturedMinor: pi.amount_received, alreadyCaptured: true };
      if (pi.status !== 'requires_capture') throw new PaymentNotCapturable(pi.id, pi.status);
      const captured = await callStripe(() =>
        stripe.paymentIntents.capture(input.paymentIntentId, {}, { idempotencyKey: input.idempotencyKey }),
      );
      return { status: captured.status, amountCapturedMinor: captured.amount_received, alreadyCaptured: false };
    },

    /**
     * Releases an authorisation that was never captured. Already canceled: nothing is sent. Already captured
     * (`succeeded`): nothing is canceled and `succeeded` is returned, so the caller refunds instead.
     */
    async cancelAuthorization(input: {
      paymentIntentId: string;
      idempotencyKey: string;
      reason: CancellationReason;
    }): Promise<CancelAuthorizationResult> {
      const pi = await callStripe(() => stripe.paymentIntents.retrieve(input.paymentIntentId));
      if (pi.status === 'canceled') return { status: pi.status, alreadyCanceled: true };
      if (pi.status === 'succeeded' || pi.status === 'processing') return { status: pi.status, alreadyCanceled: false };
      const canceled = await callStripe(() =>
        stripe.paymentIntents.cancel(
          input.paymentIntentId,
          { cancellation_reason: input.reason },
          { idempotencyKey: input.idempotencyKey },
        ),
      );
      return { status: canceled.status, alreadyCanceled: false };
    },
  };
}
