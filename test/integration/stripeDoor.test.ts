import fc from 'fast-check';
import Stripe from 'stripe';
import type { Client, Connection } from '@temporalio/client';
import { handledEventTypes } from '../../domain/eventRouting';
import { SyncState } from '../../domain/searchAttributes';
import { spawnApi, type ApiProcess } from '../harness/apiProcess';
import { startDevStack, type DevStack } from '../harness/devStack';
import { testSecrets } from '../harness/productStack';
import { connectDevServer, uniqueTaskQueue } from '../harness/temporal';
import { eventually } from '../harness/eventually';
import { sendRaw, type RawAnswer } from '../harness/rawHttp';
import { recordHistories } from '../harness/recordHistories';

jest.setTimeout(240_000);

const secret = testSecrets.stripeWebhookSecret;
const now = () => Math.floor(Date.now() / 1000);
const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
let sequence = 0;
const uniqueEventId = () => `evt_door${tag}x${(sequence += 1)}`;

/** `POST /webhooks/stripe`, byte for byte. */
const post = (url: string, headers: Record<string, string>, body: Buffer): Promise<RawAnswer> =>
  sendRaw(url, 'POST', '/webhooks/stripe', headers, body);

function sign(body: Buffer | string, options: { secret?: string; timestamp?: number } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload: body.toString(),
    secret: options.secret ?? secret,
    timestamp: options.timestamp ?? now(),
  });
}

function event(id: string, type: string, object: string): string {
  return `{"id":"${id}","object":"event","type":"${type}","created":${now()},"livemode":false,"data":{"object":${object}}}`;
}

const paymentObject = (extra = '') =>
  `{"id":"pi_door${tag}","object":"payment_intent","amount":1000,"currency":"usd","metadata":{"magento_order_id":"NOPE-1"}${extra}}`;

