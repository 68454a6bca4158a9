import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import axios from 'axios';
import Stripe from 'stripe';
import type { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import pino from 'pino';
import { createApp } from '../../api/app';
import { createWorker } from '../../worker/worker';
import { temporalEnvSchema } from '../../config/env';
import { StripeEventType } from '../../domain/searchAttributes';
import { connectDevServer, devServerAddress, uniqueTaskQueue } from '../harness/temporal';

const secret = 'whsec_test_foundation';

function signedEvent(id: string): { body: string; signature: string } {
  const body = JSON.stringify({
    id, object: 'event', type: 'payment_intent.succeeded', created: Math.floor(Date.now() / 1000), livemode: false,
    api_version: '2024-06-20', pending_webhooks: 1, request: { id: null, idempotency_key: null },
    data: { object: { id: 'pi_foundation', object: 'payment_intent', amount: 1999, currency: 'usd', metadata: { magento_order_id: '000000001' } } },
  });
  return { body, signature: Stripe.webhooks.generateTestHeaderString({ payload: body, secret }) };
}

describe('API skeleton on the dev server', () => {
  const taskQueue = uniqueTaskQueue('foundation');
  let client: Client;
  let connection: Connection;
  let worker: Worker;
  let running: Promise<void>;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    ({ client, connection } = await connectDevServer());
    const env = temporalEnvSchema.parse({ TEMPORAL_ADDRESS: devServerAddress(), TEMPORAL_TASK_QUEUE: taskQueue });
    ({ worker } = await createWorker({ env, activities: {} }));
    running = worker.run();
    const app = createApp({ temporal: client, taskQueue, stripeWebhookSecrets: [secret], log: pino({ level: 'silent' }) });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.close();
    worker?.shutdown();
    await running;
    await connection?.close();
  });

  it('answers /readyz with 200 while Temporal is reachable', async () => {
    const res = await axios.get(`${baseUrl}/readyz`);
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ status: 'ready' });
  });

  it('starts a workflow for a signed Stripe event, which runs to completion on the worker', async () => {
    const eventId = `evt_${taskQueue.slice(-12)}`;
    const { body, signature } = signedEvent(eventId);
    const res = await axios.post(`${baseUrl}/webhooks/stripe`, body, { headers: { 'stripe-signature': signature, 'content-type': 'application/json' } });
    expect(res.data).toEqual({ received: true, workflowId: `stripe:${eventId}`, duplicate: false });

    const handle = client.workflow.getHandle(`stripe:${eventId}`);
    await expect(handle.result()).resolves.toEqual({ eventId, type: 'payment_intent.succeeded', workflowId: `stripe:${eventId}` });
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(StripeEventType)).toBe('payment_intent.succeeded');

    const again = await axios.post(`${baseUrl}/webhooks/stripe`, body, { headers: { 'stripe-signature': signature, 'content-type': 'application/json' } });
    expect(again.data).toEqual({ received: true, workflowId: `stripe:${eventId}`, duplicate: true });
  });
});
