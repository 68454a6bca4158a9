import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import axios from 'axios';
import pino from 'pino';
import type { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { testSecrets } from '../harness/productStack';
import { connectDevServer, uniqueTaskQueue } from '../harness/temporal';

describe('GET /metrics', () => {
  let client: Client;
  let connection: Connection;
  const servers: Server[] = [];

  beforeAll(async () => {
    ({ client, connection } = await connectDevServer());
  });

  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    await connection?.close();
  });

  async function start(metricsToken?: string): Promise<string> {
    const app = createApp({
      temporal: client,
      taskQueue: uniqueTaskQueue('metrics'),
      stripeWebhookSecrets: [testSecrets.stripeWebhookSecret],
      metricsToken,
      log: pino({ level: 'silent' }),
    });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((r) => server.once('listening', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('300 scrapes cost Temporal no visibility count: the review queue is counted on an interval', async () => {
    const counts = jest.spyOn(client.workflow, 'count');
    const url = await start();
    for (let i = 0; i < 300; i++) {
      const res = await axios.get<string>(`${url}/metrics`);
      expect(res.data).toMatch(/^o2c_review_queue_size /m);
    }
    expect(counts.mock.calls.length).toBeLessThanOrEqual(1); // the count made as the app started
    counts.mockRestore();
  });

  it('with METRICS_TOKEN, wants it as a bearer token', async () => {
    const token = 'metrics-token-0123456789';
    const url = await start(token);
    expect((await axios.get(`${url}/metrics`, { validateStatus: () => true })).status).toBe(401);
    const wrong = await axios.get(`${url}/metrics`, {
      validateStatus: () => true,
      headers: { authorization: `Bearer ${testSecrets.adminToken}` },
    });
    expect(wrong.status).toBe(401);
    const right = await axios.get<string>(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(right.data).toMatch(/^# TYPE o2c_webhook_requests_total counter$/m);
  });
});
