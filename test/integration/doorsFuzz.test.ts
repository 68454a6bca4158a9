import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import fc from 'fast-check';
import pino from 'pino';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import type { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { operatorSessionWorkflowType } from '../../messages/operatorSession';
import { startProductStack, testSecrets, type ProductStack } from '../harness/productStack';
import { sendRaw } from '../harness/rawHttp';
import { connectDevServer, uniqueTaskQueue } from '../harness/temporal';

jest.setTimeout(300_000);

const eventTypes = [
  'payment_intent.succeeded',
  'charge.refunded',
  'charge.dispute.created',
  'payout.paid',
  'customer.created',
  'invoice.paid',
  'unknown.kind',
];

/** A plausible Stripe event, then bent: any JSON where the event's parts should be. */
const stripeEvent = fc.record(
  {
    id: fc.oneof(fc.string(), fc.constant('evt_fuzz'), fc.integer()),
    object: fc.constantFrom('event', 'charge', ''),
    type: fc.oneof(fc.constantFrom(...eventTypes), fc.string()),
    created: fc.oneof(fc.integer(), fc.string()),
    data: fc.oneof(
      fc.record({
        object: fc.oneof(
          fc.jsonValue(),
          fc.record({ id: fc.string(), metadata: fc.dictionary(fc.string(), fc.string()) }),
        ),
      }),
      fc.jsonValue(),
    ),
  },
  { requiredKeys: [] },
);

/** What a body can be besides JSON: bytes that are not UTF-8, a huge one, an empty one. */
const oddBody = fc.oneof(
  stripeEvent.map((e) => Buffer.from(JSON.stringify(e))),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
  fc.string({ unit: 'binary', maxLength: 256 }).map((s) => Buffer.from(s, 'latin1')),
  fc.constant(Buffer.alloc(0)),
  fc.integer({ min: 1_000_000, max: 1_200_000 }).map((n) => Buffer.alloc(n, 0x7b)),
);

const headerValue = fc.oneof(
  fc.string({ maxLength: 200 }).filter((s) => /^[\t\x20-\x7e]*$/.test(s)),
  fc.constantFrom('', 't=1,v1=00', 'v1,abc'),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
);

const unlimited = { perClient: 1_000_000, allClients: 1_000_000, windowMs: 60_000 };

describe('the doors under fuzz: no 5xx, no crash, nothing started by anything unsigned', () => {
  let client: Client;
  let connection: Connection;
  let server: Server;
  let url: string;
  let stack: ProductStack;
  const taskQueue = uniqueTaskQueue('doors-fuzz');

  beforeAll(async () => {
    ({ client, connection } = await connectDevServer());
    // The systems the order pages read, as configured under npm start (without them a page answers 503: cannot tell).
    stack = await startProductStack({ temporal: client, taskQueue });
    const { magento, erp, wms, stripe } = stack.clients;
    const app = createApp({
      temporal: client,
      taskQueue,
      stripeWebhookSecrets: [testSecrets.stripeWebhookSecret],
      wmsWebhookSecret: testSecrets.wmsWebhookSecret,
      adminToken: testSecrets.adminToken,
      orderPage: { systems: { magento, erp, wms, stripe }, webUiUrl: 'http://127.0.0.1:8233' },
      log: pino({ level: 'silent' }),
      // The fuzz is about what the doors parse, not how many wrong tokens they take (test/integration/operatorSessions.test.ts).
      attemptLimits: { login: unlimited, token: unlimited },
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    server?.close();
    await stack?.close();
    await connection?.close();
  });

  async function startedOnQueue(): Promise<number> {
    let n = 0;
    // An operator page session is a run too (the fuzz may log in with the right token): not something a door started.
    const query = `TaskQueue = '${taskQueue}' AND WorkflowType != '${operatorSessionWorkflowType}'`;
    for await (const _ of client.workflow.list({ query })) n += 1;
    return n;
  }

  async function stillServing(): Promise<void> {
    expect((await sendRaw(url, 'GET', '/healthz', {}, Buffer.alloc(0))).status).toBe(200);
  }

  it('POST /webhooks/stripe: mutated signatures, headers, bodies, encodings and sizes never get a 5xx or start a run', async () => {
    const signedThenBent = fc.record({
      body: oddBody,
      signature: fc.oneof(
        headerValue,
        // A real signature, for other bytes, another secret, or an old timestamp.
        oddBody.map((b) =>
          Stripe.webhooks.generateTestHeaderString({
            payload: b.toString('utf8') + ' ',
            secret: testSecrets.stripeWebhookSecret,
          }),
        ),
        oddBody.map((b) =>
          Stripe.webhooks.generateTestHeaderString({ payload: b.toString('utf8'), secret: 'whsec_not_ours' }),
        ),
        fc.constant(undefined),
      ),
      contentType,
    });
    await fc.assert(
      fc.asyncProperty(signedThenBent, async ({ body, signature, contentType: type }) => {
        const headers: Record<string, string> = {
          ...(type ? { 'content-type': type } : {}),
          ...(signature !== undefined ? { 'stripe-signature': signature } : {}),
        };
        const answer = await sendRaw(url, 'POST', '/webhooks/stripe', headers, body);
        expect(answer.status).toBeLessThan(500);
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(() => JSON.parse(answer.body)).not.toThrow();
      }),
      { numRuns: 1_500 },
    );
    await stillServing();
    expect(await startedOnQueue()).toBe(0);
  });

  it('POST /webhooks/stripe: anything signed with our secret but not a handled event gets a 4xx or is ignored, never a 5xx', async () => {
    const signedJunk = fc
      .oneof(
        stripeEvent.filter(
          (e) =>
            typeof e.type !== 'string' ||
            ![
              'payment_intent.succeeded',
              'charge.refunded',
              'charge.dispute.created',
              'payout.paid',
              'customer.created',
              'invoice.paid',
            ].includes(e.type),
        ),
        fc.jsonValue(),
      )
      .map((v) => JSON.stringify(v) ?? 'null');
    await fc.assert(
      fc.asyncProperty(signedJunk, async (body) => {
        const signature = Stripe.webhooks.generateTestHeaderString({
          payload: body,
          secret: testSecrets.stripeWebhookSecret,
        });
        const answer = await sendRaw(
          url,
          'POST',
          '/webhooks/stripe',
          { 'content-type': 'application/json', 'stripe-signature': signature },
          Buffer.from(body),
        );
        expect(answer.status).toBeLessThan(500);
        if (answer.status === 200) expect(JSON.parse(answer.body)).toMatchObject({ ignored: true });
      }),
      { numRuns: 1_000 },
    );
    await stillServing();
    expect(await startedOnQueue()).toBe(0);
  });

  it('POST /webhooks/wms: mutated Standard Webhooks headers and bodies never get a 5xx or start a run', async () => {
    const signer = new Webhook(testSecrets.wmsWebhookSecret);
    const request = fc.record({
      body: oddBody,
      id: fc.oneof(headerValue, fc.constant('msg_1')),
      timestamp: fc.oneof(
        headerValue,
        fc.integer({ min: 0, max: 4_000_000_000 }).map(String),
        fc.constant(String(Math.floor(Date.now() / 1000))),
      ),
      signature: fc.oneof(
        headerValue,
        fc.constant('v1,AAAA'),
        oddBody.map((b) => signer.sign('msg_1', new Date(), b.toString('utf8') + 'x')),
      ),
      contentType,
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ body, id, timestamp, signature, contentType: type }) => {
        const headers = {
          ...(type ? { 'content-type': type } : {}),
          'webhook-id': id,
          'webhook-timestamp': timestamp,
          'webhook-signature': signature,
        };
        const answer = await sendRaw(url, 'POST', '/webhooks/wms', headers, body);
        expect(answer.status).toBeLessThan(500);
        expect(answer.status).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: 1_500 },
    );
    await stillServing();
    expect(await startedOnQueue()).toBe(0);
  });

  it('the operator page: random paths, cookies, origins and form bodies never get a 5xx, and without a session nothing but the login form', async () => {
    const paths = [
      '/ops/',
      '/ops/login',
      '/ops/logout',
      '/ops/fraud-holds',
      '/ops/fraud-holds/ORDER-1/decision',
      '/ops/review-queue',
      '/ops/review-queue/order:1/retry',
      '/ops/runs',
      '/ops/orders',
      '/ops/orders/ORDER-1',
      '/ops/payouts',
      '/ops/payouts/po_1',
      '/ops/payouts/po_1/reconciliation.csv',
    ];
    const form = fc
      .dictionary(
        fc.constantFrom('token', 'csrf', 'decision', 'note', 'reviewer', 'next'),
        fc.oneof(fc.string({ maxLength: 60 }), fc.constant(testSecrets.adminToken)),
      )
      .map((fields) => Buffer.from(new URLSearchParams(fields).toString()));
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST'),
      path: fc.oneof(
        fc.constantFrom(...paths),
        fc
          .tuple(fc.constantFrom(...paths), fc.string({ maxLength: 30 }))
          .map(([p, x]) => `${p}?q=${encodeURIComponent(x)}`),
      ),
      cookie: fc.oneof(
        fc.constant(undefined),
        headerValue.map((v) => `o2c_ops_session=${v}`),
      ),
      origin: fc.oneof(fc.constant(undefined), fc.constant(url), fc.constant('https://evil.example'), headerValue),
      body: fc.oneof(
        form,
        oddBody.filter((b) => b.length < 100_000),
      ),
      contentType: fc.oneof(fc.constant('application/x-www-form-urlencoded'), contentType),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path: p, cookie, origin, body, contentType: type }) => {
        const headers = {
          ...(type ? { 'content-type': type } : {}),
          ...(cookie ? { cookie } : {}),
          ...(origin ? { origin } : {}),
        };
        const answer = await sendRaw(url, method, p, headers, method === 'GET' ? Buffer.alloc(0) : body);
        expect(answer.status).toBeLessThan(500);
        // No valid session can come out of random bytes: only the login page (or its answer) is ever shown.
        if (!p.startsWith('/ops/login') && answer.status === 200)
          throw new Error(`${method} ${p} answered 200 without a session`);
      }),
      { numRuns: 1_000 },
    );
    await stillServing();
    expect(await startedOnQueue()).toBe(0);
  });

  it('the admin API: random methods, paths, tokens and bodies never get a 5xx; without the token, always 401', async () => {
    const paths = [
      '/admin/fraud-holds',
      '/admin/orders/ORDER-1',
      '/admin/orders/ORDER-1/fraud-decision',
      '/admin/orders/ORDER-1/refund',
      '/admin/review-queue',
      '/admin/review-queue/order:1/retry',
      '/admin/review-queue/x/skip',
      '/admin/stripe/replay',
      '/admin/stripe/replay/stripe:evt_1',
      '/admin/payouts/po_1/reconciliation',
    ];
    const path = fc.oneof(
      fc.constantFrom(...paths),
      fc
        .tuple(fc.constantFrom(...paths), fc.string({ maxLength: 40 }))
        .map(([p, s]) => `${p}/${encodeURIComponent(s)}`),
      fc
        .tuple(fc.constantFrom(...paths), fc.string({ maxLength: 40 }))
        .map(([p, s]) => `${p}?format=${encodeURIComponent(s)}&page=${encodeURIComponent(s)}`),
    );
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
      path,
      token: fc.oneof(
        fc.constant(undefined),
        fc.constant(`Bearer ${testSecrets.adminToken}`),
        headerValue,
        headerValue.map((t) => `Bearer ${t}`),
      ),
      body: oddBody.filter((b) => b.length < 100_000),
      contentType,
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path: p, token, body, contentType: type }) => {
        const headers = {
          ...(type ? { 'content-type': type } : {}),
          ...(token !== undefined ? { authorization: token } : {}),
        };
        const answer = await sendRaw(url, method, p, headers, method === 'GET' ? Buffer.alloc(0) : body);
        expect(answer.status).toBeLessThan(500);
        if (token !== `Bearer ${testSecrets.adminToken}`) expect(answer.status).toBe(401);
      }),
      { numRuns: 1_000 },
    );
    await stillServing();
  });
});
