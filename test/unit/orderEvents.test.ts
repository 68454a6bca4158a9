import { foldPaymentEvent, noPaymentFacts } from '../../domain/orderEvents';
import type { StripeEventEnvelope } from '../../domain/stripeEvents';

const ev = (id: string, type: string, object: Record<string, unknown>): StripeEventEnvelope => ({
  id,
  type,
  created: 0,
  livemode: false,
  objectId: String(object.id),
  object,
});

describe('folding Stripe events into what is known about a payment', () => {
  it('reaches the same facts whatever order the events arrive in', () => {
    const events = [
      ev('evt_1', 'payment_intent.payment_failed', {
        id: 'pi_1',
        last_payment_error: { code: 'card_declined', decline_code: 'generic_decline' },
      }),
      ev('evt_2', 'review.opened', { id: 'prv_1', payment_intent: 'pi_1', reason: 'rule' }),
      ev('evt_3', 'payment_intent.succeeded', { id: 'pi_1' }),
    ];
    const forward = events.reduce(foldPaymentEvent, noPaymentFacts);
    const backward = [...events].reverse().reduce(foldPaymentEvent, noPaymentFacts);
    for (const facts of [forward, backward]) {
      expect(facts).toMatchObject({
        paymentIntentId: 'pi_1',
        succeeded: true,
        failures: 1,
        lastDeclineCode: 'generic_decline',
        stripeFlags: ['Stripe Radar opened a review (rule)'],
      });
    }
  });

  it('ignores an event delivered twice', () => {
    const failed = ev('evt_9', 'payment_intent.payment_failed', {
      id: 'pi_9',
      last_payment_error: { code: 'card_declined' },
    });
    expect(foldPaymentEvent(foldPaymentEvent(noPaymentFacts, failed), failed).failures).toBe(1);
  });

  it('takes a full refund from Stripe’s refunded flag, not amount_refunded (which counts a partial capture’s released rest)', () => {
    // Authorised 100.00, captured 60.00: Stripe releases the other 40.00, and amount_refunded counts it.
    const partlyCaptured = {
      id: 'ch_1',
      payment_intent: 'pi_1',
      amount: 10000,
      amount_captured: 6000,
      captured: true,
    };
    // 20.00 refunded: amount_refunded is 60.00, equal to what was captured, but the charge is not refunded in full.
    const part = foldPaymentEvent(
      noPaymentFacts,
      ev('e1', 'charge.refunded', { ...partlyCaptured, amount_refunded: 6000, refunded: false }),
    );
    expect(part.fullyRefunded).toBe(false);
    const all = foldPaymentEvent(
      part,
      ev('e2', 'charge.refunded', { ...partlyCaptured, amount_refunded: 10000, refunded: true }),
    );
    expect(all.fullyRefunded).toBe(true);
  });

  it('notices a full refund and a lost dispute, but not a partial refund', () => {
    const partial = foldPaymentEvent(
      noPaymentFacts,
      ev('e1', 'charge.refunded', {
        id: 'ch_1',
        payment_intent: 'pi_1',
        amount: 1000,
        amount_refunded: 400,
        refunded: false,
      }),
    );
    expect(partial.fullyRefunded).toBe(false);
    const full = foldPaymentEvent(
      partial,
      ev('e2', 'charge.refunded', {
        id: 'ch_1',
        payment_intent: 'pi_1',
        amount: 1000,
        amount_refunded: 1000,
        refunded: true,
      }),
    );
    expect(full.fullyRefunded).toBe(true);
    expect(
      foldPaymentEvent(noPaymentFacts, ev('e3', 'charge.dispute.closed', { id: 'dp_1', status: 'lost' })).disputeLost,
    ).toBe(true);
  });
});
