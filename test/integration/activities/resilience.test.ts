import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { ApplicationFailure } from '@temporalio/common';
import { MagentoClient } from '../../../integrations/magento/client';
import { ExternalSystemError, parseRetryAfter } from '../../../integrations/http/errors';
import { defaultResilience, ResilientHttp } from '../../../integrations/http/resilientHttp';
import { toFailure } from '../../../worker/failureMapping';
import { createMagentoSandbox } from '../../../sandbox/magento';
import { startPeer, type RunningPeer } from '../../harness/peers';

describe('calls to an external system that is failing', () => {
  let peer: RunningPeer;
  let magento: MagentoClient;
  beforeAll(async () => {
    peer = await startPeer(createMagentoSandbox({ token: 'resilience-token' }));
    magento = new MagentoClient({
      baseUrl: `${peer.url}/rest/default`,
      auth: { kind: 'token', token: 'resilience-token' },
    });
  });
  afterAll(() => peer?.close());
  beforeEach(() => axios.post(`${peer.url}/__sandbox/reset`));

  const requestCount = async () => ((await axios.get(`${peer.url}/__sandbox/requests`)).data as unknown[]).length;

  it('retries a read a few times before giving up, and reports the failure as retryable', async () => {
    await axios.put(`${peer.url}/__sandbox/faults`, { rate5xx: 1 });
    const failure = await magento.getOrder(1).catch((e) => e);
    expect(failure).toBeInstanceOf(ExternalSystemError);
    expect(failure).toMatchObject({ system: 'Magento', retryable: true, failureType: 'MagentoUnavailable' });
    expect(await requestCount()).toBe(3);
  });

  it('sends a write once and leaves its retries to Temporal', async () => {
    await axios.put(`${peer.url}/__sandbox/faults`, { rate429: 1 });
    const failure = await magento.hold(1).catch((e) => e);
    expect(failure).toMatchObject({ retryable: true, status: 429 });
    expect(await requestCount()).toBe(1);
  });

  it('fails fast, without retries, on a refusal no retry can change', async () => {
    const failure = await magento.getOrder(424242).catch((e) => e);
    expect(failure).toMatchObject({ retryable: false, status: 404, kind: 'bad_data', failureType: 'BadData' });
    const mapped = toFailure(failure) as ApplicationFailure;
    expect(mapped).toBeInstanceOf(ApplicationFailure);
    expect(mapped.nonRetryable).toBe(true);
    expect(await requestCount()).toBe(1);
  });

  it('turns a Retry-After into the next retry delay of the activity', () => {
    const mapped = toFailure(
      new ExternalSystemError('Magento', 'POST /V1/orders/1/hold → 429', 429, 'transient', parseRetryAfter('7')),
    ) as ApplicationFailure;
    expect(mapped.nonRetryable).toBe(false);
    expect(mapped.nextRetryDelay).toBe(7000);
    expect(parseRetryAfter(undefined)).toBeUndefined(); // Fastly's HTML 429 page: Temporal's own backoff applies
    expect(parseRetryAfter(new Date(Date.now() + 3000).toUTCString())).toBeGreaterThan(1000);
  });
});

describe('failure messages', () => {
  it('name the method and path but never the query string, where a customer e-mail may be', async () => {
    const peer = await startPeer(createMagentoSandbox({ token: 'pii-token' }));
    try {
      const magento = new MagentoClient({
        baseUrl: `${peer.url}/rest/default`,
        auth: { kind: 'token', token: 'pii-token' },
      });
      await axios.put(`${peer.url}/__sandbox/faults`, { rate5xx: 1 });
      const failure = await magento
        .searchOrders([[{ field: 'customer_email', value: 'ada@example.com' }]])
        .catch((e) => e);
      expect(failure.message).toMatch(/^Magento: GET \/V1\/orders → 50\d/);
      expect(failure.message).not.toMatch(/example\.com|searchCriteria/);
    } finally {
      await peer.close();
    }
  });
});

describe('the per-system rate limit', () => {
  it('lets a short burst go at once and holds every second to the rate plus that burst', async () => {
    const arrivals: number[] = [];
    const server = createServer((_req, res) => {
      arrivals.push(performance.now());
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const vocabulary = { messageOf: () => 'failed', kindOf: () => 'transient' as const };
      const http = new ResilientHttp('Test', axios.create({ baseURL: `http://127.0.0.1:${port}` }), vocabulary, {
        ...defaultResilience,
        ratePerSecond: 20,
        maxConcurrent: 50,
      });
      await http.request({ url: '/', method: 'GET' });
      await new Promise((r) => setTimeout(r, 500)); // the bucket full again
      arrivals.length = 0;
      const began = performance.now();
      await Promise.all(Array.from({ length: 44 }, () => http.request({ url: '/', method: 'GET' })));
      const { burst, perSecond } = { burst: Math.ceil(20 / 5), perSecond: 20 };
      arrivals.sort((a, b) => a - b);
      // The burst is not spaced out: bottleneck's `minTime` (as before) put 50 ms between each, 150 ms over four.
      expect(arrivals[burst - 1]! - arrivals[0]!).toBeLessThan(100);
      // No window of one second holds more than the rate plus the burst, so 44 requests need at least 2 s.
      for (let i = 0; i < arrivals.length; i++) {
        expect(arrivals.filter((t) => t >= arrivals[i]! && t < arrivals[i]! + 1000).length).toBeLessThanOrEqual(
          perSecond + burst,
        );
      }
      expect(arrivals[arrivals.length - 1]! - began).toBeGreaterThanOrEqual(1500);
    } finally {
      server.close();
    }
  });
});
