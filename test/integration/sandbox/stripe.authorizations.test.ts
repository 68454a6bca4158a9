import Stripe from 'stripe';
import { thrown } from '../../harness/thrown';
import { startStripeSandbox, type StripeHarness } from './stripeHarness';

describe('Stripe sandbox: manual capture (authorise now, capture or cancel later)', () => {
  let h: StripeHarness;
  let stripe: Stripe;

  beforeAll(async () => {
    h = await startStripeSandbox();
    stripe = h.stripe;
  });
  afterAll(() => h.close());

  async function authorise(
    amount = 3000,
    currency = 'usd',
    paymentMethod = 'pm_card_visa',
  ): Promise<Stripe.PaymentIntent> {
    return stripe.paymentIntents.create({
      amount,
      currency,
      payment_method: paymentMethod,
      confirm: true,
      capture_method: 'manual',
    });
  }

  async function typesFor(objectId: string): Promise<string[]> {
    const events = await stripe.events.list({ limit: 100 });
    return events.data
      .filter((e) => (e.data.object as { id: string }).id === objectId)
      .map((e) => e.type)
      .reverse();
  }

  it('authorises without capturing: requires_capture, an uncaptured succeeded charge and no balance transaction yet', async () => {
    const intent = await authorise(3000);
    expect(intent).toMatchObject({
      status: 'requires_capture',
      amount_capturable: 3000,
      amount_received: 0,
      capture_method: 'manual',
    });
    const charge = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({
      status: 'succeeded',
      paid: true,
      captured: false,
      amount_captured: 0,
      balance_transaction: null,
    });
    expect(await typesFor(charge.id)).toEqual(['charge.succeeded']);
    expect(await typesFor(intent.id)).toEqual(['payment_intent.created', 'payment_intent.amount_capturable_updated']);
  });

  it('captures in full with the fee of an automatic charge, and an Idempotency-Key replays the capture', async () => {
    const intent = await authorise(10_000);
    const captured = await stripe.paymentIntents.capture(intent.id, {}, { idempotencyKey: `cap-${intent.id}` });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 10_000, amount_capturable: 0 });
    const replayed = await stripe.paymentIntents.capture(intent.id, {}, { idempotencyKey: `cap-${intent.id}` });
    expect(replayed.status).toBe('succeeded');
    const charge = await stripe.charges.retrieve(intent.latest_charge as string, { expand: ['balance_transaction'] });
    expect(charge).toMatchObject({ captured: true, amount_captured: 10_000, amount_refunded: 0, refunded: false });
    const automatic = await stripe.paymentIntents.create({
      amount: 10_000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      expand: ['latest_charge.balance_transaction'],
    });
    const automaticFee = ((automatic.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction)
      .fee;
    expect(charge.balance_transaction).toMatchObject({
      amount: 10_000,
      fee: automaticFee,
      net: 10_000 - automaticFee,
      type: 'charge',
    });
    expect(await typesFor(charge.id)).toEqual(['charge.succeeded', 'charge.captured']);
    expect((await typesFor(intent.id)).slice(-1)).toEqual(['payment_intent.succeeded']);
  });

  it('captures part of the authorisation in KWD (multiples of 10) and releases the rest', async () => {
    const intent = await authorise(25_000, 'kwd');
    await expect(stripe.paymentIntents.capture(intent.id, { amount_to_capture: 30_000 })).rejects.toMatchObject({
      code: 'amount_too_large',
    });
    await expect(stripe.paymentIntents.capture(intent.id, { amount_to_capture: 20_005 })).rejects.toMatchObject({
      code: 'invalid_charge_amount',
    });
    const captured = await stripe.paymentIntents.capture(intent.id, { amount_to_capture: 20_000 });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 20_000 });
    const charge = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({ amount: 25_000, amount_captured: 20_000, amount_refunded: 5000, captured: true });
  });

  it('cancels an authorisation: canceled with a reason and time, the charge released as refunded, nothing in the balance', async () => {
    const intent = await authorise(1500, 'jpy');
    const canceled = await stripe.paymentIntents.cancel(intent.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned', amount_capturable: 0 });
    expect(canceled.canceled_at).toBeGreaterThan(0);
    const charge = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({ captured: false, refunded: true, amount_refunded: 1500, balance_transaction: null });
    expect((await typesFor(intent.id)).slice(-1)).toEqual(['payment_intent.canceled']);
    const transactions = await stripe.balanceTransactions.list({
      source: charge.id,
    } as Stripe.BalanceTransactionListParams);
    expect(transactions.data).toEqual([]);
  });

  it("answers capture or cancel in a wrong state with Stripe's payment_intent_unexpected_state", async () => {
    const intent = await stripe.paymentIntents.create({
      amount: 900,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const cancel = await thrown(stripe.paymentIntents.cancel(intent.id));
    expect(cancel).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(cancel).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
    expect((cancel as Error).message).toMatch(
      /^You cannot cancel this PaymentIntent because it has a status of succeeded\. Only .* requires_capture/,
    );
    const capture = await thrown(stripe.paymentIntents.capture(intent.id));
    expect(capture).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
    const open = await stripe.paymentIntents.create({ amount: 900, currency: 'usd', capture_method: 'manual' });
    await expect(stripe.paymentIntents.capture(open.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
    await expect(stripe.paymentIntents.cancel(open.id)).resolves.toMatchObject({
      status: 'canceled',
      cancellation_reason: null,
    });
    await expect(stripe.paymentIntents.cancel(open.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
  });

  it('declines with manual capture as without: a card error and the intent back at requires_payment_method', async () => {
    const error = await thrown(authorise(3000, 'usd', 'pm_card_chargeDeclined'));
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    const intent = (error as Stripe.errors.StripeCardError).payment_intent as Stripe.PaymentIntent;
    await expect(stripe.paymentIntents.retrieve(intent.id)).resolves.toMatchObject({
      status: 'requires_payment_method',
      amount_capturable: 0,
    });
    expect(await typesFor(intent.id)).toEqual(['payment_intent.created', 'payment_intent.payment_failed']);
  });
});
