import axios from 'axios';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import Stripe from 'stripe';
import { toMinor } from '../../domain/money';
import { intakeStart } from '../../domain/stripeEvents';
import type { MagentoOrder } from '../../domain/magento';
import { shipmentEventSignal, shipmentSignal, type OrderStatus, type ShipmentNotice } from '../../messages/order';
import type { ProductStack } from '../harness/productStack';
import { eventually } from '../harness/eventually';

export { eventually };

let sequence = 0;

/** An order as a storefront posts it: 2 × MUG-1 at 10.00, 1 × TEE-1 at 25.00, 5.00 shipping; 50.00 in all. */
export async function placeOrder(stack: ProductStack, overrides: Record<string, unknown> = {}): Promise<MagentoOrder> {
  sequence += 1;
  const email = `buyer${sequence}-${Date.now()}@example.com`;
  const address = {
    firstname: 'Ada',
    lastname: 'Lovelace',
    street: ['12 Analytical Row'],
    city: 'London',
    postcode: 'N1 9GU',
    country_id: 'GB',
    telephone: '+44 20 7946 0000',
    email,
  };
  return stack.clients.magento.createOrder({
    customer_email: email,
    customer_firstname: 'Ada',
    customer_lastname: 'Lovelace',
    customer_is_guest: 1,
    order_currency_code: 'USD',
    base_currency_code: 'USD',
    subtotal: 45,
    shipping_amount: 5,
    tax_amount: 0,
    discount_amount: 0,
    grand_total: 50,
    base_grand_total: 50,
    items: [
      { sku: 'MUG-1', name: 'Mug', qty_ordered: 2, price: 10, row_total: 20, product_type: 'simple' },
      { sku: 'TEE-1', name: 'T-shirt', qty_ordered: 1, price: 25, row_total: 25, product_type: 'simple' },
    ],
    billing_address: { ...address, address_type: 'billing' },
    payment: { method: 'stripe_payments', additional_information: [] },
    extension_attributes: {
      shipping_assignments: [
        { shipping: { address: { ...address, address_type: 'shipping' }, method: 'flatrate_flatrate' }, items: [] },
      ],
    },
    ...overrides,
  });
}

/** Pays through the Stripe sandbox as the storefront does; a decline is an outcome, not an error. */
export async function pay(
  stack: ProductStack,
  order: MagentoOrder,
  paymentMethod: string,
): Promise<Stripe.PaymentIntent> {
  const amount = toMinor(order.grand_total, order.order_currency_code);
  try {
    return await stack.stripe.paymentIntents.create({
      amount,
      currency: order.order_currency_code.toLowerCase(),
      confirm: true,
      payment_method: paymentMethod,
      metadata: { magento_order_id: order.increment_id },
    });
  } catch (err) {
    if (!(err instanceof Stripe.errors.StripeCardError)) throw err;
    const pi = (err.raw as { payment_intent?: { id: string } }).payment_intent;
    if (pi?.id) return stack.stripe.paymentIntents.retrieve(pi.id);
    const list = await stack.stripe.paymentIntents.list({ limit: 1 });
    return list.data[0]!;
  }
}

/** Every event the Stripe sandbox recorded about this payment, oldest first. */
export async function eventsAbout(
  stack: ProductStack,
  paymentIntentId: string,
  types?: string[],
): Promise<Stripe.Event[]> {
  const events: Stripe.Event[] = [];
  for await (const event of stack.stripe.events.list({ limit: 100 })) {
    const o = event.data.object as { id?: string; payment_intent?: string };
    if ((o.id === paymentIntentId || o.payment_intent === paymentIntentId) && (!types || types.includes(event.type)))
      events.push(event);
  }
  return events.reverse();
}

/**
 * Delivers events the way the webhook receiver starts them (`intakeStart`): one intake run per event id, which routes it to the order.
 * Waits by polling, not by `result()`: on the time-skipping server awaiting a result lets time jump, which would fire
 * other runs' timers (a 24 h retry window) before the test means it to.
 */
export async function deliver(client: Client, taskQueue: string, events: Stripe.Event[]): Promise<void> {
  for (const event of events) {
    // Unlike the receiver, an event whose run has closed starts again: as a redelivery after the retention period would.
    const intake = await client.workflow
      .start('stripeEventIntake', { ...intakeStart(event), workflowIdReusePolicy: 'ALLOW_DUPLICATE', taskQueue })
      .catch((err) => {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return client.workflow.getHandle(`stripe:${event.id}`);
        throw err;
      });
    for (const deadline = Date.now() + 30_000; (await intake.describe()).status.name === 'RUNNING';) {
      if (Date.now() > deadline) throw new Error(`intake of ${event.id} did not finish in 30 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export async function waitForStep(handle: WorkflowHandle, step: string, timeoutMs = 20_000): Promise<OrderStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: OrderStatus | undefined;
  while (Date.now() < deadline) {
    try {
      last = await handle.query<OrderStatus>('status');
      if (last.step === step) return last;
    } catch {
      // not started yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`order never reached ${step}; last status: ${JSON.stringify(last)}`);
}

/**
 * The warehouse's two webhooks, as `wms:<webhook-id>` runs would signal them: shipped, then delivered. A run that no
 * longer waits for a shipment (reversed, skipped) never reads the delivery.
 */
export async function shipAndDeliver(handle: WorkflowHandle, notice: ShipmentNotice): Promise<void> {
  await handle.signal(shipmentSignal, notice);
  await handle.signal(shipmentEventSignal, {
    kind: 'delivered',
    webhookId: `msg_delivered_${handle.workflowId}`,
    at: new Date().toISOString(),
  });
}

/** Ships the WMS order in the sandbox and returns its tracking. */
export async function shipInWms(
  stack: ProductStack,
  incrementId: string,
): Promise<{ trackingNumber: string; carrier?: string }> {
  const wmsOrder = await stack.clients.wms.findByReferenceId(incrementId);
  if (!wmsOrder) throw new Error(`no WMS order ${incrementId}`);
  await axios.post(`${stack.urls.wms}/__sandbox/orders/${wmsOrder.id}/ship`);
  const shipped = await stack.clients.wms.getOrder(wmsOrder.id);
  const tracking = shipped.shipments?.find((s) => s.tracking?.tracking_number)?.tracking;
  return { trackingNumber: tracking!.tracking_number!, carrier: tracking!.carrier };
}

/** Waits until the run has ended and returns its result, failing as soon as it parks (no step may wait for a person). */
export async function runEnded<T>(client: Client, workflowId: string, timeoutMs = 20_000): Promise<T> {
  const handle = client.workflow.getHandle(workflowId);
  let delivered = false;
  await eventually(
    `${workflowId} to end`,
    async () => {
      const status = await handle.query<{ syncState?: string; reviewReason?: string }>('status').catch(() => undefined);
      if (status?.syncState === 'needs_review') throw new Error(`${workflowId} parked: ${status.reviewReason}`);
      // The warehouse's delivery, which no webhook brings on the time-skipping server.
      if (status?.syncState === 'awaiting_delivery' && !delivered) {
        delivered = true;
        await handle.signal(shipmentEventSignal, { kind: 'delivered', webhookId: `msg_delivered_${workflowId}` });
      }
      return (await handle.describe()).status.name !== 'RUNNING' ? true : undefined;
    },
    timeoutMs,
  );
  return handle.result() as Promise<T>;
}
