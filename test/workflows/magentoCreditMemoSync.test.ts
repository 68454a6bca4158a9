import axios from 'axios';
import { WorkflowNotFoundError } from '@temporalio/client';
import type Stripe from 'stripe';
import { magentoDateTime, type MagentoOrder } from '../../domain/magento';
import type { CreditMemoRefundOutcome, CreditMemoRefundStatus } from '../../workflows/magentoCreditMemoRefund';
import type { CreditMemoSyncInput, CreditMemoSyncStatus } from '../../workflows/magentoCreditMemoSync';
import type { RefundOutcome } from '../../workflows/refund';
import { deliver, eventsAbout, eventually, pay, placeOrder, shipInWms, waitForStep, shipAndDeliver } from './orderFlow';
import { startWorkflowStack, type WorkflowStack } from './workflowStack';

jest.setTimeout(120_000);

interface StaffMemo {
  entity_id: number;
  grand_total: number;
}

describe('refunds made in Magento: magentoCreditMemoSync on the time-skipping server, with real activities against the sandbox', () => {
  let ws: WorkflowStack;
  beforeAll(async () => {
    ws = await startWorkflowStack('creditmemo-sync');
  });
  afterAll(() => ws?.close());

  let runs = 0;
  /** One run of the sync, as the Schedule starts it (the Schedule would hand over the last run's cursor by itself). */
  async function sync(input: CreditMemoSyncInput): Promise<CreditMemoSyncStatus> {
    runs += 1;
    return ws.env.client.workflow.execute('magentoCreditMemoSync', {
      workflowId: `magento-creditmemo-sync-test-${runs}`,
      taskQueue: ws.taskQueue,
      args: [input],
    });
  }

  const memoRun = (id: number) => ws.env.client.workflow.getHandle(`creditmemo:${id}`);
  /** A time a little before now, as Magento writes it: where a test's first run starts reading. */
  const justBefore = () => magentoDateTime(Date.now() - 1000);
  const itemId = (order: MagentoOrder, sku: string) => order.items.find((i) => i.sku === sku)!.item_id;

  /** A staff member makes a credit memo in the Magento admin. */
  async function staffMemo(incrementId: string, body: Record<string, unknown>): Promise<StaffMemo> {
    const res = await axios.post<StaffMemo>(
      `${ws.stack.urls.magento}/__sandbox/orders/${incrementId}/creditmemos`,
      body,
    );
    return res.data;
  }

  /** Paid in Stripe and invoiced in Magento by the product's own invoicing step (its comment names the payment). */
  async function invoicedOrder(): Promise<{ order: MagentoOrder; pi: Stripe.PaymentIntent }> {
    const order = await placeOrder(ws.stack);
    const pi = await pay(ws.stack, order, 'pm_card_visa');
    await ws.stack.activities.invoiceMagentoOrder({
      entityId: order.entity_id,
      chargeId: pi.latest_charge as string,
      paymentIntentId: pi.id,
      notifyCustomer: false,
    });
    return { order, pi };
  }

  /** Paid, invoiced, booked, shipped: the order's run has completed. */
  async function shippedOrder(): Promise<{ order: MagentoOrder; pi: Stripe.PaymentIntent }> {
    const { env, stack, taskQueue } = ws;
    const order = await placeOrder(stack);
    const pi = await pay(stack, order, 'pm_card_visa');
    await deliver(env.client, taskQueue, await eventsAbout(stack, pi.id, ['payment_intent.succeeded']));
    const handle = env.client.workflow.getHandle(`order:${order.increment_id}`);
    await waitForStep(handle, 'awaiting_shipment');
    await shipAndDeliver(handle, await shipInWms(stack, order.increment_id));
    expect((await handle.result()).outcome).toBe('completed');
    return { order, pi };
  }

  it('refunds a credit memo staff made in the admin once in Stripe, and the refund’s own run records it with no second memo', async () => {
    const { env, stack, taskQueue } = ws;
    const { order, pi } = await shippedOrder();
    const since = justBefore();
    const memo = await staffMemo(order.increment_id, {
      items: [{ order_item_id: itemId(order, 'MUG-1'), qty: 1 }],
      arguments: { shipping_amount: 0 },
      comment: { comment: 'One mug arrived broken', is_visible_on_front: 0 },
    });
    expect(memo.grand_total).toBe(10);

    const first = await sync({ since });
    expect(first.started).toEqual([memo.entity_id]);
    // A second poll reading the same minutes finds the memo's run started (or done: the memo then carries its marker).
    // Two polls at the very same moment are tried on the dev server: the time-skipping server mishandles two parents
    // starting one child ID at once.
    const overlapping = await sync({ since });
    expect(overlapping.started).not.toContain(memo.entity_id);
    const outcome: CreditMemoRefundOutcome = await memoRun(memo.entity_id).result();
    expect(outcome.outcome).toBe('refunded');

    const refunds = async () => (await stack.stripe.refunds.list({ payment_intent: pi.id })).data;
    expect(await refunds()).toEqual([
      expect.objectContaining({
        amount: 1000,
        currency: 'usd',
        reason: 'requested_by_customer',
        metadata: { magento_creditmemo_id: String(memo.entity_id), magento_order_id: order.increment_id },
      }),
    ]);
    const refundId = (await refunds())[0]!.id;
    const noted = await stack.clients.magento.getCreditMemo(memo.entity_id);
    expect(noted.comments?.map((c) => c.comment)).toContain(
      `Refunded in Stripe: ${refundId}, 10.00 USD. [o2c:refund:${refundId}]`,
    );

    // The next scheduled run goes on from the last one's cursor: the memo is inside its overlap window and already handled.
    const next = await sync({ cursor: first.cursor });
    expect(next).toMatchObject({ cursorFrom: 'input', started: [], alreadyStarted: [] });
    expect(next.alreadySeen).toBeGreaterThanOrEqual(1);
    // Read again from the start, the memo now carries the refund's marker; and Stripe itself is asked before any refund.
    const again = await sync({ since });
    expect(again.started).not.toContain(memo.entity_id);
    expect(again.ours).toBeGreaterThanOrEqual(1);
    const direct = await stack.activities.refundForCreditMemo({
      creditMemoId: memo.entity_id,
      incrementId: order.increment_id,
      amountMinor: 1000,
      currency: 'USD',
      paymentIntentId: pi.id,
    });
    expect(direct).toMatchObject({ refundId, created: false });
    expect(await refunds()).toHaveLength(1);

    // Stripe's events about the refund reach the product: the refund's run finds the staff memo instead of making one.
    await deliver(env.client, taskQueue, await eventsAbout(stack, pi.id, ['refund.created', 'charge.refunded']));
    const recorded: RefundOutcome = await env.client.workflow.getHandle(`refund:${refundId}`).result();
    expect(recorded.outcome).toBe('recorded');
    expect(recorded.status.ids.magentoCreditMemoId).toBe(memo.entity_id);
    expect((await stack.clients.magento.listCreditMemos(order.entity_id)).items.map((m) => m.entity_id)).toEqual([
      memo.entity_id,
    ]);
    const { salesInvoice } = await stack.activities.erpDocsOfOrder(order.increment_id);
    const creditNotes = await stack.clients.erp.listDocs<{ name: string; grand_total: number; docstatus: number }>(
      'Sales Invoice',
      {
        filters: [
          ['is_return', '=', 1],
          ['return_against', '=', salesInvoice!],
        ],
        fields: ['name', 'grand_total', 'docstatus'],
      },
    );
    expect(creditNotes).toEqual([expect.objectContaining({ grand_total: -10, docstatus: 1 })]);

    const afterwards = await sync({ since });
    expect(afterwards.started).not.toContain(memo.entity_id);
    expect(await refunds()).toHaveLength(1);
    expect((await stack.clients.magento.listCreditMemos(order.entity_id)).total_count).toBe(1);
  });

  it('leaves alone the credit memos the product made itself and those a payment module refunded online, noting the latter', async () => {
    const { stack } = ws;
    const since = justBefore();
    const reversed = await invoicedOrder();
    const ours = await stack.activities.creditMagentoOrder({
      entityId: reversed.order.entity_id,
      key: 'creditmemo_compensation',
      comment: 'Order reversed.',
      notifyCustomer: false,
    });
    const online = await invoicedOrder();
    const onlineMemo = await staffMemo(online.order.increment_id, { transaction_id: 're_refundedByTheModule' });

    const result = await sync({ since });

    expect(result.started).not.toContain(ours.creditMemoId);
    expect(result.started).not.toContain(onlineMemo.entity_id);
    expect(result.ours).toBeGreaterThanOrEqual(1);
    expect(result.online).toContainEqual({
      creditMemoId: onlineMemo.entity_id,
      incrementId: online.order.increment_id,
      transactionId: 're_refundedByTheModule',
    });
    for (const id of [ours.creditMemoId!, onlineMemo.entity_id])
      await expect(memoRun(id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    for (const { pi } of [reversed, online])
      expect((await stack.stripe.refunds.list({ payment_intent: pi.id })).data).toEqual([]);
  });

  /** A Stripe refund's events, delivered; the refund's run's outcome once it ends (failing if it parks). */
  async function refundRecorded(pi: Stripe.PaymentIntent, refundId: string): Promise<RefundOutcome> {
    const { env, stack, taskQueue } = ws;
    await deliver(
      env.client,
      taskQueue,
      (await eventsAbout(stack, pi.id, ['refund.created'])).filter(
        (e) => (e.data.object as Stripe.Refund).id === refundId,
      ),
    );
    const handle = env.client.workflow.getHandle(`refund:${refundId}`);
    await eventually(`refund ${refundId} to end`, async () => {
      const status = await handle.query<{ syncState: string; reviewReason?: string }>('status');
      if (status.syncState === 'needs_review') throw new Error(`refund parked: ${status.reviewReason}`);
      return (await handle.describe()).status.name !== 'RUNNING' ? true : undefined;
    });
    return handle.result();
  }

  const memoIds = async (order: MagentoOrder) =>
    (await ws.stack.clients.magento.listCreditMemos(order.entity_id)).items.map((m) => m.entity_id);

  it('records the official module’s online refund on the memo it made (its transaction id), with no second memo', async () => {
    const { stack } = ws;
    const { order, pi } = await shippedOrder();
    // The module refunds in Stripe and makes the memo online, its transaction id the refund's.
    const refund = await stack.stripe.refunds.create({ payment_intent: pi.id, amount: 1000 });
    const memo = await staffMemo(order.increment_id, {
      items: [{ order_item_id: itemId(order, 'MUG-1'), qty: 1 }],
      arguments: { shipping_amount: 0 },
      transaction_id: refund.id,
    });

    const recorded = await refundRecorded(pi, refund.id);
    expect(recorded.outcome).toBe('recorded');
    expect(recorded.status.ids.magentoCreditMemoId).toBe(memo.entity_id);
    expect(await memoIds(order)).toEqual([memo.entity_id]);
    expect((await stack.stripe.refunds.list({ payment_intent: pi.id })).data).toHaveLength(1);
  });

  it('links a staff memo to the Dashboard refund of the same money, whichever is seen first, and refunds it once', async () => {
    const { stack } = ws;
    const staffThenRefund = async () => {
      const { order, pi } = await shippedOrder();
      const memo = await staffMemo(order.increment_id, {
        items: [{ order_item_id: itemId(order, 'MUG-1'), qty: 1 }],
        arguments: { shipping_amount: 0 },
      });
      const refund = await stack.stripe.refunds.create({ payment_intent: pi.id, amount: 1000 });
      return { order, pi, memo, refund };
    };

    // The refund's run first: it takes the staff memo as its own, and the sync then leaves the memo alone.
    const a = await staffThenRefund();
    const sinceA = justBefore();
    const recordedA = await refundRecorded(a.pi, a.refund.id);
    expect(recordedA.status.ids.magentoCreditMemoId).toBe(a.memo.entity_id);
    expect(await memoIds(a.order)).toEqual([a.memo.entity_id]);
    expect((await sync({ since: sinceA })).started).not.toContain(a.memo.entity_id);
    expect((await stack.stripe.refunds.list({ payment_intent: a.pi.id })).data.map((r) => r.id)).toEqual([a.refund.id]);

    // The sync first: the memo's money was refunded already, so it links the refund instead of refunding again.
    const b = await staffThenRefund();
    const sinceB = justBefore();
    await sync({ since: sinceB });
    const linked: CreditMemoRefundOutcome = await memoRun(b.memo.entity_id).result();
    expect(linked).toMatchObject({
      outcome: 'already_refunded',
      status: { refund: { refundId: b.refund.id, linked: true } },
    });
    const recordedB = await refundRecorded(b.pi, b.refund.id);
    expect(recordedB.status.ids.magentoCreditMemoId).toBe(b.memo.entity_id);
    expect(await memoIds(b.order)).toEqual([b.memo.entity_id]);
    expect((await stack.stripe.refunds.list({ payment_intent: b.pi.id })).data.map((r) => r.id)).toEqual([b.refund.id]);
  });

  it('finds the payment by Stripe’s search when Magento records none, and ends without Stripe for an order paid another way', async () => {
    const { stack } = ws;
    const since = justBefore();
    const unnamed = await placeOrder(stack);
    const pi = await pay(stack, unnamed, 'pm_card_visa');
    await stack.clients.magento.invoice(unnamed.entity_id, 'Invoiced by staff', false); // names no payment
    const byCheque = await placeOrder(stack, { payment: { method: 'checkmo', additional_information: [] } });
    await stack.clients.magento.invoice(byCheque.entity_id, 'Paid by cheque', false);
    const searched = await staffMemo(unnamed.increment_id, {
      items: [{ order_item_id: itemId(unnamed, 'TEE-1'), qty: 1 }],
      arguments: { shipping_amount: 0 },
    });
    const cheque = await staffMemo(byCheque.increment_id, {});

    const result = await sync({ since });

    expect(result.started).toEqual(expect.arrayContaining([searched.entity_id, cheque.entity_id]));
    expect(((await memoRun(searched.entity_id).result()) as CreditMemoRefundOutcome).outcome).toBe('refunded');
    expect((await stack.stripe.refunds.list({ payment_intent: pi.id })).data.map((r) => r.amount)).toEqual([2500]);
    expect(await memoRun(cheque.entity_id).result()).toMatchObject({
      outcome: 'not_stripe',
      reason: `order ${byCheque.increment_id} was paid with checkmo, not through Stripe`,
    });
  });

  it('parks a memo for more than the charge has left, with the reason, while the other memo of the same poll is refunded', async () => {
    const { stack } = ws;
    const short = await invoicedOrder();
    await stack.stripe.refunds.create({ payment_intent: short.pi.id, amount: 4500 }); // refunded in the Stripe dashboard; Magento does not know
    const fine = await invoicedOrder();
    const since = justBefore();
    const tooMuch = await staffMemo(short.order.increment_id, {
      items: [{ order_item_id: itemId(short.order, 'MUG-1'), qty: 1 }],
      arguments: { shipping_amount: 0 },
    });
    const ok = await staffMemo(fine.order.increment_id, {
      items: [{ order_item_id: itemId(fine.order, 'TEE-1'), qty: 1 }],
      arguments: { shipping_amount: 0 },
    });

    const result = await sync({ since });

    expect(result.started).toEqual(expect.arrayContaining([tooMuch.entity_id, ok.entity_id]));
    expect(result.syncState).toBe('completed');
    expect(((await memoRun(ok.entity_id).result()) as CreditMemoRefundOutcome).outcome).toBe('refunded');
    expect((await stack.stripe.refunds.list({ payment_intent: fine.pi.id })).data.map((r) => r.amount)).toEqual([2500]);
    const parked = await eventually('the memo to park', async () => {
      const status = await memoRun(tooMuch.entity_id).query<CreditMemoRefundStatus>('status');
      return status.syncState === 'needs_review' ? status : undefined;
    });
    expect(parked.reviewReason).toMatch(
      new RegExp(
        `credit memo ${tooMuch.entity_id} \\(order ${short.order.increment_id}, 10.00 USD\\) is for more than ` +
          'Stripe charge ch_\\w+ has left to refund: 5.00 USD of 50.00 USD',
      ),
    );
    expect((await stack.stripe.refunds.list({ payment_intent: short.pi.id })).data.map((r) => r.amount)).toEqual([
      4500,
    ]);
  });
});
