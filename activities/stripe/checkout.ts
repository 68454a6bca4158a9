import type Stripe from 'stripe';
import { ExternalSystemError } from '../../integrations/http/errors';
import { callStripe } from '../../integrations/stripe/client';

/** Stripe accepts a Checkout Session's `expires_at` from 30 minutes to 24 hours after creation; a minute of margin each side. */
const earliestSeconds = 31 * 60;
const latestSeconds = 24 * 60 * 60 - 60;
const openSessionsPageSize = 100;

export interface RetryCheckoutInput {
  incrementId: string;
  /** Integer minor units of `currency` (cents, yen, fils). */
  amountMinor: number;
  /** ISO 4217, any case. */
  currency: string;
  /** Unix seconds; clamped into Stripe's allowed range. */
  expiresAt: number;
  customerEmail?: string;
  idempotencyKey: string;
  successUrl: string;
  cancelUrl: string;
}

export interface RetryCheckoutSession {
  sessionId: string;
  url: string;
  /** Unix seconds, as Stripe set it. */
  expiresAt: number;
}

/** `expiresAt` moved into Stripe's window as seen from `nowSeconds`. */
export function clampCheckoutExpiry(expiresAt: number, nowSeconds: number): number {
  return Math.min(Math.max(Math.floor(expiresAt), nowSeconds + earliestSeconds), nowSeconds + latestSeconds);
}

function sessionOf(session: Stripe.Checkout.Session): RetryCheckoutSession {
  return { sessionId: session.id, url: session.url ?? '', expiresAt: session.expires_at };
}

/** Checkout Sessions that let a customer pay again for the same Magento order after a decline. */
export function createCheckoutActivities(stripe: Stripe) {
  async function findOpenSession(key: string): Promise<Stripe.Checkout.Session | undefined> {
    let startingAfter: string | undefined;
    for (;;) {
      const page = await callStripe(() =>
        stripe.checkout.sessions.list({
          status: 'open',
          limit: openSessionsPageSize,
          ...(startingAfter ? { starting_after: startingAfter } : {}),
        }),
      );
      const ours = page.data.find((s) => s.metadata?.o2c_key === key);
      if (ours) return ours;
      if (!page.has_more || page.data.length === 0) return undefined;
      startingAfter = page.data.at(-1)?.id;
    }
  }

  return {
    /**
     * A hosted payment page for the order's amount, once per key: an open session carrying the key is returned as it
     * is; otherwise one is created (idempotency key = the key) whose PaymentIntent names the Magento order, so the new
     * payment's events reach the same order run.
     */
    async createRetryCheckoutSession(input: RetryCheckoutInput): Promise<RetryCheckoutSession> {
      const existing = await findOpenSession(input.idempotencyKey);
      if (existing) return sessionOf(existing);
      const expiresAt = clampCheckoutExpiry(input.expiresAt, Math.floor(Date.now() / 1000));
      const session = await callStripe(() =>
        stripe.checkout.sessions.create(
          {
            mode: 'payment',
            line_items: [
              {
                quantity: 1,
                price_data: {
                  currency: input.currency.toLowerCase(),
                  unit_amount: input.amountMinor,
                  product_data: { name: `Order #${input.incrementId}` },
                },
              },
            ],
            metadata: { magento_order_id: input.incrementId, o2c_key: input.idempotencyKey },
            payment_intent_data: { metadata: { magento_order_id: input.incrementId } },
            client_reference_id: input.incrementId,
            ...(input.customerEmail ? { customer_email: input.customerEmail } : {}),
            expires_at: expiresAt,
            success_url: input.successUrl,
            cancel_url: input.cancelUrl,
          },
          { idempotencyKey: input.idempotencyKey },
        ),
      );
      return sessionOf(session);
    },

    /** Expires a Checkout Session if it is still open; a completed or expired one is left as it is. */
    async expireCheckoutSession(input: { sessionId: string }): Promise<{ status: string; alreadyClosed: boolean }> {
      const session = await callStripe(() => stripe.checkout.sessions.retrieve(input.sessionId));
      if (session.status !== 'open') return { status: session.status ?? 'expired', alreadyClosed: true };
      try {
        const expired = await callStripe(() => stripe.checkout.sessions.expire(input.sessionId));
        return { status: expired.status ?? 'expired', alreadyClosed: false };
      } catch (err) {
        // Paid or expired between the read and the expire: Stripe refuses, and the session is closed all the same.
        if (!(err instanceof ExternalSystemError) || err.status !== 400) throw err;
        const now = await callStripe(() => stripe.checkout.sessions.retrieve(input.sessionId));
        if (now.status === 'open') throw err;
        return { status: now.status ?? 'expired', alreadyClosed: true };
      }
    },
  };
}
