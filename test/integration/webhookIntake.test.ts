import axios, { type AxiosResponse } from 'axios';
import Stripe from 'stripe';
import { WorkflowNotFoundError } from '@temporalio/client';
import pino from 'pino';
import { createApp } from '../../api/app';
import { startDevStack, type DevStack } from '../harness/devStack';
import { testSecrets } from '../harness/productStack';

let counter = 0;
function event(type = 'payment_intent.succeeded', overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return { id: `evt_intake${Date.now()}x${counter}`, object: 'event', type, created: Math.floor(Date.now() / 1000), livemode: false, api_version: '2024-06-20',
    data: { object: { id: `pi_intake${counter}`, object: 'payment_intent', amount: 1000, currency: 'usd', metadata: { magento_order_id: `NOPE-${counter}` } } }, ...overrides };
}

function sign(body: string, options: { secret?: string; timestamp?: number } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({ payload: body, secret: options.secret ?? testSecrets.stripeWebhookSecret, timestamp: options.timestamp });
}

describe('Stripe webhook intake', () => {
  let dev: DevStack;
  const post = (body: string | Buffer, headers: Record<string, string>): Promise<AxiosResponse> =>
    // Raw bytes: axios would re-encode a string that is not JSON, and the signature covers the exact bytes.
    axios.post(`${dev.apiUrl}/webhooks/stripe`, Buffer.from(body), { headers: { 'content-type': 'application/json', ...headers }, validateStatus: () => true, maxBodyLength: Infinity });
  const exists = async (eventId: string) => dev.client.workflow.getHandle(`stripe:${eventId}`).describe().then(() => true, (err) => {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  });

  beforeAll(async () => {
    dev = await startDevStack();
  });
  afterAll(async () => {
    await dev?.close();
  });

  it('starts exactly one workflow for an event posted five times, three of them at once', async () => {
    const e = event();
    const body = JSON.stringify(e);
    const headers = { 'stripe-signature': sign(body) };
    const concurrent = await Promise.all([post(body, headers), post(body, headers), post(body, headers)]);
    const sequential = [await post(body, headers), await post(body, headers)];
    const answers = [...concurrent, ...sequential];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.filter((r) => r.data.duplicate === true)).toHaveLength(4);
    expect(answers.filter((r) => r.data.duplicate === false)).toHaveLength(1);
    const runs: string[] = [];
    for await (const wf of dev.client.workflow.list({ query: `WorkflowId = 'stripe:${e.id}'` })) runs.push(wf.runId);
    expect(runs).toHaveLength(1);
  });

  it.each([
    ['a tampered body', (e: Record<string, unknown>) => {
      const body = JSON.stringify(e);
      return { body: body.replace('"amount":1000', '"amount":1'), headers: { 'stripe-signature': sign(body) } };
    }, 400, /signature/],
    ['a wrong secret', (e: Record<string, unknown>) => {
      const body = JSON.stringify(e);
      return { body, headers: { 'stripe-signature': sign(body, { secret: 'whsec_somebody_else' }) } };
    }, 400, /signature/],
    ['a timestamp ten minutes old', (e: Record<string, unknown>) => {
      const body = JSON.stringify(e);
      return { body, headers: { 'stripe-signature': sign(body, { timestamp: Math.floor(Date.now() / 1000) - 600 }) } };
    }, 400, /tolerance/],
    ['no Stripe-Signature header', (e: Record<string, unknown>) => ({ body: JSON.stringify(e), headers: {} as Record<string, string> }), 400, /missing Stripe-Signature/],
    ['a signed body that is not JSON', (e: Record<string, unknown>) => {
      const body = `{"id":"${String(e.id)}", not json`;
      return { body, headers: { 'stripe-signature': sign(body) } };
    }, 400, /malformed JSON/],
    ['a 2 MB body', (e: Record<string, unknown>) => {
      const body = JSON.stringify({ ...e, padding: 'x'.repeat(2 * 1024 * 1024) });
      return { body, headers: { 'stripe-signature': sign(body) } };
    }, 413, /1 MB/],
  ])('refuses %s with a clear answer and starts nothing', async (_name, build, status, message) => {
    const e = event();
    const { body, headers } = build(e);
    const res = await post(body, headers);
    expect(res.status).toBe(status);
    expect(res.data.error).toMatch(message);
    expect(await exists(String(e.id))).toBe(false);
  });

  it('acknowledges an event of a type nothing handles without starting anything, and counts it', async () => {
    const e = event('customer.tax_id.created');
    const body = JSON.stringify(e);
    const res = await post(body, { 'stripe-signature': sign(body) });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ received: true, ignored: true });
    expect(await exists(String(e.id))).toBe(false);
    const metrics = await axios.get(`${dev.apiUrl}/metrics`);
    expect(metrics.data).toMatch(/o2c_webhook_ignored_total\{type="customer.tax_id.created"\} 1/);
    expect(metrics.data).toMatch(/o2c_intake_duplicates_total\{type="payment_intent.succeeded"\} 4/);
  });

  it('accepts events signed with either secret while the secret is being rolled', async () => {
    const app = createApp({ temporal: dev.client, taskQueue: dev.taskQueue, stripeWebhookSecrets: ['whsec_old', testSecrets.stripeWebhookSecret], log: pino({ level: 'silent' }) });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/webhooks/stripe`;
    try {
      for (const secret of ['whsec_old', testSecrets.stripeWebhookSecret]) {
        const body = JSON.stringify(event('customer.tax_id.created'));
        const res = await axios.post(url, body, { headers: { 'stripe-signature': sign(body, { secret }), 'content-type': 'application/json' } });
        expect(res.data).toEqual({ received: true, ignored: true });
      }
    } finally {
      server.close();
    }
  });
});
