import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { temporalEnvSchema } from '../../config/env';
import type { OrderOutcome } from '../../workflows/orderToCash';
import { createWorker } from '../../worker/worker';
import { startProductStack, type ProductStack } from '../harness/productStack';
import { createTimeSkippingEnv, uniqueTaskQueue } from '../harness/temporal';
import { deliver, eventsAbout, pay, placeOrder, waitForStep } from './orderFlow';

jest.setTimeout(120_000);

describe('orderToCash when the money goes back before the parcel leaves', () => {
  const taskQueue = uniqueTaskQueue('order-refunded');
  let env: TestWorkflowEnvironment;
  let stack: ProductStack;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    stack = await startProductStack({ temporal: env.client, taskQueue });
    ({ worker } = await createWorker({ env: temporalEnvSchema.parse({ TEMPORAL_TASK_QUEUE: taskQueue }), activities: stack.activities, connection: env.nativeConnection }));
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await stack?.close();
    await env?.teardown();
  });

  it('reverses an order fully refunded in Stripe before shipment: WMS and ERP cancelled, credit memo, no second refund', async () => {
    const order = await placeOrder(stack);
    const pi = await pay(stack, order, 'pm_card_visa');
    await deliver(env.client, taskQueue, await eventsAbout(stack, pi.id, ['payment_intent.succeeded']));
    const handle = env.client.workflow.getHandle(`order:${order.increment_id}`);
    await waitForStep(handle, 'awaiting_shipment');

    await stack.stripe.refunds.create({ payment_intent: pi.id, reason: 'requested_by_customer' }); // the merchant refunds in the Stripe dashboard
    await deliver(env.client, taskQueue, await eventsAbout(stack, pi.id, ['charge.refunded']));
    const result: OrderOutcome = await handle.result();

    expect(result).toMatchObject({ outcome: 'compensated', reason: 'the payment was fully refunded in Stripe before shipment' });
    expect((await stack.stripe.refunds.list({ payment_intent: pi.id })).data).toHaveLength(1);
    expect((await stack.clients.wms.findByReferenceId(order.increment_id))?.status).toBe('Cancelled');
    const salesOrders = await stack.clients.erp.listDocs<{ docstatus: number }>('Sales Order', { filters: [['po_no', '=', order.increment_id]], fields: ['docstatus'] });
    expect(salesOrders.map((d) => d.docstatus)).toEqual([2]);
    expect((await stack.clients.magento.listCreditMemos(order.entity_id)).total_count).toBe(1);
    expect((await stack.clients.magento.getOrder(order.entity_id)).state).toBe('closed');
  });
});
