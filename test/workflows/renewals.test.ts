import axios from 'axios';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type Stripe from 'stripe';
import { magentoDateTime } from '../../domain/magento';
import { fromMinor, toMinor } from '../../domain/money';
import type { CreditMemoRefundOutcome } from '../../workflows/magentoCreditMemoRefund';
import type { CreditMemoSyncStatus } from '../../workflows/magentoCreditMemoSync';
import type { DisputeStatus } from '../../workflows/dispute';
import type { OrderOutcome, OrderStatus } from '../../messages/order';
import type { RefundOutcome } from '../../workflows/refund';
import type { SubscriptionStatus } from '../../workflows/subscription';
import type { ProductStack } from '../harness/productStack';
import { recordHistories } from '../harness/recordHistories';
import { closeDispute, openDispute } from './disputeFlow';
import { deliver, eventsAbout, eventually, shipInWms, waitForStep, shipAndDeliver } from './orderFlow';
import { startWorkflowStack, type WorkflowStack } from './workflowStack';

jest.setTimeout(300_000);

describe('renewal orders: found from their payment, paid by their invoice (card, credit balance or outside Stripe), and only for renewals unless the mapping says all', () => {
  let ws: WorkflowStack;
  let env: TestWorkflowEnvironment;
  let stack: ProductStack;
  let taskQueue: string;
  const recorded: Array<{ name: string; workflowId: string; runId?: string }> = [];

  beforeAll(async () => {
    ws = await startWorkflowStack('renewals');
    ({ env, stack, taskQueue } = ws);
  });

  afterAll(async () => {
    if (!ws) return;
    await recordHistories(ws.env.client, recorded);
    await ws.close();
  });

  let sequence = 0;
  /** A customer with a card, a delivery address and (optionally) a credit balance, subscribed monthly to a coffee box. */
  async function subscribe(
    unitAmount: number,
    options: { creditMinor?: number; paymentMethod?: string } = {},
  ): Promise<{ sub: Stripe.Subscription; customerId: string; seen: Set<string> }> {
    sequence += 1;
    const paymentMethod = options.paymentMethod ?? 'pm_card_visa';
    const customer = await stack.stripe.customers.create({
      email: `renewal${sequence}-${Date.now()}@example.com`,
      name: 'Grace Hopper',
      payment_method: paymentMethod,
      invoice_settings: { default_payment_method: paymentMethod },
      shipping: {
        name: 'Grace Hopper',
        phone: '+1 555 0100',
        address: { line1: '1 Navy Yard', city: 'Arlington', postal_code: '22202', country: 'US', state: 'VA' },
      },
    });
    if (options.creditMinor)
      await stack.stripe.customers.createBalanceTransaction(customer.id, {
        amount: -options.creditMinor,
        currency: 'usd',
        description: 'credit from an earlier plan',
      });
    const product = await stack.stripe.products.create({ name: 'Coffee box', metadata: { sku: 'COFFEE-BOX' } });
    const price = await stack.stripe.prices.create({
      product: product.id,
      unit_amount: unitAmount,
      currency: 'usd',
      recurring: { interval: 'month' },
      metadata: { sku: 'COFFEE-BOX' },
    });
    const sub = await stack.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    return { sub, customerId: customer.id, seen: new Set() };
  }

  /** Delivers every event about the subscription and its invoices not delivered yet, oldest first. */
  async function deliverNews(subscriptionId: string, seen: Set<string>): Promise<void> {
    const events: Stripe.Event[] = [];
    for await (const event of stack.stripe.events.list({ limit: 100 })) {
      if (seen.has(event.id)) continue;
      const o = event.data.object as {
        id?: string;
        subscription?: string;
        parent?: { subscription_details?: { subscription?: string } };
      };
      if (
        o.id === subscriptionId ||
        o.subscription === subscriptionId ||
        o.parent?.subscription_details?.subscription === subscriptionId
      )
        events.push(event);
    }
    for (const e of events) seen.add(e.id);
    await deliver(env.client, taskQueue, events.reverse());
  }

  const subscriptionHandle = (id: string) => env.client.workflow.getHandle(`subscription:${id}`);
  const orderHandle = (incrementId: string) => env.client.workflow.getHandle(`order:${incrementId}`);

  /** The order's submitted ERP credit notes (returns). */
  const erpReturns = (incrementId: string) =>
    stack.clients.erp.listDocs<{ grand_total: number }>('Sales Invoice', {
      filters: [
        ['po_no', '=', incrementId],
        ['is_return', '=', 1],
        ['docstatus', '=', 1],
      ],
      fields: ['grand_total'],
    });

  async function renewals(subscriptionId: string, count: number): Promise<SubscriptionStatus> {
    return eventually(
      `${count} renewals`,
      async () => {
        const status = await subscriptionHandle(subscriptionId)
          .query<SubscriptionStatus>('status')
          .catch(() => undefined);
        if (status?.syncState === 'needs_review') throw new Error(`subscription parked: ${status.reviewReason}`);
        return status && status.renewals >= count && status.step === 'listening' ? status : undefined;
      },
      60_000,
    );
  }

  async function renewalOrderOf(invoiceId: string) {
    const found = (
      await stack.clients.magento.searchOrders([[{ field: 'ext_order_id', value: invoiceId }]], { pageSize: 2 })
    ).items;
    expect(found).toHaveLength(1);
    return found[0]!;
  }

  /** Ships the renewal order's WMS order and waits for its run to end. */
  async function shipRenewal(incrementId: string): Promise<OrderOutcome> {
    const status = await waitForStep(orderHandle(incrementId), 'awaiting_shipment');
    if (status.syncState === 'needs_review') throw new Error(`order parked: ${status.reviewReason}`);
    await shipAndDeliver(orderHandle(incrementId), await shipInWms(stack, incrementId));
    return orderHandle(incrementId).result();
  }

  /** The ERP's invoice of the order and the payments received for it. */
  async function erpReceipts(incrementId: string) {
    const [invoice] = await stack.clients.erp.listDocs<{
      name: string;
      grand_total: number;
      outstanding_amount: number;
    }>('Sales Invoice', {
      filters: [
        ['po_no', '=', incrementId],
        ['is_return', '=', 0],
        ['docstatus', '=', 1],
      ],
      fields: ['name', 'grand_total', 'outstanding_amount'],
    });
    const payments = await stack.clients.erp.listDocs<{ reference_no: string; paid_amount: number }>('Payment Entry', {
      filters: [
        ['party_type', '=', 'Customer'],
        ['payment_type', '=', 'Receive'],
        ['docstatus', '=', 1],
        ['reference_no', 'like', 'ch_%'],
      ],
      fields: ['reference_no', 'paid_amount'],
      limit: 0,
    });
    return { invoice, payments };
  }

  /** A subscription renewed once (its second invoice, `subscription_cycle`), paid by card: the renewal's order and invoice. */
  async function renewedByCard(unitAmount: number) {
    const { sub, seen } = await subscribe(unitAmount);
    await deliverNews(sub.id, seen);
    await renewals(sub.id, 1);
    await axios.post(`${stack.urls.stripe}/__sandbox/subscriptions/${sub.id}/advance`, { outcome: 'paid' });
    await deliverNews(sub.id, seen);
    const status = await renewals(sub.id, 2);
    const invoice = await stack.stripe.invoices.retrieve(status.lastRenewal!.invoiceId, { expand: ['payments'] });
    expect(invoice.billing_reason).toBe('subscription_cycle');
    const order = await renewalOrderOf(invoice.id!);
    expect(status.lastRenewal?.incrementId).toBe(order.increment_id);
    const paymentIntentId = invoice.payments!.data[0]!.payment.payment_intent as string;
    return { sub, seen, invoice, order, paymentIntentId };
  }

  it("records a partial refund of a renewal's payment: a credit memo on that renewal's Magento order equal to the refund, an ERP credit note and payment", async () => {
    const { invoice, order, paymentIntentId } = await renewedByCard(2_400);
    expect((await shipRenewal(order.increment_id)).outcome).toBe('completed');
    // The renewal's order is written where every reader of a payment looks for it.
    expect((await stack.stripe.paymentIntents.retrieve(paymentIntentId)).metadata).toMatchObject({
      magento_order_id: order.increment_id,
    });
    expect((await stack.stripe.invoices.retrieve(invoice.id!)).metadata).toMatchObject({
      magento_order_id: order.increment_id,
    });

    const refund = await stack.stripe.refunds.create({ payment_intent: paymentIntentId, amount: 900 });
    const events: Stripe.Event[] = [];
    for await (const event of stack.stripe.events.list({ limit: 100 })) {
      const o = event.data.object as { id?: string };
      if (event.type.startsWith('refund.') && o.id === refund.id) events.push(event);
    }
    await deliver(env.client, taskQueue, events.reverse());
    const handle = env.client.workflow.getHandle(`refund:${refund.id}`);
    await eventually('the refund run to end', async () => {
      const status = await handle.query<{ syncState: string; reviewReason?: string }>('status');
      if (status.syncState === 'needs_review') throw new Error(`refund parked: ${status.reviewReason}`);
      return (await handle.describe()).status.name !== 'RUNNING' ? true : undefined;
    });
    const outcome: RefundOutcome = await handle.result();
    expect(outcome.outcome).toBe('recorded');
    expect(outcome.status.incrementId).toBe(order.increment_id);

    const memos = (await stack.clients.magento.listCreditMemos(order.entity_id)).items;
    expect(memos.map((m) => toMinor(m.grand_total ?? 0, 'USD'))).toEqual([900]);
    expect(JSON.stringify(memos[0]!.comments)).toContain(refund.id);
    const returns = await erpReturns(order.increment_id);
    expect(returns.map((r) => r.grand_total)).toEqual([-fromMinor(900, 'USD')]);
    const paidBack = await stack.clients.erp.listDocs<{ paid_amount: number }>('Payment Entry', {
      filters: [
        ['reference_no', '=', refund.id],
        ['docstatus', '=', 1],
      ],
      fields: ['paid_amount'],
    });
    expect(paidBack.map((p) => p.paid_amount)).toEqual([fromMinor(900, 'USD')]);
  });

  it("refunds a staff credit memo of a renewal in Stripe, and the refund's run books it in the ERP against that memo", async () => {
    const { order, paymentIntentId } = await renewedByCard(2_600);
    expect((await shipRenewal(order.increment_id)).outcome).toBe('completed');
    const since = magentoDateTime(Date.now() - 1000);
    const memo = (
      await axios.post<{ entity_id: number; grand_total: number }>(
        `${stack.urls.magento}/__sandbox/orders/${order.increment_id}/creditmemos`,
        {
          items: [{ order_item_id: (await stack.clients.magento.getOrder(order.entity_id)).items[0]!.item_id, qty: 1 }],
          arguments: { shipping_amount: 0 },
          comment: { comment: 'The box arrived crushed', is_visible_on_front: 0 },
        },
      )
    ).data;
    const poll: CreditMemoSyncStatus = await env.client.workflow.execute('magentoCreditMemoSync', {
      workflowId: `renewal-creditmemo-sync-${memo.entity_id}`,
      taskQueue,
      args: [{ since }],
    });
    expect(poll.started).toEqual([memo.entity_id]);
    const refunded: CreditMemoRefundOutcome = await env.client.workflow
      .getHandle(`creditmemo:${memo.entity_id}`)
      .result();
    expect(refunded.outcome).toBe('refunded');
    const refundId = refunded.status.refund!.refundId;
    expect((await stack.stripe.refunds.retrieve(refundId)).payment_intent).toBe(paymentIntentId);

    await deliver(env.client, taskQueue, await eventsAbout(stack, refundId, ['refund.created']));
    const outcome: RefundOutcome = await env.client.workflow.getHandle(`refund:${refundId}`).result();
    expect(outcome.outcome).toBe('recorded');
    expect(outcome.status.ids.magentoCreditMemoId).toBe(memo.entity_id);
    expect((await stack.clients.magento.listCreditMemos(order.entity_id)).items.map((m) => m.entity_id)).toEqual([
      memo.entity_id,
    ]);
    const returns = await erpReturns(order.increment_id);
    expect(returns.map((r) => r.grand_total)).toEqual([-memo.grand_total]);
  });

  it('records a dispute of a renewal: a comment on its order, the withdrawal and fee journaled, and a lost one as a chargeback', async () => {
    const { order, paymentIntentId } = await renewedByCard(3_100);
    expect((await shipRenewal(order.increment_id)).outcome).toBe('completed');
    const delivery = { stack, client: env.client, taskQueue };
    const disputeId = await openDispute(delivery, await stack.stripe.paymentIntents.retrieve(paymentIntentId));
    const waiting = await env.client.workflow.getHandle(`dispute:${disputeId}`).query<DisputeStatus>('status');
    expect(waiting.incrementId).toBe(order.increment_id);
    const dispute = await stack.stripe.disputes.retrieve(disputeId);
    expect(Object.keys(waiting.journalEntries)).toEqual(dispute.balance_transactions.map((t) => t.id));
    const [entry] = await stack.clients.erp.listDocs<{ name: string }>('Journal Entry', {
      filters: [
        ['cheque_no', '=', dispute.balance_transactions[0]!.id],
        ['docstatus', '=', 1],
      ],
      fields: ['name'],
    });
    expect(entry).toBeDefined();
    const comments =
      (await stack.clients.magento.getOrder(order.entity_id)).status_histories?.map((h) => h.comment ?? '') ?? [];
    expect(comments.some((c) => c.includes(`Disputed in Stripe (fraudulent): ${disputeId}`))).toBe(true);

    const outcome = await closeDispute(delivery, disputeId, 'lost');
    expect(outcome.outcome).toBe('lost');
    const memos = (await stack.clients.magento.listCreditMemos(order.entity_id)).items;
    expect(memos.map((m) => toMinor(m.grand_total ?? 0, 'USD'))).toEqual([3_100]);
    expect(JSON.stringify(memos[0]!.comments)).toContain('Chargeback');
  });

  it("completes a renewal paid wholly from the customer's credit balance: no PaymentIntent, the order invoiced and shipped, nothing received in the ERP", async () => {
    const { sub, seen } = await subscribe(2_500, { creditMinor: 4_000 });
    await deliverNews(sub.id, seen);
    const status = await renewals(sub.id, 1);
    const invoice = await stack.stripe.invoices.retrieve(status.lastRenewal!.invoiceId, { expand: ['payments'] });
    expect(invoice).toMatchObject({ status: 'paid', total: 2_500, amount_due: 0, amount_paid: 0 });
    expect(invoice.payments?.data).toEqual([]);
    const order = await renewalOrderOf(invoice.id!);
    expect(toMinor(order.grand_total, 'USD')).toBe(2_500);

    const paid = await waitForStep(orderHandle(order.increment_id), 'awaiting_shipment');
    expect(paid.syncState).toBe('awaiting_shipment');
    expect(paid.ids).toMatchObject({ invoiceId: invoice.id, paidFromCreditBalance: '25.00 USD' });
    expect(paid.ids.paymentIntentId).toBeUndefined();
    const outcome = await shipRenewal(order.increment_id);
    expect(outcome.outcome).toBe('completed');
    const [magentoInvoice] = (await stack.clients.magento.listInvoices(order.entity_id)).items;
    expect(JSON.stringify(magentoInvoice?.comments)).toContain(`Paid by Stripe invoice ${invoice.id}`);
    const { invoice: erpInvoice } = await erpReceipts(order.increment_id);
    expect(erpInvoice).toMatchObject({ grand_total: 25 });
    // No money reached Stripe: nothing is received into its clearing account; the ERP invoice stays open for the credit.
    expect(erpInvoice!.outstanding_amount).toBe(25);
    expect((await stack.stripe.invoices.retrieve(invoice.id!)).metadata).toMatchObject({
      magento_order_id: order.increment_id,
    });
    recorded.push({ name: 'subscription-renewal-from-balance', workflowId: `subscription:${sub.id}` });
    recorded.push({ name: 'order-renewal-paid-from-balance', workflowId: `order:${order.increment_id}` });
  });

  it('completes a renewal paid in part from the credit balance: the order equals the invoice, the card paid the rest, and no amount check parks it', async () => {
    const { sub, seen } = await subscribe(2_400, { creditMinor: 1_000 });
    await deliverNews(sub.id, seen);
    const status = await renewals(sub.id, 1);
    const invoice = await stack.stripe.invoices.retrieve(status.lastRenewal!.invoiceId, { expand: ['payments'] });
    expect(invoice).toMatchObject({ total: 2_400, amount_due: 1_400, amount_paid: 1_400 });
    const paymentIntentId = invoice.payments!.data[0]!.payment.payment_intent as string;
    expect((await stack.stripe.paymentIntents.retrieve(paymentIntentId)).amount).toBe(1_400);
    const order = await renewalOrderOf(invoice.id!);
    expect(toMinor(order.grand_total, 'USD')).toBe(2_400);

    const paid = await waitForStep(orderHandle(order.increment_id), 'awaiting_shipment');
    expect(paid.syncState).toBe('awaiting_shipment');
    expect(paid.ids).toMatchObject({ paymentIntentId, paidFromCreditBalance: '10.00 USD' });
    expect((await shipRenewal(order.increment_id)).outcome).toBe('completed');
    const chargeId = (await stack.stripe.paymentIntents.retrieve(paymentIntentId)).latest_charge as string;
    const { invoice: erpInvoice, payments } = await erpReceipts(order.increment_id);
    expect(erpInvoice).toMatchObject({ grand_total: 24, outstanding_amount: 10 });
    expect(payments.filter((p) => p.reference_no === chargeId).map((p) => p.paid_amount)).toEqual([14]);
    recorded.push({ name: 'order-renewal-partly-from-balance', workflowId: `order:${order.increment_id}` });
  });

  it('completes a renewal paid outside Stripe after its card was declined: dunning closes and the order is paid by the invoice', async () => {
    const { sub, seen } = await subscribe(1_800);
    await deliverNews(sub.id, seen);
    await renewals(sub.id, 1);
    await axios.post(`${stack.urls.stripe}/__sandbox/subscriptions/${sub.id}/advance`, { outcome: 'failed' });
    await deliverNews(sub.id, seen);
    const dunning = await eventually('dunning', async () => {
      const status = await subscriptionHandle(sub.id).query<SubscriptionStatus>('status');
      return status.dunning ? status : undefined;
    });
    const invoiceId = dunning.dunning!.invoiceId;
    await stack.stripe.invoices.pay(invoiceId, { paid_out_of_band: true });
    await deliverNews(sub.id, seen);
    const status = await renewals(sub.id, 2);
    expect(status.dunning).toBeUndefined();
    const order = await renewalOrderOf(invoiceId);
    const paid = await waitForStep(orderHandle(order.increment_id), 'awaiting_shipment');
    expect(paid.ids.paymentIntentId).toBeUndefined();
    expect(paid.ids.paidOutsideStripe).toBe('18.00 USD');
    expect((await shipRenewal(order.increment_id)).outcome).toBe('completed');
    const orderStatus = await orderHandle(order.increment_id).query<OrderStatus>('status');
    expect(orderStatus.ids.erpPaymentEntry).toBeUndefined();
    recorded.push({ name: 'order-renewal-paid-out-of-band', workflowId: `order:${order.increment_id}` });
  });

  it('makes no order for a plan change by default (subscriptions.orderFor: renewals), and marks its invoice so', async () => {
    const { sub, seen } = await subscribe(2_000);
    await deliverNews(sub.id, seen);
    await renewals(sub.id, 1);
    const product = await stack.stripe.products.create({
      name: 'Coffee box, large',
      metadata: { sku: 'COFFEE-BOX-L' },
    });
    const bigger = await stack.stripe.prices.create({
      product: product.id,
      unit_amount: 5_000,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
    await axios.post(`${stack.urls.stripe}/__sandbox/subscriptions/${sub.id}/advance`, {
      to: sub.items.data[0]!.current_period_start + 10 * 86_400,
    });
    await stack.stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]!.id, price: bigger.id }],
      proration_behavior: 'always_invoice',
    });
    await deliverNews(sub.id, seen);
    const status = await renewals(sub.id, 2);
    const invoice = await stack.stripe.invoices.retrieve(status.lastRenewal!.invoiceId);
    expect(invoice).toMatchObject({ billing_reason: 'subscription_update', status: 'paid' });
    expect(invoice.total).toBeGreaterThan(0);
    expect(status.lastRenewal?.incrementId).toBeUndefined();
    expect(status.lastRenewal?.noOrder).toMatch(/not a renewal \(subscription_update\)/);
    expect(
      (await stack.clients.magento.searchOrders([[{ field: 'ext_order_id', value: invoice.id! }]], { pageSize: 2 }))
        .items,
    ).toEqual([]);
    expect(invoice.metadata).toMatchObject({ o2c_renewal_order: 'none' });
    recorded.push({ name: 'subscription-plan-change-no-order', workflowId: `subscription:${sub.id}` });
  });
});
