import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import { createWmsActivities } from '../../activities/wms/activities';
import { loadMappings, orderSettingsFrom } from '../../config/mappings';
import { wmsOrderFor } from '../../domain/fulfilment';
import { orderSnapshotOf } from '../../domain/orderSnapshot';
import { WmsClient } from '../../integrations/wms/client';
import { createWmsSandbox, type WmsSandbox } from '../../sandbox/wms';
import { startPeer, type RunningPeer } from '../harness/peers';
import { describeIfShipBobSpec, loadShipBobSpec, type Exchange, type ShipBobSpec } from '../harness/shipbobSpec';
import { thrown } from '../harness/thrown';

const token = 'contract-wms-token';
const channelId = '100101';
const settings = orderSettingsFrom(loadMappings(join(__dirname, '../../config/mappings.yaml')));

/**
 * A pass-through in front of the sandbox that keeps every exchange as it crossed the wire: the client's own method,
 * path, query, headers and body, and the sandbox's status and body.
 */
async function startRecorder(target: string): Promise<{ url: string; exchanges: Exchange[]; close(): Promise<void> }> {
  const exchanges: Exchange[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          const answerChunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => answerChunks.push(c));
          answer.on('end', () => {
            const responseBody = Buffer.concat(answerChunks).toString('utf8');
            exchanges.push({
              method: req.method ?? 'GET',
              url: req.url ?? '/',
              headers: req.headers,
              body,
              status: answer.statusCode ?? 0,
              responseBody,
            });
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(responseBody);
          });
        },
      );
      forward.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exchanges,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A Magento order as the product maps it: two lines, a second street line, a region and a phone number. */
function magentoOrder(incrementId: string, skus: [string, string] = ['MUG-01', 'TEE-M']) {
  return orderSnapshotOf({
    entity_id: 7,
    increment_id: incrementId,
    state: 'new',
    status: 'pending',
    order_currency_code: 'USD',
    grand_total: 38.5,
    shipping_amount: 5,
    tax_amount: 3.5,
    customer_email: 'ada@example.com',
    customer_firstname: 'Ada',
    customer_lastname: 'Lovelace',
    items: [
      { item_id: 1, sku: skus[0], name: 'Mug', qty_ordered: 3, price: 3.3333, row_total: 10 },
      { item_id: 2, sku: skus[1], name: 'Tee', qty_ordered: 1, price: 20, row_total: 20 },
    ],
    extension_attributes: {
      shipping_assignments: [
        {
          shipping: {
            address: {
              firstname: 'Ada',
              lastname: 'Lovelace',
              street: ['1 Analytical Way', 'Flat 2'],
              city: 'Austin',
              region: 'TX',
              postcode: '78701',
              country_id: 'US',
              telephone: '+1 512 555 0100',
            },
          },
        },
      ],
    },
  });
}

