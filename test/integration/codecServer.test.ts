import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import axios from 'axios';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import pino from 'pino';
import { createApp } from '../../api/app';
import { temporalEnvSchema } from '../../config/env';
import { dataConverterFrom, payloadCodecFrom } from '../../config/payloadCodec';
import { startDevServer } from '../../scripts/devServer';
import { freePort } from '../../scripts/ports';
import { createWorker } from '../../worker/worker';
import { devServerAddress, uniqueTaskQueue } from '../harness/temporal';

const run = promisify(execFile);
const adminToken = 'codec-admin-token-0123456789';
const operator = { Authorization: `Bearer ${adminToken}` };
const email = 'ada.codec@example.com';

interface PayloadJson {
  metadata: Record<string, string>;
  data: string;
}
/** A payload as the Web UI and the CLI send it: protojson, bytes in base64. */
const toJson = (p: Payload): PayloadJson => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});
const fromJson = (p: PayloadJson): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data, 'base64'),
});
const encodingOf = (p: PayloadJson) => Buffer.from(p.metadata.encoding ?? '', 'base64').toString();

async function listen(app: ReturnType<typeof createApp>): Promise<{ server: Server; url: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('the codec server (POST /codec/decode|encode) with PAYLOAD_ENCRYPTION_KEY set', () => {
  const taskQueue = uniqueTaskQueue('codec');
  const env = temporalEnvSchema.parse({
    TEMPORAL_ADDRESS: devServerAddress(),
    TEMPORAL_TASK_QUEUE: taskQueue,
    PAYLOAD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  let connection: Connection;
  let api: { server: Server; url: string };
  let workflowId: string;

  beforeAll(async () => {
    connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    const encrypted = new Client({ connection, dataConverter: dataConverterFrom(env) });
    api = await listen(
      createApp({
        temporal: encrypted,
        taskQueue,
        stripeWebhookSecrets: ['whsec_codec'],
        adminToken,
        codec: { payloadCodec: payloadCodecFrom(env) },
        log: pino({ level: 'silent' }),
      }),
    );
    // A payment for a Stripe invoice is not ours: the intake run ends without calling an activity, its input in history.
    const event = {
      id: `evt_codec${Date.now()}`,
      type: 'payment_intent.succeeded',
      created: 0,
      livemode: false,
      objectId: 'pi_codec',
      object: { id: 'pi_codec', invoice: 'in_1', receipt_email: email, metadata: {} },
    };
    workflowId = `stripe:${event.id}`;
    const { worker } = await createWorker({ env, activities: {} });
    await worker.runUntil(encrypted.workflow.execute('stripeEventIntake', { workflowId, taskQueue, args: [event] }));
  });
  afterAll(async () => {
    api?.server.closeAllConnections();
    api?.server.close();
    await connection?.close();
  });

  async function rawInput(): Promise<PayloadJson[]> {
    const history = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
    return history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!.map(toJson);
  }

  it('gives the operator back the e-mail that the history read straight from Temporal holds only encrypted', async () => {
    const payloads = await rawInput();
    expect(encodingOf(payloads[0]!)).toBe('binary/encrypted');
    expect(Buffer.from(payloads[0]!.data, 'base64').toString('latin1')).not.toContain(email);

    const res = await axios.post(
      `${api.url}/codec/decode`,
      { payloads },
      { headers: { ...operator, 'X-Namespace': 'default' } },
    );
    expect(res.status).toBe(200);
    expect(res.data.payloads).toHaveLength(1);
    expect(encodingOf(res.data.payloads[0])).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(fromJson(res.data.payloads[0]))).toMatchObject({
      object: { receipt_email: email },
    });
  });

  it("encodes as the worker does (the worker's codec reads it) and decodes it back to the same bytes", async () => {
    const plain = toJson(defaultPayloadConverter.toPayload({ email, amountMinor: 1999 }));
    const encoded = await axios.post(`${api.url}/codec/encode`, { payloads: [plain] }, { headers: operator });
    const [sealed] = encoded.data.payloads as PayloadJson[];
    expect(encodingOf(sealed!)).toBe('binary/encrypted');
    expect(Buffer.from(sealed!.data, 'base64').toString('latin1')).not.toContain(email);
    const [byWorker] = await payloadCodecFrom(env)!.decode([fromJson(sealed!)]);
    expect(defaultPayloadConverter.fromPayload(byWorker!)).toEqual({ email, amountMinor: 1999 });

    const decoded = await axios.post(`${api.url}/codec/decode`, { payloads: [sealed] }, { headers: operator });
    expect(decoded.data).toEqual({ payloads: [plain] });
  });

  it('refuses a payload altered after encryption, naming no key', async () => {
    const [payload] = await rawInput();
    const data = Buffer.from(payload!.data, 'base64');
    data[data.length - 1]! ^= 1;
    const res = await axios.post(
      `${api.url}/codec/decode`,
      { payloads: [{ ...payload, data: data.toString('base64') }] },
      { headers: operator, validateStatus: () => true },
    );
    expect(res.status).toBe(422);
    expect(res.data.error).toMatch(/^cannot decode the payloads/);
    expect(JSON.stringify(res.data)).not.toContain(env.PAYLOAD_ENCRYPTION_KEY);
  });

  it('answers 400 to a body that is not the codec protocol', async () => {
    for (const body of [{ payload: [] }, { payloads: [{ data: 'not base64!' }] }]) {
      const res = await axios.post(`${api.url}/codec/decode`, body, { headers: operator, validateStatus: () => true });
      expect(res.status).toBe(400);
    }
  });

  it('answers 413 to a body over 4 MB', async () => {
    const payloads = [{ metadata: {}, data: Buffer.alloc(5 * 1024 * 1024).toString('base64') }];
    const res = await axios.post(
      `${api.url}/codec/decode`,
      { payloads },
      { headers: operator, validateStatus: () => true, maxBodyLength: Infinity },
    );
    expect(res.status).toBe(413);
    expect(res.data.error).toBe('body over 4 MB');
  });

  it.each(['decode', 'encode'])(
    'refuses /codec/%s without the operator token, or with a wrong one',
    async (direction) => {
      const payloads = await rawInput();
      for (const headers of [
        {},
        { Authorization: 'Bearer not-the-token' },
        { Authorization: operator.Authorization.replace('Bearer ', 'Basic ') },
      ]) {
        const res = await axios.post(
          `${api.url}/codec/${direction}`,
          { payloads },
          { headers, validateStatus: () => true },
        );
        expect(res.status).toBe(401);
        expect(JSON.stringify(res.data)).not.toContain(email);
      }
    },
  );

  it.each(['http://127.0.0.1:8233', 'http://localhost:8233'])(
    'lets the Web UI at %s call it from a browser (CORS preflight)',
    async (origin) => {
      const res = await axios.options(`${api.url}/codec/decode`, {
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,x-namespace,authorization',
        },
        validateStatus: () => true,
      });
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(res.headers['access-control-allow-methods']).toMatch(/\bPOST\b/);
      expect(
        res.headers['access-control-allow-headers']!.split(',').map((h: string) => h.trim().toLowerCase()),
      ).toEqual(expect.arrayContaining(['content-type', 'x-namespace', 'authorization']));
      const post = await axios.post(
        `${api.url}/codec/decode`,
        { payloads: await rawInput() },
        { headers: { ...operator, Origin: origin } },
      );
      expect(post.headers['access-control-allow-origin']).toBe(origin);
    },
  );

  it('gives a page from any other origin no CORS permission, on the preflight or the call', async () => {
    const origin = 'http://evil.example:8233';
    const preflight = await axios.options(`${api.url}/codec/decode`, {
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,authorization',
      },
      validateStatus: () => true,
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
    const post = await axios.post(
      `${api.url}/codec/decode`,
      { payloads: await rawInput() },
      { headers: { ...operator, Origin: origin } },
    );
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('decodes the history for `temporal workflow show --codec-endpoint … --codec-auth …`, and the CLI shows ciphertext without it', async () => {
    const cli = process.env.TEMPORAL_CLI_PATH!;
    const args = [
      'workflow',
      'show',
      '--address',
      env.TEMPORAL_ADDRESS,
      '--workflow-id',
      workflowId,
      '--output',
      'json',
    ];
    const startInput = (stdout: string): PayloadJson =>
      JSON.parse(stdout).events[0].workflowExecutionStartedEventAttributes.input.payloads[0];
    const withCodec = startInput(
      (await run(cli, [...args, '--codec-endpoint', `${api.url}/codec`, '--codec-auth', operator.Authorization]))
        .stdout,
    );
    expect(encodingOf(withCodec)).toBe('json/plain');
    expect(Buffer.from(withCodec.data, 'base64').toString()).toContain(email);
    const without = startInput((await run(cli, args)).stdout);
    expect(encodingOf(without)).toBe('binary/encrypted');
    expect(Buffer.from(without.data, 'base64').toString('latin1')).not.toContain(email);
  });
});

describe('the codec server with no PAYLOAD_ENCRYPTION_KEY', () => {
  it('passes payloads through unchanged both ways, as the product stores them', async () => {
    const connection = await Connection.connect({ address: devServerAddress() });
    const api = await listen(
      createApp({
        temporal: new Client({ connection }),
        taskQueue: 'unused',
        stripeWebhookSecrets: ['whsec_codec'],
        adminToken,
        log: pino({ level: 'silent' }),
      }),
    );
    try {
      const payloads = [toJson(defaultPayloadConverter.toPayload({ email }))];
      for (const direction of ['encode', 'decode']) {
        const res = await axios.post(`${api.url}/codec/${direction}`, { payloads }, { headers: operator });
        expect(res.data).toEqual({ payloads });
      }
      const refused = await axios.post(`${api.url}/codec/decode`, { payloads }, { validateStatus: () => true });
      expect(refused.status).toBe(401);
    } finally {
      api.server.closeAllConnections();
      api.server.close();
      await connection.close();
    }
  });
});

describe('the dev server npm start runs', () => {
  it('points its Web UI at the codec endpoint it is given', async () => {
    const server = await startDevServer({
      port: await freePort(),
      uiPort: await freePort(),
      uiCodecEndpoint: 'http://127.0.0.1:3000/codec',
    });
    try {
      const settings = await axios.get(`${server.uiUrl}/api/v1/settings`);
      expect(settings.data.Codec).toMatchObject({ Endpoint: 'http://127.0.0.1:3000/codec' });
    } finally {
      await server.stop();
    }
  });
});
