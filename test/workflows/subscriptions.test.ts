import axios from 'axios';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type Stripe from 'stripe';
import { toMinor } from '../../domain/money';
import type { OrderOutcome } from '../../messages/order';
import type { SubscriptionStatus } from '../../workflows/subscription';
import { merchantEmail, testSecrets, type ProductStack } from '../harness/productStack';
import { stepsInHistory } from '../harness/historySteps';
import { recordHistories } from '../harness/recordHistories';
import { deliver, eventually, shipInWms, waitForStep, shipAndDeliver } from './orderFlow';
import { startWorkflowStack, type WorkflowStack } from './workflowStack';

jest.setTimeout(300_000);

describe("subscriptions: each paid invoice a Magento order shipped by the order path, dunning on Stripe's schedule", () => {
  let ws: WorkflowStack;
  let env: TestWorkflowEnvironment;
  let stack: ProductStack;
  let taskQueue: string;
  const recorded: Array<{ name: string; workflowId: string; runId?: string }> = [];

  beforeAll(async () => {
    ws = await startWorkflowStack('subscriptions');
    ({ env, stack, taskQueue } = ws);
  });

  afterAll(async () => {
    if (!ws) return;
    await recordHistories(ws.env.client, recorded);
    await ws.close();
  });

  let sequence = 0;
  /** A customer with a card and a delivery address, subscribed monthly to a coffee box (SKU from the price's metadata). */
  async function subscribe(
    unitAmount: number,
    currency = 'usd',
    extra: Partial<Stripe.SubscriptionCreateParams> = {},
  ): Promise<{ sub: Stripe.Subscription; email: string; customerId: string }> {
    sequence += 1;
    const email = `subscriber${sequence}-${Date.now()}@example.com`;
    const customer = await stack.stripe.customers.create({
      email,
      name: 'Grace Hopper',
      payment_method: 'pm_card_visa',
      invoice_settings: { default_payment_method: 'pm_card_visa' },
      shipping: {
        name: 'Grace Hopper',
        phone: '+1 555 0100',
        address: { line1: '1 Navy Yard', city: 'Arlington', postal_code: '22202', country: 'US', state: 'VA' },
      },
    });
    const product = await stack.stripe.products.create({ name: 'Coffee box', metadata: { sku: 'COFFEE-BOX' } });
    const price = await stack.stripe.prices.create({
      product: product.id,
      unit_amount: unitAmount,
      currency,
      recurring: { interval: 'month' },
      metadata: { sku: 'COFFEE-BOX' },
    });
    const sub = await stack.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      ...extra,
    });
    return { sub, email, customerId: customer.id };
  }

  /** Every event the Stripe sandbox recorded about a subscription and its invoices since `after`, oldest first. */
  async function subscriptionEvents(subscriptionId: string, seen: Set<string>): Promise<Stripe.Event[]> {
    const events: Stripe.Event[] = [];
    for await (const event of stack.stripe.events.list({ limit: 100 })) {
      if (seen.has(event.id)) break;
      const o = event.data.object as {
        id?: string;
        subscription?: string;
        parent?: { subscription_details?: { subscription?: string } };
      };
      if (
        o.id === subscriptionId ||
        o.subscription === subscriptionId ||
        o.parent?.subscription_details?.subscription === subscriptionId
      )
        events.push(event);
    }
    for (const e of events) seen.add(e.id);
    return events.reverse();
  }

  const handleOf = (subscriptionId: string) => env.client.workflow.getHandle(`subscription:${subscriptionId}`);
  const statusOf = (subscriptionId: string) => handleOf(subscriptionId).query<SubscriptionStatus>('status');

  async function renewalsRecorded(subscriptionId: string, count: number): Promise<SubscriptionStatus> {
    return eventually(
      `${count} renewals`,
      async () => {
        const status = await statusOf(subscriptionId).catch(() => undefined);
        if (status?.syncState === 'needs_review') throw new Error(`subscription parked: ${status.reviewReason}`);
        return status && status.renewals >= count && status.step === 'listening' ? status : undefined;
      },
      60_000,
    );
  }

  async function shipRenewal(incrementId: string): Promise<OrderOutcome> {
    const order = env.client.workflow.getHandle(`order:${incrementId}`);
    await waitForStep(order, 'awaiting_shipment');
    await shipAndDeliver(order, await shipInWms(stack, incrementId));
    return order.result();
  }

  it('renews a monthly subscription 24 times: 24 Magento orders equal to their invoices, each shipped, the run continued as new', async () => {
    const { sub } = await subscribe(2_400);
    const seen = new Set<string>();
    await deliver(env.client, taskQueue, await subscriptionEvents(sub.id, seen));
    await renewalsRecorded(sub.id, 1);
    for (let month = 1; month < 24; month++) {
      await axios.post(`${stack.urls.stripe}/__sandbox/subscriptions/${sub.id}/advance`, { outcome: 'paid' });
      await deliver(env.client, taskQueue, await subscriptionEvents(sub.id, seen));
      await renewalsRecorded(sub.id, month + 1);
    }
    const status = await statusOf(sub.id);
    expect(status.runs).toBeGreaterThanOrEqual(2);

    const invoices: Stripe.Invoice[] = [];
    for await (const invoice of stack.stripe.invoices.list({ subscription: sub.id, limit: 100 }))
      invoices.push(invoice);
    expect(invoices).toHaveLength(24);
    const renewalOrders: string[] = [];
    for (const invoice of invoices) {
      const found = (
        await stack.clients.magento.searchOrders([[{ field: 'ext_order_id', value: invoice.id! }]], { pageSize: 2 })
      ).items;
      expect(found).toHaveLength(1);
      expect(toMinor(found[0]!.grand_total, 'USD')).toBe(invoice.total);
      expect((await shipRenewal(found[0]!.increment_id)).outcome).toBe('completed');
      renewalOrders.push(found[0]!.increment_id);
    }

    // A renewal's order run calls the systems as every order run the intake starts does: as local activities.
    expect(stepsInHistory(await env.client.workflow.getHandle(`order:${renewalOrders[0]}`).fetchHistory())).toEqual({
      activityTasks: 0,
      localActivityMarkers: true,
    });

    // Every run of the subscription kept a short history.
    const runs: number[] = [];
    // The run may continue as new again after its last renewal: count the chain from the run read here.
    const latestRunId = (await handleOf(sub.id).describe()).runId;
    const latest = await env.client.workflow
      .getHandle(`subscription:${sub.id}`, latestRunId)
      .query<SubscriptionStatus>('status');
    for (let runId: string | undefined = latestRunId; runId;) {
      const history = await env.client.workflow.getHandle(`subscription:${sub.id}`, runId).fetchHistory();
      runs.push(history.events?.length ?? 0);
      runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    }
    expect(runs.length).toBe(latest.runs);
    expect(Math.max(...runs)).toBeLessThan(2_000);
    recorded.push({ name: 'subscription-renewed', workflowId: `subscription:${sub.id}` });
  });

  it("dunning: a failed renewal tells the customer with Stripe's invoice link and marks the Magento customer; a paid retry closes it", async () => {
    const { sub, email } = await subscribe(1_500);
    // The subscriber has a Magento account, where the product keeps the subscription's state.
    await axios.post(
      `${stack.urls.magento}/rest/default/V1/customers`,
      { customer: { email, firstname: 'Grace', lastname: 'Hopper' } },
      { headers: { Authorization: `Bearer ${testSecrets.magentoToken}` } },
    );
    const subscriberState = async () =>
      (
        await stack.clients.magento.searchCustomers([[{ field: 'email', value: email }]])
      ).items[0]?.custom_attributes?.find((a) => a.attribute_code === 'stripe_subscription')?.value;
    const seen = new Set<string>();
    await deliver(env.client, taskQueue, await subscriptionEvents(sub.id, seen));
    await renewalsRecorded(sub.id, 1);
    await axios.post(`${stack.urls.stripe}/__sandbox/subscriptions/${sub.id}/advance`, { outcome: 'failed' });
    await deliver(env.client, taskQueue, await subscriptionEvents(sub.id, seen));
    const dunning = await eventually('dunning', async () => {
      const status = await statusOf(sub.id);
      return status.dunning ? status : undefined;
    });
    expect(dunning.dunning?.attempt).toBeGreaterThanOrEqual(1);
    const toCustomer = await eventually('the dunning notice', async () => {
      const mails = (await stack.mail.messages({ to: email })).filter((m) => m.subject.includes('did not go through'));
      return mails.length > 0 ? mails : undefined;
    });
    expect(toCustomer).toHaveLength(1);
    await eventually('the merchant told', async () =>
      (await stack.mail.messages({ to: merchantEmail })).some((m) =>
        m.subject.includes(`Subscription ${sub.id}: renewal payment failed`),
      )
        ? true
        : undefined,
    );
    expect(await subscriberState()).toMatch(
      new RegExp(`^${sub.id} past_due: COFFEE-BOX × 1; payment failed \\(attempt 1\\)`),
    );

    const invoice = await stack.stripe.invoices.retrieve(dunning.dunning!.invoiceId);
    await stack.stripe.invoices.pay(invoice.id!, { payment_method: 'pm_card_visa' });
    await deliver(env.client, taskQueue, await subscriptionEvents(sub.id, seen));
    const recovered = await renewalsRecorded(sub.id, 2);
    expect(recovered.dunning).toBeUndefined();
    expect(recovered.subscription?.status).toBe('active');
    expect(await subscriberState()).toBe(`${sub.id} active: COFFEE-BOX × 1`);
    const [erpCustomer] = await stack.clients.erp.listDocs<{ customer_details?: string }>('Customer', {
      filters: [['email_id', '=', email]],
      fields: ['customer_details'],
    });
    expect(erpCustomer?.customer_details).toBe(`Stripe subscription ${sub.id}: active: COFFEE-BOX × 1`);
  });

  async function advance(subscriptionId: string, body: Record<string, unknown>, seen: Set<string>): Promise<void> {
    await axios.post(`${stack.urls.stripe}/__sandbox/subscriptions/${subscriptionId}/advance`, body);
    await deliver(env.client, taskQueue, await subscriptionEvents(subscriptionId, seen));
  }

  async function renewalOrderOf(invoiceId: string) {
    return eventually(
      `the Magento order for ${invoiceId}`,
      async () =>
        (await stack.clients.magento.searchOrders([[{ field: 'ext_order_id', value: invoiceId }]], { pageSize: 2 }))
          .items[0],
    );
  }

  it("recovers a failed renewal inside Stripe's retry schedule: a notice per failed attempt, then the order once it is paid", async () => {
    const { sub, email } = await subscribe(1_900);
    const seen = new Set<string>();
    await deliver(env.client, taskQueue, await subscriptionEvents(sub.id, seen));
    await renewalsRecorded(sub.id, 1);
    await advance(sub.id, { outcome: 'failed' }, seen);
    await advance(sub.id, { outcome: 'retry_failed' }, seen);
    const second = await eventually('the second attempt', async () => {
      const status = await statusOf(sub.id);
      return status.dunning?.attempt === 2 ? status : undefined;
    });
    expect(second.dunning?.nextAttemptAt).toBeDefined();
    await advance(sub.id, { outcome: 'retry_paid' }, seen);
    const recovered = await renewalsRecorded(sub.id, 2);
    expect(recovered.dunning).toBeUndefined();
    const notices = (await stack.mail.messages({ to: email })).filter((m) => m.subject.includes('did not go through'));
    expect(notices).toHaveLength(2);
    const invoice = await stack.stripe.invoices.retrieve(recovered.lastRenewal!.invoiceId);
    expect(invoice.attempt_count).toBe(3);
    expect(toMinor((await renewalOrderOf(invoice.id!)).grand_total, 'USD')).toBe(invoice.total);
    recorded.push({ name: 'subscription-dunning-recovered', workflowId: `subscription:${sub.id}` });
  });

  it('ends with the subscription when every retry fails: the Magento customer marked canceled, the merchant told, no order', async () => {
    const { sub, email } = await subscribe(1_900);
    await axios.post(
      `${stack.urls.magento}/rest/default/V1/customers`,
      { customer: { email, firstname: 'Grace', lastname: 'Hopper' } },
      { headers: { Authorization: `Bearer ${testSecrets.magentoToken}` } },
    );
    const seen = new Set<string>();
    await deliver(env.client, taskQueue, await subscriptionEvents(sub.id, seen));
    await renewalsRecorded(sub.id, 1);
    await advance(sub.id, { outcome: 'failed' }, seen);
    for (let attempt = 2; attempt <= 4; attempt++) await advance(sub.id, { outcome: 'retry_failed' }, seen);
    const outcome = (await handleOf(sub.id).result()) as { outcome: string; status: SubscriptionStatus };
    expect(outcome.outcome).toBe('canceled');
    expect(outcome.status.renewals).toBe(1);
    recorded.push({ name: 'subscription-retries-exhausted', workflowId: `subscription:${sub.id}` });
    const state = (
      await stack.clients.magento.searchCustomers([[{ field: 'email', value: email }]])
    ).items[0]?.custom_attributes?.find((a) => a.attribute_code === 'stripe_subscription')?.value;
    expect(state).toBe(`${sub.id} canceled: COFFEE-BOX × 1`);
    expect(
      (await stack.mail.messages({ to: merchantEmail })).some(
        (m) => m.subject === `Subscription ${sub.id} is canceled: every payment retry failed`,
      ),
    ).toBe(true);
  });

  it('with subscriptions.orderFor: all, makes a proration invoice after an upgrade (KWD, 15% coupon, 10% tax) into a Magento order equal to it to the fils', async () => {
    const coupon = await stack.stripe.coupons.create({ percent_off: 15, duration: 'forever' });
    const tax = await stack.stripe.taxRates.create({ display_name: 'VAT', percentage: 10, inclusive: false });
    const { sub } = await subscribe(7_350, 'kwd', { discounts: [{ coupon: coupon.id }], default_tax_rates: [tax.id] });
    const seen = new Set<string>();
    // The subscription's run reads its settings when it starts, with the first event.
    const settings = stack.clients.settings.subscriptions;
    settings.orderFor = 'all';
    let first: SubscriptionStatus;
    try {
      await deliver(env.client, taskQueue, await subscriptionEvents(sub.id, seen));
      first = await renewalsRecorded(sub.id, 1);
    } finally {
      settings.orderFor = 'renewals';
    }
    const firstInvoice = await stack.stripe.invoices.retrieve(first.lastRenewal!.invoiceId);
    expect(toMinor((await renewalOrderOf(firstInvoice.id!)).grand_total, 'KWD')).toBe(firstInvoice.total);

    const product = await stack.stripe.products.create({
      name: 'Coffee box, large',
      metadata: { sku: 'COFFEE-BOX-L' },
    });
    const bigger = await stack.stripe.prices.create({
      product: product.id,
      unit_amount: 12_990,
      currency: 'kwd',
      recurring: { interval: 'month' },
    });
    // Ten days into the month, on the subscription's own clock: the upgrade credits 20 unused days of the old price.
    await axios.post(`${stack.urls.stripe}/__sandbox/subscriptions/${sub.id}/advance`, {
      to: sub.items.data[0]!.current_period_start + 10 * 86_400,
    });
    await stack.stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]!.id, price: bigger.id }],
      proration_behavior: 'always_invoice',
    });
    await deliver(env.client, taskQueue, await subscriptionEvents(sub.id, seen));
    const upgraded = await renewalsRecorded(sub.id, 2);
    const invoice = await stack.stripe.invoices.retrieve(upgraded.lastRenewal!.invoiceId);
    expect(invoice.billing_reason).toBe('subscription_update');
    const lines = invoice.lines.data;
    expect(lines.some((l) => l.amount < 0)).toBe(true);
    expect(lines.some((l) => l.amount > 0)).toBe(true);
    const order = await renewalOrderOf(invoice.id!);
    expect(toMinor(order.grand_total, 'KWD')).toBe(invoice.total);
    expect(order.order_currency_code).toBe('KWD');
  });

  it('converts a trial: no order for the free period, then a renewal order once the trial ends and the card is charged', async () => {
    const { sub } = await subscribe(2_000, 'usd', { trial_period_days: 14 });
    expect(sub.status).toBe('trialing');
    const seen = new Set<string>();
    await deliver(env.client, taskQueue, await subscriptionEvents(sub.id, seen));
    const trial = await renewalsRecorded(sub.id, 1);
    expect(trial.lastRenewal).toMatchObject({ totalMinor: 0 });
    expect(trial.lastRenewal?.incrementId).toBeUndefined();
    await advance(sub.id, { outcome: 'paid', to: 'trial_end' }, seen);
    const converted = await renewalsRecorded(sub.id, 2);
    expect(converted.subscription?.status).toBe('active');
    const invoice = await stack.stripe.invoices.retrieve(converted.lastRenewal!.invoiceId);
    expect(invoice.total).toBe(2_000);
    expect(toMinor((await renewalOrderOf(invoice.id!)).grand_total, 'USD')).toBe(2_000);
    recorded.push({ name: 'subscription-trial-converted', workflowId: `subscription:${sub.id}` });
  });
});
