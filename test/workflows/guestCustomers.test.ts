import axios from 'axios';
import type Stripe from 'stripe';
import { createGuestCustomerActivities } from '../../activities/stripe/guestCustomers';
import { customerWorkflowId, emailKey } from '../../domain/customerMapping';
import { guestCustomerOf } from '../../domain/guestCustomers';
import type { CustomerSyncStatus } from '../../workflows/customerSync';
import type { OrderStatus } from '../../messages/order';
import { testCustomerIdKey, testSecrets } from '../harness/productStack';
import { recordHistories } from '../harness/recordHistories';
import { deliver, eventsAbout, eventually, pay, placeOrder, waitForStep } from './orderFlow';
import { startWorkflowStack, type WorkflowStack } from './workflowStack';

jest.setTimeout(120_000);

interface LoggedRequest {
  method: string;
  path: string;
  status: number;
}

describe('guests’ Stripe customers, made by the order run (time-skipping server, real activities against the sandboxes)', () => {
  let ws: WorkflowStack;
  beforeAll(async () => {
    ws = await startWorkflowStack('guest-customers');
  });
  const recorded: Array<{ name: string; workflowId: string }> = [];
  afterAll(async () => {
    if (!ws) return;
    await recordHistories(ws.env.client, recorded);
    await ws.close();
  });

  let n = 0;
  const uniqueEmail = (who: string) => `${who}${++n}-${Date.now()}@example.com`;
  const orderHandle = (incrementId: string) => ws.env.client.workflow.getHandle(`order:${incrementId}`);
  const customersWith = async (email: string) => (await ws.stack.stripe.customers.list({ email, limit: 10 })).data;
  const stripeRequests = async () =>
    (await axios.get<LoggedRequest[]>(`${ws.stack.urls.stripe}/__sandbox/requests`)).data;

  /** A guest's order placed and paid with a card, its payment delivered to the product as Stripe's webhook would. */
  async function paidGuestOrder(email: string, paymentMethod = 'pm_card_visa', extra: string[] = []) {
    const order = await placeOrder(ws.stack, { customer_email: email });
    const pi = await pay(ws.stack, order, paymentMethod);
    return { order, pi, events: await eventsAbout(ws.stack, pi.id, ['payment_intent.succeeded', ...extra]) };
  }

  it('makes one Stripe customer for two orders of one guest paid at the same time, marked a guest’s and keyed as the customer sync keys it', async () => {
    const email = uniqueEmail('Guest');
    const logFrom = (await stripeRequests()).length;
    const [a, b] = [await paidGuestOrder(email), await paidGuestOrder(email)];
    recorded.push({ name: 'guest-order-stripe-customer', workflowId: `order:${a.order.increment_id}` });
    await Promise.all([deliver(ws.env.client, ws.taskQueue, a.events), deliver(ws.env.client, ws.taskQueue, b.events)]);
    const [sa, sb] = await Promise.all([
      waitForStep(orderHandle(a.order.increment_id), 'awaiting_shipment'),
      waitForStep(orderHandle(b.order.increment_id), 'awaiting_shipment'),
    ]);

    const customers = await customersWith(email.toLowerCase());
    expect(customers).toHaveLength(1);
    const [customer] = customers;
    expect(customer).toMatchObject({
      email: email.toLowerCase(),
      name: 'Ada Lovelace',
      shipping: {
        name: 'Ada Lovelace',
        address: { line1: '12 Analytical Row', city: 'London', postal_code: 'N1 9GU', country: 'GB' },
      },
      metadata: {
        o2c_guest: 'true',
        o2c_customer_key: emailKey(email),
        o2c_sync_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    });
    expect([sa.ids.stripeCustomerId, sb.ids.stripeCustomerId]).toEqual([customer!.id, customer!.id]);
    expect(sa.warnings).toBeUndefined();
    // The payment itself is left as Stripe took it: a succeeded PaymentIntent keeps no customer.
    expect((await ws.stack.stripe.paymentIntents.retrieve(a.pi.id)).customer).toBeNull();
    const creates = (await stripeRequests())
      .slice(logFrom)
      .filter((r) => r.method === 'POST' && r.path === '/v1/customers');
    expect(creates.length).toBeGreaterThanOrEqual(1);
    expect(creates.length).toBeLessThanOrEqual(2);
  });

  it('shares one customer between concurrent calls of the activity itself, with the same fields (a replay) or other ones (a key conflict)', async () => {
    const email = uniqueEmail('concurrent');
    // Each of the three calls' lookups is held until all three have looked, so all three find none and go on to create.
    const stripe = ws.stack.stripe;
    let looked = 0;
    let allLooked!: () => void;
    const lookupsDone = new Promise<void>((resolve) => {
      allLooked = resolve;
    });
    const afterAllLooked = {
      ...stripe,
      customers: {
        ...stripe.customers,
        list: async (params: Stripe.CustomerListParams) => {
          const found = await stripe.customers.list(params);
          if (++looked === 3) allLooked();
          if (looked <= 3) await lookupsDone;
          return found;
        },
        create: (params: Stripe.CustomerCreateParams, options?: Stripe.RequestOptions) =>
          stripe.customers.create(params, options),
      },
    } as unknown as Stripe;
    const { ensureGuestStripeCustomer } = createGuestCustomerActivities(afterAllLooked);
    const guest = guestCustomerOf({
      customer: { email, firstname: 'Ada', lastname: 'Lovelace', isGuest: true },
      shipTo: { street: ['1 First Street'], city: 'Leeds', postcode: 'LS1 1AA', countryId: 'GB' },
    });
    const elsewhere = {
      ...guest,
      shipping: { ...guest.shipping!, address: { ...guest.shipping!.address, line1: '2 Second Street' } },
    };
    const before = (await stripeRequests()).length;
    const results = await Promise.all([
      ensureGuestStripeCustomer({ guest }),
      ensureGuestStripeCustomer({ guest }),
      ensureGuestStripeCustomer({ guest: elsewhere }),
    ]);
    const creates = (await stripeRequests())
      .slice(before)
      .filter((r) => r.method === 'POST' && r.path === '/v1/customers');
    // All three looked first and found none; Stripe made one, replayed it once, and refused the key with other fields once.
    expect(creates.map((r) => r.status).sort()).toEqual([200, 200, 400]);
    const customers = await customersWith(email);
    expect(customers).toHaveLength(1);
    expect(results.map((r) => r.customerId)).toEqual([customers[0]!.id, customers[0]!.id, customers[0]!.id]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    // Later orders find it by e-mail before writing anything.
    const logFrom = (await stripeRequests()).length;
    expect(await ensureGuestStripeCustomer({ guest: elsewhere })).toEqual({
      customerId: customers[0]!.id,
      created: false,
    });
    expect((await stripeRequests()).slice(logFrom).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/customers']);
  });

  it('links the guest’s customer when the guest registers in Magento: no second customer, the guest mark removed, no conflict', async () => {
    const email = uniqueEmail('registers');
    const { order, events } = await paidGuestOrder(email);
    await deliver(ws.env.client, ws.taskQueue, events);
    const guestId = (await waitForStep(orderHandle(order.increment_id), 'awaiting_shipment')).ids
      .stripeCustomerId as string;
    expect(guestId).toMatch(/^cus_/);

    // Stripe's customer.created reaches the customer's run, which makes no Magento account for a guest.
    const customerEvents: Stripe.Event[] = [];
    for await (const event of ws.stack.stripe.events.list({ limit: 100, type: 'customer.created' })) {
      if ((event.data.object as { id: string }).id === guestId) customerEvents.push(event);
    }
    expect(customerEvents).toHaveLength(1);
    await deliver(ws.env.client, ws.taskQueue, customerEvents);
    const sync = ws.env.client.workflow.getHandle(customerWorkflowId(emailKey(email), testCustomerIdKey));
    const waiting = (passes: number) =>
      eventually(`customer run after ${passes} passes`, async () => {
        const s = await sync.query<CustomerSyncStatus>('status').catch(() => undefined);
        return s?.waiting && s.passes >= passes ? s : undefined;
      });
    expect(await waiting(1)).toMatchObject({
      lastDecision: 'guest_without_account',
      stripeCustomerId: guestId,
      writes: { magento: 0, stripe: 0, erp: 0 },
    });

    const magento = axios.create({
      baseURL: `${ws.stack.urls.magento}/rest/default`,
      headers: { Authorization: `Bearer ${testSecrets.magentoToken}` },
    });
    const registered = (
      await magento.post<{ id: number }>('/V1/customers', {
        customer: { email, firstname: 'Ada', lastname: 'Lovelace' },
      })
    ).data;
    // What the magento-customer-poll sends when it sees the new customer.
    await ws.env.client.workflow.signalWithStart('customerSync', {
      workflowId: customerWorkflowId(emailKey(email), testCustomerIdKey),
      taskQueue: ws.taskQueue,
      args: [{ key: emailKey(email) }],
      signal: 'magentoCustomerChanged',
      signalArgs: [{ customerId: registered.id, updatedAt: '' }],
    });
    const linked = await waiting(2);
    // The guest's customer carries the hash of what the order run wrote: only Magento changed, so no conflict.
    expect(linked).toMatchObject({
      magentoCustomerId: registered.id,
      stripeCustomerId: guestId,
      lastDecision: 'copy_from_magento',
      conflicts: [],
    });
    const after = (await ws.stack.stripe.customers.retrieve(guestId)) as Stripe.Customer;
    expect(after.metadata).toMatchObject({
      magento_customer_id: String(registered.id),
      o2c_customer_key: emailKey(email),
    });
    expect(after.metadata.o2c_guest).toBeUndefined();
    expect(after.shipping?.address?.line1).toBe('12 Analytical Row');
    expect(
      (
        await magento.get<{ custom_attributes?: Array<{ attribute_code: string; value: string }> }>(
          `/V1/customers/${registered.id}`,
        )
      ).data.custom_attributes,
    ).toEqual(expect.arrayContaining([{ attribute_code: 'stripe_customer_id', value: guestId }]));
    expect(await customersWith(email)).toHaveLength(1);
  });

  it('makes none when the payment already names a customer, or when customer.createForGuests is off', async () => {
    const email = uniqueEmail('has-customer');
    const payer = await ws.stack.stripe.customers.create({ email: uniqueEmail('payer') });
    const order = await placeOrder(ws.stack, { customer_email: email });
    const pi = await ws.stack.stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      confirm: true,
      payment_method: 'pm_card_visa',
      customer: payer.id,
      metadata: { magento_order_id: order.increment_id },
    });
    await deliver(ws.env.client, ws.taskQueue, await eventsAbout(ws.stack, pi.id, ['payment_intent.succeeded']));
    expect(
      (await waitForStep(orderHandle(order.increment_id), 'awaiting_shipment')).ids.stripeCustomerId,
    ).toBeUndefined();
    expect(await customersWith(email)).toEqual([]);

    // Settings are read when a run starts (config/mappings.yaml at the worker's start-up).
    const settings = ws.stack.clients.settings.customers!;
    settings.createForGuests = false;
    try {
      const off = uniqueEmail('setting-off');
      const { order: offOrder, events } = await paidGuestOrder(off);
      await deliver(ws.env.client, ws.taskQueue, events);
      expect(
        (await waitForStep(orderHandle(offOrder.increment_id), 'awaiting_shipment')).ids.stripeCustomerId,
      ).toBeUndefined();
      expect(await customersWith(off)).toEqual([]);
    } finally {
      settings.createForGuests = true;
    }
  });

  it('goes on with the order when Stripe cannot make the guest’s customer, and says so on the order’s status', async () => {
    const email = uniqueEmail('outage');
    const { order, events } = await paidGuestOrder(email, 'pm_card_riskLevelElevated', ['review.opened']);
    recorded.push({ name: 'guest-order-stripe-customer-failed', workflowId: `order:${order.increment_id}` });
    await deliver(ws.env.client, ws.taskQueue, events);
    await waitForStep(orderHandle(order.increment_id), 'fraud_hold');
    // Stripe goes down while the order is held; the approval brings the run to the guest's customer, then on.
    await axios.put(`${ws.stack.urls.stripe}/__sandbox/faults`, { outage: true });
    let status: OrderStatus;
    try {
      await orderHandle(order.increment_id).executeUpdate('fraudDecision', {
        args: [{ decision: 'approve', reviewer: 'ops@shop.example' }],
      });
      status = await waitForStep(orderHandle(order.increment_id), 'awaiting_shipment', 90_000);
    } finally {
      await axios.put(`${ws.stack.urls.stripe}/__sandbox/faults`, { outage: false });
    }
    expect(status).toMatchObject({
      syncState: 'awaiting_shipment',
      warnings: [expect.stringMatching(/^no Stripe customer was made for the guest: .*Stripe/)],
    });
    expect(status.ids.stripeCustomerId).toBeUndefined();
    expect(status.ids.magentoInvoiceId).toBeDefined();
    expect(await customersWith(email)).toEqual([]);
  });
});
