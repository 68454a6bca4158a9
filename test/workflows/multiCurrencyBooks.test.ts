import axios from 'axios';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { OrderOutcome } from '../../messages/order';
import type { RefundOutcome } from '../../workflows/refund';
import type { ProductStack } from '../harness/productStack';
import { deliver, eventsAbout, eventually, pay, placeOrder, shipInWms, waitForStep, shipAndDeliver } from './orderFlow';
import { payOut, payoutEvents, sweptTransactions } from './payoutFlow';
import { startWorkflowStack, type WorkflowStack } from './workflowStack';

interface Gl {
  account: string;
  debit: number;
  credit: number;
  voucher_type: string;
  voucher_no: string;
  is_cancelled: number;
}

const cents = (n: number) => Math.round(n * 100);

/**
 * The merchant: a Stripe account settling in USD, an ERP company keeping its books in USD, orders in EUR, GBP
 * and JPY. After the sales, a partial refund at a rate that moved, and one USD payout, the general ledger balances and
 * each account holds exactly what Stripe's money did.
 */
describe('books in three currencies: a USD-settled account selling in EUR, GBP and JPY', () => {
  let ws: WorkflowStack;
  let env: TestWorkflowEnvironment;
  let stack: ProductStack;
  let taskQueue: string;
  let steadyClient: Client;
  const rates = { eur: 1.08, gbp: 1.27, jpy: 0.0067 };

  beforeAll(async () => {
    ws = await startWorkflowStack('books');
    ({ env, stack, taskQueue } = ws);
    steadyClient = new Client({ connection: env.connection });
    await settleAt(rates);
  });
  afterAll(() => ws.close());

  async function settleAt(exchangeRates: Record<string, number>): Promise<void> {
    await axios.put(`${stack.urls.stripe}/__sandbox/settlement`, {
      default_currency: 'USD',
      settlement_currencies: ['USD'],
      exchange_rates: exchangeRates,
    });
  }

  async function soldAndShipped(currency: string, price: number, shipping: number) {
    const order = await placeOrder(stack, {
      order_currency_code: currency,
      base_currency_code: currency,
      subtotal: price,
      shipping_amount: shipping,
      tax_amount: 0,
      discount_amount: 0,
      grand_total: price + shipping,
      base_grand_total: price + shipping,
      items: [{ sku: 'LAMP-1', name: 'Lamp', qty_ordered: 1, price, row_total: price, product_type: 'simple' }],
    });
    const pi = await pay(stack, order, 'pm_card_visa');
    await deliver(
      env.client,
      taskQueue,
      await eventsAbout(stack, pi.id, ['payment_intent.succeeded', 'charge.succeeded']),
    );
    const handle = env.client.workflow.getHandle(`order:${order.increment_id}`);
    await waitForStep(handle, 'awaiting_shipment');
    await shipAndDeliver(handle, await shipInWms(stack, order.increment_id));
    const outcome: OrderOutcome = await handle.result();
    expect(outcome.outcome).toBe('completed');
    return { order, pi };
  }

  async function gl(): Promise<Gl[]> {
    return stack.clients.erp.listDocs<Gl>('GL Entry', {
      filters: [['is_cancelled', '=', 0]],
      fields: ['account', 'debit', 'credit', 'voucher_type', 'voucher_no', 'is_cancelled'],
      limit: 0,
    });
  }
  const balanceOf = (entries: Gl[], account: string) =>
    entries.filter((e) => e.account === account).reduce((sum, e) => sum + cents(e.debit) - cents(e.credit), 0);

  it('balances the GL; clearing and receivables net to zero, the bank holds the payout, fees are Stripe’s, the rate’s move sits in exchange gain/loss', async () => {
    const eur = await soldAndShipped('EUR', 40, 5);
    const gbp = await soldAndShipped('GBP', 30, 4.5);
    const jpy = await soldAndShipped('JPY', 9000, 1000);

    // The yen strengthens; a third of the yen order is refunded after shipment.
    await settleAt({ ...rates, jpy: 0.0071 });
    const refund = await stack.stripe.refunds.create({ payment_intent: jpy.pi.id, amount: 3000 });
    await deliver(
      env.client,
      taskQueue,
      await eventsAbout(stack, jpy.pi.id, ['refund.created', 'refund.updated', 'charge.refunded']),
    );
    const refundRun = env.client.workflow.getHandle(`refund:${refund.id}`);
    await eventually('the refund run to end', async () =>
      (await refundRun.describe()).status.name !== 'RUNNING' ? true : undefined,
    );
    expect(((await refundRun.result()) as RefundOutcome).outcome).toBe('recorded');

    const payout = await payOut(stack, 'USD');
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id));
    const payoutRun = env.client.workflow.getHandle(`payout:${payout.id}`);
    expect(await payoutRun.result()).toMatchObject({ outcome: 'reconciled' });

    // What Stripe's money did, from its own balance transactions.
    const swept = await sweptTransactions(stack, payout.id);
    const moved = swept.filter((t) => t.type !== 'payout');
    const feesMinor = moved.reduce((sum, t) => sum + t.fee, 0);
    const refundTxn = moved.find((t) => t.source === refund.id)!;
    expect(refundTxn.currency).toBe('usd');
    expect(refundTxn.exchange_rate).toBe(0.0071);
    expect(payout.amount).toBe(moved.reduce((sum, t) => sum + t.net, 0));

    const entries = await gl();
    expect(entries.reduce((sum, e) => sum + cents(e.debit), 0)).toBe(
      entries.reduce((sum, e) => sum + cents(e.credit), 0),
    );
    expect(balanceOf(entries, 'Stripe Clearing - SS')).toBe(0);
    expect(balanceOf(entries, 'Debtors - SS')).toBe(0);
    expect(balanceOf(entries, 'Bank - SS')).toBe(payout.amount);
    expect(balanceOf(entries, 'Stripe Fees - SS')).toBe(feesMinor);

    // The credit note reversed ¥3,000 of sales at the invoice's 0.0067 (20.10 USD); Stripe paid back 21.30 USD.
    const creditNoteMinor = Math.round(3000 * 0.0067 * 100);
    expect(balanceOf(entries, 'Exchange Gain/Loss - SS')).toBe(Math.abs(refundTxn.amount) - creditNoteMinor);
    expect(balanceOf(entries, 'Exchange Gain/Loss - SS')).toBeGreaterThan(0);

    // Income is what the goods sold for at the rate each charge was converted at, less the refund at the sale's rate.
    const income = balanceOf(entries, 'Sales - SS');
    const charged = [eur, gbp, jpy].map(({ pi }) =>
      moved.find((t) => t.type === 'charge' && t.source === pi.latest_charge)!,
    );
    expect(-income).toBe(charged.reduce((sum, t) => sum + t.amount, 0) - creditNoteMinor);
  });
});
