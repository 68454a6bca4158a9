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
  return {
    id: `evt_intake${Date.now()}x${counter}`,
    object: 'event',
    type,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    api_version: '2024-06-20',
    data: {
      object: {
        id: `pi_intake${counter}`,
        object: 'payment_intent',
        amount: 1000,
        currency: 'usd',
        metadata: { magento_order_id: `NOPE-${counter}` },
      },
    },
    ...overrides,
  };
}

function sign(body: string, options: { secret?: string; timestamp?: number } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret: options.secret ?? testSecrets.stripeWebhookSecret,
    timestamp: options.timestamp,
  });
}

describe('Stripe webhook intake', () => {
  let dev: DevStack;
  const post = (body: string | Buffer, headers: Record<string, string>): Promise<AxiosResponse> =>
    // Raw bytes: axios would re-encode a string that is not JSON, and the signature covers the exact bytes.
    axios.post(`${dev.apiUrl}/webhooks/stripe`, Buffer.from(body), {
      headers: { 'content-type': 'application/json', ...headers },
      validateStatus: () => true,
      maxBodyLength: Infinity,
    });
  const exists = async (eventId: string) =>
    dev.client.workflow
      .getHandle(`stripe:${eventId}`)
      .describe()
      .then(
        () => true,
        (err) => {
          if (err instanceof WorkflowNotFoundError) return false;
          throw err;
        },
      );

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
    [
      'a tampered body',
      (e: Record<string, unknown>) => {
        const body = JSON.stringify(e);
        return { body: body.replace('"amount":1000', '"amount":1'), headers: { 'stripe-signature': sign(body) } };
      },
      400,
      /signature/,
    ],
    [
      'a wrong secret',
      (e: Record<string, unknown>) => {
        const body = JSON.stringify(e);
        return { body, headers: { 'stripe-signature': sign(body, { secret: 'whsec_somebody_else' }) } };
      },
      400,
      /signature/,
    ],
    [
      'a timestamp ten minutes old',
      (e: Record<string, unknown>) => {
        const body = JSON.stringify(e);
        return {
          body,
          headers: { 'stripe-signature': sign(body, { timestamp: Math.floor(Date.now() / 1000) - 600 }) },
        };
      },
      400,
      /tolerance/,
    ],
    [
      'no Stripe-Signature header',
      (e: Record<string, unknown>) => ({ body: JSON.stringify(e), headers: {} as Record<string, string> }),
      400,
      /missing Stripe-Signature/,
    ],
    [
      'a signed body that is not JSON',
      (e: Record<string, unknown>) => {
        const body = `{"id":"${String(e.id)}", not json`;
        return { body, headers: { 'stripe-signature': sign(body) } };
      },
      400,
      /malformed JSON/,
    ],
    [
      'a 2 MB body',
      (e: Record<string, unknown>) => {
        const body = JSON.stringify({ ...e, padding: 'x'.repeat(2 * 1024 * 1024) });
        return { body, headers: { 'stripe-signature': sign(body) } };
      },
      413,
      /1 MB/,
    ],
  ])('refuses %s with a clear answer and starts nothing', async (_name, build, status, message) => {
    const e = event();
    const { body, headers } = build(e);
    const res = await post(body, headers);
    expect(res.status).toBe(status);
    expect(res.data.error).toMatch(message);
    expect(await exists(String(e.id))).toBe(false);
  });

  it('acknowledges an event of a type nothing handles without starting anything, and counts it as other', async () => {
    const e = event('customer.tax_id.created');
    const body = JSON.stringify(e);
    const res = await post(body, { 'stripe-signature': sign(body) });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ received: true, ignored: true });
    expect(await exists(String(e.id))).toBe(false);
    const metrics = await axios.get(`${dev.apiUrl}/metrics`);
    expect(metrics.data).toMatch(/o2c_webhook_ignored_total\{type="other"\} 1/);
    expect(metrics.data).toMatch(/o2c_intake_duplicates_total\{type="payment_intent.succeeded"\} 4/);
  });

  it('starts the intake run with the event’s type, object and SyncState as search attributes, so the run need not write them', async () => {
    const e = event();
    const body = JSON.stringify(e);
    const res = await post(body, { 'stripe-signature': sign(body) });
    expect(res.data).toMatchObject({ received: true, duplicate: false });
    const found: string[] = [];
    const objectId = (e.data as { object: { id: string } }).object.id;
    for await (const wf of dev.client.workflow.list({
      query: `StripeEventType = 'payment_intent.succeeded' AND StripeObjectId = '${objectId}'`,
    }))
      found.push(wf.workflowId);
    expect(found).toEqual([`stripe:${String(e.id)}`]);
  });

  it.each([
    [
      'a charge.succeeded of a PaymentIntent (its payment_intent.succeeded carries the payment)',
      () =>
        event('charge.succeeded', {
          data: {
            object: {
              id: `ch_intake${counter}`,
              object: 'charge',
              payment_intent: `pi_intake${counter}`,
              amount: 1000,
              currency: 'usd',
              metadata: { magento_order_id: 'NOPE-1' },
            },
          },
        }),
      /PaymentIntent pi_intake\d+/,
    ],
    [
      'the customer.created of a guest’s customer the product made itself',
      () =>
        event('customer.created', {
          data: {
            object: {
              id: `cus_intake${counter}`,
              object: 'customer',
              email: 'guest@example.com',
              metadata: { o2c_guest: 'true' },
            },
          },
        }),
      /guest/,
    ],
  ])('acknowledges %s as redundant, starts nothing, and counts it', async (_name, build, reason) => {
    const e = build();
    const body = JSON.stringify(e);
    const res = await post(body, { 'stripe-signature': sign(body) });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ received: true, ignored: true, reason: expect.stringMatching(reason) });
    expect(await exists(String(e.id))).toBe(false);
    const metrics = await axios.get(`${dev.apiUrl}/metrics`);
    expect(metrics.data).toMatch(
      new RegExp(`o2c_webhook_requests_total\\{source="stripe",outcome="redundant"\\} [1-9]`),
    );
  });

  it('still takes a charge.succeeded made without a PaymentIntent, and a customer.created of anyone else', async () => {
    for (const e of [
      event('charge.succeeded', {
        data: {
          object: {
            id: `ch_legacy${counter}`,
            object: 'charge',
            amount: 1000,
            currency: 'usd',
            metadata: { magento_order_id: 'NOPE-2' },
          },
        },
      }),
      event('customer.created', {
        data: {
          object: { id: `cus_someone${counter}`, object: 'customer', email: 'someone@example.com', metadata: {} },
        },
      }),
    ]) {
      const body = JSON.stringify(e);
      const res = await post(body, { 'stripe-signature': sign(body) });
      expect(res.data).toMatchObject({ received: true, duplicate: false });
      expect(await exists(String(e.id))).toBe(true);
    }
  });

  it('accepts events signed with either secret while the secret is being rolled', async () => {
    const app = createApp({
      temporal: dev.client,
      taskQueue: dev.taskQueue,
      stripeWebhookSecrets: ['whsec_old', testSecrets.stripeWebhookSecret],
      log: pino({ level: 'silent' }),
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/webhooks/stripe`;
    try {
      for (const secret of ['whsec_old', testSecrets.stripeWebhookSecret]) {
        const body = JSON.stringify(event('customer.tax_id.created'));
        const res = await axios.post(url, body, {
          headers: { 'stripe-signature': sign(body, { secret }), 'content-type': 'application/json' },
        });
        expect(res.data).toEqual({ received: true, ignored: true });
      }
    } finally {
      server.close();
    }
  });
});
