import axios from 'axios';
import type Stripe from 'stripe';
import { startStripeSandbox, waitFor, WebhookReceiver, type StripeHarness } from './stripeHarness';

interface DeliveryRow {
  eventId: string;
  type: string;
  attempts: number;
  lastStatus: number | null;
  delivered: boolean;
  duplicates: number;
}

describe('Stripe sandbox: signed webhook delivery', () => {
  const receiver = new WebhookReceiver();
  let h: StripeHarness;

  beforeAll(async () => {
    await receiver.start();
    h = await startStripeSandbox({ webhookUrl: receiver.url, retryBaseMs: 50 });
  });
  afterAll(async () => {
    await h.close();
    await receiver.stop();
  });
  beforeEach(async () => {
    await axios.post(`${h.baseUrl}/__sandbox/reset`);
    receiver.clear();
  });

  const deliveries = async (): Promise<DeliveryRow[]> =>
    (await axios.get<DeliveryRow[]>(`${h.baseUrl}/__sandbox/deliveries`)).data;
  const setDelivery = (settings: Record<string, unknown>) => axios.put(`${h.baseUrl}/__sandbox/delivery`, settings);
  const storedEventIds = async (): Promise<string[]> => {
    const ids: string[] = [];
    for await (const event of h.stripe.events.list({ limit: 100 })) ids.push(event.id);
    return ids;
  };

  it('delivers every event of a payment signed so that stripe.webhooks.constructEvent accepts it', async () => {
    const intent = await h.stripe.paymentIntents.create({
      amount: 1999,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { magento_order_id: '000000777' },
    });
    await waitFor(() => receiver.received.length >= 3, 5000, 'three webhooks');
    expect(receiver.rejected).toEqual([]);
    expect(receiver.types().sort()).toEqual(['charge.succeeded', 'payment_intent.created', 'payment_intent.succeeded']);
    const byType = (type: string) => receiver.received.find((r) => r.event.type === type)?.event as Stripe.Event;
    const succeeded = byType('payment_intent.succeeded');
    expect(succeeded.id).toMatch(/^evt_/);
    expect(succeeded.data.object).toMatchObject({
      id: intent.id,
      status: 'succeeded',
      metadata: { magento_order_id: '000000777' },
    });
    expect(succeeded.request?.id).toMatch(/^req_/);
    const created = byType('payment_intent.created').data.object as Stripe.PaymentIntent;
    expect(created.status).not.toBe('succeeded');
    const rows = await deliveries();
    expect(rows.map((r) => r.eventId).sort()).toEqual((await storedEventIds()).sort());
    expect(rows.every((r) => r.delivered && r.attempts === 1 && r.lastStatus === 200)).toBe(true);
  });

  it('retries with backoff after the endpoint answers 500, until it accepts', async () => {
    receiver.respond = (_event, attempt) => (attempt < 3 ? 500 : 200);
    const customer = await h.stripe.customers.create({ email: 'retry@example.com' });
    await waitFor(() => receiver.received.length === 1, 5000, 'the third attempt');
    const event = receiver.received[0]?.event as Stripe.Event;
    expect((event.data.object as Stripe.Customer).id).toBe(customer.id);
    expect(receiver.attemptsFor(event.id)).toBe(3);
    await waitFor(async () => (await deliveries())[0]?.delivered === true, 2000, 'delivery bookkeeping');
    expect(await deliveries()).toEqual([
      expect.objectContaining({ eventId: event.id, attempts: 3, lastStatus: 200, delivered: true }),
    ]);
  });

  it('sends each event twice when duplicateRate is 1', async () => {
    await setDelivery({ duplicateRate: 1 });
    await h.stripe.customers.create({ email: 'twice@example.com' });
    await h.stripe.customers.create({ email: 'twice-again@example.com' });
    await waitFor(() => receiver.received.length === 4, 5000, 'four deliveries');
    const ids = receiver.received.map((r) => r.event.id);
    expect(new Set(ids).size).toBe(2);
    expect((await deliveries()).every((r) => r.duplicates === 1)).toBe(true);
  });

  it('holds deliveries while paused and releases them all when unpaused', async () => {
    await setDelivery({ paused: true });
    for (let i = 0; i < 3; i += 1) await h.stripe.customers.create({ email: `held-${i}@example.com` });
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received).toHaveLength(0);
    expect((await deliveries()).every((r) => r.attempts === 0)).toBe(true);
    await setDelivery({ paused: false });
    await waitFor(() => receiver.received.length === 3, 5000, 'released deliveries');
    expect(new Set(receiver.received.map((r) => r.event.id))).toEqual(new Set(await storedEventIds()));
  });

  it('delivers every event, in some order, within the shuffle window', async () => {
    await setDelivery({ shuffleWindowMs: 300 });
    for (let i = 0; i < 6; i += 1) await h.stripe.customers.create({ email: `shuffled-${i}@example.com` });
    await waitFor(() => receiver.received.length === 6, 5000, 'shuffled deliveries');
    expect(new Set(receiver.received.map((r) => r.event.id))).toEqual(new Set(await storedEventIds()));
  });

  it('records events without delivering them when no webhook URL is configured', async () => {
    const quiet = await startStripeSandbox();
    try {
      await quiet.stripe.customers.create({ email: 'quiet@example.com' });
      const events = await quiet.stripe.events.list();
      expect(events.data.map((e) => e.type)).toEqual(['customer.created']);
      expect(events.data[0]?.pending_webhooks).toBe(0);
      expect((await axios.get(`${quiet.baseUrl}/__sandbox/deliveries`)).data).toEqual([]);
    } finally {
      await quiet.close();
    }
  });
});
