import axios from 'axios';
import type Stripe from 'stripe';
import { startStripeSandbox, type StripeHarness } from './stripeHarness';

describe('Stripe sandbox: manual payouts, failed and canceled payouts, seeded balances, converted charges', () => {
  let h: StripeHarness;
  let stripe: Stripe;
  let clockMs = Date.UTC(2027, 0, 15, 9, 0, 0);
  const tick = (seconds: number) => void (clockMs += seconds * 1000);

  beforeAll(async () => {
    h = await startStripeSandbox({ now: () => clockMs });
    stripe = h.stripe;
  });
  afterAll(async () => {
    await h.close();
  });

  const control = async <T>(path: string, body: unknown = {}, method: 'post' | 'put' = 'post'): Promise<T> =>
    (await axios.request<T>({ method, url: `${h.baseUrl}/__sandbox${path}`, data: body })).data;
  const available = async (currency: string) =>
    (await stripe.balance.retrieve()).available.find((b) => b.currency === currency)?.amount ?? 0;
  const eventTypes = async (payoutId: string) =>
    (await stripe.events.list({ type: 'payout.*', limit: 100 })).data
      .filter((e) => (e.data.object as Stripe.Payout).id === payoutId)
      .map((e) => e.type)
      .reverse();

  it('seeds thousands of available charges at once, without events, each naming its Magento order, and an automatic payout sweeps exactly them', async () => {
    const eventsBefore = (await stripe.events.list({ limit: 100 })).data.length;
    const seeded = await control<{ count: number; net: number; first: string; last: string }>('/balance/seed', {
      count: 2_500,
      currency: 'gbp',
    });
    expect(seeded).toMatchObject({ count: 2_500 });
    expect((await stripe.events.list({ limit: 100 })).data.length).toBe(eventsBefore);
    const charge = await stripe.charges.retrieve(seeded.last, { expand: ['balance_transaction'] });
    expect(charge).toMatchObject({ status: 'succeeded', currency: 'gbp', metadata: { magento_order_id: 'SEED-2500' } });
    expect(charge.balance_transaction).toMatchObject({ status: 'available', type: 'charge', amount: charge.amount });
    expect(await available('gbp')).toBe(seeded.net);

    const [payout] = (await control<{ data: Stripe.Payout[] }>('/payouts', { currency: 'gbp' })).data;
    expect(payout).toMatchObject({ amount: seeded.net, automatic: true });
    let count = 0;
    for await (const txn of stripe.balanceTransactions.list({ payout: payout!.id, limit: 100 }))
      count += txn.type === 'charge' ? 1 : 0;
    expect(count).toBe(2_500);
  });

  it('makes a manual payout from the available balance, refuses more than it holds, and lists its transactions by date, never by payout', async () => {
    await control('/balance/seed', { count: 3, currency: 'usd' });
    const before = await available('usd');
    await expect(stripe.payouts.create({ amount: before + 1, currency: 'usd' })).rejects.toMatchObject({
      statusCode: 400,
      code: 'balance_insufficient',
    });

    const first = await stripe.payouts.create({ amount: before, currency: 'usd' });
    expect(first).toMatchObject({ automatic: false, status: 'pending', reconciliation_status: 'not_applicable' });
    await control(`/payouts/${first.id}/outcome`, { status: 'paid' });
    expect(await available('usd')).toBe(0);
    await expect(stripe.balanceTransactions.list({ payout: first.id })).rejects.toMatchObject({
      statusCode: 400,
      param: 'payout',
      message: 'Balance transaction history can only be filtered on automatic transfers, not manual.',
    });

    tick(3_600);
    const seeded = await control<{ net: number }>('/balance/seed', { count: 4, currency: 'usd' });
    tick(60);
    const second = await stripe.payouts.create({ amount: seeded.net, currency: 'usd' });
    const window = await stripe.balanceTransactions.list({
      created: { gt: first.created, lte: second.created },
      currency: 'usd',
      limit: 100,
    });
    const lines = window.data.filter((t) => t.source !== second.id);
    expect(lines.map((t) => t.type)).toEqual(['charge', 'charge', 'charge', 'charge']);
    expect(lines.reduce((sum, t) => sum + t.net, 0)).toBe(second.amount);
    expect(await eventTypes(first.id)).toEqual(['payout.created', 'payout.paid']);
  });

  it('fails a paid payout: its money comes back as a payout_failure, payout.failed is sent, and the next automatic payout sweeps it', async () => {
    await control('/balance/seed', { count: 2, currency: 'cad' });
    const [payout] = (await control<{ data: Stripe.Payout[] }>('/payouts', { currency: 'cad' })).data;
    tick(86_400);
    const failed = await control<Stripe.Payout>(`/payouts/${payout!.id}/outcome`, {
      status: 'failed',
      failure_code: 'account_closed',
    });
    expect(failed).toMatchObject({
      status: 'failed',
      failure_code: 'account_closed',
      failure_message: 'The bank account has been closed.',
    });
    const returned = await stripe.balanceTransactions.retrieve(failed.failure_balance_transaction as string);
    expect(returned).toMatchObject({
      type: 'payout_failure',
      reporting_category: 'payout_reversal',
      amount: payout!.amount,
      fee: 0,
      source: payout!.id,
    });
    expect(await eventTypes(payout!.id)).toEqual([
      'payout.created',
      'payout.paid',
      'payout.reconciliation_completed',
      'payout.failed',
    ]);
    await expect(control(`/payouts/${payout!.id}/outcome`, { status: 'failed' })).rejects.toMatchObject({
      response: { status: 400 },
    });

    const [again] = (await control<{ data: Stripe.Payout[] }>('/payouts', { currency: 'cad' })).data;
    const swept = (await stripe.balanceTransactions.list({ payout: again!.id, limit: 100 })).data;
    expect(swept.map((t) => [t.type, t.amount])).toEqual([['payout_failure', payout!.amount]]);
  });

  it('cancels a pending manual payout (payout.canceled, a payout_cancel transaction) but not a paid one', async () => {
    await control('/balance/seed', { count: 1, currency: 'aud' });
    const pending = await stripe.payouts.create({ amount: await available('aud'), currency: 'aud' });
    const canceled = await stripe.payouts.cancel(pending.id);
    expect(canceled.status).toBe('canceled');
    expect(await stripe.balanceTransactions.retrieve(canceled.failure_balance_transaction as string)).toMatchObject({
      type: 'payout_cancel',
      reporting_category: 'payout_reversal',
      amount: pending.amount,
    });
    expect(await eventTypes(pending.id)).toEqual(['payout.created', 'payout.canceled']);
    const paid = await stripe.payouts.create({ amount: await available('aud'), currency: 'aud' });
    await control(`/payouts/${paid.id}/outcome`, { status: 'paid' });
    await expect(stripe.payouts.cancel(paid.id)).rejects.toMatchObject({
      statusCode: 400,
      code: 'payout_not_cancelable',
    });
  });

  it("converts a charge presented in EUR into a USD settlement at the set rate: Stripe's fee and a conversion fee on the converted amount", async () => {
    await control('/settlement', { default_currency: 'usd', exchange_rates: { eur: 1.0832 } }, 'put');
    try {
      const intent = await stripe.paymentIntents.create({
        amount: 10_000,
        currency: 'eur',
        payment_method: 'pm_card_visa',
        confirm: true,
        expand: ['latest_charge.balance_transaction'],
      });
      const charge = intent.latest_charge as Stripe.Charge;
      expect([charge.amount, charge.currency]).toEqual([10_000, 'eur']);
      const txn = charge.balance_transaction as Stripe.BalanceTransaction;
      // €100.00 × 1.0832 = $108.32; 2.9% + 30¢ = $3.44; 1% conversion = $1.08.
      expect(txn).toMatchObject({
        currency: 'usd',
        amount: 10_832,
        exchange_rate: 1.0832,
        fee: 344 + 108,
        net: 10_832 - 452,
      });
      expect(txn.fee_details.map((f) => [f.amount, f.description])).toEqual([
        [344, 'Stripe processing fees'],
        [108, 'Currency conversion fee'],
      ]);
      const refund = await stripe.refunds.create({ charge: charge.id, amount: 2_500, expand: ['balance_transaction'] });
      expect(refund.balance_transaction).toMatchObject({ currency: 'usd', amount: -2_708, exchange_rate: 1.0832 });
      // A currency the account settles in, or one with no rate, is not converted.
      const gbp = await stripe.paymentIntents.create({
        amount: 5_000,
        currency: 'gbp',
        payment_method: 'pm_card_visa',
        confirm: true,
        expand: ['latest_charge.balance_transaction'],
      });
      expect((gbp.latest_charge as Stripe.Charge).balance_transaction).toMatchObject({
        currency: 'gbp',
        amount: 5_000,
        exchange_rate: null,
      });
    } finally {
      await control('/settlement', { default_currency: 'usd' }, 'put');
    }
  });
});
