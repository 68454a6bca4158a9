import axios from 'axios';
import Stripe from 'stripe';
import { ExternalSystemError } from '../../../integrations/http/errors';
import {
  PaymentNotCapturable,
  createStripeActivities,
  type StripeActivities,
} from '../../../activities/stripe/activities';
import { thrown } from '../../harness/thrown';
import { startStripeSandbox, type StripeHarness } from '../sandbox/stripeHarness';

/** Manual capture and retry Checkout through the Stripe activities, against the sandbox with the official client. */
describe('Stripe activities: authorisations and retry Checkout', () => {
  let h: StripeHarness;
  let stripe: Stripe;
  let activities: StripeActivities;
  let clockMs = Date.now();
  const sent: string[] = [];

  beforeAll(async () => {
    h = await startStripeSandbox({ now: () => clockMs });
    stripe = h.stripe;
    stripe.on('response', (e: Stripe.ResponseEvent) => sent.push(`${e.method} ${e.path.split('?')[0]}`));
    activities = createStripeActivities(stripe);
  });
  afterAll(() => h.close());
  beforeEach(() => {
    sent.length = 0;
    clockMs = Date.now();
  });

  async function authorise(
    amount = 4200,
    currency = 'usd',
    paymentMethod = 'pm_card_visa',
  ): Promise<Stripe.PaymentIntent> {
    return stripe.paymentIntents.create({
      amount,
      currency,
      payment_method: paymentMethod,
      confirm: true,
      capture_method: 'manual',
      metadata: { magento_order_id: '000000301' },
    });
  }

  async function eventsFor(objectId: string, types: string[]): Promise<string[]> {
    const events = await stripe.events.list({ types, limit: 100 });
    return events.data
      .filter((e) => (e.data.object as { id: string }).id === objectId)
      .map((e) => e.type)
      .reverse();
  }

  const unixNow = () => Math.floor(clockMs / 1000);

  async function pay(sessionId: string, paymentMethod: string) {
    return axios.post(
      `${h.baseUrl}/__sandbox/checkout/sessions/${sessionId}/pay`,
      { payment_method: paymentMethod },
      { validateStatus: () => true },
    );
  }

  function retryInput(key: string, extra: Partial<Parameters<StripeActivities['createRetryCheckoutSession']>[0]> = {}) {
    return {
      incrementId: '000000302',
      amountMinor: 5349,
      currency: 'USD',
      expiresAt: unixNow() + 3600,
      customerEmail: 'ada@example.com',
      idempotencyKey: key,
      successUrl: 'https://shop.example.com/checkout/success',
      cancelUrl: 'https://shop.example.com/checkout/cart',
      ...extra,
    };
  }

  it('authorises, then captures once: a second capture is a no-op and the charge has exactly one balance transaction', async () => {
    const pi = await authorise();
    const held = await activities.getPayment(pi.id);
    expect(held).toMatchObject({
      status: 'requires_capture',
      captureMethod: 'manual',
      amountMinor: 4200,
      amountCapturableMinor: 4200,
      currency: 'USD',
    });
    expect(Date.parse(held.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(held.canceledAt).toBeUndefined();

    const first = await activities.capturePayment({ paymentIntentId: pi.id, idempotencyKey: `capture:${pi.id}` });
    expect(first).toEqual({ status: 'succeeded', amountCapturedMinor: 4200, alreadyCaptured: false });
    const second = await activities.capturePayment({ paymentIntentId: pi.id, idempotencyKey: `capture:${pi.id}` });
    expect(second).toEqual({ status: 'succeeded', amountCapturedMinor: 4200, alreadyCaptured: true });
    expect(sent.filter((r) => r.endsWith('/capture'))).toEqual([`POST /v1/payment_intents/${pi.id}/capture`]);

    const captured = await activities.getPayment(pi.id);
    expect(captured).toMatchObject({ status: 'succeeded', amountCapturableMinor: 0, captureMethod: 'manual' });
    const transactions = await stripe.balanceTransactions.list({
      source: captured.chargeId,
      limit: 100,
    } as Stripe.BalanceTransactionListParams);
    expect(transactions.data).toHaveLength(1);
    expect(transactions.data[0]).toMatchObject({ amount: 4200, type: 'charge' });
    expect(await eventsFor(captured.chargeId ?? '', ['charge.succeeded', 'charge.captured'])).toEqual([
      'charge.succeeded',
      'charge.captured',
    ]);
    expect(await eventsFor(pi.id, ['payment_intent.amount_capturable_updated', 'payment_intent.succeeded'])).toEqual([
      'payment_intent.amount_capturable_updated',
      'payment_intent.succeeded',
    ]);
  });

  it('reports an automatic payment as automatic with nothing to capture', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    await expect(activities.getPayment(pi.id)).resolves.toMatchObject({
      captureMethod: 'automatic',
      amountCapturableMinor: 0,
      status: 'succeeded',
    });
    await expect(
      activities.capturePayment({ paymentIntentId: pi.id, idempotencyKey: 'capture:auto' }),
    ).resolves.toEqual({ status: 'succeeded', amountCapturedMinor: 1000, alreadyCaptured: true });
  });

  it('releases an authorisation once, and a canceled payment cannot be captured', async () => {
    const pi = await authorise(7700);
    const input = { paymentIntentId: pi.id, idempotencyKey: `cancel:${pi.id}`, reason: 'abandoned' as const };
    await expect(activities.cancelAuthorization(input)).resolves.toEqual({
      status: 'canceled',
      alreadyCanceled: false,
    });
    await expect(activities.cancelAuthorization(input)).resolves.toEqual({ status: 'canceled', alreadyCanceled: true });
    expect(sent.filter((r) => r.endsWith('/cancel'))).toHaveLength(1);
    expect(await eventsFor(pi.id, ['payment_intent.canceled'])).toEqual(['payment_intent.canceled']);

    const snapshot = await activities.getPayment(pi.id);
    expect(snapshot).toMatchObject({
      status: 'canceled',
      cancellationReason: 'abandoned',
      amountCapturableMinor: 0,
      // Released, never captured: nothing was taken, so nothing was paid back (no refund object).
      amountRefundedMinor: 0,
    });
    expect(Date.parse(snapshot.canceledAt ?? '')).toBeGreaterThan(Date.now() - 60_000);

    const error = await thrown(
      activities.capturePayment({ paymentIntentId: pi.id, idempotencyKey: `capture:${pi.id}` }),
    );
    expect(error).toBeInstanceOf(PaymentNotCapturable);
    expect((error as PaymentNotCapturable).message).toBe(
      `Stripe: PaymentIntent ${pi.id} cannot be captured: its status is canceled`,
    );
    expect((error as PaymentNotCapturable).nonRetryable).toBe(true);
    expect(sent.filter((r) => r.endsWith('/capture'))).toEqual([]);
  });

  it('does not cancel a captured payment: it answers succeeded so the caller refunds', async () => {
    const pi = await authorise(2500);
    await activities.capturePayment({ paymentIntentId: pi.id, idempotencyKey: `capture:${pi.id}` });
    sent.length = 0;
    await expect(
      activities.cancelAuthorization({
        paymentIntentId: pi.id,
        idempotencyKey: `cancel:${pi.id}`,
        reason: 'requested_by_customer',
      }),
    ).resolves.toEqual({ status: 'succeeded', alreadyCanceled: false });
    expect(sent).toEqual([`GET /v1/payment_intents/${pi.id}`]);
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('succeeded');
  });

  it('creates one retry session per key; paying it makes a new PaymentIntent that names the order', async () => {
    const key = `retry:000000302:${Date.now()}`;
    const first = await activities.createRetryCheckoutSession(retryInput(key));
    const second = await activities.createRetryCheckoutSession(retryInput(key));
    expect(second).toEqual(first);
    expect(sent.filter((r) => r === 'POST /v1/checkout/sessions')).toHaveLength(1);
    expect(first.url).toBe(`${h.baseUrl}/__sandbox/checkout/${first.sessionId}`);
    const session = await stripe.checkout.sessions.retrieve(first.sessionId);
    expect(session).toMatchObject({
      status: 'open',
      payment_status: 'unpaid',
      amount_total: 5349,
      currency: 'usd',
      customer_email: 'ada@example.com',
      payment_intent: null,
      client_reference_id: '000000302',
      metadata: { magento_order_id: '000000302', o2c_key: key },
    });

    const paid = await pay(first.sessionId, 'pm_card_visa');
    expect(paid.status).toBe(200);
    const completed = await stripe.checkout.sessions.retrieve(first.sessionId);
    expect(completed).toMatchObject({ status: 'complete', payment_status: 'paid' });
    const payment = await activities.getPayment(completed.payment_intent as string);
    expect(payment).toMatchObject({
      status: 'succeeded',
      amountMinor: 5349,
      currency: 'USD',
      magentoOrderId: '000000302',
      captureMethod: 'automatic',
    });
    expect(await eventsFor(first.sessionId, ['checkout.session.completed'])).toEqual(['checkout.session.completed']);
    expect(await eventsFor(payment.paymentIntentId, ['payment_intent.succeeded'])).toEqual([
      'payment_intent.succeeded',
    ]);
    const listed = await stripe.checkout.sessions.list({ payment_intent: payment.paymentIntentId });
    expect(listed.data.map((s) => s.id)).toEqual([first.sessionId]);
  });

  it('leaves the session open after a declined card, and the next card pays it', async () => {
    const { sessionId } = await activities.createRetryCheckoutSession(retryInput(`retry:declined:${Date.now()}`));
    const declined = await pay(sessionId, 'pm_card_chargeDeclined');
    expect(declined.status).toBe(402);
    expect(declined.data.error).toMatchObject({
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
    await expect(stripe.checkout.sessions.retrieve(sessionId)).resolves.toMatchObject({
      status: 'open',
      payment_status: 'unpaid',
      payment_intent: null,
    });
    const failedIntent = (declined.data.error.payment_intent as Stripe.PaymentIntent).id;
    expect(await eventsFor(failedIntent, ['payment_intent.payment_failed'])).toEqual(['payment_intent.payment_failed']);

    expect((await pay(sessionId, 'pm_card_visa')).status).toBe(200);
    await expect(stripe.checkout.sessions.retrieve(sessionId)).resolves.toMatchObject({
      status: 'complete',
      payment_intent: failedIntent,
    });
  });

  it('expires a session once, by request or when its time has passed', async () => {
    const { sessionId } = await activities.createRetryCheckoutSession(retryInput(`retry:expire:${Date.now()}`));
    await expect(activities.expireCheckoutSession({ sessionId })).resolves.toEqual({
      status: 'expired',
      alreadyClosed: false,
    });
    await expect(activities.expireCheckoutSession({ sessionId })).resolves.toEqual({
      status: 'expired',
      alreadyClosed: true,
    });
    expect(await eventsFor(sessionId, ['checkout.session.expired'])).toEqual(['checkout.session.expired']);
    expect((await pay(sessionId, 'pm_card_visa')).status).toBe(400);

    const timed = await activities.createRetryCheckoutSession(retryInput(`retry:timed:${Date.now()}`));
    clockMs = (timed.expiresAt + 1) * 1000;
    await expect(stripe.checkout.sessions.retrieve(timed.sessionId)).resolves.toMatchObject({
      status: 'expired',
      url: null,
    });
    await expect(activities.expireCheckoutSession({ sessionId: timed.sessionId })).resolves.toEqual({
      status: 'expired',
      alreadyClosed: true,
    });
    expect(await eventsFor(timed.sessionId, ['checkout.session.expired'])).toEqual(['checkout.session.expired']);
    // A new session for the same order is created once the old one is no longer open.
    const again = await activities.createRetryCheckoutSession(retryInput(`retry:timed:again:${Date.now()}`));
    expect(again.sessionId).not.toBe(timed.sessionId);
  });

  it("clamps expires_at into Stripe's 30 minutes to 24 hours", async () => {
    const soon = await activities.createRetryCheckoutSession(
      retryInput(`retry:soon:${Date.now()}`, { expiresAt: unixNow() + 60 }),
    );
    expect(soon.expiresAt).toBeGreaterThanOrEqual(unixNow() + 30 * 60);
    const late = await activities.createRetryCheckoutSession(
      retryInput(`retry:late:${Date.now()}`, { expiresAt: unixNow() + 3 * 86_400 }),
    );
    expect(late.expiresAt).toBeLessThanOrEqual(unixNow() + 86_400);
    expect(late.expiresAt).toBeGreaterThan(unixNow() + 23 * 3600);
  });

  it.each([
    ['JPY', 1500, 'jpy'],
    ['KWD', 12_340, 'kwd'],
  ])('takes a %s retry payment in minor units (%d)', async (currency, amountMinor, lower) => {
    const { sessionId } = await activities.createRetryCheckoutSession(
      retryInput(`retry:${currency}:${Date.now()}`, { currency, amountMinor }),
    );
    await expect(stripe.checkout.sessions.retrieve(sessionId)).resolves.toMatchObject({
      amount_total: amountMinor,
      currency: lower,
    });
    expect((await pay(sessionId, 'pm_card_visa')).status).toBe(200);
    const session = await stripe.checkout.sessions.retrieve(sessionId);
    await expect(activities.getPayment(session.payment_intent as string)).resolves.toMatchObject({
      amountMinor,
      currency,
      status: 'succeeded',
    });
  });

  it('refuses a KWD amount that is not a multiple of 10, without retrying', async () => {
    const error = await thrown(
      activities.createRetryCheckoutSession(
        retryInput(`retry:kwd-odd:${Date.now()}`, { currency: 'KWD', amountMinor: 12_345 }),
      ),
    );
    expect(error).toBeInstanceOf(ExternalSystemError);
    expect(error).toMatchObject({ retryable: false, status: 400 });
    expect((error as Error).message).toMatch(/invalid_charge_amount/);
  });
});
