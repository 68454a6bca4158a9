import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import Stripe from 'stripe';
import pino from 'pino';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { startDevServer, type DevServer } from '../../scripts/devServer';
import { freePort } from '../../scripts/ports';
import { eventually } from '../harness/eventually';

describe('the receiver while Temporal is down', () => {
  const dir = mkdtempSync(join(tmpdir(), 'o2c-outage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers 503 so Stripe redelivers, and accepts the redelivery once Temporal is back', async () => {
    const port = await freePort();
    const dbFile = join(dir, 'temporal.db');
    let server: DevServer = await startDevServer({ port, dbFile });
    const connection = Connection.lazy({ address: server.address });
    const temporal = new Client({ connection });
    const app = createApp({
      temporal,
      taskQueue: 'outage-test',
      stripeWebhookSecrets: ['whsec_outage'],
      log: pino({ level: 'silent' }),
      metricsRefreshMs: 200,
    });
    const api = app.listen(0, '127.0.0.1');
    await new Promise((r) => api.once('listening', r));
    const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    const event = {
      id: `evt_outage${port}`,
      object: 'event',
      type: 'payment_intent.succeeded',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object: { id: 'pi_outage', object: 'payment_intent', metadata: { magento_order_id: '000000900' } } },
    };
    const deliver = () => {
      const body = JSON.stringify(event);
      return axios.post(`${url}/webhooks/stripe`, Buffer.from(body), {
        validateStatus: () => true,
        headers: {
          'content-type': 'application/json',
          'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_outage' }),
        },
      });
    };
    try {
      await server.stop();
      const during = await deliver();
      expect(during.status).toBe(503);
      const notReady = await axios.get(`${url}/readyz`, { validateStatus: () => true });
      expect(notReady.status).toBe(503);
      expect(notReady.data).toEqual({ status: 'not ready', temporal: 'unreachable' }); // no internal error text
      // Unknown, not zero (prom-client writes `Nan`), once the next count has failed; the scrape still answers.
      const metricsDuring = await eventually('the review queue counted as unknown', async () => {
        const { data } = await axios.get<string>(`${url}/metrics`);
        return /^o2c_review_queue_size nan$/im.test(data) ? data : undefined;
      });
      const failedCounts = /^o2c_temporal_errors_total\{kind="review_queue_count"\} (\d+)$/m.exec(metricsDuring);
      expect(Number(failedCounts?.[1])).toBeGreaterThanOrEqual(1);

      server = await startDevServer({ port, dbFile });
      let after = await deliver();
      for (let i = 0; i < 20 && after.status === 503; i++) {
        // the client reconnects with backoff
        await new Promise((r) => setTimeout(r, 500));
        after = await deliver();
      }
      expect(after.status).toBe(200);
      expect(after.data).toEqual({ received: true, workflowId: `stripe:${event.id}`, duplicate: false });
      expect((await temporal.workflow.getHandle(`stripe:${event.id}`).describe()).status.name).toBe('RUNNING');
      await eventually('the review queue counted again', async () =>
        /^o2c_review_queue_size 0$/m.test((await axios.get<string>(`${url}/metrics`)).data) ? true : undefined,
      );
    } finally {
      api.closeAllConnections();
      api.close();
      await connection.close();
      await server.stop();
    }
  });
});
