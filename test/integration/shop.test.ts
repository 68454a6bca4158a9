import axios from 'axios';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { MagentoClient } from '../../integrations/magento/client';
import { createStripeClient } from '../../integrations/stripe/client';
import type { MagentoOrder } from '../../domain/magento';
import { toMinor } from '../../domain/money';
import { createMagentoSandbox } from '../../sandbox/magento';
import { createStripeSandbox } from '../../sandbox/stripe';
import { placeOrders, type ShopOptions, type ShopSummary } from '../../scripts/shop/placeOrders';
import { startPeer, type RunningPeer } from '../harness/peers';

const magentoToken = 'shop-test-magento-token';
const stripeKey = 'sk_test_sandbox_shop_test';
const webhookSecret = 'whsec_shop_test_secret';

/** The merchant's webhook endpoint: accepts only deliveries `stripe.webhooks.constructEvent` verifies. */
class WebhookReceiver {
  readonly events: Stripe.Event[] = [];
  readonly rejected: string[] = [];
  url = '';
  private server?: Server;

  async start(): Promise<void> {
    const app = express();
    app.post('/webhooks/stripe', express.raw({ type: '*/*' }), (req, res) => {
      try {
        this.events.push(
          Stripe.webhooks.constructEvent(req.body as Buffer, req.get('stripe-signature') ?? '', webhookSecret),
        );
        res.json({ received: true });
      } catch (err) {
        this.rejected.push(err instanceof Error ? err.message : String(err));
        res.status(400).send('bad signature');
      }
    });
    const server = app.listen(0, '127.0.0.1');
    this.server = server;
    await new Promise((resolve) => server.once('listening', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
  }

  intentIdsOf(type: string): Set<string> {
    return new Set(this.events.filter((e) => e.type === type).map((e) => (e.data.object as Stripe.PaymentIntent).id));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('npm run shop: storefront traffic through sandbox Magento and Stripe', () => {
  const receiver = new WebhookReceiver();
  const options: ShopOptions = {
    orders: 20,
    declineRate: 0.2,
    fraudRate: 0.1,
    currency: 'mix',
    concurrency: 4,
    seed: 20240611,
  };
  let stripeSandbox: ReturnType<typeof createStripeSandbox>;
  let magento: RunningPeer;
  let stripePeer: RunningPeer;
  let clients: { magento: MagentoClient; stripe: Stripe };
  let summary: ShopSummary;
  let ordersByIncrementId: Map<string, MagentoOrder>;

  const outcomes = (result: 'paid' | 'declined') => summary.outcomes.filter((o) => o.result === result);

  beforeAll(async () => {
    await receiver.start();
    magento = await startPeer(createMagentoSandbox({ token: magentoToken }));
    stripeSandbox = createStripeSandbox({
      secretKey: stripeKey,
      webhookSecret,
      webhookUrl: receiver.url,
      retryBaseMs: 50,
    });
    stripePeer = await startPeer(stripeSandbox);
    clients = {
      magento: new MagentoClient({
        baseUrl: `${magento.url}/rest/default`,
        auth: { kind: 'token', token: magentoToken },
      }),
      stripe: createStripeClient({ secretKey: stripeKey, apiBase: stripePeer.url }),
    };
    summary = await placeOrders(options, clients);
    const orders = (await clients.magento.searchOrders([], { pageSize: 100 })).items;
    ordersByIncrementId = new Map(orders.map((o) => [o.increment_id, o]));
  });

  afterAll(async () => {
    stripeSandbox?.stop();
    await stripePeer?.close();
    await magento?.close();
    await receiver.stop();
  });

  it('places all 20 orders in Magento, each paid or declined, none failing unexpectedly', async () => {
    expect(summary.errors).toEqual([]);
    expect(summary).toMatchObject({ requested: 20, placed: 20, failed: 0 });
    expect(summary.paid + summary.declined).toBe(20);
    expect((await clients.magento.searchOrders([], { pageSize: 1 })).total_count).toBe(20);
    expect(new Set(ordersByIncrementId.keys())).toEqual(new Set(summary.outcomes.map((o) => o.incrementId)));
  });

  it('places orders whose totals add up, in several currencies', () => {
    for (const order of ordersByIncrementId.values()) {
      const currency = order.order_currency_code;
      const minor = (amount: number | undefined) => toMinor(amount ?? 0, currency);
      const rows = order.items.reduce((sum, item) => sum + minor(item.row_total), 0);
      expect(minor(order.subtotal)).toBe(rows);
      expect(minor(order.grand_total)).toBe(
        minor(order.subtotal) + minor(order.shipping_amount) + minor(order.tax_amount),
      );
      expect(order.items.every((item) => /^[A-Z0-9-]+$/.test(item.sku) && item.qty_ordered >= 1)).toBe(true);
      expect(order.billing_address?.country_id).toMatch(/^[A-Z]{2}$/);
    }
    expect(Object.keys(summary.perCurrency).length).toBeGreaterThanOrEqual(3);
  });

  it('pays each order with a PaymentIntent carrying its increment id and its grand total in minor units', async () => {
    expect(summary.paid).toBeGreaterThan(0);
    for (const outcome of outcomes('paid')) {
      const order = ordersByIncrementId.get(outcome.incrementId ?? '') as MagentoOrder;
      const intent = await clients.stripe.paymentIntents.retrieve(outcome.paymentIntentId ?? '');
      expect(intent.status).toBe('succeeded');
      expect(intent.metadata.magento_order_id).toBe(order.increment_id);
      expect(intent.amount).toBe(toMinor(order.grand_total, order.order_currency_code));
      expect(intent.currency).toBe(order.order_currency_code.toLowerCase());
      // A guest checkout: no Stripe customer; the product makes the guest's once the order is paid.
      expect(intent.customer).toBeNull();
    }
  });

  it('declines as many payments in Stripe as the summary reports, and flags the elevated-risk cards', async () => {
    expect(summary.declined).toBeGreaterThan(0);
    const stored: Stripe.PaymentIntent[] = [];
    for await (const intent of clients.stripe.paymentIntents.list({ limit: 100 })) stored.push(intent);
    const declined = stored.filter(
      (pi) => pi.status === 'requires_payment_method' && pi.last_payment_error?.code === 'card_declined',
    );
    expect(declined).toHaveLength(summary.declined);
    expect(new Set(declined.map((pi) => pi.id))).toEqual(new Set(outcomes('declined').map((o) => o.paymentIntentId)));
    const elevated = summary.outcomes.filter((o) => o.paymentMethod === 'pm_card_riskLevelElevated');
    expect(elevated.length).toBeGreaterThan(0);
    expect(summary.flaggedElevated).toBe(elevated.length);
    expect(elevated.every((o) => o.result === 'paid' && o.riskLevel === 'elevated')).toBe(true);
  });

  it('makes no Stripe customers itself: the product makes the guests’ (it is a guest checkout)', async () => {
    const customers: Stripe.Customer[] = [];
    for await (const customer of clients.stripe.customers.list({ limit: 100 })) customers.push(customer);
    expect(customers).toEqual([]);
  });

  it('leads Stripe to send a verified payment_intent.succeeded for each paid order and payment_failed for each decline', async () => {
    const paid = outcomes('paid').map((o) => o.paymentIntentId as string);
    const declined = outcomes('declined').map((o) => o.paymentIntentId as string);
    await waitFor(
      () => {
        const succeeded = receiver.intentIdsOf('payment_intent.succeeded');
        const failed = receiver.intentIdsOf('payment_intent.payment_failed');
        return paid.every((id) => succeeded.has(id)) && declined.every((id) => failed.has(id));
      },
      10_000,
      'payment_intent webhooks for every order',
    );
    expect(receiver.rejected).toEqual([]);
    expect(receiver.intentIdsOf('payment_intent.succeeded')).toEqual(new Set(paid));
    expect(receiver.intentIdsOf('payment_intent.payment_failed')).toEqual(new Set(declined));
  });

  it('places the same orders for the same seed, whatever the concurrency', async () => {
    await axios.post(`${magento.url}/__sandbox/reset`);
    await axios.post(`${stripePeer.url}/__sandbox/reset`);
    const again = await placeOrders({ ...options, concurrency: 1 }, clients);
    const shape = (s: ShopSummary) => s.outcomes.map((o) => [o.currency, o.grandTotalMinor, o.paymentMethod, o.result]);
    expect(shape(again)).toEqual(shape(summary));
    expect(again.perCurrency).toEqual(summary.perCurrency);
  });
});
