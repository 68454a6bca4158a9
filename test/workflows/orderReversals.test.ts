import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type Stripe from 'stripe';
import { fraudDecisionUpdate, type OrderOutcome, type OrderStatus } from '../../messages/order';
import type { ProductStack } from '../harness/productStack';
import { recordHistories } from '../harness/recordHistories';
import { deliver, eventsAbout, eventually, pay, placeOrder, shipInWms, waitForStep, shipAndDeliver } from './orderFlow';
import { closeDispute as closeDisputeIn, openDispute as openDisputeIn, type DisputeDelivery } from './disputeFlow';
import { startWorkflowStack, type WorkflowStack } from './workflowStack';

jest.setTimeout(180_000);

/** Patch 1.1:reversals-before-fulfilment: what reaches an order before its goods leave stops them. */
describe('reversals before fulfilment: a dispute during a fraud hold, a refund before the run', () => {
  let ws: WorkflowStack;
  let env: TestWorkflowEnvironment;
  let stack: ProductStack;
  let taskQueue: string;
  const recorded: Array<{ name: string; workflowId: string }> = [];

  beforeAll(async () => {
    ws = await startWorkflowStack('reversals');
    ({ env, stack, taskQueue } = ws);
  });
  afterAll(async () => {
    if (!ws) return;
    await recordHistories(ws.env.client, recorded);
    await ws.close();
  });

  const orderHandle = (incrementId: string) => env.client.workflow.getHandle(`order:${incrementId}`);

  async function heldOrder() {
    const order = await placeOrder(stack);
    const pi = await pay(stack, order, 'pm_card_riskLevelElevated');
    await deliver(
      env.client,
      taskQueue,
      await eventsAbout(stack, pi.id, ['payment_intent.succeeded', 'review.opened']),
    );
    await waitForStep(orderHandle(order.increment_id), 'fraud_hold');
    return { order, pi };
  }

  const delivery = (): DisputeDelivery => ({ stack, client: env.client, taskQueue });
  const openDispute = (pi: Stripe.PaymentIntent) => openDisputeIn(delivery(), pi);
  const closeDispute = (disputeId: string, outcome: 'won' | 'lost') => closeDisputeIn(delivery(), disputeId, outcome);

  const approve = (incrementId: string) =>
    orderHandle(incrementId).executeUpdate(fraudDecisionUpdate, {
      args: [{ decision: 'approve', reviewer: 'ops@shop.example' }],
    });

  it('keeps the goods of an order disputed during its fraud hold out of the warehouse until the dispute is won', async () => {
    const { order, pi } = await heldOrder();
    recorded.push({ name: 'order-disputed-during-fraud-hold', workflowId: `order:${order.increment_id}` });
    const disputeId = await openDispute(pi);
    await approve(order.increment_id);

    const waiting = await waitForStep(orderHandle(order.increment_id), 'dispute_hold');
    expect(waiting.ids.erpSalesOrder).toBeDefined();
    await env.sleep('3 days');
    expect((await orderHandle(order.increment_id).query<OrderStatus>('status')).step).toBe('dispute_hold');
    expect(await stack.clients.wms.findByReferenceId(order.increment_id)).toBeUndefined();
    expect((await stack.clients.magento.getOrder(order.entity_id)).state).toBe('holded');

    expect((await closeDispute(disputeId, 'won')).outcome).toMatch(/^won/);
    await waitForStep(orderHandle(order.increment_id), 'awaiting_shipment');
    expect(await stack.clients.wms.findByReferenceId(order.increment_id)).toBeDefined();
    await shipAndDeliver(orderHandle(order.increment_id), await shipInWms(stack, order.increment_id));
    expect(((await orderHandle(order.increment_id).result()) as OrderOutcome).outcome).toBe('completed');
  });

  it('reverses an order disputed during its fraud hold and lost, without the goods ever reaching the warehouse', async () => {
    const { order, pi } = await heldOrder();
    const disputeId = await openDispute(pi);
    await approve(order.increment_id);
    await waitForStep(orderHandle(order.increment_id), 'dispute_hold');

    await closeDispute(disputeId, 'lost');
    const outcome = (await orderHandle(order.increment_id).result()) as OrderOutcome;
    expect(outcome).toMatchObject({ outcome: 'compensated', reason: 'the dispute was lost before shipment' });
    expect(await stack.clients.wms.findByReferenceId(order.increment_id)).toBeUndefined();
    expect((await stack.stripe.refunds.list({ payment_intent: pi.id })).data).toEqual([]);
  });

  it('does not ship an order whose payment was fully refunded before its run started', async () => {
    const order = await placeOrder(stack);
    const pi = await pay(stack, order, 'pm_card_visa');
    await stack.stripe.refunds.create({ payment_intent: pi.id });
    await deliver(env.client, taskQueue, await eventsAbout(stack, pi.id, ['payment_intent.succeeded']));
    // The run reverses the order as it finds it: the Magento order canceled by the run's undo, nothing sent on.
    // Magento cancels first and takes the comment after: wait for both.
    await eventually('the Magento order canceled by the run, with its comment', async () => {
      const found = await stack.clients.magento.getOrder(order.entity_id);
      const comments = found.status_histories?.map((h) => h.comment) ?? [];
      return found.state === 'canceled' &&
        comments.includes('Canceled and refunded in Stripe. [o2c:canceled_compensation]')
        ? true
        : undefined;
    });
    expect(await stack.clients.wms.findByReferenceId(order.increment_id)).toBeUndefined();
    expect(await stack.clients.erp.listDocs('Sales Order', { filters: [['po_no', '=', order.increment_id]] })).toEqual(
      [],
    );
    expect((await stack.stripe.refunds.list({ payment_intent: pi.id })).data).toHaveLength(1);
  });
});
