import axios from 'axios';
import type Stripe from 'stripe';
import type { OrderStatus } from '../../messages/order';
import { startDevStack, type DevStack } from '../harness/devStack';
import { eventually } from '../harness/eventually';
import { deliver, pay, placeOrder, waitForStep } from '../workflows/orderFlow';

describe('operator API, with Stripe and the WMS delivering their real webhooks to the API', () => {
  let dev: DevStack;
  beforeAll(async () => {
    dev = await startDevStack({ stripeWebhooks: true });
  });
  afterAll(async () => {
    await dev?.close();
  });

  it.each([
    ['GET', '/admin/fraud-holds'],
    ['POST', '/admin/orders/000000001/fraud-decision'],
    ['GET', '/admin/review-queue'],
    ['POST', '/admin/review-queue/order:1/retry'],
    ['POST', '/admin/stripe/replay'],
    ['POST', '/admin/orders/000000001/refund'],
  ])('refuses %s %s without the admin token, or with a wrong one', async (method, path) => {
    for (const headers of [
      {},
      { Authorization: 'Bearer not-the-token' },
      { Authorization: dev.admin.Authorization.replace('Bearer ', 'Basic ') },
    ]) {
      const res = await axios.request({
        method,
        url: `${dev.apiUrl}${path}`,
        headers,
        data: {},
        validateStatus: () => true,
      });
      expect(res.status).toBe(401);
    }
  });

  it('lists a held order with its reasons, and an approval through the API takes it to shipment and completion', async () => {
    const order = await placeOrder(dev.stack);
    await pay(dev.stack, order, 'pm_card_riskLevelElevated');
    const hold = await eventually('the fraud hold', async () => {
      const res = await axios.get(`${dev.apiUrl}/admin/fraud-holds`, { headers: dev.admin });
      return (res.data.holds as Array<{ incrementId: string; reasons: string[]; score: number }>).find(
        (h) => h.incrementId === order.increment_id,
      );
    });
    expect(hold.reasons.join(' ')).toMatch(/Radar/);

    const wrong = await axios.post(
      `${dev.apiUrl}/admin/orders/${order.increment_id}/fraud-decision`,
      { decision: 'maybe' },
      { headers: dev.admin, validateStatus: () => true },
    );
    expect(wrong.status).toBe(400);
    const approved = await axios.post(
      `${dev.apiUrl}/admin/orders/${order.increment_id}/fraud-decision`,
      { decision: 'approve', reviewer: 'ops@shop.example' },
      { headers: dev.admin },
    );
    expect(approved.data).toEqual({ workflowId: `order:${order.increment_id}`, decision: 'approve' });

    const handle = dev.client.workflow.getHandle(`order:${order.increment_id}`);
    await waitForStep(handle, 'awaiting_shipment');
    const wmsOrder = await dev.stack.clients.wms.findByReferenceId(order.increment_id);
    await axios.post(`${dev.stack.urls.wms}/__sandbox/orders/${wmsOrder!.id}/ship`); // the sandbox sends the signed order.shipped webhook
    const result = (await handle.result()) as { outcome: string; status: OrderStatus };
    expect(result.outcome).toBe('completed');
    expect((await dev.stack.clients.magento.getOrder(order.entity_id)).state).toBe('complete');
  });

  it('lists a payment that names no Magento order in the review queue once (not once per event), and skips it on request', async () => {
    const pi = await dev.stack.stripe.paymentIntents.create({
      amount: 1234,
      currency: 'usd',
      confirm: true,
      payment_method: 'pm_card_visa',
      metadata: {},
    });
    const item = await eventually('the review queue entry', async () => {
      const res = await axios.get(`${dev.apiUrl}/admin/review-queue`, { headers: dev.admin });
      return (res.data.items as Array<{ workflowId: string; reason: string }>).find((i) => i.reason?.includes(pi.id));
    });
    expect(item.workflowId).toBe(`payment:${pi.id}`);
    expect(item.reason).toMatch(new RegExp(`^${pi.id} has no magento_order_id \\(or "Order #"\\) in its metadata`));
    // payment_intent.succeeded arrived through the webhook; its charge.succeeded, which the doors now call redundant, is
    // delivered as intake runs started before that did: both handed over, and the queue holds the payment once.
    const chargeEvents: Stripe.Event[] = [];
    for await (const e of dev.stack.stripe.events.list({ limit: 100, type: 'charge.succeeded' })) {
      if ((e.data.object as { payment_intent?: string }).payment_intent === pi.id) chargeEvents.push(e);
    }
    expect(chargeEvents).toHaveLength(1);
    await deliver(dev.client, dev.taskQueue, chargeEvents);
    await eventually('both intake runs handed over', async () => {
      let count = 0;
      for await (const wf of dev.client.workflow.list({
        query: `WorkflowType = 'stripeEventIntake' AND StripeObjectId IN ('${pi.id}', '${String(pi.latest_charge)}') AND ExecutionStatus = 'Completed'`,
      }))
        count += wf ? 1 : 0;
      return count >= 2 ? count : undefined;
    });
    const queue = await axios.get(`${dev.apiUrl}/admin/review-queue`, { headers: dev.admin });
    expect((queue.data.items as Array<{ reason: string }>).filter((i) => i.reason?.includes(pi.id))).toHaveLength(1);
    // The gauge counts the whole namespace, which other test files share: at least this payment, once counted again.
    await eventually('the review queue gauge counting this payment', async () => {
      const metrics = (await axios.get<string>(`${dev.apiUrl}/metrics`)).data;
      return Number(/^o2c_review_queue_size (\S+)$/m.exec(metrics)?.[1]) >= 1 ? true : undefined;
    });
    const skipped = await axios.post(
      `${dev.apiUrl}/admin/review-queue/${encodeURIComponent(item.workflowId)}/skip`,
      {},
      { headers: dev.admin },
    );
    expect(skipped.data).toEqual({ workflowId: item.workflowId, action: 'skip' });
    await expect(dev.client.workflow.getHandle(item.workflowId).result()).resolves.toMatchObject({
      outcome: 'skipped',
    });
    const again = await axios.post(
      `${dev.apiUrl}/admin/review-queue/${encodeURIComponent(item.workflowId)}/skip`,
      {},
      { headers: dev.admin, validateStatus: () => true },
    );
    expect(again.status).toBe(404);
  });

  it('closes a payment from another sales channel (metadata channel=pos) without parking it', async () => {
    const pi = await dev.stack.stripe.paymentIntents.create({
      amount: 990,
      currency: 'usd',
      confirm: true,
      payment_method: 'pm_card_visa',
      metadata: { channel: 'pos' },
    });
    const handle = dev.client.workflow.getHandle(`payment:${pi.id}`);
    const result = await eventually('the payment run to end', async () => {
      const d = await handle.describe().catch(() => undefined);
      return d?.status.name === 'COMPLETED' ? handle.result() : undefined;
    });
    expect(result).toMatchObject({ outcome: 'other_channel', reason: 'metadata.channel is "pos"' });
    const queue = await axios.get(`${dev.apiUrl}/admin/review-queue`, { headers: dev.admin });
    expect((queue.data.items as Array<{ reason: string }>).filter((i) => i.reason?.includes(pi.id))).toHaveLength(0);
  });

  it("answers a fraud decision for an order that is not held with the run's own reason", async () => {
    const res = await axios.post(
      `${dev.apiUrl}/admin/orders/NOPE-${Date.now()}/fraud-decision`,
      { decision: 'approve', reviewer: 'ops' },
      { headers: dev.admin, validateStatus: () => true },
    );
    expect(res.status).toBe(404);
  });

  it('refunds a shipped order for an operator once per request, refuses more than is left, and the refund run records the credit memo', async () => {
    const order = await placeOrder(dev.stack);
    const pi = await pay(dev.stack, order, 'pm_card_visa');
    const handle = dev.client.workflow.getHandle(`order:${order.increment_id}`);
    await waitForStep(handle, 'awaiting_shipment');
    const wmsOrder = await dev.stack.clients.wms.findByReferenceId(order.increment_id);
    await axios.post(`${dev.stack.urls.wms}/__sandbox/orders/${wmsOrder!.id}/ship`);
    expect(((await handle.result()) as { outcome: string }).outcome).toBe('completed');

    const url = `${dev.apiUrl}/admin/orders/${order.increment_id}/refund`;
    const bad = await axios.post(
      url,
      { amount: '12,50', operator: 'ops' },
      { headers: dev.admin, validateStatus: () => true },
    );
    expect(bad.status).toBe(400);
    const body = {
      amount: '12.50',
      reason: 'fraudulent',
      operator: 'ops@shop.example',
      note: 'early fraud warning',
      requestId: `req-${order.increment_id}`,
    };
    const first = await axios.post(url, body, { headers: dev.admin });
    expect(first.data).toMatchObject({
      outcome: 'refunded',
      amountMinor: 1250,
      currency: 'USD',
      refundId: expect.stringMatching(/^re_/),
    });
    const again = await axios.post(url, body, { headers: dev.admin });
    expect(again.data.refundId).toBe(first.data.refundId);
    const tooMuch = await axios.post(
      url,
      { amount: '40.00', operator: 'ops' },
      { headers: dev.admin, validateStatus: () => true },
    );
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.data.reason).toBe('40.00 USD is not between 0 and what is left to refund (37.50 USD)');
    expect((await dev.stack.stripe.refunds.list({ payment_intent: pi.id })).data.map((r) => r.id)).toEqual([
      first.data.refundId,
    ]);

    const refundRun = dev.client.workflow.getHandle(`refund:${first.data.refundId}`);
    await eventually(
      'the refund run',
      async () =>
        await refundRun.describe().then(
          () => true,
          () => undefined,
        ),
    );
    expect(((await refundRun.result()) as { outcome: string }).outcome).toBe('recorded');
    const memos = (await dev.stack.clients.magento.listCreditMemos(order.entity_id)).items;
    expect(memos.map((m) => m.grand_total)).toEqual([12.5]);
  }, 90_000);
});
