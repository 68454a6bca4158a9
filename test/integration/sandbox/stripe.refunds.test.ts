import axios from 'axios';
import Stripe from 'stripe';
import { startStripeSandbox, type StripeHarness } from './stripeHarness';

/** A control's answer: the object, or Stripe's error body. */
type Answer<T> = T & { error?: { type: string; code?: string; message: string } };

describe('Stripe sandbox: pending and failing refunds', () => {
  let h: StripeHarness;
  let stripe: Stripe;

  beforeAll(async () => {
    h = await startStripeSandbox();
    stripe = h.stripe;
  });
  afterAll(() => h.close());

  const pay = (paymentMethod: string, amount = 10_000, currency = 'usd') =>
    stripe.paymentIntents.create({ amount, currency, payment_method: paymentMethod, confirm: true });

  const control = <T>(path: string, body: unknown) =>
    axios.post<Answer<T>>(`${h.baseUrl}/__sandbox${path}`, body, { validateStatus: () => true });

  const settle = (refundId: string, body: Record<string, unknown>) =>
    control<Stripe.Refund>(`/refunds/${refundId}/outcome`, body);

  const chargeOf = async (intent: Stripe.PaymentIntent) => stripe.charges.retrieve(intent.latest_charge as string);

  /** Events about one object, oldest first, with their types. */
  async function eventsFor(objectId: string): Promise<Stripe.Event[]> {
    const events = await stripe.events.list({ limit: 100 });
    return events.data.filter((e) => (e.data.object as { id?: string }).id === objectId).reverse();
  }

  it('leaves a pm_card_pendingRefund refund pending, counted in amount_refunded, until the outcome control succeeds it', async () => {
    const intent = await pay('pm_card_pendingRefund');
    const charge = await chargeOf(intent);
    expect(charge.payment_method_details?.card?.last4).toBe('7726');

    const refund = await stripe.refunds.create({ payment_intent: intent.id, amount: 4_000 });
    expect(refund).toMatchObject({
      object: 'refund',
      status: 'pending',
      pending_reason: 'processing',
      amount: 4_000,
      charge: charge.id,
    });
    expect(refund).not.toHaveProperty('failure_reason');
    const transaction = await stripe.balanceTransactions.retrieve(refund.balance_transaction as string);
    expect(transaction).toMatchObject({ type: 'refund', amount: -4_000, source: refund.id });
    // As Stripe: a pending refund already counts as refunded on the charge, and limits what is left to refund.
    expect(await chargeOf(intent)).toMatchObject({ amount_refunded: 4_000, refunded: false });
    await expect(stripe.refunds.create({ charge: charge.id, amount: 6_001 })).rejects.toMatchObject({
      code: 'amount_too_large',
    });

    const created = await eventsFor(refund.id);
    expect(created.map((e) => e.type)).toEqual(['refund.created']);
    expect(created[0]?.data.object).toMatchObject({ status: 'pending' });
    const refunded = (await stripe.events.list({ type: 'charge.refunded', limit: 1 })).data[0];
    expect(refunded?.data.object).toMatchObject({ id: charge.id, amount_refunded: 4_000 });
    expect(refunded?.data.previous_attributes).toEqual({ amount_refunded: 0, refunded: false });

    const settled = await settle(refund.id, { status: 'succeeded' });
    expect(settled.status).toBe(200);
    expect(settled.data).toMatchObject({ id: refund.id, status: 'succeeded' });
    expect(settled.data).not.toHaveProperty('pending_reason');
    expect(await stripe.refunds.retrieve(refund.id)).toMatchObject({ status: 'succeeded' });
    expect(await chargeOf(intent)).toMatchObject({ amount_refunded: 4_000 });

    const updates = (await eventsFor(refund.id)).slice(1);
    expect(updates.map((e) => e.type)).toEqual(['refund.updated', 'charge.refund.updated']);
    for (const event of updates) {
      expect(event.data.object).toMatchObject({ id: refund.id, status: 'succeeded' });
      expect(event.data.previous_attributes).toEqual({ status: 'pending', pending_reason: 'processing' });
      expect(event.request).toEqual({ id: null, idempotency_key: null });
    }

    const again = await settle(refund.id, { status: 'succeeded' });
    expect(again.status).toBe(400);
    expect(again.data).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('succeeds a pm_card_refundFail refund first, then fails it: amount back on the charge, refund_failure transaction, refund.failed', async () => {
    const intent = await pay('pm_card_refundFail', 7_500);
    const refund = await stripe.refunds.create({ payment_intent: intent.id });
    expect(refund).toMatchObject({ status: 'succeeded', amount: 7_500 });
    expect(await chargeOf(intent)).toMatchObject({ amount_refunded: 7_500, refunded: true });

    const failed = await settle(refund.id, { status: 'failed' });
    expect(failed.status).toBe(200);
    expect(failed.data).toMatchObject({ id: refund.id, status: 'failed', failure_reason: 'expired_or_canceled_card' });
    const stored = await stripe.refunds.retrieve(refund.id, { expand: ['failure_balance_transaction'] });
    expect(stored.failure_balance_transaction).toMatchObject({
      object: 'balance_transaction',
      type: 'refund_failure',
      reporting_category: 'refund_failure',
      amount: 7_500,
      fee: 0,
      net: 7_500,
      currency: 'usd',
      source: refund.id,
    });
    expect(await chargeOf(intent)).toMatchObject({ amount_refunded: 0, refunded: false });
    const bySource = await stripe.balanceTransactions.list({ source: refund.id });
    expect(bySource.data.map((t) => [t.type, t.amount])).toEqual([
      ['refund_failure', 7_500],
      ['refund', -7_500],
    ]);

    const events = (await eventsFor(refund.id)).slice(1);
    expect(events.map((e) => e.type)).toEqual(['refund.updated', 'charge.refund.updated', 'refund.failed']);
    expect(events[0]?.data.previous_attributes).toEqual({
      status: 'succeeded',
      failure_reason: null,
      failure_balance_transaction: null,
    });
    expect(events[2]?.data.object).toMatchObject({ status: 'failed', failure_reason: 'expired_or_canceled_card' });

    // The money is refundable again; once failed, the refund is settled for good.
    expect((await settle(refund.id, { status: 'failed' })).status).toBe(400);
    const retry = await stripe.refunds.create({ payment_intent: intent.id, amount: 7_500 });
    expect(retry.status).toBe('succeeded');
  });

  it('fails a pending refund with the failure_reason given', async () => {
    const intent = await pay('pm_card_pendingRefund', 3_000);
    const refund = await stripe.refunds.create({ payment_intent: intent.id });
    const failed = await settle(refund.id, { status: 'failed', failure_reason: 'lost_or_stolen_card' });
    expect(failed.data).toMatchObject({ status: 'failed', failure_reason: 'lost_or_stolen_card' });
    expect(failed.data).not.toHaveProperty('pending_reason');
    const updated = (await eventsFor(refund.id)).find((e) => e.type === 'refund.updated');
    expect(updated?.data.previous_attributes).toMatchObject({ status: 'pending', pending_reason: 'processing' });
    expect(await chargeOf(intent)).toMatchObject({ amount_refunded: 0, refunded: false });
  });

  it('makes only the next refund of a pm_card_visa charge pending or failing with refund_behaviour', async () => {
    const intent = await pay('pm_card_visa', 9_000);
    const chargeId = intent.latest_charge as string;
    const set = await control(`/charges/${chargeId}/refund_behaviour`, { behaviour: 'pending' });
    expect([set.status, set.data]).toEqual([200, { charge: chargeId, behaviour: 'pending' }]);

    const pending = await stripe.refunds.create({ charge: chargeId, amount: 1_000 });
    const next = await stripe.refunds.create({ charge: chargeId, amount: 1_000 });
    expect([pending.status, next.status]).toEqual(['pending', 'succeeded']);

    await control(`/charges/${chargeId}/refund_behaviour`, { behaviour: 'fail' });
    const failing = await stripe.refunds.create({ charge: chargeId, amount: 2_000 });
    expect(failing.status).toBe('succeeded');
    // An ordinary succeeded refund cannot be failed; the one set to fail can.
    expect((await settle(next.id, { status: 'failed' })).status).toBe(400);
    expect((await settle(failing.id, { status: 'failed', failure_reason: 'declined' })).data).toMatchObject({
      status: 'failed',
      failure_reason: 'declined',
    });
    expect((await settle(pending.id, { status: 'succeeded' })).data).toMatchObject({ status: 'succeeded' });
    expect(await stripe.charges.retrieve(chargeId)).toMatchObject({ amount_refunded: 2_000 });
  });

  it('lets refund_behaviour succeed override the card, and is not used up by a refused refund', async () => {
    const intent = await pay('pm_card_pendingRefund', 2_000);
    const chargeId = intent.latest_charge as string;
    await control(`/charges/${chargeId}/refund_behaviour`, { behaviour: 'succeed' });
    await expect(stripe.refunds.create({ charge: chargeId, amount: 2_001 })).rejects.toMatchObject({
      code: 'amount_too_large',
    });
    expect((await stripe.refunds.create({ charge: chargeId, amount: 500 })).status).toBe('succeeded');
    expect((await stripe.refunds.create({ charge: chargeId, amount: 500 })).status).toBe('pending');
  });

  it('answers bad control requests in Stripe’s error shape', async () => {
    const intent = await pay('pm_card_visa', 1_000);
    expect((await control('/charges/ch_missing/refund_behaviour', { behaviour: 'pending' })).status).toBe(404);
    expect(
      (await control(`/charges/${intent.latest_charge as string}/refund_behaviour`, { behaviour: 'later' })).status,
    ).toBe(400);
    const missing = await settle('re_missing', { status: 'succeeded' });
    expect([missing.status, missing.data.error?.code]).toEqual([404, 'resource_missing']);
    const refund = await stripe.refunds.create({ payment_intent: intent.id });
    expect((await settle(refund.id, { status: 'canceled' })).status).toBe(400);
    expect((await settle(refund.id, { status: 'failed', failure_reason: 'because' })).status).toBe(400);
    expect((await settle(refund.id, { status: 'succeeded', failure_reason: 'declined' })).status).toBe(400);
  });

  it('keeps zero- and three-decimal amounts in minor units through a failed refund', async () => {
    for (const [currency, amount, part] of [
      ['jpy', 5_000, 1_234],
      ['kwd', 12_340, 1_230],
    ] as const) {
      const intent = await pay('pm_card_refundFail', amount, currency);
      const refund = await stripe.refunds.create({ payment_intent: intent.id, amount: part });
      const failed = (await settle(refund.id, { status: 'failed' })).data;
      const reversal = await stripe.balanceTransactions.retrieve(failed.failure_balance_transaction as string);
      expect([reversal.currency, reversal.amount, reversal.net]).toEqual([currency, part, part]);
      expect((await stripe.balanceTransactions.retrieve(refund.balance_transaction as string)).amount).toBe(-part);
      expect(await chargeOf(intent)).toMatchObject({ amount_refunded: 0, currency });
    }
  });

  it('pays a Checkout Session with a typed test card number whose refunds go pending', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: 'https://shop.example.com/ok',
      line_items: [{ quantity: 1, price_data: { currency: 'eur', unit_amount: 2_500, product_data: { name: 'Mug' } } }],
    });
    const paid = await control<Stripe.Checkout.Session>(`/checkout/sessions/${session.id}/pay`, {
      payment_method: '4000 0000 0000 7726',
    });
    expect(paid.status).toBe(200);
    const refund = await stripe.refunds.create({ payment_intent: paid.data.payment_intent as string });
    expect(refund.status).toBe('pending');
  });
});

