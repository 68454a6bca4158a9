import axios from 'axios';
import type Stripe from 'stripe';
import { startStripeSandbox, WebhookReceiver, waitFor, type StripeHarness } from './stripeHarness';

/** The invoice fields the sandbox keeps beside the current API's (older API versions had them at the top level). */
type SandboxInvoice = Stripe.Invoice & {
  payment_intent: string | null;
  charge: string | null;
  subscription: string;
  paid: boolean;
};

describe('Stripe sandbox: subscriptions and invoices', () => {
  const receiver = new WebhookReceiver();
  let h: StripeHarness;
  let stripe: Stripe;

  beforeAll(async () => {
    await receiver.start();
    h = await startStripeSandbox({ webhookUrl: receiver.url });
    stripe = h.stripe;
  });
  afterAll(async () => {
    await h.close();
    await receiver.stop();
  });

  const advance = async (id: string, outcome: 'paid' | 'failed') =>
    (await axios.post<Stripe.Subscription>(`${h.baseUrl}/__sandbox/subscriptions/${id}/advance`, { outcome })).data;
  const invoice = async (id: string | Stripe.Invoice | null) =>
    (await stripe.invoices.retrieve(id as string)) as unknown as SandboxInvoice;
  const eventsFor = async (subscriptionId: string, types: string[]) => {
    const events: Stripe.Event[] = [];
    for await (const event of stripe.events.list({ types, limit: 100 })) {
      const object = event.data.object as { id: string; subscription?: string };
      if (object.id === subscriptionId || object.subscription === subscriptionId) events.push(event);
    }
    return events.reverse();
  };

  it('bills a subscription from an inline price, renews it, goes past_due on a failed renewal, and cancels', async () => {
    const customer = await stripe.customers.create({ email: 'subscriber@example.com' });
    const product = await stripe.products.create({ name: 'Coffee club' });
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      default_payment_method: 'pm_card_visa',
      metadata: { plan: 'coffee' },
      items: [
        {
          price_data: { currency: 'usd', product: product.id, unit_amount: 1_500, recurring: { interval: 'month' } },
          quantity: 2,
        },
      ],
    });
    expect(subscription.id).toMatch(/^sub_/);
    expect(subscription.status).toBe('active');
    const item = subscription.items.data[0] as Stripe.SubscriptionItem;
    expect(item.price).toMatchObject({
      unit_amount: 1_500,
      currency: 'usd',
      product: product.id,
      recurring: { interval: 'month' },
    });
    const firstPeriodEnd = item.current_period_end;
    expect(new Date(firstPeriodEnd * 1000).getUTCMonth()).toBe(
      (new Date(item.current_period_start * 1000).getUTCMonth() + 1) % 12,
    );

    const first = await invoice(subscription.latest_invoice);
    expect(first).toMatchObject({
      status: 'paid',
      paid: true,
      amount_due: 3_000,
      amount_paid: 3_000,
      billing_reason: 'subscription_create',
      subscription: subscription.id,
    });
    expect(first.id).toMatch(/^in_/);
    expect((await stripe.paymentIntents.retrieve(first.payment_intent as string)).status).toBe('succeeded');
    expect((await stripe.charges.retrieve(first.charge as string)).amount).toBe(3_000);

    const renewed = await advance(subscription.id, 'paid');
    expect(renewed.status).toBe('active');
    expect(renewed.items.data[0]?.current_period_start).toBe(firstPeriodEnd);
    const second = await invoice(renewed.latest_invoice);
    expect(second).toMatchObject({
      status: 'paid',
      billing_reason: 'subscription_cycle',
      period_start: firstPeriodEnd,
    });

    const lapsed = await advance(subscription.id, 'failed');
    expect(lapsed.status).toBe('past_due');
    const third = await invoice(lapsed.latest_invoice);
    expect(third).toMatchObject({ status: 'open', paid: false, attempted: true, amount_remaining: 3_000 });

    const canceled = await stripe.subscriptions.cancel(subscription.id);
    expect(canceled).toMatchObject({ status: 'canceled' });
    expect(canceled.canceled_at).not.toBeNull();

    const events = await eventsFor(subscription.id, [
      'customer.subscription.created',
      'customer.subscription.updated',
      'customer.subscription.deleted',
      'invoice.paid',
      'invoice.payment_failed',
    ]);
    expect(events.map((e) => e.type)).toEqual([
      'customer.subscription.created',
      'invoice.paid',
      'customer.subscription.updated',
      'invoice.paid',
      'customer.subscription.updated',
      'invoice.payment_failed',
      'customer.subscription.updated',
      'customer.subscription.deleted',
    ]);
    const pastDue = events[6] as Stripe.Event;
    expect(pastDue.data.object).toMatchObject({ status: 'past_due' });
    expect(pastDue.data.previous_attributes).toMatchObject({ status: 'active', latest_invoice: second.id });
    expect(pastDue.data.previous_attributes).toHaveProperty('items');
    const renewal = events[4] as Stripe.Event;
    expect(
      (renewal.data.previous_attributes as { items: Stripe.ApiList<Stripe.SubscriptionItem> }).items.data[0]
        ?.current_period_end,
    ).toBe(firstPeriodEnd);

    await waitFor(() => receiver.types().includes('customer.subscription.deleted'), 5000, 'the deletion webhook');
    expect(receiver.rejected).toEqual([]);
  });

  it('uses a pre-created price and leaves the subscription incomplete when the first payment is declined', async () => {
    const customer = await stripe.customers.create({ email: 'declined-subscriber@example.com' });
    const price = await stripe.prices.create({
      currency: 'jpy',
      unit_amount: 980,
      recurring: { interval: 'month' },
      product_data: { name: 'Manga monthly' },
    });
    expect(price.id).toMatch(/^price_/);
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      default_payment_method: 'pm_card_chargeDeclined',
    });
    expect(subscription.status).toBe('incomplete');
    const first = await invoice(subscription.latest_invoice);
    expect(first).toMatchObject({ status: 'open', amount_due: 980, currency: 'jpy' });
    const failed = await eventsFor(subscription.id, ['invoice.payment_failed']);
    expect(failed).toHaveLength(1);
    const retried = (await stripe.invoices.pay(first.id, {
      payment_method: 'pm_card_visa',
    })) as unknown as SandboxInvoice;
    expect(retried.status).toBe('paid');
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
  });

  it('refuses a subscription for a customer that does not exist', async () => {
    await expect(
      stripe.subscriptions.create({ customer: 'cus_missing', items: [{ price: 'price_missing' }] }),
    ).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing', message: "No such customer: 'cus_missing'" });
  });
});
