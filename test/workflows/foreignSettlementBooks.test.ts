import axios from 'axios';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type Stripe from 'stripe';
import type { OrderOutcome } from '../../messages/order';
import type { RefundOutcome } from '../../workflows/refund';
import { defaultSettings, type ProductStack } from '../harness/productStack';
import { basketOrder } from './baskets';
import { deliver, eventsAbout, eventually, pay, placeOrder, shipInWms, waitForStep, shipAndDeliver } from './orderFlow';
import { payOut, payoutEvents, sweptTransactions } from './payoutFlow';
import { startWorkflowStack, type WorkflowStack } from './workflowStack';

interface Gl {
  account: string;
  debit: number;
  credit: number;
  debit_in_account_currency: number;
  credit_in_account_currency: number;
}

const cents = (n: number) => Math.round(n * 100);

/** A merchant whose Stripe account settles in EUR, whose ERP company keeps its books in USD, selling in EUR and GBP. */
function eurSettledSettings() {
  const settings = defaultSettings();
  const clearing = 'Stripe Clearing EUR - SS';
  return {
    ...settings,
    erp: {
      ...settings.erp,
      bankAccount: clearing,
      glAccounts: {
        ...settings.erp.glAccounts,
        charge: clearing,
        refund: clearing,
        payout: 'Bank EUR - SS',
        payout_reversal: clearing,
      },
    },
  };
}

describe('books when Stripe settles in another currency than the ERP company’s (EUR into USD)', () => {
  let ws: WorkflowStack;
  let env: TestWorkflowEnvironment;
  let stack: ProductStack;
  let taskQueue: string;
  let steadyClient: Client;

  beforeAll(async () => {
    ws = await startWorkflowStack('eur-books', { settings: eurSettledSettings() });
    ({ env, stack, taskQueue } = ws);
    steadyClient = new Client({ connection: env.connection });
    await axios.put(`${stack.urls.stripe}/__sandbox/settlement`, {
      default_currency: 'EUR',
      settlement_currencies: ['EUR'],
      exchange_rates: { gbp: 1.17 },
    });
    for (const account_name of ['Stripe Clearing EUR', 'Bank EUR'])
      await stack.clients.erp.createDoc('Account', {
        account_name,
        company: 'Sandbox Shop',
        root_type: 'Asset',
        account_type: 'Bank',
        account_currency: 'EUR',
      });
    for (const [from, rate] of [
      ['EUR', 1.08],
      ['GBP', 1.27],
    ] as const)
      await stack.clients.erp.createDoc('Currency Exchange', {
        date: '2020-01-01',
        from_currency: from,
        to_currency: 'USD',
        exchange_rate: rate,
      });
  });
  afterAll(() => ws?.close());

  async function soldAndShipped(currency: 'EUR' | 'GBP'): Promise<Stripe.PaymentIntent> {
    const order = await placeOrder(stack, {
      ...basketOrder('USD'),
      order_currency_code: currency,
      base_currency_code: currency,
    });
    const pi = await pay(stack, order, 'pm_card_visa');
    await deliver(env.client, taskQueue, await eventsAbout(stack, pi.id, ['payment_intent.succeeded']));
    const handle = env.client.workflow.getHandle(`order:${order.increment_id}`);
    await waitForStep(handle, 'awaiting_shipment');
    await shipAndDeliver(handle, await shipInWms(stack, order.increment_id));
    expect(((await handle.result()) as OrderOutcome).outcome).toBe('completed');
    return pi;
  }

  it('balances the GL; the EUR clearing account nets to zero in EUR, the bank holds the payout, the customer owes nothing', async () => {
    await soldAndShipped('EUR');
    const gbp = await soldAndShipped('GBP');
    const refund = await stack.stripe.refunds.create({ payment_intent: gbp.id, amount: 1500 });
    await deliver(env.client, taskQueue, await eventsAbout(stack, gbp.id, ['refund.created']));
    const refundRun = env.client.workflow.getHandle(`refund:${refund.id}`);
    await eventually('the refund run to end', async () =>
      (await refundRun.describe()).status.name !== 'RUNNING' ? true : undefined,
    );
    expect(((await refundRun.result()) as RefundOutcome).outcome).toBe('recorded');

    const payout = await payOut(stack, 'EUR');
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id));
    expect(await env.client.workflow.getHandle(`payout:${payout.id}`).result()).toMatchObject({
      outcome: 'reconciled',
    });
    expect((await sweptTransactions(stack, payout.id)).every((t) => t.currency === 'eur')).toBe(true);

    const entries = await stack.clients.erp.listDocs<Gl>('GL Entry', {
      filters: [['is_cancelled', '=', 0]],
      fields: ['account', 'debit', 'credit', 'debit_in_account_currency', 'credit_in_account_currency'],
      limit: 0,
    });
    const inCompany = (account: string) =>
      entries.filter((e) => e.account === account).reduce((sum, e) => sum + cents(e.debit) - cents(e.credit), 0);
    const inAccount = (account: string) =>
      entries
        .filter((e) => e.account === account)
        .reduce((sum, e) => sum + cents(e.debit_in_account_currency) - cents(e.credit_in_account_currency), 0);
    expect(entries.reduce((sum, e) => sum + cents(e.debit), 0)).toBe(
      entries.reduce((sum, e) => sum + cents(e.credit), 0),
    );
    expect(inAccount('Stripe Clearing EUR - SS')).toBe(0);
    expect(inAccount('Bank EUR - SS')).toBe(payout.amount);
    expect(inCompany('Debtors - SS')).toBe(0);
  });
});
