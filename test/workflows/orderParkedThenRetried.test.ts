import { retryUpdate } from '../../messages/runs';
import type { OrderOutcome, OrderStatus } from '../../messages/order';
import { deliver, eventsAbout, placeOrder, shipInWms, waitForStep, shipAndDeliver } from './orderFlow';
import { recordHistories } from '../harness/recordHistories';
import { startWorkflowStack, type WorkflowStack } from './workflowStack';

jest.setTimeout(120_000);

describe('orderToCash in the review queue', () => {
  let ws: WorkflowStack;
  beforeAll(async () => {
    ws = await startWorkflowStack('order-parked');
  });
  afterAll(() => ws?.close());

  it('parks a payment for an order Magento does not have yet, and completes it when an operator retries after the order appears', async () => {
    const { env, stack, taskQueue } = ws;
    const incrementId = `LATE-${Date.now()}`;
    const pi = await stack.stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      confirm: true,
      payment_method: 'pm_card_visa',
      metadata: { magento_order_id: incrementId },
    });
    await deliver(env.client, taskQueue, await eventsAbout(stack, pi.id, ['payment_intent.succeeded']));
    const handle = env.client.workflow.getHandle(`order:${incrementId}`);
    // The storefront may still be writing the order: the run waits (durable backoff, 15 minutes by default) before parking.
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await handle.query<OrderStatus>('status')).syncState).toBe('running');
    await env.sleep('16 minutes');
    let status: OrderStatus | undefined;
    for (let i = 0; i < 100 && status?.syncState !== 'needs_review'; i++) {
      status = await handle.query<OrderStatus>('status').catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status?.reviewReason).toBe(`Magento has no order ${incrementId}, but Stripe payment ${pi.id} names it`);

    const order = await placeOrder(stack, { increment_id: incrementId });
    await expect(handle.executeUpdate(retryUpdate, { args: [{ operator: 'ops' }] })).resolves.toBe('retry');
    await expect(handle.executeUpdate(retryUpdate, { args: [{ operator: 'ops' }] })).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/^not parked/) },
    });
    await waitForStep(handle, 'awaiting_shipment');
    await shipAndDeliver(handle, await shipInWms(stack, incrementId));
    const result: OrderOutcome = await handle.result();
    expect(result.outcome).toBe('completed');
    expect((await stack.clients.magento.getOrder(order.entity_id)).state).toBe('complete');
  });

  it('waits for an order the storefront writes a few minutes after the payment, and completes it without parking', async () => {
    const { env, stack, taskQueue } = ws;
    const incrementId = `SLOW-${Date.now()}`;
    const pi = await stack.stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      confirm: true,
      payment_method: 'pm_card_visa',
      metadata: { magento_order_id: incrementId },
    });
    await deliver(env.client, taskQueue, await eventsAbout(stack, pi.id, ['payment_intent.succeeded']));
    const handle = env.client.workflow.getHandle(`order:${incrementId}`);
    await env.sleep('2 minutes');
    await placeOrder(stack, { increment_id: incrementId });
    await env.sleep('5 minutes');
    const status = await waitForStep(handle, 'awaiting_shipment');
    expect(status.syncState).toBe('awaiting_shipment');
    expect(status.reviewReason).toBeUndefined();
    await shipAndDeliver(handle, await shipInWms(stack, incrementId));
    expect(((await handle.result()) as OrderOutcome).outcome).toBe('completed');
    await recordHistories(env.client, [{ name: 'order-waited-for-late-order', workflowId: handle.workflowId }]);
  });
});
