import axios from 'axios';
import Stripe from 'stripe';
import { thrown } from '../../harness/thrown';
import { startStripeSandbox, WebhookReceiver, waitFor, type StripeHarness } from './stripeHarness';

describe('Stripe sandbox: Checkout Sessions through the official client', () => {
  let h: StripeHarness;
  let stripe: Stripe;
  let clockMs = Date.now();
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    await receiver.start();
    h = await startStripeSandbox({ now: () => clockMs, webhookUrl: receiver.url });
    stripe = h.stripe;
  });
  afterAll(async () => {
    await h.close();
    await receiver.stop();
  });
  beforeEach(() => {
    clockMs = Date.now();
    receiver.clear();
  });

  const now = () => Math.floor(clockMs / 1000);

  function params(extra: Partial<Stripe.Checkout.SessionCreateParams> = {}): Stripe.Checkout.SessionCreateParams {
    return {
      mode: 'payment',
      line_items: [
        { quantity: 2, price_data: { currency: 'eur', unit_amount: 1250, product_data: { name: 'Mug' } } },
        { quantity: 1, price_data: { currency: 'eur', unit_amount: 499, product_data: { name: 'Shipping' } } },
      ],
      metadata: { magento_order_id: '000000401' },
      payment_intent_data: { metadata: { magento_order_id: '000000401' } },
      customer_email: 'grace@example.com',
      client_reference_id: '000000401',
      success_url: 'https://shop.example.com/ok',
      cancel_url: 'https://shop.example.com/cart',
      ...extra,
    };
  }

  const pay = (id: string, paymentMethod: string) =>
    axios.post(
      `${h.baseUrl}/__sandbox/checkout/sessions/${id}/pay`,
      { payment_method: paymentMethod },
      { validateStatus: () => true },
    );

  it('creates an open, unpaid session with the total of its lines and a hosted-page url', async () => {
    const session = await stripe.checkout.sessions.create(params());
    expect(session.id).toMatch(/^cs_test_/);
    expect(session).toMatchObject({
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: 2999,
      amount_subtotal: 2999,
      currency: 'eur',
      customer_email: 'grace@example.com',
      client_reference_id: '000000401',
      payment_intent: null,
      metadata: { magento_order_id: '000000401' },
      url: `${h.baseUrl}/__sandbox/checkout/${session.id}`,
      success_url: 'https://shop.example.com/ok',
      cancel_url: 'https://shop.example.com/cart',
    });
    expect(session.expires_at).toBe(now() + 86_400);
    const page = await axios.get(session.url as string);
    expect(page.data).toMatchObject({ id: session.id, status: 'open' });
  });

  it("refuses expires_at outside Stripe's 30 minutes to 24 hours", async () => {
    const early = await thrown(stripe.checkout.sessions.create(params({ expires_at: now() + 29 * 60 })));
    expect(early).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(early).toMatchObject({
      param: 'expires_at',
      message: 'The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.',
    });
    await expect(stripe.checkout.sessions.create(params({ expires_at: now() + 86_401 }))).rejects.toMatchObject({
      param: 'expires_at',
      message: 'The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.',
    });
    await expect(stripe.checkout.sessions.create(params({ expires_at: now() + 30 * 60 }))).resolves.toMatchObject({
      status: 'open',
    });
  });

  it('refuses sessions without lines or with a KWD total that is not a multiple of 10', async () => {
    await expect(
      stripe.checkout.sessions.create({ mode: 'payment', success_url: 'https://x.example' }),
    ).rejects.toMatchObject({ param: 'line_items' });
    await expect(
      stripe.checkout.sessions.create(
        params({
          line_items: [
            { quantity: 1, price_data: { currency: 'kwd', unit_amount: 12_345, product_data: { name: 'Lamp' } } },
          ],
        }),
      ),
    ).rejects.toMatchObject({ code: 'invalid_charge_amount' });
  });

  it('honours an Idempotency-Key on create', async () => {
    const key = `cs-${Date.now()}`;
    const first = await stripe.checkout.sessions.create(params(), { idempotencyKey: key });
    const again = await stripe.checkout.sessions.create(params(), { idempotencyKey: key });
    expect(again.id).toBe(first.id);
    await expect(
      stripe.checkout.sessions.create(params({ customer_email: 'other@example.com' }), { idempotencyKey: key }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('pays a session with a test card: a PaymentIntent with the session metadata, then checkout.session.completed', async () => {
    const session = await stripe.checkout.sessions.create(params());
    const paid = await pay(session.id, 'pm_card_visa');
    expect(paid.status).toBe(200);
    expect(paid.data).toMatchObject({ status: 'complete', payment_status: 'paid', url: null });
    const intent = await stripe.paymentIntents.retrieve(paid.data.payment_intent, { expand: ['latest_charge'] });
    expect(intent).toMatchObject({
      status: 'succeeded',
      amount: 2999,
      currency: 'eur',
      metadata: { magento_order_id: '000000401' },
      receipt_email: 'grace@example.com',
    });
    const listed = await stripe.checkout.sessions.list({ payment_intent: intent.id });
    expect(listed.data.map((s) => s.id)).toEqual([session.id]);
    await waitFor(() => receiver.types().includes('checkout.session.completed'), 5000, 'checkout.session.completed');
    const types = receiver.received
      .filter((r) => {
        const object = r.event.data.object as { id: string; payment_intent?: string };
        return object.id === session.id || object.id === intent.id || object.payment_intent === intent.id;
      })
      .map((r) => r.event.type);
    expect(types).toEqual(
      expect.arrayContaining(['payment_intent.succeeded', 'charge.succeeded', 'checkout.session.completed']),
    );
    expect((await pay(session.id, 'pm_card_visa')).status).toBe(400);
  });

  it('keeps a session open after a decline, and lists sessions by status', async () => {
    const session = await stripe.checkout.sessions.create(params());
    const declined = await pay(session.id, 'pm_card_chargeDeclinedInsufficientFunds');
    expect(declined.status).toBe(402);
    expect(declined.data.error).toMatchObject({ type: 'card_error', decline_code: 'insufficient_funds' });
    await expect(stripe.checkout.sessions.retrieve(session.id)).resolves.toMatchObject({
      status: 'open',
      payment_status: 'unpaid',
    });
    const open = await stripe.checkout.sessions.list({ status: 'open', limit: 100 });
    expect(open.data.map((s) => s.id)).toContain(session.id);
    const complete = await stripe.checkout.sessions.list({ status: 'complete', limit: 100 });
    expect(complete.data.map((s) => s.id)).not.toContain(session.id);
  });

  it('expires on request, or on read once expires_at has passed, with checkout.session.expired sent once', async () => {
    const session = await stripe.checkout.sessions.create(params());
    await expect(stripe.checkout.sessions.expire(session.id)).resolves.toMatchObject({ status: 'expired', url: null });
    await expect(stripe.checkout.sessions.expire(session.id)).rejects.toMatchObject({
      message:
        'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of `expired`.',
    });

    const timed = await stripe.checkout.sessions.create(params({ expires_at: now() + 3600 }));
    clockMs += 3601 * 1000;
    await expect(stripe.checkout.sessions.retrieve(timed.id)).resolves.toMatchObject({ status: 'expired' });
    await expect(stripe.checkout.sessions.list({ status: 'expired', limit: 100 })).resolves.toMatchObject({
      data: expect.arrayContaining([expect.objectContaining({ id: timed.id })]),
    });
    const events = await stripe.events.list({ type: 'checkout.session.expired', limit: 100 });
    const ids = events.data.map((e) => (e.data.object as Stripe.Checkout.Session).id);
    expect(ids.filter((id) => id === session.id)).toHaveLength(1);
    expect(ids.filter((id) => id === timed.id)).toHaveLength(1);
  });

  it('answers an unknown session with resource_missing', async () => {
    await expect(stripe.checkout.sessions.retrieve('cs_test_nope')).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });
  });
});
