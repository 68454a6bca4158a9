import { randomBytes } from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import { ExternalSystemError } from '../../../integrations/http/errors';
import { createWmsActivities, type WmsActivities } from '../../../activities/wms/activities';
import { WmsClient } from '../../../integrations/wms/client';
import type { WmsOrderInput } from '../../../domain/fulfilment';
import { createWmsSandbox, type WmsSandbox } from '../../../sandbox/wms';
import { startPeer, type RunningPeer } from '../../harness/peers';
import { thrown } from '../../harness/thrown';

const token = 'wms-token';
const channelId = '100101';
const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;

function orderInput(referenceId = '000000101', skus: string[] = ['SKU-1']): WmsOrderInput {
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

interface RecordedRequest {
  method: string;
  path: string;
  status: number;
}

describe('ShipBob activities', () => {
  let sandbox: WmsSandbox;
  let peer: RunningPeer;
  let http: AxiosInstance;
  let client: WmsClient;
  let wms: WmsActivities;

  beforeAll(async () => {
    sandbox = createWmsSandbox({ token, webhookSecret });
    peer = await startPeer(sandbox);
    http = axios.create({ baseURL: peer.url, headers: { Authorization: `Bearer ${token}` } });
  });

  afterAll(async () => {
    sandbox.stop();
    await peer.close();
  });

  beforeEach(async () => {
    await http.post('/__sandbox/reset');
    client = new WmsClient({ baseUrl: peer.url, token, channelId });
    wms = createWmsActivities(client);
  });

  /** Orders the sandbox holds for a reference id, read through its own API. */
  async function ordersFor(referenceId: string): Promise<Array<{ id: number; status: string }>> {
    return (await http.get('/2026-01/order', { params: { ReferenceIds: referenceId } })).data;
  }

  async function requests(): Promise<RecordedRequest[]> {
    return (await http.get('/__sandbox/requests')).data;
  }

  it('creates the WMS order once when the activity runs twice', async () => {
    const first = await wms.createWmsOrder(orderInput());
    const second = await wms.createWmsOrder(orderInput());
    expect(first).toMatchObject({ created: true, status: 'Processing' });
    expect(second).toEqual({ orderId: first.orderId, created: false, status: 'Processing' });
    expect(await ordersFor('000000101')).toEqual([
      expect.objectContaining({ id: first.orderId, status: 'Processing' }),
    ]);
  });

  it('returns the order another worker already created for the same reference id', async () => {
    const direct = await client.createOrder(orderInput());
    expect(await wms.createWmsOrder(orderInput())).toEqual({
      orderId: direct.id,
      created: false,
      status: 'Processing',
    });
    expect(await ordersFor('000000101')).toHaveLength(1);
  });

  it('returns the winner when two creates race and ShipBob refuses the second as a duplicate', async () => {
    // With latency both look-ups answer "none" before either create lands, so one create meets the 422.
    await http.put('/__sandbox/faults', { latencyMs: 100 });
    const [a, b] = await Promise.all([wms.createWmsOrder(orderInput()), wms.createWmsOrder(orderInput())]);
    await http.put('/__sandbox/faults', {});
    expect(a.orderId).toBe(b.orderId);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    const creates = (await requests()).filter((r) => r.method === 'POST' && r.path === '/2026-01/order');
    expect(creates.map((r) => r.status).sort()).toEqual([201, 422]);
    expect(await ordersFor('000000101')).toHaveLength(1);
  });

  it('refuses an out-of-stock SKU with a non-retryable error naming the SKU', async () => {
    await http.put('/__sandbox/stock', { outOfStockSkus: ['SKU-GONE'] });
    const err = await thrown(wms.createWmsOrder(orderInput('000000102', ['SKU-1', 'SKU-GONE'])));
    expect(err).toBeInstanceOf(ExternalSystemError);
    expect(err).toMatchObject({
      status: 422,
      retryable: false,
      kind: 'business_refusal',
      failureType: 'BusinessRefusal',
    });
    expect((err as Error).message).toContain('SKU-GONE');
    expect((err as Error).message).toContain('out of stock');
    expect(await ordersFor('000000102')).toEqual([]);
  });

  it('refuses more than the fulfillable stock of a tracked SKU as the same business refusal', async () => {
    await http.post('/__sandbox/inventory', { sku: 'SKU-LOW', quantity: 2, exception: 1 });
    const err = await thrown(wms.createWmsOrder(orderInput('000000103', ['SKU-LOW'])));
    expect(err).toMatchObject({ status: 422, retryable: false, kind: 'business_refusal' });
    expect((err as Error).message).toContain('SKU-LOW is out of stock: 1 fulfillable, 2 ordered');
    expect(await ordersFor('000000103')).toEqual([]);
  });

  it('reports cancelling an order the WMS never had as not cancelled, without failing', async () => {
    expect(await wms.cancelWmsOrder('000000404')).toEqual({ cancelled: false, reason: 'no WMS order' });
  });

  it('cancels the WMS order once, and a second cancel makes no call', async () => {
    const { orderId } = await wms.createWmsOrder(orderInput());
    expect(await wms.cancelWmsOrder('000000101')).toEqual({ cancelled: true });
    expect(await wms.cancelWmsOrder('000000101')).toEqual({ cancelled: true });
    const cancels = (await requests()).filter((r) => r.method === 'POST' && r.path.endsWith(':cancel'));
    expect(cancels).toEqual([expect.objectContaining({ path: `/2026-01/order/${orderId}:cancel`, status: 200 })]);
    expect(await ordersFor('000000101')).toEqual([expect.objectContaining({ id: orderId, status: 'Cancelled' })]);
  });

  it('leaves a shipped order alone and says it has already shipped', async () => {
    const { orderId } = await wms.createWmsOrder(orderInput());
    await http.post(`/__sandbox/orders/${orderId}/ship`, {});
    expect(await wms.cancelWmsOrder('000000101')).toEqual({ cancelled: false, reason: 'already shipped' });
    expect(await ordersFor('000000101')).toEqual([expect.objectContaining({ id: orderId, status: 'Fulfilled' })]);
    expect((await requests()).filter((r) => r.path.endsWith(':cancel'))).toEqual([]);
  });

  it('reads the order by reference id, or nothing when there is none', async () => {
    expect(await wms.getWmsOrder('000000101')).toBeUndefined();
    const { orderId } = await wms.createWmsOrder(orderInput());
    expect(await wms.getWmsOrder('000000101')).toMatchObject({
      id: orderId,
      reference_id: '000000101',
      status: 'Processing',
      shipments: [expect.objectContaining({ status: 'Processing' })],
    });
  });

  it('reports a sandbox server fault as a retryable error', async () => {
    await http.put('/__sandbox/faults', { rate5xx: 1 });
    const err = await thrown(wms.createWmsOrder(orderInput()));
    await http.put('/__sandbox/faults', {});
    expect(err).toBeInstanceOf(ExternalSystemError);
    expect(err).toMatchObject({ system: 'Wms', retryable: true, failureType: 'WmsUnavailable' });
  });

  it('reports a wrong token as a non-retryable error', async () => {
    const wrong = createWmsActivities(new WmsClient({ baseUrl: peer.url, token: 'not-the-token', channelId }));
    const err = await thrown(wrong.createWmsOrder(orderInput()));
    expect(err).toBeInstanceOf(ExternalSystemError);
    expect(err).toMatchObject({ status: 401, retryable: false });
    expect((err as Error).message).toContain('Authorization has been denied');
  });
});
