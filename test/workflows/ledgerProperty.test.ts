import axios from 'axios';
import fc from 'fast-check';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type Stripe from 'stripe';
import { orderLedger, type OrderMoney } from '../../domain/orderLedger';
import { erpBooks, readErpDocuments } from '../../integrations/erp/orderDocuments';
import { magentoBooks, readMagentoDocuments } from '../../integrations/magento/orderDocuments';
import { readStripePayments } from '../../integrations/stripe/orderPayments';
import { toMinor } from '../../domain/money';
import type { MagentoOrder } from '../../domain/magento';
import type { OrderOutcome } from '../../messages/order';
import type { ProductStack } from '../harness/productStack';
import { basketOrder, type BasketCurrency } from './baskets';
import { closeDispute, openDispute, type DisputeDelivery } from './disputeFlow';
import { deliver, eventsAbout, runEnded, placeOrder, shipInWms, waitForStep, shipAndDeliver } from './orderFlow';
import { payOut, payoutEvents } from './payoutFlow';
import { startWorkflowStack, type WorkflowStack } from './workflowStack';

jest.setTimeout(600_000);

/** What happens to one order, as fast-check draws it. Percentages are of the captured amount. */
interface OrderScript {
  currency: BasketCurrency;
  /** Percent of the authorisation the merchant captures (100: an automatic payment). */
  capturedPercent: number;
  refundsBeforeShipment: number[];
  /** The refunds before shipment end by refunding the rest: the order is reversed. */
  refundRestBeforeShipment: boolean;
  dispute: { beforeShipment: boolean; outcome: 'won' | 'lost' } | null;
  refundsAfterShipment: number[];
}

const orderScript: fc.Arbitrary<OrderScript> = fc.record({
  currency: fc.constantFrom<BasketCurrency>('JPY', 'USD', 'KWD'),
  capturedPercent: fc.oneof(fc.constant(100), fc.integer({ min: 50, max: 95 })),
  refundsBeforeShipment: fc.array(fc.integer({ min: 5, max: 30 }), { maxLength: 2 }),
  refundRestBeforeShipment: fc.boolean(),
  dispute: fc.option(
    fc.record({ beforeShipment: fc.boolean(), outcome: fc.constantFrom<'won' | 'lost'>('won', 'lost') }),
    {
      nil: null,
    },
  ),
  refundsAfterShipment: fc.array(fc.integer({ min: 5, max: 30 }), { maxLength: 2 }),
});

interface Played {
  order: MagentoOrder;
  pi: Stripe.PaymentIntent;
}

interface Gl {
  account: string;
  debit: number;
  credit: number;
}

const cents = (n: number) => Math.round(n * 100);

/**
 * The ledger property (issue 24): whatever mix of payments, partial captures, refunds, disputes won and lost,
 * shipments and a payout a merchant's orders go through, in JPY, USD and KWD settled in USD, the ERP's general ledger
 * balances, Stripe clearing and receivables net to zero once the payout is booked, and Magento, the ERP and Stripe
 * agree on every order.
 */
