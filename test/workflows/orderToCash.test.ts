import { fraudDecisionUpdate } from '../../messages/order';
import { skipUpdate } from '../../messages/runs';
import axios from 'axios';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { toMinor } from '../../domain/money';
import type { OrderOutcome } from '../../messages/order';
import { merchantEmail, type ProductStack } from '../harness/productStack';
import { recordHistories } from '../harness/recordHistories';
import { deliver, eventsAbout, eventually, pay, placeOrder, shipInWms, waitForStep, shipAndDeliver } from './orderFlow';
import { startWorkflowStack, type WorkflowStack } from './workflowStack';

jest.setTimeout(120_000);

describe('orderToCash on the time-skipping server, with real activities against the sandbox', () => {
  let ws: WorkflowStack;
  let env: TestWorkflowEnvironment;
  let stack: ProductStack;
  let taskQueue: string;
  beforeAll(async () => {
    ws = await startWorkflowStack('order-to-cash');
    ({ env, stack, taskQueue } = ws);
  });

  const recorded: Array<{ name: string; workflowId: string }> = [];
  const record = (name: string, incrementId: string) => recorded.push({ name, workflowId: `order:${incrementId}` });

  afterAll(async () => {
    if (!ws) return;
    await recordHistories(ws.env.client, recorded);
    await ws.close();
  });

  const handleOf = (incrementId: string) => env.client.workflow.getHandle(`order:${incrementId}`);

  async function erpDocs(doctype: string, poNo: string) {
    return stack.clients.erp.listDocs<{ name: string; docstatus: number }>(doctype, {
      filters: [['po_no', '=', poNo]],
      fields: ['name', 'docstatus'],
    });
  }

  it('takes a paid order through invoice, ERP, WMS and shipment to complete, creating each document once', async () => {
    const order = await placeOrder(stack);
    record('order-completed', order.increment_id);
    const pi = await pay(stack, order, 'pm_card_visa');
    const events = await eventsAbout(stack, pi.id, ['payment_intent.succeeded', 'charge.succeeded']);
    await deliver(env.client, taskQueue, [...events, ...events]);
    recorded.push({ name: 'intake-delivered', workflowId: `stripe:${events[0]!.id}` });
    await waitForStep(handleOf(order.increment_id), 'awaiting_shipment');
    const tracking = await shipInWms(stack, order.increment_id);
    await shipAndDeliver(handleOf(order.increment_id), tracking);
    const result: OrderOutcome = await handleOf(order.increment_id).result();

    expect(result.outcome).toBe('completed');
    const magentoOrder = await stack.clients.magento.getOrder(order.entity_id);
    expect(magentoOrder).toMatchObject({ state: 'complete', status: 'complete' });
    expect((await stack.clients.magento.listInvoices(order.entity_id)).total_count).toBe(1);
    expect((await stack.clients.magento.listShipments(order.entity_id)).items[0]?.tracks?.[0]?.track_number).toBe(
      tracking.trackingNumber,
    );
    expect(await erpDocs('Sales Order', order.increment_id)).toHaveLength(1);
    expect(await erpDocs('Sales Invoice', order.increment_id)).toHaveLength(1);
    const payments = await stack.clients.erp.listDocs('Payment Entry', {
      filters: [['reference_no', '=', pi.latest_charge as string]],
      fields: ['name', 'paid_amount'],
    });
    expect(payments).toEqual([expect.objectContaining({ paid_amount: 50 })]);
    expect((await stack.clients.wms.findByReferenceId(order.increment_id))?.status).toBe('Fulfilled');
    expect(result.status.timestamps).toHaveProperty('completed');

    // What crossed into history: a compact snapshot of the Magento order, and money in minor units only. The run's
    // steps are local activities: their results are in markers, their inputs never reach history.
    const payloads = await activityPayloads(order.increment_id);
    expect(payloads.filter((p) => p.kind === 'input')).toEqual([]);
    expect(payloads.map((p) => p.activity)).not.toContain('findMagentoOrder');
    const snapshot = payloads.find((p) => p.activity === 'loadOrderSnapshot' && p.kind === 'result')?.value;
    expect(snapshot).toMatchObject({ incrementId: order.increment_id, currency: 'USD', grandTotalMinor: 5000 });
    expect(payloads.map((p) => p.activity)).toEqual(
      expect.arrayContaining(['invoiceMagentoOrder', 'createErpSalesOrder', 'createWmsOrder', 'createErpPaymentEntry']),
    );
    const everything = JSON.stringify(payloads);
    for (const magentoField of [
      'billing_address',
      'status_histories',
      'extension_attributes',
      'grand_total',
      'payment',
    ]) {
      expect(everything).not.toContain(`"${magentoField}":`);
    }
  });

  /** Every activity's input and result in the order run's history, decoded: activity tasks and local-activity markers. */
  async function activityPayloads(
    incrementId: string,
  ): Promise<Array<{ activity: string; kind: 'input' | 'result'; value: unknown }>> {
    const history = await handleOf(incrementId).fetchHistory();
    const decode = (payloads: Array<{ data?: Uint8Array | null }> | null | undefined) =>
      (payloads ?? [])
        .filter((p) => p.data?.length)
        .map((p) => JSON.parse(Buffer.from(p.data!).toString('utf8')) as unknown);
    const scheduled = new Map<number, string>();
    const found: Array<{ activity: string; kind: 'input' | 'result'; value: unknown }> = [];
    for (const event of history.events ?? []) {
      const started = event.activityTaskScheduledEventAttributes;
      if (started) {
        const activity = started.activityType?.name ?? '?';
        scheduled.set(Number(event.eventId), activity);
        for (const value of decode(started.input?.payloads)) found.push({ activity, kind: 'input', value });
      }
      const completed = event.activityTaskCompletedEventAttributes;
      if (completed) {
        const activity = scheduled.get(Number(completed.scheduledEventId)) ?? '?';
        for (const value of decode(completed.result?.payloads)) found.push({ activity, kind: 'result', value });
      }
      const marker = event.markerRecordedEventAttributes;
      if (marker?.markerName === 'core_local_activity') {
        const [data] = decode(marker.details?.data?.payloads) as Array<{ activity_type?: string }>;
        for (const value of decode(marker.details?.result?.payloads))
          found.push({ activity: data?.activity_type ?? '?', kind: 'result', value });
      }
    }
    return found;
  }

  it('holds an elevated-risk order, and completes it when a reviewer approves after 30 hours', async () => {
    const order = await placeOrder(stack);
    record('order-fraud-approved', order.increment_id);
    const pi = await pay(stack, order, 'pm_card_riskLevelElevated');
    await deliver(
      env.client,
      taskQueue,
      await eventsAbout(stack, pi.id, ['payment_intent.succeeded', 'review.opened']),
    );
    const held = await waitForStep(handleOf(order.increment_id), 'fraud_hold');
    expect(held.syncState).toBe('fraud_hold');
    expect(held.fraud?.reasons.join(' ')).toMatch(/Radar/);
    await eventually('the Magento hold', async () =>
      (await stack.clients.magento.getOrder(order.entity_id)).state === 'holded' ? true : undefined,
    );

    await env.sleep('30 hours');
    await handleOf(order.increment_id).executeUpdate(fraudDecisionUpdate, {
      args: [{ decision: 'approve', reviewer: 'ops@shop.example', note: 'known customer' }],
    });
    await waitForStep(handleOf(order.increment_id), 'awaiting_shipment');
    await shipAndDeliver(handleOf(order.increment_id), await shipInWms(stack, order.increment_id));
    const result: OrderOutcome = await handleOf(order.increment_id).result();

    expect(result.outcome).toBe('completed');
    expect(result.status.fraud?.decision).toEqual({
      decision: 'approve',
      reviewer: 'ops@shop.example',
      note: 'known customer',
    });
    const comments =
      (await stack.clients.magento.getOrder(order.entity_id)).status_histories?.map((h) => h.comment) ?? [];
    expect(comments.some((c) => c?.startsWith('Fraud hold approved by ops@shop.example'))).toBe(true);
  });

  it('compensates a held order when nobody decides within 48 hours: refunded in Stripe, canceled in Magento', async () => {
    const order = await placeOrder(stack);
    record('order-fraud-timeout', order.increment_id);
    const pi = await pay(stack, order, 'pm_card_riskLevelElevated');
    await deliver(
      env.client,
      taskQueue,
      await eventsAbout(stack, pi.id, ['payment_intent.succeeded', 'review.opened']),
    );
    await waitForStep(handleOf(order.increment_id), 'fraud_hold');
    const result: OrderOutcome = await handleOf(order.increment_id).result(); // time skips through the 48 h hold

    expect(result.outcome).toBe('compensated');
    expect(result.status.fraud?.decision).toMatchObject({ decision: 'reject', reviewer: 'hold timeout' });
    const charge = await stack.stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge.amount_refunded).toBe(charge.amount);
    expect((await stack.clients.magento.getOrder(order.entity_id)).state).toBe('canceled');
    expect(await erpDocs('Sales Order', order.increment_id)).toHaveLength(0);
    const notices = (await stack.mail.messages({ to: merchantEmail })).filter((m) =>
      m.subject.includes(order.increment_id),
    );
    expect(notices.map((m) => m.key)).toEqual([
      `fraud_hold:${order.increment_id}`,
      `compensated:${order.increment_id}`,
    ]);
  });

  it('compensates when the warehouse has no stock: credit memo, ERP order cancelled, payment refunded', async () => {
    await axios.put(`${stack.urls.wms}/__sandbox/stock`, { outOfStockSkus: ['TEE-1'] });
    try {
      const order = await placeOrder(stack);
      record('order-out-of-stock', order.increment_id);
      const pi = await pay(stack, order, 'pm_card_visa');
      await deliver(env.client, taskQueue, await eventsAbout(stack, pi.id, ['payment_intent.succeeded']));
      const result: OrderOutcome = await handleOf(order.increment_id).result();

      expect(result.outcome).toBe('compensated');
      expect(result.reason).toMatch(/TEE-1/);
      expect((await stack.stripe.charges.retrieve(pi.latest_charge as string)).refunded).toBe(true);
      expect((await stack.clients.magento.listCreditMemos(order.entity_id)).total_count).toBe(1);
      expect((await stack.clients.magento.getOrder(order.entity_id)).state).toBe('closed');
      expect((await erpDocs('Sales Order', order.increment_id)).map((d) => d.docstatus)).toEqual([2]);
    } finally {
      await axios.put(`${stack.urls.wms}/__sandbox/stock`, { outOfStockSkus: [] });
    }
  });

  it('waits after a decline, and completes when the customer pays within 24 hours', async () => {
    const order = await placeOrder(stack);
    record('order-declined-then-paid', order.increment_id);
    const declined = await pay(stack, order, 'pm_card_chargeDeclined');
    expect(declined.status).toBe('requires_payment_method');
    await deliver(env.client, taskQueue, await eventsAbout(stack, declined.id, ['payment_intent.payment_failed']));
    await waitForStep(handleOf(order.increment_id), 'payment_failed');
    await eventually('the payment_failed comment', async () => {
      const comments =
        (await stack.clients.magento.getOrder(order.entity_id)).status_histories?.map((h) => h.comment) ?? [];
      return comments.some((c) => c?.includes('payment_failed: the card payment was declined (generic_decline)'))
        ? true
        : undefined;
    });

    await env.sleep('20 hours');
    await stack.stripe.paymentIntents.confirm(declined.id, { payment_method: 'pm_card_visa' });
    await deliver(env.client, taskQueue, await eventsAbout(stack, declined.id, ['payment_intent.succeeded']));
    await waitForStep(handleOf(order.increment_id), 'awaiting_shipment');
    await shipAndDeliver(handleOf(order.increment_id), await shipInWms(stack, order.increment_id));
    const result: OrderOutcome = await handleOf(order.increment_id).result();
    expect(result.outcome).toBe('completed');
    expect((await stack.clients.magento.listInvoices(order.entity_id)).total_count).toBe(1);
  });

  it('cancels a declined order in Magento when no payment arrives within 24 hours, and tells the customer', async () => {
    const order = await placeOrder(stack);
    record('order-declined-canceled', order.increment_id);
    const declined = await pay(stack, order, 'pm_card_chargeDeclined');
    await deliver(env.client, taskQueue, await eventsAbout(stack, declined.id, ['payment_intent.payment_failed']));
    const result: OrderOutcome = await handleOf(order.increment_id).result();

    expect(result.outcome).toBe('canceled_unpaid');
    expect((await stack.clients.magento.getOrder(order.entity_id)).state).toBe('canceled');
    const notices = (await stack.mail.messages()).filter((m) => m.subject.includes(order.increment_id));
    expect(notices.map((m) => ({ key: m.key, to: m.to }))).toEqual([
      { key: `payment_failed:${order.increment_id}`, to: [order.customer_email] },
    ]);
  });

  it('finds the shipment in the WMS when its webhook never arrives, and completes', async () => {
    const order = await placeOrder(stack);
    record('order-shipment-found-in-wms', order.increment_id);
    const pi = await pay(stack, order, 'pm_card_visa');
    await deliver(env.client, taskQueue, await eventsAbout(stack, pi.id, ['payment_intent.succeeded']));
    await waitForStep(handleOf(order.increment_id), 'awaiting_shipment');
    await shipInWms(stack, order.increment_id); // shipped, but no signal: the reminder timer looks in the WMS
    const result: OrderOutcome = await handleOf(order.increment_id).result();
    expect(result.outcome).toBe('completed');
    expect((await stack.clients.magento.getOrder(order.entity_id)).state).toBe('complete');
  });

  it('parks an order whose payment does not match its grand total, and ends it when an operator skips', async () => {
    const order = await placeOrder(stack);
    record('order-review-skipped', order.increment_id);
    const pi = await stack.stripe.paymentIntents.create({
      amount: toMinor(order.grand_total, 'USD') - 1,
      currency: 'usd',
      confirm: true,
      payment_method: 'pm_card_visa',
      metadata: { magento_order_id: order.increment_id },
    });
    await deliver(env.client, taskQueue, await eventsAbout(stack, pi.id, ['payment_intent.succeeded']));
    const parked = await waitForStep(handleOf(order.increment_id), 'paid').then(async () => {
      for (;;) {
        const s = await handleOf(order.increment_id).query<{ syncState: string; reviewReason?: string }>('status');
        if (s.syncState === 'needs_review') return s;
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    expect(parked.reviewReason).toBe(
      `order ${order.increment_id}: Stripe charged 49.99 USD but the Magento grand total is 50.00 USD`,
    );
    await handleOf(order.increment_id).executeUpdate(skipUpdate, { args: [{ operator: 'ops' }] });
    const result: OrderOutcome = await handleOf(order.increment_id).result();
    expect(result.outcome).toBe('skipped');
    expect((await stack.clients.magento.listInvoices(order.entity_id)).total_count).toBe(0);
  });
});
