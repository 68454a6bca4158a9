import { skipUpdate } from '../../messages/runs';
import axios from 'axios';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type Stripe from 'stripe';
import { fromMinor, toMinor } from '../../domain/money';
import type { MagentoOrder } from '../../domain/magento';
import type { OrderOutcome, OrderStatus } from '../../messages/order';
import type { RefundOutcome } from '../../workflows/refund';
import { erpBooks, readErpDocuments } from '../../integrations/erp/orderDocuments';
import { orderLedger } from '../../domain/orderLedger';
import type { ProductStack } from '../harness/productStack';
import { recordHistories } from '../harness/recordHistories';
import { deliver, eventually, pay, placeOrder, shipInWms, waitForStep, shipAndDeliver } from './orderFlow';
import { basketOrder, type BasketCurrency } from './baskets';
import { startWorkflowStack, type WorkflowStack } from './workflowStack';

jest.setTimeout(180_000);

/** Two partial refunds of the basket in each currency (test/workflows/baskets.ts), in minor units. */
const partialRefunds = { USD: [1000, 1234], JPY: [1000, 700], KWD: [2500, 1230] } as const;

describe('refunds after the sale: one run per Stripe refund, one credit memo each, and the order never starts again', () => {
  let ws: WorkflowStack;
  let env: TestWorkflowEnvironment;
  let stack: ProductStack;
  let taskQueue: string;
  const recorded: Array<{ name: string; workflowId: string }> = [];

  beforeAll(async () => {
    ws = await startWorkflowStack('refunds');
    ({ env, stack, taskQueue } = ws);
    // A USD-settled account selling in other currencies, as the ERP company keeps its books in USD.
    await axios.put(`${stack.urls.stripe}/__sandbox/settlement`, {
      default_currency: 'USD',
      settlement_currencies: ['USD'],
      exchange_rates: { jpy: 0.0067, kwd: 3.25 },
    });
  });

  /** What a refund took out of the Stripe balance, in the settlement currency (USD), as a decimal. */
  async function settledRefund(refund: Stripe.Refund): Promise<number> {
    const txn = await stack.stripe.balanceTransactions.retrieve(refund.balance_transaction as string);
    expect(txn.currency).toBe('usd');
    return fromMinor(Math.abs(txn.amount), 'USD');
  }

  afterAll(async () => {
    if (!ws) return;
    await recordHistories(ws.env.client, recorded);
    await ws.close();
  });

  const orderHandle = (incrementId: string) => env.client.workflow.getHandle(`order:${incrementId}`);

  /** Every event the Stripe sandbox recorded about a charge or its refunds, oldest first. */
  async function refundEvents(chargeId: string, refundId: string): Promise<Stripe.Event[]> {
    const events: Stripe.Event[] = [];
    for await (const event of stack.stripe.events.list({ limit: 100 })) {
      const o = event.data.object as { id?: string; charge?: string };
      if (
        (event.type === 'charge.refunded' && o.id === chargeId) ||
        (event.type.startsWith('refund.') && o.id === refundId)
      )
        events.push(event);
    }
    return events.reverse();
  }

  async function completedOrder(
    currency: BasketCurrency,
  ): Promise<{ order: MagentoOrder; pi: Stripe.PaymentIntent; runId: string }> {
    const order = await placeOrder(stack, basketOrder(currency));
    const pi = await pay(stack, order, 'pm_card_visa');
    await deliver(env.client, taskQueue, await paymentEvents(pi.id));
    await waitForStep(orderHandle(order.increment_id), 'awaiting_shipment');
    await shipAndDeliver(orderHandle(order.increment_id), await shipInWms(stack, order.increment_id));
    const result: OrderOutcome = await orderHandle(order.increment_id).result();
    expect(result.outcome).toBe('completed');
    const { runId } = await orderHandle(order.increment_id).describe();
    return { order, pi, runId };
  }

  async function paymentEvents(paymentIntentId: string): Promise<Stripe.Event[]> {
    const events: Stripe.Event[] = [];
    for await (const event of stack.stripe.events.list({ limit: 100 })) {
      const o = event.data.object as { id?: string; payment_intent?: string };
      if (
        (o.id === paymentIntentId || o.payment_intent === paymentIntentId) &&
        ['payment_intent.succeeded', 'charge.succeeded'].includes(event.type)
      )
        events.push(event);
    }
    return events.reverse();
  }

  /** Refunds in Stripe, delivers the events it caused, and waits for the refund's run. */
  async function refundInStripe(
    pi: Stripe.PaymentIntent,
    amountMinor?: number,
  ): Promise<{ refund: Stripe.Refund; outcome: RefundOutcome; events: Stripe.Event[] }> {
    const refund = await stack.stripe.refunds.create({
      payment_intent: pi.id,
      ...(amountMinor ? { amount: amountMinor } : {}),
    });
    const events = await refundEvents(pi.latest_charge as string, refund.id);
    await deliver(
      env.client,
      taskQueue,
      events.filter(
        (e) => e.type !== 'charge.refunded' || (e.data.object as Stripe.Charge).amount_refunded >= refund.amount,
      ),
    );
    const handle = env.client.workflow.getHandle(`refund:${refund.id}`);
    await eventually(`refund ${refund.id} to end`, async () => {
      const status = await handle.query<{ syncState: string; reviewReason?: string; step: string }>('status');
      if (status.syncState === 'needs_review')
        throw new Error(`refund parked at ${status.step}: ${status.reviewReason}`);
      return (await handle.describe()).status.name !== 'RUNNING' ? true : undefined;
    });
    const outcome: RefundOutcome = await handle.result();
    return { refund, outcome, events };
  }

  /** The order run's books of a refund it took over before shipment (patch 1.2): its memo and ERP credit, once made. */
  async function bookedByOrder(incrementId: string, refundId: string): Promise<OrderStatus> {
    return eventually(`order ${incrementId} to book ${refundId}`, async () => {
      const status = await orderHandle(incrementId).query<OrderStatus>('status');
      if (status.syncState === 'needs_review') throw new Error(`order parked: ${status.reviewReason}`);
      return status.ids[`refund:${refundId}:erpRefundPayment`] !== undefined ? status : undefined;
    });
  }

  async function erpReturns(incrementId: string) {
    return stack.clients.erp.listDocs<{ name: string; grand_total: number; remarks?: string }>('Sales Invoice', {
      filters: [
        ['po_no', '=', incrementId],
        ['is_return', '=', 1],
        ['docstatus', '=', 1],
      ],
      fields: ['name', 'grand_total', 'remarks'],
      limit: 0,
    });
  }

  it.each(['USD', 'JPY', 'KWD'] as const)(
    '%s: two partial refunds and the remainder make three credit memos equal to the refunds, summing to what was paid',
    async (currency) => {
      const { order, pi, runId } = await completedOrder(currency);
      const paidMinor = toMinor(order.grand_total, currency);
      const [first, second] = partialRefunds[currency];
      const refunds = [await refundInStripe(pi, first), await refundInStripe(pi, second), await refundInStripe(pi)];
      if (currency === 'USD') recorded.push({ name: 'refund-recorded', workflowId: `refund:${refunds[0]!.refund.id}` });
      expect(refunds.map((r) => r.refund.amount)).toEqual([first, second, paidMinor - first - second]);
      expect(refunds.map((r) => r.outcome.outcome)).toEqual(['recorded', 'recorded', 'recorded']);

      const memos = (await stack.clients.magento.listCreditMemos(order.entity_id)).items;
      expect(memos.map((m) => toMinor(m.grand_total ?? 0, currency))).toEqual(refunds.map((r) => r.refund.amount));
      expect(memos.reduce((sum, m) => sum + toMinor(m.grand_total ?? 0, currency), 0)).toBe(paidMinor);
      for (const [i, { refund }] of refunds.entries()) expect(JSON.stringify(memos[i]!.comments)).toContain(refund.id);
      const magentoOrder = await stack.clients.magento.getOrder(order.entity_id);
      expect(toMinor(magentoOrder.total_refunded ?? 0, currency)).toBe(paidMinor);

      const returns = await erpReturns(order.increment_id);
      expect(returns.map((r) => -toMinor(r.grand_total, currency)).sort((a, b) => a - b)).toEqual(
        refunds.map((r) => r.refund.amount).sort((a, b) => a - b),
      );
      for (const { refund } of refunds) {
        const paidBack = await stack.clients.erp.listDocs<{ name: string; paid_amount: number; payment_type: string }>(
          'Payment Entry',
          {
            filters: [
              ['reference_no', '=', refund.id],
              ['docstatus', '=', 1],
            ],
            fields: ['name', 'paid_amount', 'payment_type'],
          },
        );
        expect(paidBack).toEqual([
          expect.objectContaining({ payment_type: 'Pay', paid_amount: await settledRefund(refund) }),
        ]);
      }

      // The order still has the one run it had: no event after the sale opened another.
      const now = await orderHandle(order.increment_id).describe();
      expect(now.runId).toBe(runId);
      expect(now.status.name).toBe('COMPLETED');

      // Every refund event delivered again a day later adds nothing.
      await env.sleep('1 day');
      for (const { refund, events } of refunds) {
        await deliver(
          env.client,
          taskQueue,
          events.map((e) => ({ ...e, id: `${e.id}_again` })),
        );
        const again: RefundOutcome = await env.client.workflow.getHandle(`refund:${refund.id}`).result();
        expect(again.outcome).toBe('recorded');
      }
      expect((await stack.clients.magento.listCreditMemos(order.entity_id)).items).toHaveLength(3);
      expect(await erpReturns(order.increment_id)).toHaveLength(3);
      expect((await orderHandle(order.increment_id).describe()).runId).toBe(runId);
    },
  );

  it('waits for a pending refund, and records nothing when it then fails: a comment in Magento and the case in the review queue', async () => {
    const { order, pi } = await completedOrder('USD');
    await axios.post(`${stack.urls.stripe}/__sandbox/charges/${pi.latest_charge as string}/refund_behaviour`, {
      behaviour: 'pending',
    });
    const refund = await stack.stripe.refunds.create({ payment_intent: pi.id, amount: 1500 });
    expect(refund.status).toBe('pending');
    await deliver(env.client, taskQueue, await refundEvents(pi.latest_charge as string, refund.id));
    const handle = env.client.workflow.getHandle(`refund:${refund.id}`);
    recorded.push({ name: 'refund-pending-then-failed', workflowId: handle.workflowId });
    await eventually('the refund run waiting on Stripe', async () =>
      (await handle.query<{ step: string }>('status')).step === 'pending_in_stripe' ? true : undefined,
    );
    expect((await stack.clients.magento.listCreditMemos(order.entity_id)).items).toHaveLength(0);

    await axios.post(`${stack.urls.stripe}/__sandbox/refunds/${refund.id}/outcome`, {
      status: 'failed',
      failure_reason: 'expired_or_canceled_card',
    });
    await deliver(
      env.client,
      taskQueue,
      (await refundEvents(pi.latest_charge as string, refund.id)).filter((e) => e.type === 'refund.failed'),
    );
    const parked = await eventually('the failed refund in the review queue', async () => {
      const status = await handle.query<{ syncState: string; reviewReason?: string }>('status');
      return status.syncState === 'needs_review' ? status : undefined;
    });
    expect(parked.reviewReason).toMatch(/failed \(expired_or_canceled_card\): the customer was not paid back/);
    expect((await stack.clients.magento.listCreditMemos(order.entity_id)).items).toHaveLength(0);
    expect(await erpReturns(order.increment_id)).toHaveLength(0);
    const comments =
      (await stack.clients.magento.getOrder(order.entity_id)).status_histories?.map((h) => h.comment ?? '') ?? [];
    expect(comments.some((c) => c.includes(`Stripe refund ${refund.id}`) && c.includes('failed'))).toBe(true);

    await handle.executeUpdate(skipUpdate, { args: [{ operator: 'ops', note: 'refunded by bank transfer' }] });
    const outcome: RefundOutcome = await handle.result();
    expect(outcome.outcome).toBe('failed_in_stripe');
  });

  it('reverses a refund that fails after it was recorded: ERP credit note and payment cancelled, the memo flagged', async () => {
    const { order, pi } = await completedOrder('USD');
    await axios.post(`${stack.urls.stripe}/__sandbox/charges/${pi.latest_charge as string}/refund_behaviour`, {
      behaviour: 'fail',
    });
    const { refund, outcome } = await refundInStripe(pi, 1000);
    expect(outcome.outcome).toBe('recorded');
    expect(await erpReturns(order.increment_id)).toHaveLength(1);

    await axios.post(`${stack.urls.stripe}/__sandbox/refunds/${refund.id}/outcome`, { status: 'failed' });
    await deliver(
      env.client,
      taskQueue,
      (await refundEvents(pi.latest_charge as string, refund.id)).filter((e) => e.type === 'refund.failed'),
    );
    const handle = env.client.workflow.getHandle(`refund:${refund.id}`);
    await eventually('the failed refund in the review queue', async () =>
      (await handle.query<{ syncState: string }>('status')).syncState === 'needs_review' ? true : undefined,
    );
    expect(await erpReturns(order.increment_id)).toHaveLength(0);
    const memos = (await stack.clients.magento.listCreditMemos(order.entity_id)).items;
    expect(memos).toHaveLength(1);
    const comments =
      (await stack.clients.magento.getOrder(order.entity_id)).status_histories?.map((h) => h.comment ?? '') ?? [];
    expect(
      comments.some((c) => c.includes(`credit memo ${memos[0]!.entity_id} records a refund that did not happen`)),
    ).toBe(true);
    await handle.executeUpdate(skipUpdate, { args: [{ operator: 'ops' }] });
    expect(((await handle.result()) as RefundOutcome).outcome).toBe('failed_in_stripe');
  });

  it('leaves a full refund before shipment to the order run, which reverses the order without a second Stripe refund', async () => {
    const order = await placeOrder(stack, basketOrder('USD'));
    const pi = await pay(stack, order, 'pm_card_visa');
    await deliver(env.client, taskQueue, await paymentEvents(pi.id));
    await waitForStep(orderHandle(order.increment_id), 'awaiting_shipment');
    const { refund, outcome } = await refundInStripe(pi);
    expect(outcome.outcome).toBe('recorded_by_order');
    const reversed: OrderOutcome = await orderHandle(order.increment_id).result();
    expect(reversed.outcome).toBe('compensated');
    recorded.push({ name: 'order-refunded-before-shipment', workflowId: `order:${order.increment_id}` });
    recorded.push({ name: 'refund-reversed-by-order', workflowId: `refund:${refund.id}` });
    const refunds = await stack.stripe.refunds.list({ payment_intent: pi.id });
    expect(refunds.data.map((r) => r.id)).toEqual([refund.id]);
    const memos = (await stack.clients.magento.listCreditMemos(order.entity_id)).items;
    expect(memos).toHaveLength(1);
    expect(toMinor(memos[0]!.grand_total ?? 0, 'USD')).toBe(5000);
    expect(JSON.stringify(memos[0]!.comments)).toContain(refund.id);
  });

  async function erpSalesOrders(incrementId: string) {
    return stack.clients.erp.listDocs<{ name: string; docstatus: number; grand_total: number; amended_from?: string }>(
      'Sales Order',
      {
        filters: [['po_no', '=', incrementId]],
        fields: ['name', 'docstatus', 'grand_total', 'amended_from'],
        limit: 0,
        orderBy: 'creation asc',
      },
    );
  }

  async function erpPayments(incrementId: string, stripeIds: string[]) {
    return stack.clients.erp.listDocs<{
      name: string;
      docstatus: number;
      payment_type: string;
      paid_amount: number;
      reference_no: string;
      unallocated_amount: number;
    }>('Payment Entry', {
      filters: [['reference_no', 'in', stripeIds]],
      fields: ['name', 'docstatus', 'payment_type', 'paid_amount', 'reference_no', 'unallocated_amount'],
      limit: 0,
      orderBy: 'creation asc',
    });
  }

  it('records a partial refund before shipment at once: a credit memo, the ERP Sales Order amended, and the invoice made from the amendment', async () => {
    const order = await placeOrder(stack, basketOrder('USD'));
    const pi = await pay(stack, order, 'pm_card_visa');
    await deliver(env.client, taskQueue, await paymentEvents(pi.id));
    await waitForStep(orderHandle(order.increment_id), 'awaiting_shipment');
    const { refund, outcome } = await refundInStripe(pi, 2000);
    recorded.push({ name: 'refund-before-invoice', workflowId: `refund:${refund.id}` });
    // Before shipment the order's run books the refund (patch 1.2): the refund's run hands it over.
    expect(outcome.outcome).toBe('recorded_by_order');
    const booked = await bookedByOrder(order.increment_id, refund.id);
    expect(booked.ids[`refund:${refund.id}:erpSalesOrder`]).toBeDefined();
    const memos = (await stack.clients.magento.listCreditMemos(order.entity_id)).items;
    expect(memos.map((m) => m.grand_total)).toEqual([20]);
    const [original, amendment] = await erpSalesOrders(order.increment_id);
    expect(original).toMatchObject({ docstatus: 2, grand_total: 50 });
    expect(amendment).toMatchObject({
      name: `${original!.name}-1`,
      amended_from: original!.name,
      docstatus: 1,
      grand_total: 30,
    });
    expect(await erpPayments(order.increment_id, [refund.id])).toEqual([
      expect.objectContaining({ payment_type: 'Pay', paid_amount: 20, docstatus: 1 }),
    ]);

    // The same refund's events again: the amendment is found, not made twice.
    await deliver(
      env.client,
      taskQueue,
      (await refundEvents(pi.latest_charge as string, refund.id)).map((e) => ({ ...e, id: `${e.id}_again` })),
    );
    expect(((await env.client.workflow.getHandle(`refund:${refund.id}`).result()) as RefundOutcome).outcome).toBe(
      'recorded_by_order',
    );
    expect(await erpSalesOrders(order.increment_id)).toHaveLength(2);

    await shipAndDeliver(orderHandle(order.increment_id), await shipInWms(stack, order.increment_id));
    expect(((await orderHandle(order.increment_id).result()) as OrderOutcome).outcome).toBe('completed');
    const invoices = await stack.clients.erp.listDocs<{
      name: string;
      grand_total: number;
      outstanding_amount: number;
    }>('Sales Invoice', {
      filters: [
        ['po_no', '=', order.increment_id],
        ['docstatus', '=', 1],
      ],
      fields: ['name', 'grand_total', 'outstanding_amount'],
      limit: 0,
    });
    expect(invoices).toEqual([expect.objectContaining({ grand_total: 30, outstanding_amount: 0 })]);
    const invoice = await stack.clients.erp.getDoc('Sales Invoice', invoices[0]!.name);
    expect((invoice.items as Array<{ sales_order: string }>).map((row) => row.sales_order)).toEqual(
      expect.arrayContaining([amendment!.name]),
    );
    expect(await erpReturns(order.increment_id)).toEqual([]);
    const payments = await erpPayments(order.increment_id, [pi.latest_charge as string, refund.id]);
    expect(payments.map((p) => [p.payment_type, p.paid_amount])).toEqual([
      ['Pay', 20],
      ['Receive', 50],
    ]);

    // The ERP's books and payments, as the order page weighs them against Stripe: both balance.
    const books = erpBooks(
      await readErpDocuments(stack.clients.erp, order.increment_id, [pi.latest_charge as string, refund.id], 'USD'),
    );
    const money = orderLedger({
      currency: 'USD',
      books: { erp: books.books, erp_payments: books.payments },
      stripe: {
        disputes: [],
        charges: [
          {
            id: pi.latest_charge as string,
            currency: 'USD',
            amountMinor: 5000,
            capturedMinor: 5000,
            status: 'succeeded',
          },
        ],
        refunds: [{ id: refund.id, currency: 'USD', amountMinor: 2000, status: 'succeeded' }],
      },
    });
    expect(money).toMatchObject({ netMinor: 3000, erpBalanceMinor: 0, erpPaymentsBalanceMinor: 0, differences: [] });
  });

  it('KWD: partial refunds before shipment amend the Sales Order each time; the remainder then reverses the order and the ERP keeps none of its money', async () => {
    const order = await placeOrder(stack, basketOrder('KWD'));
    const pi = await pay(stack, order, 'pm_card_visa');
    await deliver(env.client, taskQueue, await paymentEvents(pi.id));
    await waitForStep(orderHandle(order.increment_id), 'awaiting_shipment');
    const first = await refundInStripe(pi, 2500);
    const second = await refundInStripe(pi, 1230);
    expect([first.outcome.outcome, second.outcome.outcome]).toEqual(['recorded_by_order', 'recorded_by_order']);
    await bookedByOrder(order.increment_id, first.refund.id);
    await bookedByOrder(order.increment_id, second.refund.id);
    const chain = await erpSalesOrders(order.increment_id);
    expect(chain.map((so) => [so.docstatus, toMinor(so.grand_total, 'KWD')])).toEqual([
      [2, 12500],
      [2, 10000],
      [1, 8770],
    ]);
    expect(chain[2]!.amended_from).toBe(chain[1]!.name);

    const rest = await refundInStripe(pi);
    expect(rest.refund.amount).toBe(8770);
    expect(rest.outcome.outcome).toBe('recorded_by_order');
    expect(((await orderHandle(order.increment_id).result()) as OrderOutcome).outcome).toBe('compensated');
    expect((await erpSalesOrders(order.increment_id)).every((so) => so.docstatus === 2)).toBe(true);
    const payments = await erpPayments(order.increment_id, [first.refund.id, second.refund.id]);
    expect(payments.map((p) => p.docstatus)).toEqual([2, 2]);
    const memos = (await stack.clients.magento.listCreditMemos(order.entity_id)).items;
    expect(memos.map((m) => toMinor(m.grand_total ?? 0, 'KWD'))).toEqual([2500, 1230, 8770]);
  });
});
