import { createHmac } from 'node:crypto';
import axios from 'axios';
import OAuth from 'oauth-1.0a';
import { createOrder, magentoClient, orderEntity, startMagento, type RunningMagento } from './magentoHelpers';

const oauthCredentials = { consumerKey: 'ck_sandbox', consumerSecret: 'cs_sandbox', accessToken: 'at_sandbox', tokenSecret: 'ts_sandbox' };

function oauthHeader(method: string, url: string, options: { algorithm?: 'sha256' | 'sha1'; tokenSecret?: string; data?: Record<string, string> } = {}): string {
  const algorithm = options.algorithm ?? 'sha256';
  const oauth = new OAuth({
    consumer: { key: oauthCredentials.consumerKey, secret: oauthCredentials.consumerSecret },
    signature_method: algorithm === 'sha256' ? 'HMAC-SHA256' : 'HMAC-SHA1',
    hash_function: (base, key) => createHmac(algorithm, key).update(base).digest('base64'),
  });
  const data = oauth.authorize({ url, method, data: options.data }, { key: oauthCredentials.accessToken, secret: options.tokenSecret ?? oauthCredentials.tokenSecret });
  return oauth.toHeader(data).Authorization;
}

describe('Magento sandbox: authentication and the request log', () => {
  let magento: RunningMagento;
  let orderId: number;

  beforeAll(async () => {
    magento = await startMagento({ token: 'bearer-secret-value', oauth: oauthCredentials });
    ({ entity_id: orderId } = await createOrder(magentoClient(magento.url, { token: 'bearer-secret-value' })));
  });
  afterAll(() => magento.close());

  const get = (path: string, authorization?: string) =>
    axios.get(`${magento.url}${path}`, { headers: authorization ? { Authorization: authorization } : {}, validateStatus: () => true });

  it('accepts the configured bearer token', async () => {
    const res = await get(`/rest/default/V1/orders/${orderId}`, 'Bearer bearer-secret-value');
    expect(res.status).toBe(200);
  });

  it('answers 401 with Magento’s message and the ACL resource when the token is missing or wrong', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token', 'Basic YWRtaW46YWRtaW4=']) {
      const res = await get(`/rest/default/V1/orders/${orderId}`, authorization);
      expect(res.status).toBe(401);
      expect(res.data).toEqual({ message: "The consumer isn't authorized to access %resources.", parameters: { resources: 'Magento_Sales::actions_view' } });
    }
    const customers = await get('/rest/default/V1/customers/1');
    expect(customers.data.parameters).toEqual({ resources: 'Magento_Customer::customer' });
  });

  it('answers an unknown route with 404 even without credentials, as Magento’s router does', async () => {
    const res = await get('/rest/default/V1/no-such-thing');
    expect(res.status).toBe(404);
  });

  it('accepts OAuth 1.0a HMAC-SHA256 and HMAC-SHA1 signatures, with searchCriteria in the query', async () => {
    const plain = `${magento.url}/rest/default/V1/orders/${orderId}`;
    expect((await get(`/rest/default/V1/orders/${orderId}`, oauthHeader('GET', plain))).status).toBe(200);
    expect((await get(`/rest/default/V1/orders/${orderId}`, oauthHeader('GET', plain, { algorithm: 'sha1' }))).status).toBe(200);

    // Signed over the raw brackets (RFC 5849) and over a URLSearchParams-encoded query (as the product's client signs it).
    const raw = '/rest/default/V1/orders?searchCriteria[filter_groups][0][filters][0][field]=customer_email&searchCriteria[filter_groups][0][filters][0][value]=ada@example.com';
    expect((await get(raw, oauthHeader('GET', `${magento.url}${raw}`))).status).toBe(200);
    const encoded = `/rest/default/V1/orders?${new URLSearchParams({
      'searchCriteria[filter_groups][0][filters][0][field]': 'customer_email',
      'searchCriteria[filter_groups][0][filters][0][value]': 'ada lovelace@example.com',
    }).toString()}`;
    const res = await get(encoded, oauthHeader('GET', `${magento.url}${encoded}`));
    expect(res.status).toBe(200);
    expect(res.data.total_count).toBe(0);
  });

  it('accepts an OAuth-signed POST whose JSON body is not part of the signature', async () => {
    const url = `${magento.url}/rest/default/V1/orders`;
    const res = await axios.post(url, { entity: orderEntity() }, { headers: { Authorization: oauthHeader('POST', url) }, validateStatus: () => true });
    expect(res.status).toBe(200);
  });

  it('refuses a tampered OAuth signature, a wrong secret and a request replayed against another URL', async () => {
    const url = `${magento.url}/rest/default/V1/orders/${orderId}`;
    const header = oauthHeader('GET', url);
    const tampered = header.replace(/oauth_signature="([^"]+)"/, (_m, sig: string) => `oauth_signature="${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}"`);
    expect((await get(`/rest/default/V1/orders/${orderId}`, tampered)).status).toBe(401);
    expect((await get(`/rest/default/V1/orders/${orderId}`, oauthHeader('GET', url, { tokenSecret: 'guessed' }))).status).toBe(401);
    expect((await get('/rest/default/V1/orders/999', header)).status).toBe(401);
  });

  it('logs requests with their /rest/default path and never the Authorization header or signature', async () => {
    await axios.post(`${magento.url}/__sandbox/reset`);
    ({ entity_id: orderId } = await createOrder(magentoClient(magento.url, { token: 'bearer-secret-value' })));
    await get(`/rest/default/V1/orders/${orderId}`, 'Bearer bearer-secret-value');
    await get(`/rest/V1/orders/${orderId}`, oauthHeader('GET', `${magento.url}/rest/V1/orders/${orderId}`));
    const log = (await axios.get(`${magento.url}/__sandbox/requests`)).data as { method: string; path: string; status: number }[];
    expect(log.map((r) => [r.method, r.path, r.status])).toEqual([
      ['POST', '/rest/default/V1/orders', 200],
      ['GET', `/rest/default/V1/orders/${orderId}`, 200],
      ['GET', `/rest/V1/orders/${orderId}`, 200],
    ]);
    const text = JSON.stringify(log);
    expect(text).not.toContain('bearer-secret-value');
    expect(text).not.toContain('oauth_signature');
    expect(text).not.toContain(oauthCredentials.accessToken);
  });
});
