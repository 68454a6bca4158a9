import axios from 'axios';
import type Stripe from 'stripe';
import { billingControls, day, T0, type SandboxInvoice } from './stripeBilling';
import { startStripeSandbox, type StripeHarness } from './stripeHarness';

const failedAttempt = ['charge.failed', 'payment_intent.payment_failed', 'invoice.payment_failed'];

/** Smart-Retries-like dunning: a fixed retry schedule, driven attempt by attempt with `advance`. */
describe('Stripe sandbox billing: failed renewals and retries', () => {
  let h: StripeHarness;
  let stripe: Stripe;
  let b: ReturnType<typeof billingControls>;
  const P1 = T0 + 31 * day;

  beforeAll(async () => {
    h = await startStripeSandbox({ now: () => T0 * 1000 });
    stripe = h.stripe;
    b = billingControls(h);
  });
  afterAll(async () => h.close());

  const subscribe = async (amount = 3_000, paymentMethod = 'pm_card_visa') =>
    stripe.subscriptions.create({
      customer: (await stripe.customers.create({ email: `d${Math.random()}@example.com` })).id,
      default_payment_method: paymentMethod,
      items: [
        {
          price_data: {
            currency: 'usd',
            unit_amount: amount,
            recurring: { interval: 'month' },
            product: (await stripe.products.create({ name: 'Box' })).id,
          },
        },
      ],
    });

  it('retries a failed renewal 3, 5 and 7 days after each failure, then marks the invoice uncollectible and cancels the subscription', async () => {
    const sub = await subscribe();
    const failed = await b.advance(sub.id, { outcome: 'failed' });
    expect(failed.status).toBe('past_due');
    const invoiceId = failed.latest_invoice as string;
    expect(await b.invoice(invoiceId)).toMatchObject({
      status: 'open',
      billing_reason: 'subscription_cycle',
      attempted: true,
      attempt_count: 1,
      next_payment_attempt: P1 + 3 * day,
      amount_remaining: 3_000,
    });
    expect((await b.types(sub.id)).slice(-8)).toEqual([
      'invoice.upcoming',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      ...failedAttempt,
      'customer.subscription.updated',
    ]);
    const failedEvent = (await b.timeline(sub.id)).find((e) => e.type === 'invoice.payment_failed');
    expect(failedEvent?.data.object).toMatchObject({ attempt_count: 1, next_payment_attempt: P1 + 3 * day });

    await b.advance(sub.id, { outcome: 'retry_failed' });
    expect((await b.clock(sub.id)).now).toBe(P1 + 3 * day);
    expect(await b.invoice(invoiceId)).toMatchObject({
      status: 'open',
      attempt_count: 2,
      next_payment_attempt: P1 + 8 * day,
    });
    expect((await b.types(sub.id)).slice(-4)).toEqual(['customer.subscription.updated', ...failedAttempt]); // no update: still past_due
    await b.advance(sub.id, { outcome: 'retry_failed' });
    expect(await b.invoice(invoiceId)).toMatchObject({ attempt_count: 3, next_payment_attempt: P1 + 15 * day });

    const last = await b.advance(sub.id, { outcome: 'retry_failed' });
    expect(last).toMatchObject({ status: 'canceled', canceled_at: P1 + 15 * day });
    expect(await b.invoice(invoiceId)).toMatchObject({
      status: 'uncollectible',
      attempt_count: 4,
      next_payment_attempt: null,
      status_transitions: { marked_uncollectible_at: P1 + 15 * day },
    });
    expect((await b.types(sub.id)).slice(-5)).toEqual([
      ...failedAttempt,
      'invoice.marked_uncollectible',
      'customer.subscription.deleted',
    ]);

    const invoice = await b.invoice(invoiceId);
    const charges = await stripe.charges.list({ payment_intent: invoice.payment_intent as string, limit: 10 });
    expect(charges.data.map((c) => [c.status, (c as Stripe.Charge & { invoice?: string | null }).invoice])).toEqual(
      Array(4).fill(['failed', invoiceId]),
    );
    expect((await stripe.paymentIntents.retrieve(invoice.payment_intent as string)).status).toBe(
      'requires_payment_method',
    );
  });

  it('a paid retry pays the invoice and makes the subscription active again', async () => {
    const sub = await subscribe(2_500);
    await b.advance(sub.id, { outcome: 'failed' });
    await b.advance(sub.id, { outcome: 'retry_failed' });
    const recovered = await b.advance(sub.id, { outcome: 'retry_paid' });
    expect(recovered.status).toBe('active');
    const invoice = await b.invoice(recovered.latest_invoice);
    expect(invoice).toMatchObject({
      status: 'paid',
      paid: true,
      attempt_count: 3,
      amount_paid: 2_500,
      next_payment_attempt: null,
      status_transitions: { paid_at: P1 + 8 * day },
    });
    const events = await b.timeline(sub.id);
    expect(events.slice(-5).map((e) => e.type)).toEqual([
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice.paid',
      'invoice.payment_succeeded',
      'customer.subscription.updated',
    ]);
    expect(events.at(-1)?.data.previous_attributes).toEqual({ status: 'past_due' });
    const charge = (await stripe.charges.retrieve(invoice.charge as string)) as Stripe.Charge & {
      invoice?: string | null;
    };
    expect(charge).toMatchObject({ status: 'succeeded', invoice: invoice.id, amount: 2_500 });
    expect(charge.balance_transaction).toEqual(expect.stringMatching(/^txn_/));
    // The next renewal comes on schedule and is paid by the subscription's own card.
    expect(await b.invoice((await b.advance(sub.id)).latest_invoice)).toMatchObject({
      status: 'paid',
      period_start: P1 + 28 * day,
    });
  });

  it('with the account set to unpaid + void: the last failure voids the invoice and leaves the subscription unpaid; its renewals are not attempted until the customer pays', async () => {
    await b.settings({ retryScheduleDays: [1], subscriptionAfterRetries: 'unpaid', invoiceAfterRetries: 'void' });
    try {
      const sub = await subscribe(1_000);
      const failed = await b.advance(sub.id, { outcome: 'failed' });
      expect(await b.invoice(failed.latest_invoice)).toMatchObject({ next_payment_attempt: P1 + day });
      const unpaid = await b.advance(sub.id, { outcome: 'retry_failed' });
      expect(unpaid.status).toBe('unpaid');
      expect(await b.invoice(failed.latest_invoice)).toMatchObject({
        status: 'void',
        attempt_count: 2,
        next_payment_attempt: null,
      });
      const types = await b.types(sub.id);
      expect(types.slice(-6)).toEqual([
        ...failedAttempt,
        'payment_intent.canceled',
        'invoice.voided',
        'customer.subscription.updated',
      ]);

      const renewal = await b.advance(sub.id);
      expect(renewal.status).toBe('unpaid');
      const open = await b.invoice(renewal.latest_invoice);
      expect(open).toMatchObject({
        status: 'open',
        attempted: false,
        attempt_count: 0,
        auto_advance: false,
        next_payment_attempt: null,
      });
      // The customer pays on the hosted invoice page with a new card.
      const paid = await axios.post<SandboxInvoice>(`${h.baseUrl}/__sandbox/invoices/${open.id}/pay`, {
        payment_method: '4242 4242 4242 4242',
      });
      expect(paid.data).toMatchObject({ status: 'paid', amount_paid: 1_000 });
      expect((await b.subscription(sub.id)).status).toBe('active');
    } finally {
      await b.settings({
        retryScheduleDays: [3, 5, 7],
        subscriptionAfterRetries: 'canceled',
        invoiceAfterRetries: 'uncollectible',
      });
    }
  });

  it('a card that needs authentication: invoice.payment_failed and invoice.payment_action_required, the PaymentIntent requires_action, retries on schedule', async () => {
    const sub = await subscribe(1_800);
    await stripe.subscriptions.update(sub.id, { default_payment_method: 'pm_card_authenticationRequired' });
    const pending = await b.advance(sub.id); // the subscription's own card decides
    expect(pending.status).toBe('past_due');
    const invoice = await b.invoice(pending.latest_invoice);
    expect(invoice).toMatchObject({
      status: 'open',
      attempt_count: 1,
      next_payment_attempt: P1 + 3 * day,
      charge: null,
    });
    const intent = await stripe.paymentIntents.retrieve(invoice.payment_intent as string);
    expect(intent).toMatchObject({ status: 'requires_action', next_action: { type: 'use_stripe_sdk' } });
    expect((await b.types(sub.id)).slice(-5)).toEqual([
      'payment_intent.created',
      'payment_intent.requires_action',
      'invoice.payment_failed',
      'invoice.payment_action_required',
      'customer.subscription.updated',
    ]);
    await expect(stripe.invoices.pay(invoice.id)).rejects.toMatchObject({
      statusCode: 402,
      code: 'invoice_payment_intent_requires_action',
    });
    const paid = await b.advance(sub.id, { outcome: 'retry_paid' });
    expect(paid.status).toBe('active');
    expect(await stripe.paymentIntents.retrieve(invoice.payment_intent as string)).toMatchObject({
      status: 'succeeded',
      next_action: null,
    });
  });

  it('the retry schedule and after-retries settings are fixed at sandbox start and shown by GET /__sandbox/billing', async () => {
    const other = await startStripeSandbox({
      now: () => T0 * 1000,
      billing: { retryScheduleDays: [2], subscriptionAfterRetries: 'past_due', invoiceAfterRetries: 'open' },
    });
    try {
      expect((await axios.get(`${other.baseUrl}/__sandbox/billing`)).data).toEqual({
        retryScheduleDays: [2],
        subscriptionAfterRetries: 'past_due',
        invoiceAfterRetries: 'open',
        upcomingInvoiceDays: 7,
      });
      const o = billingControls(other);
      const sub = await other.stripe.subscriptions.create({
        customer: (await other.stripe.customers.create({})).id,
        default_payment_method: 'pm_card_visa',
        items: [
          {
            price_data: {
              currency: 'usd',
              unit_amount: 700,
              recurring: { interval: 'month' },
              product: (await other.stripe.products.create({ name: 'X' })).id,
            },
          },
        ],
      });
      const failed = await o.advance(sub.id, { outcome: 'failed' });
      expect(await o.invoice(failed.latest_invoice)).toMatchObject({ next_payment_attempt: P1 + 2 * day });
      const exhausted = await o.advance(sub.id, { outcome: 'retry_failed' });
      expect(exhausted.status).toBe('past_due');
      expect(await o.invoice(failed.latest_invoice)).toMatchObject({
        status: 'open',
        attempt_count: 2,
        next_payment_attempt: null,
      });
      await expect(
        axios.put(`${other.baseUrl}/__sandbox/billing`, { retryScheduleDays: 'soon' }),
      ).rejects.toMatchObject({ response: { status: 400 } });
    } finally {
      await other.close();
    }
  });
});
