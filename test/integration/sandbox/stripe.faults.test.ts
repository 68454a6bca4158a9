import axios from 'axios';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { startStripeSandbox, type StripeHarness } from './stripeHarness';

describe('Stripe sandbox: faults and persistence', () => {
  let h: StripeHarness;

  beforeAll(async () => {
    h = await startStripeSandbox({}, { maxNetworkRetries: 0 });
  });
  afterAll(() => h.close());
  afterEach(() => axios.post(`${h.baseUrl}/__sandbox/reset`));

  it('answers 429 in Stripe shape when rate429 is 1, which the client raises as StripeRateLimitError', async () => {
    await axios.put(`${h.baseUrl}/__sandbox/faults`, { rate429: 1 });
    const error = await h.stripe.customers.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(error).toMatchObject({ statusCode: 429, code: 'rate_limit' });
    expect((error as Error).message).toMatch(/^Too many requests/);
  });

  it('answers an outage with 503 api_error, raised as StripeAPIError', async () => {
    await axios.put(`${h.baseUrl}/__sandbox/faults`, { outage: true });
    await expect(h.stripe.customers.create({ email: 'down@example.com' })).rejects.toBeInstanceOf(
      Stripe.errors.StripeAPIError,
    );
  });

  it('records requests without credentials for GET /__sandbox/requests', async () => {
    await h.stripe.customers.create({ email: 'logged@example.com' });
    const log = (await axios.get(`${h.baseUrl}/__sandbox/requests`)).data as Array<{
      method: string;
      path: string;
      status: number;
      body: unknown;
    }>;
    expect(log).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/v1/customers',
        status: 200,
        body: { email: 'logged@example.com' },
      }),
    ]);
    expect(JSON.stringify(log)).not.toContain('sk_test_');
  });

  it('keeps its state across a restart when given a data file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stripe-sandbox-'));
    const dataFile = join(dir, 'stripe.json');
    try {
      const first = await startStripeSandbox({ dataFile });
      const customer = await first.stripe.customers.create({ email: 'durable@example.com' });
      const intent = await first.stripe.paymentIntents.create({
        amount: 900,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        confirm: true,
      });
      await first.close();
      const second = await startStripeSandbox({ dataFile });
      try {
        expect((await second.stripe.customers.retrieve(customer.id)).id).toBe(customer.id);
        expect((await second.stripe.paymentIntents.retrieve(intent.id)).status).toBe('succeeded');
        expect((await second.stripe.refunds.create({ payment_intent: intent.id })).amount).toBe(900);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