describe('Stripe sandbox: dispute close control and dispute fees', () => {
  let h: StripeHarness;
  let stripe: Stripe;

  beforeAll(async () => {
    h = await startStripeSandbox();
    stripe = h.stripe;
  });
  afterAll(() => h.close());

  const close = (id: string, body: unknown) =>
    axios.post<Stripe.Dispute>(`${h.baseUrl}/__sandbox/disputes/${id}/close`, body, { validateStatus: () => true });

  async function disputeOn(amount: number, currency: string): Promise<Stripe.Dispute> {
    const intent = await stripe.paymentIntents.create({
      amount,
      currency,
      payment_method: 'pm_card_createDispute',
      confirm: true,
    });
    return (await stripe.disputes.list({ payment_intent: intent.id })).data[0] as Stripe.Dispute;
  }

  it('closes a dispute as won with /close, as the outcome control does; the withdrawal carries the dispute fee', async () => {
    const dispute = await disputeOn(4_000, 'usd');
    const [withdrawal] = dispute.balance_transactions;
    expect(withdrawal).toMatchObject({
      amount: -4_000,
      fee: 1_500,
      net: -5_500,
      reporting_category: 'dispute',
      type: 'adjustment',
      fee_details: [
        { amount: 1_500, currency: 'usd', description: 'Dispute fee', type: 'stripe_fee', application: null },
      ],
    });
    expect(await stripe.balanceTransactions.retrieve(withdrawal?.id as string)).toEqual(withdrawal);

    const won = await close(dispute.id, { status: 'won' });
    expect(won.status).toBe(200);
    expect(won.data.status).toBe('won');
    const reinstated = won.data.balance_transactions[1];
    expect(reinstated).toMatchObject({
      amount: 4_000,
      fee: 0,
      fee_details: [],
      reporting_category: 'dispute_reversal',
    });
    expect(await stripe.balanceTransactions.retrieve(reinstated?.id as string)).toEqual(reinstated);
    expect((await stripe.events.list({ type: 'charge.dispute.closed', limit: 1 })).data[0]?.data.object).toMatchObject({
      id: dispute.id,
      status: 'won',
    });

    expect((await close(dispute.id, { status: 'lost' })).status).toBe(400);
  });

  it('closes a KWD dispute as lost, with the three-decimal dispute fee from the table', async () => {
    const dispute = await disputeOn(20_000, 'kwd');
    expect(dispute.balance_transactions[0]).toMatchObject({
      amount: -20_000,
      fee: 5_000,
      net: -25_000,
      currency: 'kwd',
    });
    const lost = await close(dispute.id, { status: 'lost' });
    expect(lost.data).toMatchObject({ status: 'lost' });
    expect(lost.data.balance_transactions).toHaveLength(1);
    expect((await close(dispute.id, { status: 'undecided' })).status).toBe(400);
  });
});
