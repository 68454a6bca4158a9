import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { createOrder, getOrder, startMagento, type RunningMagento } from './magentoHelpers';

describe('Magento sandbox: persistence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'magento-sandbox-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps orders, documents and customers in its file across a new peer instance', async () => {
    const dataFile = join(dir, 'magento.json');
    const first = await startMagento({ token: 'magento-sandbox-test-token', dataFile });
    const created = await createOrder(first.api);
    await first.api.post(`/order/${created.entity_id}/invoice`, {});
    await first.api.post('/customers', { customer: { email: 'lin@example.com', firstname: 'Lin', lastname: 'Ng' } });
    first.peer.store.flush();
    await first.close();

    const second = await startMagento({ token: 'magento-sandbox-test-token', dataFile });
    try {
      const order = await getOrder(second.api, created.entity_id);
      expect(order).toMatchObject({ increment_id: created.increment_id, state: 'processing', total_paid: 50 });
      expect((await second.api.get('/customers/1')).data.email).toBe('lin@example.com');
      // Sequences carry on where the first instance stopped.
      expect((await createOrder(second.api)).entity_id).toBe(created.entity_id + 1);
      expect((await second.api.post(`/order/${created.entity_id + 1}/invoice`, {})).data).toBe(2);
    } finally {
      await second.close();
    }
  });
});

describe('Magento sandbox: faults', () => {
  let magento: RunningMagento;

  beforeAll(async () => {
    magento = await startMagento();
  });
  afterAll(() => magento.close());

  it('injects 429s and 5xx at the configured rates, some 429s being Fastly HTML without Retry-After', async () => {
    const { entity_id: id } = await createOrder(magento.api);
    const faults = await axios.put(`${magento.url}/__sandbox/faults`, { rate429: 0.3, rate5xx: 0.2 });
    expect(faults.status).toBe(200);

    const total = 600;
    const responses = [];
    for (let batch = 0; batch < total / 20; batch += 1) {
      responses.push(...(await Promise.all(Array.from({ length: 20 }, () => magento.api.get(`/orders/${id}`)))));
    }
    const tooMany = responses.filter((r) => r.status === 429);
    const serverErrors = responses.filter((r) => r.status >= 500);
    expect(tooMany.length / total).toBeGreaterThan(0.23);
    expect(tooMany.length / total).toBeLessThan(0.37);
    expect(serverErrors.length / total).toBeGreaterThan(0.13);
    expect(serverErrors.length / total).toBeLessThan(0.27);
    expect(responses.filter((r) => r.status === 200).length).toBe(total - tooMany.length - serverErrors.length);

    const html = tooMany.filter((r) => String(r.headers['content-type']).includes('text/html'));
    const json = tooMany.filter((r) => String(r.headers['content-type']).includes('application/json'));
    expect(html.length).toBeGreaterThan(0);
    expect(json.length).toBeGreaterThan(0);
    expect(
      html.every((r) => r.headers['retry-after'] === undefined && String(r.data).includes('Too Many Requests')),
    ).toBe(true);
    expect(json.every((r) => r.headers['retry-after'] !== undefined)).toBe(true);

    await axios.put(`${magento.url}/__sandbox/faults`, {});
    expect((await magento.api.get(`/orders/${id}`)).status).toBe(200);
  });

  it('answers every API request with 503 during an outage while the sandbox controls keep working', async () => {
    await axios.put(`${magento.url}/__sandbox/faults`, { outage: true });
    expect((await magento.api.get('/orders/1')).status).toBe(503);
    expect((await axios.get(`${magento.url}/__sandbox/faults`)).data).toMatchObject({ outage: true });
    await axios.put(`${magento.url}/__sandbox/faults`, {});
  });
});
