import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import express from 'express';
import { Webhook } from 'standardwebhooks';
import { createWmsSandbox, type WmsSandbox } from '../../../sandbox/wms';
import { startPeer, type RunningPeer } from '../../harness/peers';

const token = 'wms-token';
const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;

interface ReceivedWebhook {
  body: string;
  headers: IncomingHttpHeaders;
}

/** A stand-in for the product's `/webhooks/wms`: records every delivery and answers the next queued status (then 200). */
async function startReceiver(): Promise<{
  url: string;
  received: ReceivedWebhook[];
  answers: number[];
  close(): Promise<void>;
}> {
  const received: ReceivedWebhook[] = [];
  const answers: number[] = [];
  const app = express();
  app.post('/webhooks/wms', express.text({ type: '*/*' }), (req, res) => {
    received.push({ body: req.body as string, headers: req.headers });
    res.status(answers.shift() ?? 200).json({ ok: true });
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/wms`,
    received,
    answers,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function waitFor<T>(probe: () => T | Promise<T>, isDone: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (isDone(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function orderRequest(referenceId: string, skus: string[] = ['SKU-1']) {
  return {
    reference_id: referenceId,
    order_number: referenceId,
    type: 'DTC',
    shipping_method: 'Standard',
    recipient: {
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      address: { address1: '1 Analytical Way', city: 'London', state: 'LDN', country: 'GB', zip_code: 'N1 1AA' },
    },
    products: skus.map((sku) => ({ reference_id: sku, name: `Product ${sku}`, quantity: 2 })),
  };
}

describe('sandbox ShipBob', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let sandbox: WmsSandbox;
  let peer: RunningPeer;
  let wms: AxiosInstance;

  beforeAll(async () => {
    receiver = await startReceiver();
    sandbox = createWmsSandbox({
      token,
      webhookSecret,
      webhookUrl: receiver.url,
      outOfStockSkus: ['SKU-GONE'],
      retryBaseMs: 20,
    });
    peer = await startPeer(sandbox);
    wms = axios.create({
      baseURL: peer.url,
      headers: { Authorization: `Bearer ${token}` },
      validateStatus: () => true,
    });
  });

  afterAll(async () => {
    sandbox.stop();
    await peer.close();
    await receiver.close();
  });

  beforeEach(async () => {
    await wms.post('/__sandbox/reset');
    receiver.received.length = 0;
    receiver.answers.length = 0;
  });

  const receivedFor = (referenceId: string) =>
    receiver.received.filter((w) => JSON.parse(w.body).data.reference_id === referenceId);

  it('answers 401 without a bearer token or with the wrong one', async () => {
    expect((await axios.get(`${peer.url}/2.0/order`, { validateStatus: () => true })).status).toBe(401);
    expect(
      (
        await axios.get(`${peer.url}/2.0/order`, {
          headers: { Authorization: 'Bearer nope' },
          validateStatus: () => true,
        })
      ).status,
    ).toBe(401);
  });

  it('creates an order that is Processing with one unshipped shipment', async () => {
    const res = await wms.post('/2.0/order', orderRequest('000000101'));
    expect(res.status).toBe(201);
    expect(res.data).toMatchObject({
      id: expect.any(Number),
      reference_id: '000000101',
      order_number: '000000101',
      status: 'Processing',
      type: 'DTC',
      recipient: { name: 'Ada Lovelace', address: { city: 'London', country: 'GB' } },
      products: [{ id: expect.any(Number), reference_id: 'SKU-1', quantity: 2 }],
      shipments: [{ id: expect.any(Number), order_id: res.data.id, status: 'Processing', tracking: null }],
    });
    expect(Date.parse(res.data.created_date)).not.toBeNaN();
  });

  it('refuses a second order with the same reference_id, naming the existing order', async () => {
    const first = await wms.post('/2.0/order', orderRequest('000000102'));
    const second = await wms.post('/2.0/order', orderRequest('000000102'));
    expect(second.status).toBe(422);
    expect(second.data).toEqual({
      reference_id: [`Cannot insert order with existing ReferenceId 000000102 (order ${first.data.id})`],
    });
    expect((await wms.get('/2.0/order', { params: { ReferenceIds: '000000102' } })).data).toHaveLength(1);
  });

  it('rejects an order for an out-of-stock SKU, configured at start or through the sandbox controls', async () => {
    const gone = await wms.post('/2.0/order', orderRequest('000000103', ['SKU-1', 'SKU-GONE']));
    expect(gone.status).toBe(422);
    expect(gone.data['products[1].reference_id'][0]).toContain('SKU-GONE');
    expect(gone.data['products[1].reference_id'][0]).toContain('out of stock');

    await wms.put('/__sandbox/stock', { outOfStockSkus: ['SKU-1'] });
    const nowGone = await wms.post('/2.0/order', orderRequest('000000103', ['SKU-1']));
    expect(nowGone.status).toBe(422);
    expect(nowGone.data['products[0].reference_id'][0]).toContain('SKU-1');

    await wms.put('/__sandbox/stock', { outOfStockSkus: [] });
    expect((await wms.post('/2.0/order', orderRequest('000000103', ['SKU-1']))).status).toBe(201);
  });

  it('answers 400 with field → messages for a request missing required fields', async () => {
    const request = orderRequest('000000104');
    const res = await wms.post('/2.0/order', {
      ...request,
      recipient: { ...request.recipient, address: { address1: '1 Way', country: 'GB' } },
      products: [{ reference_id: 'SKU-1', quantity: 0 }],
    });
    expect(res.status).toBe(400);
    expect(res.data['recipient.address.city']).toEqual(['The city field is required.']);
    expect(res.data['products[0].quantity']).toHaveLength(1);
  });

  it('finds orders by id and by ReferenceIds, with paging headers', async () => {
    const created = [];
    for (const ref of ['A-1', 'A-2', 'A-3']) created.push((await wms.post('/2.0/order', orderRequest(ref))).data);

    const byId = await wms.get(`/2.0/order/${created[1].id}`);
    expect(byId.data).toMatchObject({ id: created[1].id, reference_id: 'A-2' });
    expect((await wms.get('/2.0/order/999')).status).toBe(404);

    const byRefs = await wms.get('/2.0/order', { params: { ReferenceIds: 'A-1,A-3,missing' } });
    expect(byRefs.data.map((o: { reference_id: string }) => o.reference_id).sort()).toEqual(['A-1', 'A-3']);

    const page = await wms.get('/2.0/order', { params: { Page: 2, Limit: 2, SortOrder: 'Oldest' } });
    expect(page.data.map((o: { reference_id: string }) => o.reference_id)).toEqual(['A-3']);
    expect(page.headers['total-count']).toBe('3');
    expect(page.headers['total-pages']).toBe('2');
  });

  it('cancels an unshipped order and refuses to cancel once it has shipped', async () => {
    const open = (await wms.post('/2.0/order', orderRequest('000000105'))).data;
    const cancelled = await wms.post(`/2.0/order/${open.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.data).toMatchObject({
      order_id: open.id,
      status: 'Success',
      order: { status: 'Cancelled', shipments: [{ status: 'Cancelled' }] },
    });
    expect((await wms.post(`/__sandbox/ship/${open.id}`)).status).toBe(422);

    const shipped = (await wms.post('/2.0/order', orderRequest('000000106'))).data;
    await wms.post(`/__sandbox/ship/${shipped.id}`);
    const refused = await wms.post(`/2.0/order/${shipped.id}/cancel`);
    expect(refused.status).toBe(422);
    expect(refused.data.order[0]).toContain('already shipped');
    expect((await wms.get(`/2.0/order/${shipped.id}`)).data.status).toBe('Fulfilled');
    await waitFor(
      async () => (await wms.get('/__sandbox/webhooks')).data,
      (d) => d[0]?.status === 'delivered',
    );
  });

  it('ships on the sandbox control and delivers an order.shipped webhook whose signature verifies', async () => {
    const order = (await wms.post('/2.0/order', orderRequest('000000107'))).data;
    const shipped = await wms.post(`/__sandbox/ship/${order.id}`);
    expect(shipped.data).toMatchObject({
      status: 'Fulfilled',
      shipments: [
        { status: 'Completed', tracking: { carrier: 'USPS', tracking_number: expect.stringMatching(/^9400\d{18}$/) } },
      ],
    });

    const [delivery] = await waitFor(
      () => receivedFor('000000107'),
      (r) => r.length === 1,
    );
    const { body, headers } = delivery!;
    const standardHeaders = {
      'webhook-id': String(headers['webhook-id']),
      'webhook-timestamp': String(headers['webhook-timestamp']),
      'webhook-signature': String(headers['webhook-signature']),
    };
    expect(new Webhook(webhookSecret).verify(body, standardHeaders)).toEqual(JSON.parse(body));

    const key = Buffer.from(webhookSecret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key)
      .update(`${standardHeaders['webhook-id']}.${standardHeaders['webhook-timestamp']}.${body}`)
      .digest('base64');
    expect(standardHeaders['webhook-signature']).toBe(`v1,${expected}`);
    expect(standardHeaders['webhook-id']).toMatch(/^msg_/);
    expect(Math.abs(Number(standardHeaders['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(10);
    expect(headers['x-webhook-topic']).toBe('order.shipped');

    const tracking = shipped.data.shipments[0].tracking;
    expect(JSON.parse(body)).toMatchObject({
      type: 'order.shipped',
      data: {
        order_id: order.id,
        reference_id: '000000107',
        shipment_id: order.shipments[0].id,
        shipped_at: expect.any(String),
        tracking: { carrier: 'USPS', tracking_number: tracking.tracking_number, tracking_url: tracking.tracking_url },
      },
    });
    const log = await waitFor(
      async () => (await wms.get('/__sandbox/webhooks')).data,
      (d) => d[0]?.status === 'delivered',
    );
    expect(log).toEqual([
      expect.objectContaining({
        id: standardHeaders['webhook-id'],
        topic: 'order.shipped',
        order_id: order.id,
        attempts: 1,
        last_status: 200,
      }),
    ]);
  });

  it('retries a webhook the receiver first answers with 500, keeping its id and signing each attempt', async () => {
    receiver.answers.push(500, 500);
    const order = (await wms.post('/2.0/order', orderRequest('000000108'))).data;
    await wms.post(`/__sandbox/ship/${order.id}`);

    const received = await waitFor(
      () => receivedFor('000000108'),
      (r) => r.length === 3,
    );
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const { body, headers } of received)
      expect(() => new Webhook(webhookSecret).verify(body, headers as Record<string, string>)).not.toThrow();

    const [delivery] = await waitFor(
      async () => (await wms.get('/__sandbox/webhooks')).data,
      (d) => d[0]?.status === 'delivered',
    );
    expect(delivery).toMatchObject({
      attempts: 3,
      last_status: 200,
      history: [{ status: 500 }, { status: 500 }, { status: 200 }],
    });
  });

  it('ships automatically after shipDelayMs, and not at all once stopped', async () => {
    const auto = createWmsSandbox({ token, webhookSecret, webhookUrl: receiver.url, shipDelayMs: 50, retryBaseMs: 20 });
    const stopped = createWmsSandbox({
      token,
      webhookSecret,
      webhookUrl: receiver.url,
      shipDelayMs: 50,
      retryBaseMs: 20,
    });
    const [autoPeer, stoppedPeer] = await Promise.all([startPeer(auto), startPeer(stopped)]);
    try {
      const headers = { Authorization: `Bearer ${token}` };
      const order = (await axios.post(`${autoPeer.url}/2.0/order`, orderRequest('AUTO-1'), { headers })).data;
      const idle = (await axios.post(`${stoppedPeer.url}/2.0/order`, orderRequest('AUTO-2'), { headers })).data;
      stopped.stop();

      const fulfilled = await waitFor(
        async () => (await axios.get(`${autoPeer.url}/2.0/order/${order.id}`, { headers })).data,
        (o) => o.status === 'Fulfilled',
      );
      expect(fulfilled.shipments[0].tracking.carrier).toBe('USPS');
      await waitFor(
        () => receivedFor('AUTO-1'),
        (r) => r.length === 1,
      );

      await new Promise((r) => setTimeout(r, 150));
      expect((await axios.get(`${stoppedPeer.url}/2.0/order/${idle.id}`, { headers })).data.status).toBe('Processing');
    } finally {
      auto.stop();
      await Promise.all([autoPeer.close(), stoppedPeer.close()]);
    }
  });

  it('answers 503 during an outage and 5xx when every request fails', async () => {
    await wms.put('/__sandbox/faults', { outage: true });
    expect((await wms.post('/2.0/order', orderRequest('000000109'))).status).toBe(503);
    await wms.put('/__sandbox/faults', { outage: false, rate5xx: 1 });
    expect((await wms.get('/2.0/order')).status).toBeGreaterThanOrEqual(500);
    await wms.put('/__sandbox/faults', {});
    expect((await wms.get('/2.0/order')).status).toBe(200);
  });

  it('keeps orders across a restart when given a data file, still refusing a known reference_id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wms-sandbox-'));
    const headers = { Authorization: `Bearer ${token}` };
    try {
      const dataFile = join(dir, 'wms.json');
      const first = createWmsSandbox({ token, webhookSecret, dataFile });
      const running = await startPeer(first);
      const order = (await axios.post(`${running.url}/2.0/order`, orderRequest('KEEP-1'), { headers })).data;
      first.store.flush();
      first.stop();
      await running.close();

      const second = createWmsSandbox({ token, webhookSecret, dataFile });
      const again = await startPeer(second);
      try {
        expect((await axios.get(`${again.url}/2.0/order/${order.id}`, { headers })).data.reference_id).toBe('KEEP-1');
        expect(
          (await axios.post(`${again.url}/2.0/order`, orderRequest('KEEP-1'), { headers, validateStatus: () => true }))
            .status,
        ).toBe(422);
        expect((await axios.post(`${again.url}/2.0/order`, orderRequest('KEEP-2'), { headers })).data.id).toBe(
          order.id + 1,
        );
      } finally {
        second.stop();
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start with a webhook secret that is not a Standard Webhooks key', () => {
    expect(() => createWmsSandbox({ token, webhookSecret: 'whsec_not base64!' })).toThrow(/whsec_/);
  });
});