/** `[[[…]]]`: 5,000 levels in 10 KB, past where JSON.stringify (and so Temporal's JSON converter) runs out of stack. */
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('the Stripe door', () => {
  let dev: DevStack;
  beforeAll(async () => {
    dev = await startDevStack();
  });
  afterAll(async () => {
    await dev?.close();
  });

  it('refuses an event signed 30 days ahead with future_timestamp, counts it, and starts nothing', async () => {
    const id = uniqueEventId();
    const body = Buffer.from(event(id, 'payment_intent.succeeded', paymentObject()));
    const answer = await post(
      dev.apiUrl,
      { 'content-type': 'application/json', 'stripe-signature': sign(body, { timestamp: now() + 30 * 86_400 }) },
      body,
    );
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: 'timestamp more than the 300 s tolerance in the future' });
    const metrics = await (await fetch(`${dev.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/o2c_webhook_requests_total\{source="stripe",outcome="future_timestamp"\} 1/);
    await expect(dev.client.workflow.getHandle(`stripe:${id}`).describe()).rejects.toThrow(/not found/i);
    // Just inside the tolerance is still taken: clocks differ by seconds.
    const soon = Buffer.from(event(uniqueEventId(), 'customer.tax_id.created', '{"id":"txi_1"}'));
    const taken = await post(
      dev.apiUrl,
      { 'content-type': 'application/json', 'stripe-signature': sign(soon, { timestamp: now() + 240 }) },
      soon,
    );
    expect(JSON.parse(taken.body)).toEqual({ received: true, ignored: true });
  });

  it('parks a signed event nested 5,000 levels deep (200, a run in the review queue keyed by its ID), and a redelivery is a duplicate', async () => {
    const id = uniqueEventId();
    const body = Buffer.from(event(id, 'payment_intent.succeeded', paymentObject(`,"deep":${nested(5_000)}`)));
    expect(body.length).toBeLessThan(11_000);
    const headers = { 'content-type': 'application/json', 'stripe-signature': sign(body) };
    const first = await post(dev.apiUrl, headers, body);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toEqual({
      received: true,
      workflowId: `stripe:${id}`,
      duplicate: false,
      parked: true,
    });
    const again = await post(dev.apiUrl, { ...headers, 'stripe-signature': sign(body) }, body);
    expect(JSON.parse(again.body)).toEqual({ received: true, workflowId: `stripe:${id}`, duplicate: true });

    const handle = dev.client.workflow.getHandle(`stripe:${id}`);
    const described = await handle.describe();
    expect(described.type).toBe('unusableStripeEvent');
    expect(described.typedSearchAttributes.get(SyncState)).toBe('needs_review');
    expect(String(described.memo?.reviewReason)).toMatch(/nested more than 64 levels deep/);
    const queue = await eventually('the parked run in the review queue', async () => {
      const res = await fetch(`${dev.apiUrl}/admin/review-queue`, { headers: dev.admin });
      const { items } = (await res.json()) as { items: Array<{ workflowId: string; reason: string | null }> };
      return items.find((item) => item.workflowId === `stripe:${id}`);
    });
    expect(queue.reason).toMatch(new RegExp(`Stripe event ${id} \\(payment_intent.succeeded\\) was verified but`));
    // Its data is not kept: the run holds the event's identity and the reason only.
    const history = await handle.fetchHistory();
    expect(JSON.stringify(history).length).toBeLessThan(20_000);

    // A person skips it once handled; the ID stays taken, so Stripe's next redelivery is still refused.
    const skip = await fetch(`${dev.apiUrl}/admin/review-queue/stripe:${id}/skip`, {
      method: 'POST',
      headers: { ...dev.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'handled in the Dashboard' }),
    });
    expect(skip.status).toBe(200);
    await expect(handle.result()).resolves.toMatchObject({ eventId: id, outcome: 'skipped' });
    await recordHistories(dev.client, [{ name: 'stripe-event-unusable-skipped', workflowId: `stripe:${id}` }]);
    const late = await post(dev.apiUrl, { ...headers, 'stripe-signature': sign(body) }, body);
    expect(JSON.parse(late.body)).toMatchObject({ duplicate: true });
  });

  it.each([
    ['over 256 K characters', () => paymentObject(`,"padding":"${'x'.repeat(300_000)}"`), /characters of JSON/],
    [
      'an object id of 2,000 characters',
      () => `{"id":"pi_${'x'.repeat(2_000)}","object":"payment_intent"}`,
      /id is longer/,
    ],
  ])('parks a signed event %s instead of answering 500', async (_name, object, reason) => {
    const id = uniqueEventId();
    const body = Buffer.from(event(id, 'payment_intent.succeeded', object()));
    const answer = await post(dev.apiUrl, { 'content-type': 'application/json', 'stripe-signature': sign(body) }, body);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ workflowId: `stripe:${id}`, parked: true });
    expect(String((await dev.client.workflow.getHandle(`stripe:${id}`).describe()).memo?.reviewReason)).toMatch(reason);
  });
});

describe('the Stripe door under 10,000 hostile envelopes, API in its own process', () => {
  let api: ApiProcess;
  let client: Client;
  let connection: Connection;
  const taskQueue = uniqueTaskQueue('stripe-door-fuzz');

  beforeAll(async () => {
    ({ client, connection } = await connectDevServer());
    api = await spawnApi({
      TEMPORAL_TASK_QUEUE: taskQueue,
      STRIPE_WEBHOOK_SECRET: secret,
      DATA_DIR: `/tmp/o2c-stripe-door-${tag}`,
    });
  });
  afterAll(async () => {
    await api?.stop();
    await connection?.close();
  });

  const handled = fc.constantFrom(...handledEventTypes);
  /** What `data.object` can be: shapes, depths, sizes and characters no real event has. */
  const hostileObject = fc.oneof(
    { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 6_000 }).map((d) => paymentObject(`,"deep":${nested(d)}`)) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 300 }).map((d) => `${'{"a":'.repeat(d)}{}${'}'.repeat(d)}`) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1_000, max: 600_000 }).map((n) => paymentObject(`,"pad":"${'x'.repeat(n)}"`)),
    },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: 3_000 }).map((n) => `{"id":"pi_${'y'.repeat(n)}"}`) },
    { weight: 3, arbitrary: fc.constant(paymentObject()) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'null',
        '[]',
        '"x"',
        '1',
        '{}',
        '{"__proto__":{"x":1}}',
        '{"id":"\\ud800"}',
        '{"id":1e400}',
      ),
    },
  );
  const body = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        id: fc.oneof(
          { weight: 6, arbitrary: fc.constant('unique') },
          { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
        ),
        type: fc.oneof({ weight: 6, arbitrary: handled }, { weight: 2, arbitrary: fc.string({ maxLength: 300 }) }),
        object: hostileObject,
      }),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => ({ raw: JSON.stringify(v) ?? 'null' })) },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => ({ raw: Buffer.from(b).toString('latin1') })),
    },
  );
  const envelope = fc.record({
    body,
    encoding: fc.constantFrom('utf8', 'utf8', 'utf8', 'utf16le', 'latin1', 'bom'),
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-16', ''),
    signing: fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({ kind: fc.constant('valid' as const), skew: fc.integer({ min: -250, max: 250 }) }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('unsigned' as const) }) },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('junk' as const), header: fc.string({ maxLength: 200 }) }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('other_secret' as const) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('tampered' as const) }) },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('stale' as const), by: fc.integer({ min: 301, max: 1e9 }) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('future' as const), by: fc.integer({ min: 301, max: 1e9 }) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('future_first' as const), by: fc.integer({ min: 301, max: 1e9 }) }),
      },
    ),
  });

  type Envelope = typeof envelope extends fc.Arbitrary<infer T> ? T : never;

  function bytesOf(b: Envelope['body'], encoding: string): Buffer {
    const text =
      'raw' in b
        ? b.raw
        : `{"id":${b.id === 'unique' ? `"${uniqueEventId()}"` : JSON.stringify(b.id)},"object":"event",` +
          `"type":${JSON.stringify(b.type)},"created":${now()},"livemode":false,"data":{"object":${b.object}}}`;
    if (encoding === 'bom') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    return Buffer.from(text, encoding as BufferEncoding);
  }

  function signatureFor(bytes: Buffer, signing: Envelope['signing']): string | undefined {
    switch (signing.kind) {
      case 'valid':
        return sign(bytes, { timestamp: now() + signing.skew });
      case 'unsigned':
        return undefined;
      case 'junk':
        return signing.header.replace(/[^\t\x20-\x7e]/g, '');
      case 'other_secret':
        return sign(bytes, { secret: 'whsec_not_ours' });
      case 'tampered':
        return sign(Buffer.concat([bytes, Buffer.from(' ')]));
      case 'stale':
        return sign(bytes, { timestamp: now() - signing.by });
      case 'future':
        return sign(bytes, { timestamp: now() + signing.by });
      case 'future_first':
        // A future t= the SDK ignores (it takes the last), before a genuine signature of now.
        return `t=${now() + signing.by},${sign(bytes)}`;
    }
  }

  it('answers no 500, accepts nothing not signed with our secret within the tolerance, and stays within its memory', async () => {
    const started = Date.now();
    const accepted = new Set<string>();
    const outcomes: Record<string, number> = {};
    const send = async ({ body: b, encoding, contentType, signing }: Envelope) => {
      const bytes = bytesOf(b, encoding);
      const signature = signatureFor(bytes, signing);
      const headers: Record<string, string> = {
        ...(contentType ? { 'content-type': contentType } : {}),
        ...(signature !== undefined ? { 'stripe-signature': signature } : {}),
      };
      const answer = await post(api.url, headers, bytes);
      const key = `${signing.kind}:${answer.status}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      expect(answer.status).toBeGreaterThanOrEqual(200);
      expect(answer.status).toBeLessThan(500);
      const parsed = JSON.parse(answer.body) as { workflowId?: string; duplicate?: boolean };
      if (signing.kind !== 'valid') expect(answer.status).toBeGreaterThanOrEqual(400);
      else if (answer.status === 200 && parsed.workflowId && parsed.duplicate === false)
        accepted.add(parsed.workflowId);
    };
    await fc.assert(fc.asyncProperty(envelope, send), { numRuns: 300, seed: 1 });
    const rssBefore = api.rssBytes();
    await fc.assert(fc.asyncProperty(envelope, send), { numRuns: 10_000 });
    const rssAfter = api.rssBytes();
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `stripe door fuzz: 10,300 envelopes in ${seconds.toFixed(1)} s; API RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssAfter / 2 ** 20).toFixed(0)} MiB; runs started ${accepted.size}; ${JSON.stringify(outcomes)}`,
    );
    // Bodies are at most 1 MB and nothing is kept per request: growth past a little heap is a leak.
    expect(rssAfter - rssBefore).toBeLessThan(128 * 2 ** 20);

    // Every run on the queue is one a correctly signed envelope was answered for, and each of those exists.
    const onQueue = await eventually(
      'visibility to list every run started',
      async () => {
        const ids: string[] = [];
        for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) ids.push(wf.workflowId);
        return ids.length >= accepted.size ? ids : undefined;
      },
      60_000,
    );
    expect(new Set(onQueue)).toEqual(accepted);

    // Metric labels stay within the handled event types and `other`, whatever types were signed.
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    const labels = [
      ...metrics.matchAll(/^o2c_(?:webhook_ignored|intake_started|intake_duplicates)_total\{type="([^"]*)"\}/gm),
    ].map((m) => m[1]);
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.filter((l) => l !== 'other' && !handledEventTypes.includes(l!))).toEqual([]);
    // Each refusal and each parked event is logged with its outcome, and nothing secret reaches the logs.
    expect(api.output()).toMatch(/"outcome":"future_timestamp".*"msg":"stripe webhook refused"/);
    expect(api.output()).toMatch(/"outcome":"parked".*"msg":"stripe event parked: it cannot be processed"/);
    expect(api.output()).not.toContain(secret);
    expect(api.output()).not.toMatch(/v1=[0-9a-f]{64}/);
  });
});