describeIfShipBobSpec('the WMS client against ShipBob 2026-01')('the WMS client against ShipBob 2026-01', () => {
  let spec: ShipBobSpec;
  let sandbox: WmsSandbox;
  let peer: RunningPeer;
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  let controls: AxiosInstance;
  let client: WmsClient;

  beforeAll(async () => {
    spec = loadShipBobSpec();
    sandbox = createWmsSandbox({ token, webhookSecret: `whsec_${randomBytes(24).toString('base64')}` });
    peer = await startPeer(sandbox);
    recorder = await startRecorder(peer.url);
    controls = axios.create({ baseURL: `${peer.url}/__sandbox` });
    client = new WmsClient({ baseUrl: recorder.url, token, channelId });
  });

  afterAll(async () => {
    sandbox.stop();
    await recorder?.close();
    await peer?.close();
  });

  it('sends only requests the spec allows, and the sandbox answers each as the spec says', async () => {
    const wms = createWmsActivities(client);
    await controls.post('/inventory', { sku: 'LOW-1', quantity: 1, name: 'Scarce mug' });

    const created = await wms.createWmsOrder(wmsOrderFor(magentoOrder('000000201'), settings.wms));
    expect(created).toMatchObject({ created: true, status: 'Processing' });
    // A second create of the same order: found by reference, not sent again.
    expect(await wms.createWmsOrder(wmsOrderFor(magentoOrder('000000201'), settings.wms))).toMatchObject({
      created: false,
    });
    // ShipBob's 422s: the duplicate reference, and a tracked SKU without the stock.
    await thrown(client.createOrder(wmsOrderFor(magentoOrder('000000201'), settings.wms)));
    const refused = await thrown(
      wms.createWmsOrder(wmsOrderFor(magentoOrder('000000202', ['LOW-1', 'TEE-M']), settings.wms)),
    );
    expect(refused).toMatchObject({ status: 422, kind: 'business_refusal' });

    expect((await client.getOrder(created.orderId)).reference_id).toBe('000000201');
    expect(await client.listShipments(created.orderId)).toEqual([
      expect.objectContaining({ order_id: created.orderId, status: 'Processing' }),
    ]);
    expect(await wms.cancelWmsOrder('000000201')).toEqual({ cancelled: true });

    const shipped = await wms.createWmsOrder(wmsOrderFor(magentoOrder('000000203'), settings.wms));
    await controls.post(`/orders/${shipped.orderId}/ship`, {});
    await controls.post(`/orders/${shipped.orderId}/deliver`, {});
    expect((await client.listShipments(shipped.orderId))[0]).toMatchObject({
      status: 'Completed',
      tracking: { tracking_number: expect.any(String) },
      delivery_date: expect.any(String),
    });
    expect(await wms.cancelWmsOrder('000000203')).toEqual({ cancelled: false, reason: 'already shipped' });
    expect(await wms.getWmsOrder('000000203')).toMatchObject({ status: 'Fulfilled' });
    await thrown(client.cancelOrder(shipped.orderId)); // ShipBob's 422 for a shipped order, validated below
    await thrown(client.getOrder(999)); // 404

    const items = Array.from({ length: 120 }, (_, i) => ({ sku: `INV-${String(i).padStart(3, '0')}`, quantity: i }));
    await controls.post('/inventory', { items });
    const levels = await client.listInventoryLevels({ pageSize: 50 });
    expect(levels.map((l) => l.sku)).toEqual(['LOW-1', ...items.map((i) => i.sku)]);
    expect(levels[1]).toMatchObject({ total_on_hand_quantity: 0, total_fulfillable_quantity: 0 });
    const inventoryReads = recorder.exchanges.filter((e) => e.url.startsWith('/2026-01/inventory-level'));
    expect(inventoryReads).toHaveLength(3);

    const sent = recorder.exchanges.map(
      (e) => `${e.method} ${spec.templateFor(e.method, new URL(e.url, 'http://x').pathname)} ${e.status}`,
    );
    expect(new Set(sent)).toEqual(
      new Set([
        'GET /2026-01/order 200',
        'POST /2026-01/order 201',
        'POST /2026-01/order 422',
        'GET /2026-01/order/{orderId} 200',
        'GET /2026-01/order/{orderId} 404',
        'GET /2026-01/order/{orderId}/shipment 200',
        'POST /2026-01/order/{orderId}:cancel 200',
        'POST /2026-01/order/{orderId}:cancel 422',
        'GET /2026-01/inventory-level 200',
      ]),
    );
    // `next` links carry the sandbox's own `Cursor`, which the spec's inventory-level operation does not list.
    const problems = recorder.exchanges.flatMap((e) => [
      ...spec.requestProblems(e, e.url.startsWith('/2026-01/inventory-level') ? ['Cursor'] : []),
      ...spec.responseProblems(e),
    ]);
    expect(problems).toEqual([]);
  });

  it('refuses what ShipBob would: an unknown field, a missing required field, an unknown query parameter, no channel', () => {
    const body = wmsOrderFor(magentoOrder('000000301'), settings.wms);
    expect(spec.bodyProblems('POST', '/2026-01/order', body)).toEqual([]);
    expect(spec.bodyProblems('POST', '/2026-01/order', { ...body, colour: 'blue' })).not.toEqual([]);
    expect(
      spec.bodyProblems('POST', '/2026-01/order', {
        ...body,
        recipient: { ...body.recipient, address: { ...body.recipient.address, floor: 3 } },
      }),
    ).not.toEqual([]);
    const { recipient: _recipient, ...noRecipient } = body;
    expect(spec.bodyProblems('POST', '/2026-01/order', noRecipient).join('\n')).toMatch(/recipient/);
    const { name: _name, ...unnamed } = body.products[0]!;
    expect(spec.bodyProblems('POST', '/2026-01/order', { ...body, products: [unnamed] })).not.toEqual([]);

    const exchange = {
      method: 'POST',
      url: '/2026-01/order',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json', shipbob_channel_id: channelId },
      body: JSON.stringify(body),
    };
    expect(spec.requestProblems(exchange)).toEqual([]);
    expect(
      spec.requestProblems({ ...exchange, headers: { ...exchange.headers, shipbob_channel_id: undefined } }),
    ).toEqual(['POST /2026-01/order: required header shipbob_channel_id missing']);
    expect(spec.requestProblems({ ...exchange, url: '/2026-01/order?Colour=blue' })).toEqual([
      'POST /2026-01/order: unknown query parameter Colour',
    ]);
    expect(spec.requestProblems({ ...exchange, url: '/2.0/order' })).toEqual([
      'POST /2.0/order: no such operation in the spec',
    ]);
    expect(spec.requestProblems({ ...exchange, method: 'POST', url: '/2026-01/order/abc:cancel', body: '' })).toEqual([
      'POST /2026-01/order/{orderId}:cancel: path orderId=abc is not a number',
    ]);
    expect(
      spec.responseProblems({
        ...exchange,
        method: 'GET',
        url: '/2026-01/order/1',
        status: 200,
        responseBody: '{"id":1,"name":"x"}',
      }),
    ).not.toEqual([]);
  });
});
