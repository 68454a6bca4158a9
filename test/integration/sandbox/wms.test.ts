import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import express from 'express';
import { Webhook } from 'standardwebhooks';
import { createWmsSandbox, type WmsSandbox } from '../../../sandbox/wms';
import { startPeer, type RunningPeer } from '../../harness/peers';

const token = 'wms-token';
const channelId = '100101';
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
      headers: { Authorization: `Bearer ${token}`, shipbob_channel_id: channelId },
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
    expect((await axios.get(`${peer.url}/2026-01/order`, { validateStatus: () => true })).status).toBe(401);
    expect(
      (
        await axios.get(`${peer.url}/2026-01/order`, {
          headers: { Authorization: 'Bearer nope' },
          validateStatus: () => true,
        })
      ).status,
    ).toBe(401);
  });

  it('creates an order that is Processing with one unshipped shipment', async () => {
    const res = await wms.post('/2026-01/order', orderRequest('000000101'));
    expect(res.status).toBe(201);
    expect(res.data).toMatchObject({
      id: expect.any(Number),
      reference_id: '000000101',
      order_number: '000000101',
      status: 'Processing',
      type: 'DTC',
      recipient: { name: 'Ada Lovelace', address: { city: 'London', country: 'GB' } },
      products: [{ id: expect.any(Number), reference_id: 'SKU-1', quantity: 2 }],
      shipments: [{ id: expect.any(Number), order_id: res.data.id, status: 'Processing', status_details: [] }],
    });
    expect(res.data.shipments[0]).not.toHaveProperty('tracking');
    expect(Date.parse(res.data.created_date)).not.toBeNaN();
  });

  it('refuses a second order with the same reference_id, naming the existing order', async () => {
    const first = await wms.post('/2026-01/order', orderRequest('000000102'));
    const second = await wms.post('/2026-01/order', orderRequest('000000102'));
    expect(second.status).toBe(422);
    expect(second.data).toEqual({
      reference_id: [`Cannot insert order with existing ReferenceId 000000102 (order ${first.data.id})`],
    });
    expect((await wms.get('/2026-01/order', { params: { ReferenceIds: '000000102' } })).data).toHaveLength(1);
  });

  it('rejects an order for an out-of-stock SKU, configured at start or through the sandbox controls', async () => {
    const gone = await wms.post('/2026-01/order', orderRequest('000000103', ['SKU-1', 'SKU-GONE']));
    expect(gone.status).toBe(422);
    expect(gone.data['products[1].reference_id'][0]).toContain('SKU-GONE');
    expect(gone.data['products[1].reference_id'][0]).toContain('out of stock');

    await wms.put('/__sandbox/stock', { outOfStockSkus: ['SKU-1'] });
    const nowGone = await wms.post('/2026-01/order', orderRequest('000000103', ['SKU-1']));
    expect(nowGone.status).toBe(422);
    expect(nowGone.data['products[0].reference_id'][0]).toContain('SKU-1');

    await wms.put('/__sandbox/stock', { outOfStockSkus: [] });
    expect((await wms.post('/2026-01/order', orderRequest('000000103', ['SKU-1']))).status).toBe(201);
  });

  it('answers 400 with field → messages for a request missing required fields', async () => {
    const request = orderRequest('000000104');
    const res = await wms.post('/2026-01/order', {
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
    for (const ref of ['A-1', 'A-2', 'A-3']) created.push((await wms.post('/2026-01/order', orderRequest(ref))).data);

    const byId = await wms.get(`/2026-01/order/${created[1].id}`);
    expect(byId.data).toMatchObject({ id: created[1].id, reference_id: 'A-2' });
    expect((await wms.get('/2026-01/order/999')).status).toBe(404);

    const byRefs = await wms.get('/2026-01/order', { params: { ReferenceIds: 'A-1,A-3,missing' } });
    expect(byRefs.data.map((o: { reference_id: string }) => o.reference_id).sort()).toEqual(['A-1', 'A-3']);

    const page = await wms.get('/2026-01/order', { params: { Page: 2, Limit: 2, SortOrder: 'Oldest' } });
    expect(page.data.map((o: { reference_id: string }) => o.reference_id)).toEqual(['A-3']);
    expect(page.headers['total-count']).toBe('3');
    expect(page.headers['total-pages']).toBe('2');
  });

  it('cancels an unshipped order and refuses to cancel once it has shipped', async () => {
    const open = (await wms.post('/2026-01/order', orderRequest('000000105'))).data;
    const cancelled = await wms.post(`/2026-01/order/${open.id}:cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.data).toMatchObject({
      order_id: open.id,
      status: 'Success',
      order: { status: 'Cancelled', shipments: [{ status: 'Cancelled' }] },
    });
    expect((await wms.post(`/__sandbox/orders/${open.id}/ship`)).status).toBe(422);

    const shipped = (await wms.post('/2026-01/order', orderRequest('000000106'))).data;
    await wms.post(`/__sandbox/orders/${shipped.id}/ship`);
    const refused = await wms.post(`/2026-01/order/${shipped.id}:cancel`);
    expect(refused.status).toBe(422);
    expect(refused.data.order[0]).toContain('already shipped');
    expect((await wms.get(`/2026-01/order/${shipped.id}`)).data.status).toBe('Fulfilled');
    await waitFor(
      async () => (await wms.get('/__sandbox/webhooks')).data,
      (d) => d[0]?.status === 'delivered',
    );
  });

  it('ships on the sandbox control and delivers an order.shipped webhook whose signature verifies', async () => {
    const order = (await wms.post('/2026-01/order', orderRequest('000000107'))).data;
    const shipped = await wms.post(`/__sandbox/orders/${order.id}/ship`);
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
    const order = (await wms.post('/2026-01/order', orderRequest('000000108'))).data;
    await wms.post(`/__sandbox/orders/${order.id}/ship`);

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
      const headers = { Authorization: `Bearer ${token}`, shipbob_channel_id: channelId };
      const order = (await axios.post(`${autoPeer.url}/2026-01/order`, orderRequest('AUTO-1'), { headers })).data;
      const idle = (await axios.post(`${stoppedPeer.url}/2026-01/order`, orderRequest('AUTO-2'), { headers })).data;
      stopped.stop();

      const fulfilled = await waitFor(
        async () => (await axios.get(`${autoPeer.url}/2026-01/order/${order.id}`, { headers })).data,
        (o) => o.status === 'Fulfilled',
      );
      expect(fulfilled.shipments[0].tracking.carrier).toBe('USPS');
      await waitFor(
        () => receivedFor('AUTO-1'),
        (r) => r.length === 1,
      );

      await new Promise((r) => setTimeout(r, 150));
      expect((await axios.get(`${stoppedPeer.url}/2026-01/order/${idle.id}`, { headers })).data.status).toBe(
        'Processing',
      );
    } finally {
      auto.stop();
      await Promise.all([autoPeer.close(), stoppedPeer.close()]);
    }
  });

  it('answers 503 during an outage and 5xx when every request fails', async () => {
    await wms.put('/__sandbox/faults', { outage: true });
    expect((await wms.post('/2026-01/order', orderRequest('000000109'))).status).toBe(503);
    await wms.put('/__sandbox/faults', { outage: false, rate5xx: 1 });
    expect((await wms.get('/2026-01/order')).status).toBeGreaterThanOrEqual(500);
    await wms.put('/__sandbox/faults', {});
    expect((await wms.get('/2026-01/order')).status).toBe(200);
  });

  it('keeps orders across a restart when given a data file, still refusing a known reference_id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wms-sandbox-'));
    const headers = { Authorization: `Bearer ${token}`, shipbob_channel_id: channelId };
    try {
      const dataFile = join(dir, 'wms.json');
      const first = createWmsSandbox({ token, webhookSecret, dataFile });
      const running = await startPeer(first);
      const order = (await axios.post(`${running.url}/2026-01/order`, orderRequest('KEEP-1'), { headers })).data;
      first.store.flush();
      first.stop();
      await running.close();

      const second = createWmsSandbox({ token, webhookSecret, dataFile });
      const again = await startPeer(second);
      try {
        expect((await axios.get(`${again.url}/2026-01/order/${order.id}`, { headers })).data.reference_id).toBe(
          'KEEP-1',
        );
        expect(
          (
            await axios.post(`${again.url}/2026-01/order`, orderRequest('KEEP-1'), {
              headers,
              validateStatus: () => true,
            })
          ).status,
        ).toBe(422);
        expect((await axios.post(`${again.url}/2026-01/order`, orderRequest('KEEP-2'), { headers })).data.id).toBe(
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

  it('requires shipbob_channel_id to create an order and refuses a channel that is not the sandbox store', async () => {
    const noChannel = await axios.post(`${peer.url}/2026-01/order`, orderRequest('CH-1'), {
      headers: { Authorization: `Bearer ${token}` },
      validateStatus: () => true,
    });
    expect(noChannel.status).toBe(400);
    expect(noChannel.data).toEqual({ shipbob_channel_id: ['The shipbob_channel_id header is required.'] });
    expect(
      (await wms.post('/2026-01/order', orderRequest('CH-1'), { headers: { shipbob_channel_id: '7' } })).status,
    ).toBe(403);
    const read = await axios.get(`${peer.url}/2026-01/order`, { headers: { Authorization: `Bearer ${token}` } });
    expect(read.status).toBe(200);
  });

  it('refuses fields Orders.CreateOrderModel does not have, at every level, and a product by reference without a name', async () => {
    const request = orderRequest('STRICT-1');
    const res = await wms.post('/2026-01/order', {
      ...request,
      colour: 'blue',
      recipient: { ...request.recipient, address: { ...request.recipient.address, floor: 3 } },
      products: [{ reference_id: 'SKU-1', quantity: 1, size: 'M' }],
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.data).sort()).toEqual(['body', 'products[0]', 'products[0].name', 'recipient.address']);
    expect(res.data['products[0].name']).toEqual(['The name field is required.']);
    expect(res.data.body[0]).toContain('colour');
    expect((await wms.get('/2026-01/order', { params: { ReferenceIds: 'STRICT-1' } })).data).toEqual([]);
  });

  it('works out inventory levels from the orders: committed, fulfillable and sellable, on hand down as goods ship', async () => {
    const set = await wms.post('/__sandbox/inventory', {
      sku: 'INV-A',
      quantity: 10,
      exception: 2,
      awaiting: 5,
      name: 'Mug',
    });
    expect(set.status).toBe(200);
    const level = async () =>
      ((await wms.get('/2026-01/inventory-level')).data.items as Array<Record<string, unknown>>).find(
        (i) => i.sku === 'INV-A',
      );
    const order = (ref: string, quantity: number, sku = 'INV-A') =>
      wms.post('/2026-01/order', {
        ...orderRequest(ref),
        products: [{ reference_id: sku, name: 'Mug', quantity }],
      });

    const first = await order('INV-1', 3);
    expect(first.status).toBe(201);
    expect(await level()).toEqual({
      inventory_id: expect.any(Number),
      sku: 'INV-A',
      name: 'Mug',
      total_on_hand_quantity: 10,
      total_committed_quantity: 3,
      total_fulfillable_quantity: 5, // 10 on hand − 2 in exception − 3 committed
      total_sellable_quantity: 10, // fulfillable + 5 awaiting
      total_exception_quantity: 2,
      total_awaiting_quantity: 5,
      total_backordered_quantity: 0,
      total_internal_transfer_quantity: 0,
    });

    const tooMany = await order('INV-2', 6);
    expect(tooMany.status).toBe(422);
    expect(tooMany.data['products[0].reference_id'][0]).toMatch(/INV-A is out of stock: 5 fulfillable, 6 ordered/);
    const second = (await order('INV-2', 5)).data;
    expect(await level()).toMatchObject({ total_committed_quantity: 8, total_fulfillable_quantity: 0 });

    await wms.post(`/2026-01/order/${first.data.id}:cancel`);
    expect(await level()).toMatchObject({ total_committed_quantity: 5, total_fulfillable_quantity: 3 });

    await wms.post(`/__sandbox/orders/${second.id}/ship`);
    expect(await level()).toMatchObject({
      total_on_hand_quantity: 5,
      total_committed_quantity: 0,
      total_fulfillable_quantity: 3,
      total_sellable_quantity: 8,
    });

    // A SKU without a record is not tracked: accepted whatever the quantity, never listed.
    expect((await order('INV-3', 1_000, 'UNTRACKED')).status).toBe(201);
    const listed = (await wms.get('/__sandbox/inventory')).data.items.map((i: { sku: string }) => i.sku);
    expect(listed).toEqual(['INV-A']);
  });

  it('sets 500 SKUs at once and pages their levels with PageSize and next links', async () => {
    const items = Array.from({ length: 500 }, (_, i) => ({ sku: `BULK-${String(i).padStart(3, '0')}`, quantity: i }));
    const set = await wms.post('/__sandbox/inventory', { items });
    expect(set.status).toBe(200);
    expect(set.data.items).toHaveLength(500);

    const firstPage = await wms.get('/2026-01/inventory-level');
    expect(firstPage.data.items).toHaveLength(50);
    expect(firstPage.data.next).toMatch(/^\/2026-01\/inventory-level\?/);

    const seen: string[] = [];
    let next: string | null = '/2026-01/inventory-level?PageSize=200';
    let pages = 0;
    while (next) {
      const page: { status: number; data: { items: Array<{ sku: string }>; next: string | null } } =
        await wms.get(next);
      expect(page.status).toBe(200);
      seen.push(...page.data.items.map((i) => i.sku));
      next = page.data.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(items.map((i) => i.sku));

    const tooBig = await wms.get('/2026-01/inventory-level', { params: { PageSize: 251 } });
    expect(tooBig.status).toBe(400);
    expect(tooBig.data).toMatchObject({ status: 400, title: 'Bad Request' });
    expect((await wms.get('/2026-01/inventory-level', { params: { Cursor: 'bogus' } })).status).toBe(400);
    expect((await wms.post('/__sandbox/inventory', { sku: 'X', quantity: -1 })).status).toBe(400);
  });

  const topicsFor = (referenceId: string) => receivedFor(referenceId).map((w) => String(w.headers['x-webhook-topic']));
  const payloadsFor = (referenceId: string) => receivedFor(referenceId).map((w) => JSON.parse(w.body));

  it('delivers a shipped order on the control, only once and only after it shipped, with order.shipment.delivered', async () => {
    const order = (await wms.post('/2026-01/order', orderRequest('LIFE-1'))).data;
    const early = await wms.post(`/__sandbox/orders/${order.id}/deliver`);
    expect(early.status).toBe(422);
    expect(early.data.order[0]).toContain('has not shipped');

    await wms.post(`/__sandbox/orders/${order.id}/ship`);
    const delivered = await wms.post(`/__sandbox/orders/${order.id}/deliver`);
    expect(delivered.status).toBe(200);
    expect(delivered.data).toMatchObject({
      status: 'Fulfilled',
      shipments: [{ status: 'Completed', delivery_date: expect.any(String), status_details: [{ name: 'Delivered' }] }],
    });
    expect((await wms.post(`/__sandbox/orders/${order.id}/deliver`)).status).toBe(422);

    await waitFor(
      () => topicsFor('LIFE-1'),
      (t) => t.length === 2,
    );
    expect(topicsFor('LIFE-1')).toEqual(['order.shipped', 'order.shipment.delivered']);
    const delivery = receivedFor('LIFE-1')[1]!;
    expect(new Webhook(webhookSecret).verify(delivery.body, delivery.headers as Record<string, string>)).toMatchObject({
      type: 'order.shipment.delivered',
      timestamp: expect.any(String),
      data: {
        order_id: order.id,
        reference_id: 'LIFE-1',
        shipment_id: order.shipments[0].id,
        status: 'Completed',
        status_details: [{ name: 'Delivered' }],
        tracking: { tracking_number: expect.any(String) },
        shipped_at: expect.any(String),
        delivered_at: delivered.data.shipments[0].delivery_date,
      },
    });
  });

  it('holds before shipping, raises exceptions before and after, and refuses a hold once shipped', async () => {
    const order = (await wms.post('/2026-01/order', orderRequest('LIFE-2'))).data;
    const held = await wms.post(`/__sandbox/orders/${order.id}/hold`, { reason: 'Address needs review' });
    expect(held.data).toMatchObject({
      status: 'Exception',
      shipments: [{ status: 'OnHold', status_details: [{ name: 'OnHold', description: 'Address needs review' }] }],
    });
    const raised = await wms.post(`/__sandbox/orders/${order.id}/exception`, {});
    expect(raised.data).toMatchObject({ status: 'Exception', shipments: [{ status: 'Exception' }] });
    expect((await wms.post(`/__sandbox/orders/${order.id}/ship`)).data.status).toBe('Fulfilled');

    const lost = await wms.post(`/__sandbox/orders/${order.id}/exception`, { reason: 'Parcel damaged in transit' });
    expect(lost.data).toMatchObject({
      status: 'Fulfilled',
      shipments: [
        {
          status: 'Exception',
          status_details: [{ name: 'DeliveryException', description: 'Parcel damaged in transit' }],
        },
      ],
    });
    expect((await wms.post(`/__sandbox/orders/${order.id}/hold`, {})).status).toBe(422);
    expect((await wms.post(`/__sandbox/orders/${order.id}/hold`, { reason: 'x', extra: 1 })).status).toBe(400);

    await waitFor(
      () => topicsFor('LIFE-2'),
      (t) => t.length === 4,
    );
    expect(topicsFor('LIFE-2')).toEqual([
      'order.shipment.on_hold',
      'order.shipment.exception',
      'order.shipped',
      'order.shipment.exception',
    ]);
    expect(payloadsFor('LIFE-2').map((p) => [p.data.status, p.data.status_details?.[0]?.description])).toEqual([
      ['OnHold', 'Address needs review'],
      ['Exception', expect.any(String)],
      ['Completed', 'Waiting For Carrier Pickup'],
      ['Exception', 'Parcel damaged in transit'],
    ]);
  });

  it('cancels as the warehouse only before shipping, with order.shipment.cancelled and the stock released', async () => {
    await wms.post('/__sandbox/inventory', { sku: 'SKU-1', quantity: 2 });
    const order = (await wms.post('/2026-01/order', orderRequest('LIFE-3'))).data;
    const cancelled = await wms.post(`/__sandbox/orders/${order.id}/cancel`, { reason: 'Damaged in the warehouse' });
    expect(cancelled.data).toMatchObject({
      status: 'Cancelled',
      shipments: [{ status: 'Cancelled', status_details: [{ description: 'Damaged in the warehouse' }] }],
    });
    expect((await wms.post(`/__sandbox/orders/${order.id}/cancel`)).status).toBe(422);
    expect((await wms.post(`/__sandbox/orders/${order.id}/ship`)).status).toBe(422);
    expect((await wms.get('/2026-01/inventory-level')).data.items[0]).toMatchObject({
      sku: 'SKU-1',
      total_committed_quantity: 0,
      total_fulfillable_quantity: 2,
    });

    const shipped = (await wms.post('/2026-01/order', orderRequest('LIFE-4'))).data;
    await wms.post(`/__sandbox/orders/${shipped.id}/ship`);
    expect((await wms.post(`/__sandbox/orders/${shipped.id}/cancel`, {})).status).toBe(422);
    expect((await wms.post('/__sandbox/orders/999/cancel', {})).status).toBe(404);

    await waitFor(
      () => topicsFor('LIFE-3'),
      (t) => t.length === 1,
    );
    expect(payloadsFor('LIFE-3')[0]).toMatchObject({
      type: 'order.shipment.cancelled',
      data: { order_id: order.id, status: 'Cancelled', status_details: [{ description: 'Damaged in the warehouse' }] },
    });
  });

  it('delivers automatically deliverDelayMs after shipping', async () => {
    const auto = createWmsSandbox({
      token,
      webhookSecret,
      webhookUrl: receiver.url,
      shipDelayMs: 20,
      deliverDelayMs: 40,
      retryBaseMs: 20,
    });
    const autoPeer = await startPeer(auto);
    try {
      const headers = { Authorization: `Bearer ${token}`, shipbob_channel_id: channelId };
      const order = (await axios.post(`${autoPeer.url}/2026-01/order`, orderRequest('AUTO-D'), { headers })).data;
      await waitFor(
        () => topicsFor('AUTO-D'),
        (t) => t.length === 2,
      );
      expect(topicsFor('AUTO-D')).toEqual(['order.shipped', 'order.shipment.delivered']);
      const shipments = (await axios.get(`${autoPeer.url}/2026-01/order/${order.id}/shipment`, { headers })).data;
      expect(shipments[0]).toMatchObject({ status: 'Completed', delivery_date: expect.any(String) });
    } finally {
      auto.stop();
      await autoPeer.close();
    }
  });

  it('upgrades a data file written before 2026-01 and still ships its open orders', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wms-sandbox-old-'));
    const dataFile = join(dir, 'wms.json');
    const recipient = { name: 'Ada', address: { address1: '1 Way', city: 'London', country: 'GB' } };
    const product = { id: 1_000_001, reference_id: 'OLD-1', sku: 'OLD-1', name: 'Old mug', quantity: 2 };
    const old = {
      nextOrderId: 100_000_002,
      nextShipmentId: 200_000_002,
      nextProductId: 1_000_002,
      orders: {
        '100000001': {
          id: 100_000_001,
          created_date: new Date().toISOString(),
          purchase_date: null,
          reference_id: 'OLD-ORDER',
          order_number: 'OLD-ORDER',
          status: 'Processing',
          type: 'DTC',
          channel: { id: 100_101, name: 'Sandbox Store' },
          shipping_method: 'Standard',
          recipient,
          products: [{ ...product, unit_price: null, external_line_id: null }],
          tags: [],
          gift_message: null,
          shipments: [
            {
              id: 200_000_001,
              order_id: 100_000_001,
              reference_id: 'OLD-ORDER',
              recipient,
              created_date: new Date().toISOString(),
              last_update_at: new Date().toISOString(),
              status: 'Processing',
              status_details: [],
              location: { id: 7, name: 'Cicero (IL)' },
              ship_option: 'Standard',
              tracking: null,
              is_tracking_uploaded: false,
              actual_fulfillment_date: null,
              products: [product],
            },
          ],
        },
      },
      productIds: { 'OLD-1': 1_000_001 },
      outOfStockSkus: [],
      webhookUrl: null,
      deliveries: [],
    };
    writeFileSync(dataFile, JSON.stringify(old));
    const upgraded = createWmsSandbox({ token, webhookSecret, dataFile, shipDelayMs: 0, deliverDelayMs: 0 });
    const running = await startPeer(upgraded);
    try {
      const headers = { Authorization: `Bearer ${token}` };
      const webhooks = await waitFor(
        async () => (await axios.get(`${running.url}/__sandbox/webhooks`)).data,
        (d) => d.length === 2,
      );
      expect(webhooks.map((d: { topic: string }) => d.topic)).toEqual(['order.shipped', 'order.shipment.delivered']);
      expect(webhooks[0].payload.data.products).toEqual([{ reference_id: 'OLD-1', sku: 'OLD-1', quantity: 2 }]);
      const shipments = (await axios.get(`${running.url}/2026-01/order/100000001/shipment`, { headers })).data;
      expect(shipments[0]).toMatchObject({ status: 'Completed', delivery_date: expect.any(String) });
    } finally {
      upgraded.stop();
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start with a webhook secret that is not a Standard Webhooks key', () => {
    expect(() => createWmsSandbox({ token, webhookSecret: 'whsec_not base64!' })).toThrow(/whsec_/);
  });
});
