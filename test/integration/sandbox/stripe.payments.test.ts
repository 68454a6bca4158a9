import axios from 'axios';
import Stripe from 'stripe';
import { startStripeSandbox, type StripeHarness } from './stripeHarness';

describe('Stripe sandbox: payments through the official client', () => {
  let h: StripeHarness;
  let stripe: Stripe;

  beforeAll(async () => {
    h = await startStripeSandbox();
    stripe = h.stripe;
  });
  afterAll(() => h.close());

  async function pay(
    paymentMethod: string,
    extra: Partial<Stripe.PaymentIntentCreateParams> = {},
  ): Promise<Stripe.PaymentIntent> {
    return stripe.paymentIntents.create({
      amount: 2500,
      currency: 'usd',
      payment_method: paymentMethod,
      confirm: true,
      ...extra,
    });
  }

  async function chargeOf(intent: Stripe.PaymentIntent): Promise<Stripe.Charge> {
    return stripe.charges.retrieve(intent.latest_charge as string);
  }

  it('refuses a request with another API key, without echoing the key', async () => {
    const res = await axios.get(`${h.baseUrl}/v1/customers`, {
      headers: { Authorization: 'Bearer sk_test_wrong_key_9876' },
      validateStatus: () => true,
    });
    expect(res.status).toBe(401);
    expect(res.data.error.type).toBe('invalid_request_error');
    expect(res.data.error.message).toBe('Invalid API Key provided: sk_test_****9876');
  });

  it('charges pm_card_visa: the intent succeeds with an approved, normal-risk charge carrying the intent metadata', async () => {
    const customer = await stripe.customers.create({ email: 'buyer@example.com' });
    const intent = await pay('pm_card_visa', {
      customer: customer.id,
      metadata: { magento_order_id: '000000101' },
      description: 'Order #000000101',
      receipt_email: 'buyer@example.com',
      expand: ['latest_charge'],
    });
    expect(intent.id).toMatch(/^pi_/);
    expect(intent.status).toBe('succeeded');
    expect(intent.amount_received).toBe(2500);
    const charge = intent.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({
      object: 'charge',
      amount: 2500,
      amount_captured: 2500,
      amount_refunded: 0,
      paid: true,
      status: 'succeeded',
      refunded: false,
      currency: 'usd',
      customer: customer.id,
      payment_intent: intent.id,
      metadata: { magento_order_id: '000000101' },
      livemode: false,
      outcome: {
        network_status: 'approved_by_network',
        risk_level: 'normal',
        risk_score: 20,
        type: 'authorized',
        seller_message: 'Payment complete.',
      },
    });
    expect(charge.balance_transaction).toMatch(/^txn_/);
    expect(intent.payment_method).toMatch(/^pm_/);
  });

  it('declines pm_card_chargeDeclined with a StripeCardError and leaves the intent awaiting a new payment method', async () => {
    const error = await pay('pm_card_chargeDeclined').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    const cardError = error as Stripe.errors.StripeCardError;
    expect(cardError.statusCode).toBe(402);
    expect(cardError.code).toBe('card_declined');
    expect(cardError.decline_code).toBe('generic_decline');
    const intent = cardError.payment_intent as Stripe.PaymentIntent;
    const stored = await stripe.paymentIntents.retrieve(intent.id);
    expect(stored.status).toBe('requires_payment_method');
    expect(stored.last_payment_error).toMatchObject({
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
    const charge = await chargeOf(stored);
    expect(charge).toMatchObject({
      status: 'failed',
      paid: false,
      failure_code: 'card_declined',
      balance_transaction: null,
    });
  });

  it('declines pm_card_chargeDeclinedInsufficientFunds with decline code insufficient_funds', async () => {
    await expect(pay('pm_card_chargeDeclinedInsufficientFunds')).rejects.toMatchObject({
      type: 'StripeCardError',
      code: 'card_declined',
      decline_code: 'insufficient_funds',
    });
  });

  it('puts an elevated-risk payment in review, and approving the review closes it', async () => {
    const intent = await pay('pm_card_riskLevelElevated');
    expect(intent.status).toBe('succeeded');
    const charge = await chargeOf(intent);
    expect(charge.outcome).toMatchObject({ risk_level: 'elevated', type: 'manual_review' });
    const review = await stripe.reviews.retrieve(charge.review as string);
    expect(review).toMatchObject({ object: 'review', open: true, reason: 'rule', charge: charge.id });
    expect(review.id).toMatch(/^prv_/);
    const approved = await stripe.reviews.approve(review.id);
    expect(approved).toMatchObject({ open: false, closed_reason: 'approved' });
    const closed = await stripe.events.list({ type: 'review.closed', limit: 1 });
    expect((closed.data[0]?.data.object as Stripe.Review).id).toBe(review.id);
    await expect(stripe.reviews.approve(review.id)).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });

  it('takes the Radar risk score from metadata[sandbox_risk_score]', async () => {
    const highest = await chargeOf(await pay('pm_card_visa', { metadata: { sandbox_risk_score: '82' } }));
    expect(highest.outcome).toMatchObject({ risk_score: 82, risk_level: 'highest' });
    const elevated = await chargeOf(await pay('pm_card_visa', { metadata: { sandbox_risk_score: '66' } }));
    expect(elevated.outcome).toMatchObject({ risk_score: 66, risk_level: 'elevated' });
    const normal = await chargeOf(await pay('pm_card_visa', { metadata: { sandbox_risk_score: '40' } }));
    expect(normal.outcome).toMatchObject({ risk_score: 40, risk_level: 'normal', type: 'authorized' });
  });

  it('opens a dispute on a pm_card_createDispute payment and emits charge.dispute.created', async () => {
    const intent = await pay('pm_card_createDispute');
    expect(intent.status).toBe('succeeded');
    const disputes = await stripe.disputes.list({ payment_intent: intent.id });
    expect(disputes.data).toHaveLength(1);
    const dispute = disputes.data[0] as Stripe.Dispute;
    expect(dispute).toMatchObject({
      amount: 2500,
      status: 'needs_response',
      charge: intent.latest_charge,
      reason: 'fraudulent',
    });
    expect(dispute.id).toMatch(/^dp_/);
    const events = await stripe.events.list({ type: 'charge.dispute.created', limit: 5 });
    expect(events.data.map((e) => (e.data.object as Stripe.Dispute).id)).toContain(dispute.id);
    expect((await chargeOf(intent)).disputed).toBe(true);
  });

  it('refunds partially then fully, accumulating amount_refunded, and refuses to refund more', async () => {
    const intent = await pay('pm_card_visa', { amount: 10_000 });
    const first = await stripe.refunds.create({
      payment_intent: intent.id,
      amount: 2_500,
      reason: 'requested_by_customer',
      metadata: { credit_memo: 'CM-1' },
    });
    expect(first).toMatchObject({
      object: 'refund',
      amount: 2_500,
      status: 'succeeded',
      charge: intent.latest_charge,
      metadata: { credit_memo: 'CM-1' },
    });
    expect(first.balance_transaction).toMatch(/^txn_/);
    expect(await chargeOf(intent)).toMatchObject({ amount_refunded: 2_500, refunded: false });

    await expect(
      stripe.refunds.create({ charge: intent.latest_charge as string, amount: 8_000 }),
    ).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      message: 'Refund amount ($80.00) is greater than unrefunded amount on charge ($75.00)',
    });

    const rest = await stripe.refunds.create({ charge: intent.latest_charge as string });
    expect(rest.amount).toBe(7_500);
    expect(await chargeOf(intent)).toMatchObject({ amount_refunded: 10_000, refunded: true });
    await expect(stripe.refunds.create({ charge: intent.latest_charge as string, amount: 1 })).rejects.toMatchObject({
      code: 'charge_already_refunded',
    });

    const refunds = await stripe.refunds.list({ payment_intent: intent.id });
    expect(refunds.data.map((r) => r.id)).toEqual([rest.id, first.id]);
    const refunded = await stripe.events.list({ type: 'charge.refunded', limit: 1 });
    expect(refunded.data[0]?.data.previous_attributes).toEqual({ amount_refunded: 2_500, refunded: false });
  });

  it('replays the first response for a repeated Idempotency-Key and refuses the key with other parameters', async () => {
    const intent = await pay('pm_card_visa', { amount: 5_000 });
    const key = `refund-${intent.id}`;
    const first = await stripe.refunds.create({ payment_intent: intent.id, amount: 1_000 }, { idempotencyKey: key });
    const again = await stripe.refunds.create({ payment_intent: intent.id, amount: 1_000 }, { idempotencyKey: key });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect((await stripe.refunds.list({ payment_intent: intent.id })).data).toHaveLength(1);
    const mismatch = await stripe.refunds
      .create({ payment_intent: intent.id, amount: 2_000 }, { idempotencyKey: key })
      .catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((mismatch as Stripe.errors.StripeError).message).toMatch(
      /^Keys for idempotent requests can only be used with the same parameters they were first used with\./,
    );
  });

  it('replays a declined payment for the same Idempotency-Key instead of charging again', async () => {
    const params: Stripe.PaymentIntentCreateParams = {
      amount: 700,
      currency: 'usd',
      payment_method: 'pm_card_chargeDeclined',
      confirm: true,
    };
    const attempt = () =>
      stripe.paymentIntents.create(params, { idempotencyKey: 'declined-once' }).then(
        () => {
          throw new Error('the declined card was charged');
        },
        (e: Stripe.errors.StripeCardError) => e,
      );
    const first = await attempt();
    const second = await attempt();
    expect(second.payment_intent?.id).toBe(first.payment_intent?.id);
    expect(second.charge).toBe(first.charge);
  });

  it('creates, retrieves, updates, lists by email and deletes customers', async () => {
    const email = `crud-${Date.now()}@example.com`;
    const created = await stripe.customers.create({
      email,
      name: 'Ada Buyer',
      metadata: { magento_customer_id: '42' },
    });
    expect(created).toMatchObject({
      object: 'customer',
      email,
      name: 'Ada Buyer',
      metadata: { magento_customer_id: '42' },
      livemode: false,
    });
    expect(created.id).toMatch(/^cus_/);
    await stripe.customers.create({ email: `other-${email}` });
    const updated = await stripe.customers.update(created.id, {
      name: 'Ada Lovelace',
      metadata: { magento_customer_id: '', tier: 'gold' },
    });
    expect(updated).toMatchObject({ name: 'Ada Lovelace', metadata: { tier: 'gold' } });
    const event = (await stripe.events.list({ type: 'customer.updated', limit: 1 })).data[0];
    expect(event?.data.previous_attributes).toMatchObject({
      name: 'Ada Buyer',
      metadata: { magento_customer_id: '42' },
    });
    const listed = await stripe.customers.list({ email });
    expect(listed.data.map((c) => c.id)).toEqual([created.id]);
    const deleted = await stripe.customers.del(created.id);
    expect(deleted).toEqual({ id: created.id, object: 'customer', deleted: true });
    expect((await stripe.customers.list({ email })).data).toHaveLength(0);
    await expect(stripe.customers.update(created.id, { name: 'x' })).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });
  });

  it('answers an unknown id with 404 resource_missing in Stripe words', async () => {
    await expect(stripe.paymentIntents.retrieve('pi_doesnotexist')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
      message: "No such payment_intent: 'pi_doesnotexist'",
    });
  });

  it('takes zero- and three-decimal amounts as integer minor units and rejects KWD amounts not divisible by 10', async () => {
    expect((await pay('pm_card_visa', { amount: 1500, currency: 'jpy' })).amount).toBe(1500);
    expect((await pay('pm_card_visa', { amount: 12_340, currency: 'kwd' })).amount).toBe(12_340);
    await expect(pay('pm_card_visa', { amount: 12_345, currency: 'kwd' })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      param: 'amount',
    });
  });

  it('lists charges of one payment intent and expands their balance transactions', async () => {
    const intent = await pay('pm_card_visa', { amount: 4_000 });
    const charges = await stripe.charges.list({ payment_intent: intent.id, expand: ['data.balance_transaction'] });
    expect(charges.data).toHaveLength(1);
    const txn = charges.data[0]?.balance_transaction as Stripe.BalanceTransaction;
    expect(txn).toMatchObject({
      object: 'balance_transaction',
      type: 'charge',
      amount: 4_000,
      fee: 146,
      net: 3_854,
      reporting_category: 'charge',
    });
  });

  it('confirms a created intent through the confirm endpoint', async () => {
    const intent = await stripe.paymentIntents.create({ amount: 1_200, currency: 'eur' });
    expect(intent.status).toBe('requires_payment_method');
    const confirmed = await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_mastercard' });
    expect(confirmed.status).toBe('succeeded');
  });

  it('lists events by types[] newest first and pages through them with starting_after and ending_before', async () => {
    for (let i = 0; i < 3; i += 1) await stripe.customers.create({ email: `paging-${i}@example.com` });
    const types = ['customer.created', 'payment_intent.succeeded'];
    const all: Stripe.Event[] = [];
    for await (const event of stripe.events.list({ types, limit: 2 })) all.push(event);
    expect(all.length).toBeGreaterThan(4);
    expect(new Set(all.map((e) => e.type))).toEqual(new Set(types));
    const created = all.map((e) => e.created);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    const firstPage = await stripe.events.list({ types, limit: 2 });
    expect(firstPage.has_more).toBe(true);
    const secondPage = await stripe.events.list({ types, limit: 2, starting_after: firstPage.data[1]?.id });
    expect(secondPage.data.map((e) => e.id)).toEqual(all.slice(2, 4).map((e) => e.id));
    const back = await stripe.events.list({ types, limit: 2, ending_before: secondPage.data[0]?.id });
    expect(back.data.map((e) => e.id)).toEqual(firstPage.data.map((e) => e.id));
    const recent = await stripe.events.list({
      type: 'customer.*',
      created: { gte: Math.floor(Date.now() / 1000) - 60 },
    });
    expect(recent.data.every((e) => e.type.startsWith('customer.'))).toBe(true);
  });
});
