import type { OrderOutcome } from '../../messages/order';
import { deliver, eventsAbout, pay, placeOrder, waitForStep } from './orderFlow';
import { startWorkflowStack, type WorkflowStack } from './workflowStack';

jest.setTimeout(120_000);

describe('orderToCash when the money goes back before the parcel leaves', () => {
  let ws: WorkflowStack;
  beforeAll(async () => {
    ws = await startWorkflowStack('order-refunded');
  });
  afterAll(() => ws?.close());

  it('reverses an order fully refunded in Stripe before shipment: WMS and ERP cancelled, credit memo, no second refund', async () => {
    const { env, stack, taskQueue } = ws;
    const order = await placeOrder(stack);
    const pi = await pay(stack, order, 'pm_card_visa');
    await deliver(env.client, taskQueue, await eventsAbout(stack, pi.id, ['payment_intent.succeeded']));
    const handle = env.client.workflow.getHandle(`order:${order.increment_id}`);
    await waitForStep(handle, 'awaiting_shipment');

    await stack.stripe.refunds.create({ payment_intent: pi.id, reason: 'requested_by_customer' }); // the merchant refunds in the Stripe dashboard
    await deliver(env.client, taskQueue, await eventsAbout(stack, pi.id, ['charge.refunded']));
    const result: OrderOutcome = await handle.result();

    expect(result).toMatchObject({
      outcome: 'compensated',
      reason: 'the payment was fully refunded in Stripe before shipment',
    });
    expect((await stack.stripe.refunds.list({ payment_intent: pi.id })).data).toHaveLength(1);
    expect((await stack.clients.wms.findByReferenceId(order.increment_id))?.status).toBe('Cancelled');
    const salesOrders = await stack.clients.erp.listDocs<{ docstatus: number }>('Sales Order', {
      filters: [['po_no', '=', order.increment_id]],
      fields: ['docstatus'],
    });
    expect(salesOrders.map((d) => d.docstatus)).toEqual([2]);
    expect((await stack.clients.magento.listCreditMemos(order.entity_id)).total_count).toBe(1);
    expect((await stack.clients.magento.getOrder(order.entity_id)).state).toBe('closed');
  });
});
