import axios from 'axios';
import { ApplicationFailure } from '@temporalio/common';
import { MagentoClient } from '../../../activities/magento/client';
import { ExternalSystemError, parseRetryAfter } from '../../../activities/http/errors';
import { toFailure } from '../../../worker/failureMapping';
import { createMagentoSandbox } from '../../../sandbox/magento';
import { startPeer, type RunningPeer } from '../../harness/peers';

describe('calls to an external system that is failing', () => {
  let peer: RunningPeer;
  let magento: MagentoClient;
  beforeAll(async () => {
    peer = await startPeer(createMagentoSandbox({ token: 'resilience-token' }));
    magento = new MagentoClient({ baseUrl: `${peer.url}/rest/default`, auth: { kind: 'token', token: 'resilience-token' } });
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
    const mapped = toFailure(new ExternalSystemError('Magento', 'POST /V1/orders/1/hold → 429', 429, 'transient', parseRetryAfter('7'))) as ApplicationFailure;
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
      const magento = new MagentoClient({ baseUrl: `${peer.url}/rest/default`, auth: { kind: 'token', token: 'pii-token' } });
      await axios.put(`${peer.url}/__sandbox/faults`, { rate5xx: 1 });
      const failure = await magento.searchOrders([[{ field: 'customer_email', value: 'ada@example.com' }]]).catch((e) => e);
      expect(failure.message).toMatch(/^Magento: GET \/V1\/orders → 50\d/);
      expect(failure.message).not.toMatch(/example\.com|searchCriteria/);
    } finally {
      await peer.close();
    }
  });
});
