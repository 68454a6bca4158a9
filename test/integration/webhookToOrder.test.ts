import axios from 'axios';
import Stripe from 'stripe';
import { StripeEventType, SyncState } from '../../domain/searchAttributes';
import { startDevStack, type DevStack } from '../harness/devStack';
import { testSecrets } from '../harness/productStack';
import { eventsAbout, pay, placeOrder, waitForStep } from '../workflows/orderFlow';

function signed(event: Stripe.Event): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(event);
  return {
    body,
    headers: {
      'stripe-signature': Stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: testSecrets.stripeWebhookSecret,
      }),
      'content-type': 'application/json',
    },
  };
}

describe('a signed Stripe webhook through the API, on the dev server', () => {
  let dev: DevStack;
  beforeAll(async () => {
    dev = await startDevStack();
  });
  afterAll(async () => {
    await dev?.close();
  });

  it('answers /readyz with 200 while Temporal is reachable', async () => {
    const res = await axios.get(`${dev.apiUrl}/readyz`);
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ status: 'ready' });
  });

  it('starts one intake run per event, which hands the payment to its order workflow; a redelivery is a duplicate', async () => {
    const order = await placeOrder(dev.stack);
    const pi = await pay(dev.stack, order, 'pm_card_visa');
    const [event] = await eventsAbout(dev.stack, pi.id, ['payment_intent.succeeded']);
    const { body, headers } = signed(event!);

    const first = await axios.post(`${dev.apiUrl}/webhooks/stripe`, body, { headers });
    expect(first.data).toEqual({ received: true, workflowId: `stripe:${event!.id}`, duplicate: false });
    const intake = dev.client.workflow.getHandle(`stripe:${event!.id}`);
    await expect(intake.result()).resolves.toMatchObject({
      outcome: 'delivered',
      deliveredTo: `order:${order.increment_id}`,
    });
    expect((await intake.describe()).typedSearchAttributes.get(StripeEventType)).toBe('payment_intent.succeeded');

    const again = await axios.post(`${dev.apiUrl}/webhooks/stripe`, body, { headers });
    expect(again.data).toEqual({ received: true, workflowId: `stripe:${event!.id}`, duplicate: true });

    const orderRun = dev.client.workflow.getHandle(`order:${order.increment_id}`);
    await waitForStep(orderRun, 'awaiting_shipment');
    expect((await orderRun.describe()).typedSearchAttributes.get(SyncState)).toBe('awaiting_shipment');
    expect((await dev.stack.clients.magento.getOrder(order.entity_id)).state).toBe('processing');
  });
});
