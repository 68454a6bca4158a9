import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { OrderOutcome, OrderStatus, ShipmentEvent } from '../../messages/order';
import { retryUpdate } from '../../messages/runs';
import { merchantEmail, type ProductStack } from '../harness/productStack';
import { recordHistories } from '../harness/recordHistories';
import { deliver, eventsAbout, eventually, pay, placeOrder, shipInWms, waitForStep } from './orderFlow';
import { startWorkflowStack, type WorkflowStack } from './workflowStack';

jest.setTimeout(120_000);

describe('the shipment after "shipped" (patch 1.4:shipment-life-after-shipped), on the time-skipping server', () => {
  let ws: WorkflowStack;
  let env: TestWorkflowEnvironment;
  let stack: ProductStack;
  const recorded: Array<{ name: string; workflowId: string }> = [];
  beforeAll(async () => {
    ws = await startWorkflowStack('shipment-life');
    ({ env, stack } = ws);
  });
  afterAll(async () => {
    if (!ws) return;
    await recordHistories(ws.env.client, recorded);
    await ws.close();
  });

  const handleOf = (incrementId: string) => env.client.workflow.getHandle(`order:${incrementId}`);
  let webhookIds = 0;
  const news = (kind: ShipmentEvent['kind'], extra: Partial<ShipmentEvent> = {}): ShipmentEvent => ({
    kind,
    webhookId: `msg_test${++webhookIds}`,
    at: '2026-12-07T10:00:00.000Z',
    ...extra,
  });

  async function paidAndSentToWarehouse(name: string) {
    const order = await placeOrder(stack);
    recorded.push({ name, workflowId: `order:${order.increment_id}` });
    const pi = await pay(stack, order, 'pm_card_visa');
    await deliver(env.client, ws.taskQueue, await eventsAbout(stack, pi.id, ['payment_intent.succeeded']));
    await waitForStep(handleOf(order.increment_id), 'awaiting_shipment');
    return { order, pi, handle: handleOf(order.increment_id) };
  }

  async function parked(incrementId: string): Promise<OrderStatus> {
    return eventually(`order ${incrementId} to park`, async () => {
      const status = await handleOf(incrementId).query<OrderStatus>('status');
      return status.syncState === 'needs_review' ? status : undefined;
    });
  }

  const merchantNotices = async (incrementId: string) =>
    (await stack.mail.messages({ to: merchantEmail })).filter((m) => m.subject.includes(incrementId)).map((m) => m.key);

  const magentoComments = async (entityId: number) =>
    ((await stack.clients.magento.getOrder(entityId)).status_histories ?? []).map((h) => h.comment ?? '');

  it('waits after closing for the delivery, writes it on the Magento order and ends completed', async () => {
    const { order, handle } = await paidAndSentToWarehouse('order-delivered');
    await handle.signal('shipment', await shipInWms(stack, order.increment_id));
    const waiting = await waitForStep(handle, 'awaiting_delivery');
    expect(waiting.syncState).toBe('awaiting_delivery');
    // The books are complete before the delivery: the ERP invoice and its payment exist.
    expect(waiting.ids.erpSalesInvoice).toBeDefined();
    expect(waiting.ids.erpPaymentEntry).toBeDefined();

    const delivered = news('delivered');
    await handle.signal('shipmentEvent', delivered);
    await handle.signal('shipmentEvent', delivered); // a second copy of the same message adds nothing
    const result: OrderOutcome = await handle.result();

    expect(result.outcome).toBe('completed');
    expect(result.status.syncState).toBe('completed');
    expect(result.status.ids.deliveredAt).toBe(delivered.at);
    expect(result.status.timestamps).toHaveProperty('delivered');
    expect(result.status.warnings).toBeUndefined();
    const comments = (await magentoComments(order.entity_id)).filter((c) => c.startsWith('Delivered'));
    expect(comments).toEqual([expect.stringMatching(/delivered on 2026-12-07/)]);
  });

  it('parks on an exception in transit with a notice, and clears itself when the delivery comes', async () => {
    const { order, handle } = await paidAndSentToWarehouse('order-exception-then-delivered');
    await handle.signal('shipment', await shipInWms(stack, order.increment_id));
    await waitForStep(handle, 'awaiting_delivery');
    const exception = news('exception', { reason: 'Carrier reports the parcel damaged' });
    await handle.signal('shipmentEvent', exception);

    const status = await parked(order.increment_id);
    expect(status.reviewReason).toBe('the warehouse reports a shipment exception: Carrier reports the parcel damaged');
    await eventually('the exception notice', async () =>
      (await merchantNotices(order.increment_id)).includes(
        `shipment_exception:${order.increment_id}:${exception.webhookId}`,
      )
        ? true
        : undefined,
    );

    await handle.signal('shipmentEvent', news('delivered'));
    const result: OrderOutcome = await handle.result();
    expect(result.outcome).toBe('completed');
    expect(result.status.reviewReason).toBeUndefined();
    expect(result.status.timestamps).toHaveProperty('delivered');
  });

  it('parks on a warehouse hold before shipment, and goes on when the order ships', async () => {
    const { order, handle } = await paidAndSentToWarehouse('order-held-by-warehouse');
    const hold = news('on_hold', { reason: 'Address needs verification' });
    await handle.signal('shipmentEvent', hold);
    const status = await parked(order.increment_id);
    expect(status).toMatchObject({ step: 'awaiting_shipment', reviewReason: expect.stringMatching(/on hold/) });
    // An operator's retry only says "keep waiting": the run stays before shipment until the warehouse ships.
    await handle.executeUpdate(retryUpdate, { args: [{ operator: 'test' }] });
    expect((await handle.query<OrderStatus>('status')).syncState).toBe('awaiting_shipment');

    await handle.signal('shipment', await shipInWms(stack, order.increment_id));
    await waitForStep(handle, 'awaiting_delivery');
    await handle.signal('shipmentEvent', news('delivered'));
    const result: OrderOutcome = await handle.result();
    expect(result.outcome).toBe('completed');
    expect(await merchantNotices(order.increment_id)).toContain(
      `shipment_on_hold:${order.increment_id}:${hold.webhookId}`,
    );
    expect((await stack.clients.magento.listShipments(order.entity_id)).total_count).toBe(1);
  });

  it('looks in the WMS once a day while a warehouse hold parks it, so a lost "shipped" webhook still closes the order', async () => {
    const { order, handle } = await paidAndSentToWarehouse('order-held-then-found-shipped');
    await handle.signal('shipmentEvent', news('on_hold', { reason: 'Address needs verification' }));
    await parked(order.increment_id);
    await shipInWms(stack, order.increment_id); // shipped, and its webhook never comes
    const result: OrderOutcome = await handle.result(); // the server skips the day, then the 30 days
    expect(result.outcome).toBe('completed');
    expect(result.status.timestamps).toHaveProperty('shipped');
    expect((await stack.clients.magento.listShipments(order.entity_id)).total_count).toBe(1);
    expect(result.status.warnings).toEqual(['the warehouse reported no delivery within 30 days of shipping']);
  });

  it('reverses the order when the warehouse cancels it before shipment, as an out-of-stock refusal does', async () => {
    const { order, pi, handle } = await paidAndSentToWarehouse('order-cancelled-by-warehouse');
    const wmsOrder = await stack.clients.wms.findByReferenceId(order.increment_id);
    await stack.clients.wms.cancelOrder(wmsOrder!.id);
    await handle.signal('shipmentEvent', news('cancelled', { reason: 'Item discontinued' }));
    const result: OrderOutcome = await handle.result();

    expect(result.outcome).toBe('compensated');
    expect(result.reason).toBe('the warehouse cancelled the order: Item discontinued');
    expect((await stack.stripe.charges.retrieve(pi.latest_charge as string)).refunded).toBe(true);
    expect((await stack.clients.magento.listCreditMemos(order.entity_id)).total_count).toBe(1);
    const salesOrders = await stack.clients.erp.listDocs<{ docstatus: number }>('Sales Order', {
      filters: [['po_no', '=', order.increment_id]],
      fields: ['docstatus'],
    });
    expect(salesOrders.map((d) => d.docstatus)).toEqual([2]);
    expect(await merchantNotices(order.increment_id)).toContain(`compensated:${order.increment_id}`);
  });

  it('ends completed with a warning when no delivery is reported within order.deliveryWaitMax', async () => {
    const { order, handle } = await paidAndSentToWarehouse('order-delivery-never-reported');
    await handle.signal('shipment', await shipInWms(stack, order.increment_id));
    await waitForStep(handle, 'awaiting_delivery');
    const result: OrderOutcome = await handle.result(); // the server skips the 30 days
    expect(result.outcome).toBe('completed');
    expect(result.status.warnings).toEqual(['the warehouse reported no delivery within 30 days of shipping']);
    expect(result.status.timestamps).not.toHaveProperty('delivered');
  });
});