describe('the ledger property: any sequence of money movements leaves books that balance', () => {
  let ws: WorkflowStack;
  let env: TestWorkflowEnvironment;
  let stack: ProductStack;
  let taskQueue: string;
  let steadyClient: Client;

  beforeAll(async () => {
    ws = await startWorkflowStack('ledger-property');
    ({ env, stack, taskQueue } = ws);
    steadyClient = new Client({ connection: env.connection });
    await axios.put(`${stack.urls.stripe}/__sandbox/settlement`, {
      default_currency: 'USD',
      settlement_currencies: ['USD'],
      exchange_rates: { jpy: 0.0067, kwd: 3.25 },
    });
  });
  afterAll(() => ws?.close());

  const orderHandle = (incrementId: string) => env.client.workflow.getHandle(`order:${incrementId}`);
  const delivery = (): DisputeDelivery => ({ stack, client: env.client, taskQueue });

  const ended = <T>(workflowId: string): Promise<T> => runEnded<T>(env.client, workflowId, 60_000);

  async function refund(pi: Stripe.PaymentIntent, amount: number): Promise<void> {
    const made = await stack.stripe.refunds.create({ payment_intent: pi.id, amount });
    const events = (await eventsAbout(stack, pi.id, ['refund.created'])).filter(
      (e) => (e.data.object as Stripe.Refund).id === made.id,
    );
    await deliver(env.client, taskQueue, events);
    await ended(`refund:${made.id}`);
  }

  /** Plays one order's script; returns its Magento order once every run about it has ended. */
  async function play(script: OrderScript): Promise<Played> {
    const order = await placeOrder(stack, basketOrder(script.currency));
    const authorisedMinor = toMinor(order.grand_total, script.currency);
    const manual = script.capturedPercent < 100;
    const pi = await stack.stripe.paymentIntents.create({
      amount: authorisedMinor,
      currency: script.currency.toLowerCase(),
      confirm: true,
      payment_method: 'pm_card_visa',
      ...(manual ? { capture_method: 'manual' as const } : {}),
      metadata: { magento_order_id: order.increment_id },
    });
    // Stripe takes KWD (3 decimals) in steps of 10 minor units.
    const step = script.currency === 'KWD' ? 10 : 1;
    const inSteps = (minor: number) => Math.floor(minor / step) * step;
    const capturedMinor = manual ? inSteps((authorisedMinor * script.capturedPercent) / 100) : authorisedMinor;
    if (manual) await stack.stripe.paymentIntents.capture(pi.id, { amount_to_capture: capturedMinor });
    await deliver(env.client, taskQueue, await eventsAbout(stack, pi.id, ['payment_intent.succeeded']));
    await waitForStep(orderHandle(order.increment_id), 'awaiting_shipment');

    let leftMinor = capturedMinor;
    let reversed = false;
    const partOf = (percent: number) => Math.max(step, inSteps((capturedMinor * percent) / 100));
    for (const percent of script.refundsBeforeShipment) {
      const amount = Math.min(partOf(percent), leftMinor - step);
      if (amount < step) break;
      await refund(pi, amount);
      leftMinor -= amount;
    }
    if (script.refundRestBeforeShipment) {
      await refund(pi, leftMinor);
      leftMinor = 0;
      reversed = true;
    } else if (script.dispute?.beforeShipment) {
      const disputeId = await openDispute(delivery(), pi);
      await closeDispute(delivery(), disputeId, script.dispute.outcome);
      reversed = script.dispute.outcome === 'lost';
    }
    if (!reversed) await shipAndDeliver(orderHandle(order.increment_id), await shipInWms(stack, order.increment_id));
    const outcome = await ended<OrderOutcome>(`order:${order.increment_id}`);
    expect(outcome.outcome).toBe(reversed ? 'compensated' : 'completed');
    if (reversed) return { order, pi };

    // A disputed charge cannot be refunded in Stripe: refunds after shipment come before any dispute.
    for (const percent of script.dispute?.beforeShipment ? [] : script.refundsAfterShipment) {
      const amount = Math.min(partOf(percent), leftMinor - step);
      if (amount < step) break;
      await refund(pi, amount);
      leftMinor -= amount;
    }
    if (script.dispute && !script.dispute.beforeShipment) {
      const disputeId = await openDispute(delivery(), pi);
      await closeDispute(delivery(), disputeId, script.dispute.outcome);
    }
    return { order, pi };
  }

  /** The order's money as the order page weighs it: Magento's and the ERP's books against Stripe's. */
  async function moneyOf({ order, pi }: Played): Promise<OrderMoney> {
    const { magento, erp, stripe } = stack.clients;
    const incrementId = order.increment_id;
    const documents = await readMagentoDocuments(magento, incrementId);
    const payments = await readStripePayments(stripe, {
      incrementId,
      paymentIntentIds: [pi.id],
      chargeIds: [],
      refundIds: [],
    });
    const stripeIds = [...payments.charges.map((c) => c.id), ...payments.refunds.map((r) => r.id)];
    const books = erpBooks(await readErpDocuments(erp, incrementId, stripeIds, order.order_currency_code));
    return orderLedger({
      currency: order.order_currency_code,
      stripe: { charges: payments.charges, refunds: payments.refunds, disputes: payments.disputes },
      books: { magento: documents ? magentoBooks(documents) : [], erp: books.books, erp_payments: books.payments },
    });
  }

  async function gl(): Promise<Gl[]> {
    return stack.clients.erp.listDocs<Gl>('GL Entry', {
      filters: [['is_cancelled', '=', 0]],
      fields: ['account', 'debit', 'credit'],
      limit: 0,
    });
  }
  const balanceOf = (entries: Gl[], account: string) =>
    entries.filter((e) => e.account === account).reduce((sum, e) => sum + cents(e.debit) - cents(e.credit), 0);

  it('balances the GL, nets clearing and receivables to zero after the payout, and agrees per order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(orderScript, { minLength: 1, maxLength: 2 }), async (scripts) => {
        if (process.env.LEDGER_PROPERTY_LOG) process.stderr.write(`sequence ${JSON.stringify(scripts)}\n`);
        // A plain sale and shipment first: the payout then always has money to pay out.
        const orders = [await play({ ...plainSale }), ...(await sequentially(scripts, play))];

        const payout = await payOut(stack, 'USD');
        await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id));
        expect(await ended(`payout:${payout.id}`)).toMatchObject({ outcome: 'reconciled' });

        const entries = await gl();
        const debit = entries.reduce((sum, e) => sum + cents(e.debit), 0);
        const credit = entries.reduce((sum, e) => sum + cents(e.credit), 0);
        expect({ debit, credit, scripts }).toEqual({ debit: credit, credit, scripts });
        expect({ clearing: balanceOf(entries, 'Stripe Clearing - SS'), scripts }).toEqual({ clearing: 0, scripts });
        expect({ receivables: balanceOf(entries, 'Debtors - SS'), scripts }).toEqual({ receivables: 0, scripts });

        // Per order, each system's books equal what Stripe kept (its balance against Stripe is zero).
        for (const played of orders) {
          const money = await moneyOf(played);
          const { balanceMinor, erpBalanceMinor, erpPaymentsBalanceMinor, explanations } = money;
          expect({ order: played.order.increment_id, balanceMinor, erpBalanceMinor, erpPaymentsBalanceMinor }).toEqual({
            order: played.order.increment_id,
            balanceMinor: 0,
            erpBalanceMinor: 0,
            erpPaymentsBalanceMinor: 0,
            ...(balanceMinor === 0 && erpBalanceMinor === 0 && erpPaymentsBalanceMinor === 0
              ? {}
              : { explanations, scripts }),
          });
        }
      }),
      {
        numRuns: Number(process.env.LEDGER_PROPERTY_RUNS ?? 12),
        endOnFailure: true,
        ...(process.env.LEDGER_PROPERTY_SEED
          ? { seed: Number(process.env.LEDGER_PROPERTY_SEED), path: process.env.LEDGER_PROPERTY_PATH ?? '0' }
          : {}),
      },
    );
  });
});

const plainSale: OrderScript = {
  currency: 'USD',
  capturedPercent: 100,
  refundsBeforeShipment: [],
  refundRestBeforeShipment: false,
  dispute: null,
  refundsAfterShipment: [],
};

async function sequentially<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const item of items) results.push(await fn(item));
  return results;
}
