import axios from 'axios';
import type Stripe from 'stripe';
import { startStripeSandbox, WebhookReceiver, waitFor, type StripeHarness } from './stripeHarness';

interface CurrencyCase {
  currency: string;
  charges: number[];
  /** Expected processing fee of each charge, from the sandbox fee table (percentage + fixed, in minor units). */
  fees: number[];
  refund: number;
  disputed: number;
  disputeFee: number;
}

// USD 2.9% + 30¢; JPY 3.6% + ¥0; KWD 2.9% (to a multiple of 10 fils) + 100 fils. Dispute fees $15, ¥1500, 5.000 KWD.
const cases: CurrencyCase[] = [
  { currency: 'usd', charges: [10_000, 2_599], fees: [320, 105], refund: 1_250, disputed: 4_000, disputeFee: 1_500 },
  { currency: 'jpy', charges: [5_000, 1_234], fees: [180, 44], refund: 700, disputed: 3_000, disputeFee: 1_500 },
  { currency: 'kwd', charges: [12_340, 5_000], fees: [460, 250], refund: 1_230, disputed: 20_000, disputeFee: 5_000 },
];

describe('Stripe sandbox: balance transactions and automatic payouts', () => {
  const receiver = new WebhookReceiver();
  let h: StripeHarness;
  let stripe: Stripe;

  beforeAll(async () => {
    await receiver.start();
    h = await startStripeSandbox({ webhookUrl: receiver.url });
    stripe = h.stripe;
  });
  afterAll(async () => {
    await h.close();
    await receiver.stop();
  });

  const pay = (amount: number, currency: string, paymentMethod = 'pm_card_visa') =>
    stripe.paymentIntents.create({
      amount,
      currency,
      payment_method: paymentMethod,
      confirm: true,
      expand: ['latest_charge.balance_transaction'],
    });

  async function payouts(body: Record<string, unknown> = {}): Promise<Stripe.Payout[]> {
    return (await axios.post<{ data: Stripe.Payout[] }>(`${h.baseUrl}/__sandbox/payouts`, body)).data.data;
  }

  it('pays out USD, JPY and KWD so that the swept transactions net to the payout amount, with table fees', async () => {
    const expectedNet: Record<string, number> = {};
    for (const c of cases) {
      let net = 0;
      for (const [i, amount] of c.charges.entries()) {
        const intent = await pay(amount, c.currency);
        const txn = (intent.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction;
        expect(txn).toMatchObject({
          type: 'charge',
          amount,
          fee: c.fees[i],
          net: amount - (c.fees[i] ?? 0),
          status: 'pending',
          reporting_category: 'charge',
        });
        expect(txn.fee_details).toEqual([
          expect.objectContaining({ amount: c.fees[i], type: 'stripe_fee', currency: c.currency }),
        ]);
        net += amount - (c.fees[i] ?? 0);
        if (i === 0) {
          const refund = await stripe.refunds.create({
            payment_intent: intent.id,
            amount: c.refund,
            expand: ['balance_transaction'],
          });
          expect(refund.balance_transaction).toMatchObject({
            type: 'refund',
            amount: -c.refund,
            fee: 0,
            net: -c.refund,
            reporting_category: 'refund',
          });
          net -= c.refund;
        }
      }
      const disputedIntent = await pay(c.disputed, c.currency, 'pm_card_createDispute');
      net +=
        c.disputed -
        ((disputedIntent.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction).fee;
      const dispute = (await stripe.disputes.list({ payment_intent: disputedIntent.id })).data[0] as Stripe.Dispute;
      expect(dispute.balance_transactions).toEqual([
        expect.objectContaining({
          type: 'adjustment',
          reporting_category: 'dispute',
          amount: -c.disputed,
          fee: c.disputeFee,
          net: -c.disputed - c.disputeFee,
        }),
      ]);
      net -= c.disputed + c.disputeFee;
      expectedNet[c.currency] = net;
    }

    const made = await payouts();
    expect(made.map((p) => p.currency).sort()).toEqual(['jpy', 'kwd', 'usd']);
    for (const payout of made) {
      expect(payout).toMatchObject({
        object: 'payout',
        status: 'paid',
        automatic: true,
        amount: expectedNet[payout.currency],
      });
      const swept: Stripe.BalanceTransaction[] = [];
      for await (const txn of stripe.balanceTransactions.list({ payout: payout.id, limit: 2 })) swept.push(txn);
      expect(swept).toHaveLength(5);
      expect(swept.reduce((sum, t) => sum + t.net, 0)).toBe(payout.amount);
      expect(swept.every((t) => t.currency === payout.currency && t.type !== 'payout')).toBe(true);
      const own = await stripe.balanceTransactions.retrieve(payout.balance_transaction as string);
      expect(own).toMatchObject({
        type: 'payout',
        amount: -payout.amount,
        reporting_category: 'payout',
        source: payout.id,
      });
      expect(await stripe.payouts.retrieve(payout.id)).toMatchObject({ id: payout.id, amount: payout.amount });
    }

    const balance = await stripe.balance.retrieve();
    expect(balance.available.every((b) => b.amount === 0)).toBe(true);
    expect(balance.pending).toEqual([]);
    expect(await payouts()).toEqual([]);

    await waitFor(() => receiver.types().filter((t) => t.startsWith('payout.')).length === 9, 5000, 'payout webhooks');
    const usd = made.find((p) => p.currency === 'usd') as Stripe.Payout;
    const usdEvents = (
      await stripe.events.list({
        types: ['payout.created', 'payout.paid', 'payout.reconciliation_completed'],
        limit: 100,
      })
    ).data
      .filter((e) => (e.data.object as Stripe.Payout).id === usd.id)
      .map((e) => e.type)
      .reverse();
    expect(usdEvents).toEqual(['payout.created', 'payout.paid', 'payout.reconciliation_completed']);
  });

  it('leaves funds pending until available_on when the payout run is given a clock', async () => {
    await pay(5_000, 'eur');
    const tooEarly = await payouts({ now: Math.floor(Date.now() / 1000), currency: 'eur' });
    expect(tooEarly).toEqual([]);
    const pending = (await stripe.balance.retrieve()).pending.filter((b) => b.currency === 'eur');
    expect(pending).toEqual([expect.objectContaining({ amount: 5_000 - 170 })]);
    const later = await payouts({ now: Math.floor(Date.now() / 1000) + 3 * 86_400, currency: 'eur' });
    expect(later).toEqual([expect.objectContaining({ currency: 'eur', amount: 4_830 })]);
  });

  it('reverses a won dispute with a positive adjustment and closes a lost one', async () => {
    const won = await pay(3_000, 'usd', 'pm_card_createDispute');
    const wonDispute = (await stripe.disputes.list({ payment_intent: won.id })).data[0] as Stripe.Dispute;
    const decided = (
      await axios.post<Stripe.Dispute>(`${h.baseUrl}/__sandbox/disputes/${wonDispute.id}/outcome`, { status: 'won' })
    ).data;
    expect(decided.status).toBe('won');
    expect(decided.balance_transactions.map((t) => [t.amount, t.reporting_category])).toEqual([
      [-3_000, 'dispute'],
      [3_000, 'dispute_reversal'],
    ]);
    const closedEvent = (await stripe.events.list({ type: 'charge.dispute.closed', limit: 1 })).data[0];
    expect(closedEvent?.data.object).toMatchObject({ id: wonDispute.id, status: 'won' });
    expect(closedEvent?.data.previous_attributes).toMatchObject({ status: 'needs_response' });

    const lost = await pay(3_000, 'usd', 'pm_card_createDispute');
    const lostDispute = (await stripe.disputes.list({ payment_intent: lost.id })).data[0] as Stripe.Dispute;
    expect(await stripe.disputes.close(lostDispute.id)).toMatchObject({ status: 'lost' });
    await expect(stripe.disputes.close(lostDispute.id)).rejects.toMatchObject({ statusCode: 400 });
  });

  it('raises an early fraud warning on a charge, retrievable and listed by charge', async () => {
    const intent = await pay(2_000, 'usd');
    const chargeId = (intent.latest_charge as Stripe.Charge).id;
    const created = (
      await axios.post<Stripe.Radar.EarlyFraudWarning>(
        `${h.baseUrl}/__sandbox/charges/${chargeId}/early_fraud_warning`,
        { fraud_type: 'made_with_stolen_card' },
      )
    ).data;
    expect(created).toMatchObject({
      object: 'radar.early_fraud_warning',
      actionable: true,
      charge: chargeId,
      fraud_type: 'made_with_stolen_card',
    });
    expect(created.id).toMatch(/^issfr_/);
    expect(await stripe.radar.earlyFraudWarnings.retrieve(created.id)).toMatchObject({ id: created.id });
    expect((await stripe.radar.earlyFraudWarnings.list({ charge: chargeId })).data.map((w) => w.id)).toEqual([
      created.id,
    ]);
    expect(
      (await stripe.events.list({ type: 'radar.early_fraud_warning.created', limit: 1 })).data[0]?.data.object,
    ).toMatchObject({ id: created.id });
    await stripe.refunds.create({ charge: chargeId, reason: 'fraudulent' });
    expect(await stripe.radar.earlyFraudWarnings.retrieve(created.id)).toMatchObject({ actionable: false });
  });
});
