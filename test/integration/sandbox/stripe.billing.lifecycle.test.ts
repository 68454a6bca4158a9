import axios from 'axios';
import type Stripe from 'stripe';
import { billingControls, day, T0 } from './stripeBilling';
import { startStripeSandbox, WebhookReceiver, waitFor, type StripeHarness } from './stripeHarness';

const paidRenewal = [
  'invoice.created',
  'invoice.finalized',
  'payment_intent.created',
  'charge.succeeded',
  'payment_intent.succeeded',
  'invoice.paid',
  'invoice.payment_succeeded',
  'customer.subscription.updated',
];

/** Trials, pause and resume, `invoice.upcoming`, and the advance control that drives them, on a fixed sandbox clock. */
describe('Stripe sandbox billing: trials, pausing, upcoming invoices and the subscription clock', () => {
  const receiver = new WebhookReceiver();
  let h: StripeHarness;
  let stripe: Stripe;
  let b: ReturnType<typeof billingControls>;
  const P1 = T0 + 31 * day;
  const P2 = P1 + 28 * day;

  beforeAll(async () => {
    await receiver.start();
    h = await startStripeSandbox({ webhookUrl: receiver.url, now: () => T0 * 1000 });
    stripe = h.stripe;
    b = billingControls(h);
  });
  afterAll(async () => {
    await h.close();
    await receiver.stop();
  });

  const customer = (paymentMethod?: string) =>
    stripe.customers.create({
      email: `c${Math.random()}@example.com`,
      ...(paymentMethod ? { invoice_settings: { default_payment_method: paymentMethod } } : {}),
    });
  const price = async (unit_amount: number, name: string) =>
    (
      await stripe.prices.create({
        currency: 'usd',
        unit_amount,
        recurring: { interval: 'month' },
        product_data: { name },
      })
    ).id;

  it('trials: trialing with a paid zero-amount invoice, trial_will_end three days before the end, then active with a paid cycle invoice', async () => {
    const sub = await stripe.subscriptions.create({
      customer: (await customer()).id,
      default_payment_method: 'pm_card_visa',
      items: [{ price: await price(2_000, 'Gym') }],
      trial_period_days: 14,
    });
    expect(sub).toMatchObject({
      status: 'trialing',
      trial_start: T0,
      trial_end: T0 + 14 * day,
      billing_cycle_anchor: T0 + 14 * day,
    });
    expect(sub.items.data[0]).toMatchObject({ current_period_start: T0, current_period_end: T0 + 14 * day });
    const trialInvoice = await b.invoice(sub.latest_invoice);
    expect(trialInvoice).toMatchObject({
      billing_reason: 'subscription_create',
      status: 'paid',
      total: 0,
      amount_due: 0,
      amount_paid: 0,
      payment_intent: null,
      charge: null,
    });
    expect(trialInvoice.lines.data[0]).toMatchObject({
      amount: 0,
      description: 'Trial period for Gym',
      period: { start: T0, end: T0 + 14 * day },
    });
    expect((await b.clock(sub.id)).scheduled).toEqual([
      { at: T0 + 7 * day, kind: 'upcoming' },
      { at: T0 + 11 * day, kind: 'trial_will_end' },
      { at: T0 + 14 * day, kind: 'trial_end' },
    ]);

    await b.advance(sub.id, { to: T0 + 12 * day });
    expect((await b.subscription(sub.id)).status).toBe('trialing');
    const converted = await b.advance(sub.id, { to: 'trial_end' });
    expect(converted.status).toBe('active');
    expect(converted.items.data[0]).toMatchObject({
      current_period_start: T0 + 14 * day,
      current_period_end: Date.UTC(2027, 1, 28) / 1000,
    });
    expect(await b.invoice(converted.latest_invoice)).toMatchObject({
      billing_reason: 'subscription_cycle',
      status: 'paid',
      total: 2_000,
      amount_paid: 2_000,
      created: T0 + 14 * day,
      status_transitions: { paid_at: T0 + 14 * day },
    });
    const events = await b.timeline(sub.id);
    expect(events.map((e) => e.type)).toEqual([
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
      'invoice.upcoming',
      'customer.subscription.trial_will_end',
      ...paidRenewal,
    ]);
    expect(events.at(-1)?.data.previous_attributes).toMatchObject({ status: 'trialing' });
    await waitFor(
      () =>
        receiver.received.some(
          (r) =>
            r.event.type === 'customer.subscription.trial_will_end' &&
            (r.event.data.object as { id: string }).id === sub.id,
        ),
      5000,
      'the signed trial_will_end webhook',
    );
    expect(receiver.rejected).toEqual([]);
  });

  it('trials: a declined card at the trial end makes it past_due; trial_end=now ends a trial at once', async () => {
    const declined = await stripe.subscriptions.create({
      customer: (await customer()).id,
      default_payment_method: 'pm_card_chargeDeclinedInsufficientFunds',
      items: [{ price: await price(2_000, 'Pool') }],
      trial_period_days: 7,
    });
    const after = await b.advance(declined.id); // to the trial end, the subscription's own card decides
    expect(after.status).toBe('past_due');
    expect(await b.invoice(after.latest_invoice)).toMatchObject({
      status: 'open',
      attempt_count: 1,
      attempted: true,
      next_payment_attempt: T0 + 10 * day,
      amount_remaining: 2_000,
    });
    expect((await b.types(declined.id)).slice(-8)).toEqual([
      'customer.subscription.trial_will_end',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.failed',
      'payment_intent.payment_failed',
      'invoice.payment_failed',
      'customer.subscription.updated',
    ]);

    const early = await stripe.subscriptions.create({
      customer: (await customer('pm_card_visa')).id,
      items: [{ price: await price(900, 'Sauna') }],
      trial_period_days: 30,
    });
    const ended = await stripe.subscriptions.update(early.id, { trial_end: 'now' });
    expect(ended).toMatchObject({ status: 'active', trial_end: T0 });
    expect(await b.invoice(ended.latest_invoice)).toMatchObject({
      billing_reason: 'subscription_cycle',
      status: 'paid',
      total: 900,
    });
  });

  it('trials without a payment method: paused (then resumed with a card), canceled, or past_due with an unpaid invoice, per trial_settings', async () => {
    const gymPrice = await price(1_500, 'Climbing');
    const paused = await stripe.subscriptions.create({
      customer: (await customer()).id,
      items: [{ price: gymPrice }],
      trial_period_days: 3,
      trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
    });
    expect(paused.status).toBe('trialing');
    expect((await b.advance(paused.id, { to: 'trial_end' })).status).toBe('paused');
    expect((await b.types(paused.id)).slice(-3)).toEqual([
      'customer.subscription.trial_will_end',
      'customer.subscription.updated',
      'customer.subscription.paused',
    ]);
    await expect(axios.post(`${h.baseUrl}/__sandbox/subscriptions/${paused.id}/advance`, {})).rejects.toMatchObject({
      response: { status: 400 },
    });
    await expect(stripe.invoices.createPreview({ subscription: paused.id })).rejects.toMatchObject({
      statusCode: 404,
      code: 'invoice_upcoming_none',
    });

    await stripe.subscriptions.update(paused.id, { default_payment_method: 'pm_card_visa' });
    const resumed = await stripe.subscriptions.resume(paused.id);
    expect(resumed.status).toBe('active');
    expect(resumed.items.data[0]).toMatchObject({ current_period_start: T0 + 3 * day });
    expect(await b.invoice(resumed.latest_invoice)).toMatchObject({
      billing_reason: 'subscription_update',
      status: 'paid',
      total: 1_500,
    });
    expect((await b.types(paused.id)).slice(-3)).toEqual([
      'invoice.payment_succeeded',
      'customer.subscription.resumed',
      'customer.subscription.updated',
    ]);
    await expect(stripe.subscriptions.resume(paused.id)).rejects.toMatchObject({ statusCode: 400 });

    const canceled = await stripe.subscriptions.create({
      customer: (await customer()).id,
      items: [{ price: gymPrice }],
      trial_period_days: 3,
      trial_settings: { end_behavior: { missing_payment_method: 'cancel' } },
    });
    expect(await b.advance(canceled.id)).toMatchObject({ status: 'canceled', ended_at: T0 + 3 * day });

    const invoiced = await stripe.subscriptions.create({
      customer: (await customer()).id,
      items: [{ price: gymPrice }],
      trial_period_days: 3,
    });
    const pastDue = await b.advance(invoiced.id);
    expect(pastDue.status).toBe('past_due');
    expect(await b.invoice(pastDue.latest_invoice)).toMatchObject({
      status: 'open',
      attempt_count: 1,
      next_payment_attempt: null,
      payment_intent: null,
    });
  });

  it('pause_collection: renewal invoices voided, marked uncollectible or kept as drafts while the subscription stays active; collection resumes at resumes_at', async () => {
    const sub = await stripe.subscriptions.create({
      customer: (await customer()).id,
      default_payment_method: 'pm_card_visa',
      items: [{ price: await price(1_500, 'Wine') }],
    });
    const pausing = await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'void' } });
    expect(pausing.pause_collection).toEqual({ behavior: 'void', resumes_at: null });
    const voided = await b.advance(sub.id);
    expect(voided.status).toBe('active');
    expect(await b.invoice(voided.latest_invoice)).toMatchObject({
      status: 'void',
      payment_intent: null,
      total: 1_500,
      status_transitions: { voided_at: P1 },
    });
    expect((await b.types(sub.id)).slice(-5)).toEqual([
      'invoice.upcoming',
      'invoice.created',
      'invoice.finalized',
      'invoice.voided',
      'customer.subscription.updated',
    ]);

    await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'mark_uncollectible' } });
    expect(await b.invoice((await b.advance(sub.id)).latest_invoice)).toMatchObject({
      status: 'uncollectible',
      period_start: P2,
    });
    expect((await b.types(sub.id)).slice(-2)).toEqual([
      'invoice.marked_uncollectible',
      'customer.subscription.updated',
    ]);

    await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'keep_as_draft' } });
    const draft = await b.invoice((await b.advance(sub.id)).latest_invoice);
    expect(draft).toMatchObject({ status: 'draft', auto_advance: false, number: null });
    expect((await b.types(sub.id)).slice(-2)).toEqual(['invoice.created', 'customer.subscription.updated']);
    const finalized = await stripe.invoices.finalizeInvoice(draft.id);
    expect(finalized.status).toBe('open');
    expect((await stripe.invoices.pay(draft.id)).status).toBe('paid');

    const period = (await b.subscription(sub.id)).items.data[0] as Stripe.SubscriptionItem;
    await stripe.subscriptions.update(sub.id, {
      pause_collection: { behavior: 'void', resumes_at: period.current_period_start + 5 * day },
    });
    const resumed = await b.advance(sub.id);
    expect(resumed.pause_collection).toBeNull();
    expect(await b.invoice(resumed.latest_invoice)).toMatchObject({ status: 'paid', total: 1_500 });

    await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'void' } });
    await stripe.subscriptions.update(sub.id, { pause_collection: '' });
    expect(await b.invoice((await b.advance(sub.id)).latest_invoice)).toMatchObject({ status: 'paid' });
  });

  it('invoice.upcoming goes out the configured number of days before a renewal, once; GET /v1/invoices/upcoming and create_preview show the same invoice', async () => {
    const sub = await stripe.subscriptions.create({
      customer: (await customer()).id,
      default_payment_method: 'pm_card_visa',
      items: [{ price: await price(1_200, 'Paper') }],
    });
    await stripe.subscriptions.update(sub.id, {
      items: [{ id: (sub.items.data[0] as Stripe.SubscriptionItem).id, quantity: 2 }],
      proration_date: T0 + 16 * day,
    });
    await b.advance(sub.id, { to: P1 - 2 * day });
    const events = await b.timeline(sub.id);
    const upcoming = events.filter((e) => e.type === 'invoice.upcoming');
    expect(upcoming).toHaveLength(1);
    const notice = upcoming[0]?.data.object as unknown as Stripe.Invoice & { subscription: string };
    // 15 of 31 days left: 1 seat credited (1,200 × 15/31 = 580.6 → 581), 2 seats charged (2,400 × 15/31 = 1,161.3 → 1,161).
    expect(notice).toMatchObject({
      billing_reason: 'upcoming',
      subscription: sub.id,
      period_start: P1,
      period_end: P2,
      next_payment_attempt: P1,
      status: 'draft',
      subtotal: 2_980,
      amount_due: 2_980,
    });
    expect(notice.id).toMatch(/^upcoming_in_/);
    expect(notice.lines.data.map((l) => l.amount)).toEqual([-581, 1_161, 2_400]);
    expect(events.at(-1)?.type).toBe('invoice.upcoming');
    expect((await b.invoices(sub.id)).length).toBe(1);

    const legacy = (await stripe.rawRequest('GET', `/v1/invoices/upcoming?subscription=${sub.id}`)) as Stripe.Invoice;
    const preview = await stripe.invoices.createPreview({ customer: sub.customer as string });
    for (const shown of [legacy, preview]) {
      expect(shown).toMatchObject({ amount_due: 2_980, period_start: P1, billing_reason: 'upcoming' });
      expect(shown.lines.data.map((l) => l.amount)).toEqual([-581, 1_161, 2_400]);
    }
    await b.advance(sub.id);
    expect((await b.types(sub.id)).filter((t) => t === 'invoice.upcoming')).toHaveLength(1);
    expect((await b.invoices(sub.id)).at(-1)).toMatchObject({ total: 2_980, status: 'paid' });

    await b.settings({ upcomingInvoiceDays: 3 });
    try {
      const soon = await stripe.subscriptions.create({
        customer: (await customer()).id,
        default_payment_method: 'pm_card_visa',
        items: [{ price: await price(500, 'Ink') }],
      });
      expect((await b.clock(soon.id)).scheduled).toEqual([
        { at: P1 - 3 * day, kind: 'upcoming' },
        { at: P1, kind: 'renewal' },
      ]);
      await b.settings({ upcomingInvoiceDays: 0 });
      expect((await b.clock(soon.id)).scheduled).toEqual([{ at: P1, kind: 'renewal' }]);
      await stripe.subscriptions.cancel(soon.id);
      await expect(stripe.invoices.createPreview({ subscription: soon.id })).rejects.toMatchObject({
        statusCode: 404,
        code: 'invoice_upcoming_none',
      });
    } finally {
      await b.settings({ upcomingInvoiceDays: 7 });
    }
  });

  it('advance runs everything due up to its target in order, on the subscription clock; each paid invoice has a PaymentIntent, charge and balance transaction naming it', async () => {
    const sub = await stripe.subscriptions.create({
      customer: (await customer()).id,
      default_payment_method: 'pm_card_visa',
      items: [{ price: await price(3_000, 'Club') }],
    });
    const later = await b.advance(sub.id, { to: T0 + 70 * day });
    expect(later.items.data[0]).toMatchObject({
      current_period_start: P2,
      current_period_end: Date.UTC(2027, 3, 15) / 1000,
    });
    expect((await b.clock(sub.id)).now).toBe(T0 + 70 * day);
    const types = await b.types(sub.id);
    expect(types.slice(-18)).toEqual(['invoice.upcoming', ...paidRenewal, 'invoice.upcoming', ...paidRenewal]);
    const invoices = await b.invoices(sub.id);
    expect(invoices.map((i) => [i.billing_reason, i.created, i.period_start, i.status])).toEqual([
      ['subscription_create', T0, T0, 'paid'],
      ['subscription_cycle', P1, P1, 'paid'],
      ['subscription_cycle', P2, P2, 'paid'],
    ]);
    for (const invoice of invoices) {
      const intent = (await stripe.paymentIntents.retrieve(
        invoice.payment_intent as string,
      )) as Stripe.PaymentIntent & { invoice?: string | null };
      const charge = (await stripe.charges.retrieve(invoice.charge as string)) as Stripe.Charge & {
        invoice?: string | null;
      };
      expect([intent.invoice, charge.invoice, charge.payment_intent, intent.amount_received]).toEqual([
        invoice.id,
        invoice.id,
        intent.id,
        3_000,
      ]);
      expect((await stripe.balanceTransactions.retrieve(charge.balance_transaction as string)).amount).toBe(3_000);
    }

    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    const ended = await b.advance(sub.id);
    expect(ended).toMatchObject({ status: 'canceled', ended_at: Date.UTC(2027, 3, 15) / 1000 });

    const control = (id: string, body: unknown) =>
      axios.post(`${h.baseUrl}/__sandbox/subscriptions/${id}/advance`, body, { validateStatus: () => true });
    const active = await stripe.subscriptions.create({
      customer: (await customer()).id,
      default_payment_method: 'pm_card_visa',
      items: [{ price: await price(100, 'Tiny') }],
    });
    expect((await control(active.id, { to: 'yesterday' })).status).toBe(400);
    expect((await control(active.id, { outcome: 'maybe' })).status).toBe(400);
    expect((await control(active.id, { to: T0 - 1 })).data).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect((await control(active.id, { to: 'next_attempt' })).data.error.message).toMatch(
      /no payment attempt scheduled/,
    );
    expect((await control(active.id, { to: 'trial_end' })).data.error.message).toMatch(/not trialing/);
    expect((await control(sub.id, {})).status).toBe(400);
    expect((await control('sub_missing', {})).status).toBe(404);
  });
});
