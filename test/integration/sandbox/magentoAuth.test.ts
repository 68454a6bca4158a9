import { createHmac } from 'node:crypto';
import axios from 'axios';
import { MagentoClient } from '../../../integrations/magento/client';
import { authorizationHeader } from '../../../integrations/magento/oauth1';
import { searchCriteriaQuery } from '../../../integrations/magento/searchCriteria';
import { createOrder, magentoClient, orderEntity, startMagento, type RunningMagento } from './magentoHelpers';

const oauthCredentials = {
  consumerKey: 'ck_sandbox',
  consumerSecret: 'cs_sandbox',
  accessToken: 'at_sandbox',
  tokenSecret: 'ts_sandbox',
};

function oauthHeader(
  method: string,
  url: string,
  options: { algorithm?: 'sha256' | 'sha1'; tokenSecret?: string } = {},
): string {
  return authorizationHeader({
    method,
    url,
    credentials: { ...oauthCredentials, tokenSecret: options.tokenSecret ?? oauthCredentials.tokenSecret },
    signatureMethod: options.algorithm === 'sha1' ? 'HMAC-SHA1' : 'HMAC-SHA256',
  });
}

/**
 * A signer that gets RFC 5849 3.4.1.3.2 wrong: it takes each query name through `nameInBaseString` instead of
 * decoding and re-encoding it (values are decoded and encoded correctly), then signs as usual with HMAC-SHA256.
 */
function naiveHeader(url: string, nameInBaseString: (sent: string) => string): string {
  const enc = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const u = new URL(url);
  const oauth: Array<[string, string]> = [
    ['oauth_consumer_key', oauthCredentials.consumerKey],
    ['oauth_nonce', 'naive-nonce'],
    ['oauth_signature_method', 'HMAC-SHA256'],
    ['oauth_timestamp', String(Math.floor(Date.now() / 1000))],
    ['oauth_token', oauthCredentials.accessToken],
    ['oauth_version', '1.0'],
  ];
  const query = u.search
    .slice(1)
    .split('&')
    .map((pair): [string, string] => {
      const [name = '', value = ''] = pair.split('=');
      return [nameInBaseString(name), enc(decodeURIComponent(value.replace(/\+/g, ' ')))];
    });
  const params = [...oauth.map(([k, v]): [string, string] => [k, enc(v)]), ...query]
    .sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : 1) : ak < bk ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const base = `GET&${enc(`${u.origin}${u.pathname}`)}&${enc(params)}`;
  const signature = createHmac('sha256', `${oauthCredentials.consumerSecret}&${oauthCredentials.tokenSecret}`)
    .update(base)
    .digest('base64');
  oauth.push(['oauth_signature', signature]);
  return `OAuth ${oauth.map(([k, v]) => `${k}="${enc(v)}"`).join(', ')}`;
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
    axios.get(`${magento.url}${path}`, {
      headers: authorization ? { Authorization: authorization } : {},
      validateStatus: () => true,
    });

  it('accepts the configured bearer token', async () => {
    const res = await get(`/rest/default/V1/orders/${orderId}`, 'Bearer bearer-secret-value');
    expect(res.status).toBe(200);
  });

  it('answers 401 with Magento’s message and the ACL resource when the token is missing or wrong', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token', 'Basic YWRtaW46YWRtaW4=']) {
      const res = await get(`/rest/default/V1/orders/${orderId}`, authorization);
      expect(res.status).toBe(401);
      expect(res.data).toEqual({
        message: "The consumer isn't authorized to access %resources.",
        parameters: { resources: 'Magento_Sales::actions_view' },
      });
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
    expect(
      (await get(`/rest/default/V1/orders/${orderId}`, oauthHeader('GET', plain, { algorithm: 'sha1' }))).status,
    ).toBe(200);

    // Raw brackets and a URLSearchParams-encoded query (`%5B`, `+` for a space) are the same parameters once decoded.
    const raw =
      '/rest/default/V1/orders?searchCriteria[filter_groups][0][filters][0][field]=customer_email&searchCriteria[filter_groups][0][filters][0][value]=ada@example.com';
    expect((await get(raw, oauthHeader('GET', `${magento.url}${raw}`))).status).toBe(200);
    const encoded = `/rest/default/V1/orders?${new URLSearchParams({
      'searchCriteria[filter_groups][0][filters][0][field]': 'customer_email',
      'searchCriteria[filter_groups][0][filters][0][value]': 'ada lovelace@example.com',
    }).toString()}`;
    const res = await get(encoded, oauthHeader('GET', `${magento.url}${encoded}`));
    expect(res.status).toBe(200);
    expect(res.data.total_count).toBe(0);
  });

  it('lets the product’s MagentoClient search orders over OAuth with several bracketed filter groups', async () => {
    const api = magentoClient(magento.url, { token: 'bearer-secret-value' });
    const wanted = await createOrder(api, { customer_email: 'grace hopper+orders@example.com' });
    await createOrder(api, {
      customer_email: 'grace hopper+orders@example.com',
      grand_total: 70,
      base_grand_total: 70,
    });
    const client = new MagentoClient({
      baseUrl: `${magento.url}/rest/default`,
      auth: { kind: 'oauth', ...oauthCredentials },
    });
    const result = await client.searchOrders(
      [
        [{ field: 'customer_email', value: 'grace hopper+orders@example.com' }],
        [{ field: 'grand_total', value: 50, conditionType: 'lteq' }],
        [
          { field: 'increment_id', value: wanted.increment_id },
          { field: 'increment_id', value: 'no-such-order' },
        ],
      ],
      { pageSize: 5, sortOrders: [{ field: 'created_at', direction: 'DESC' }] },
    );
    expect(result.items.map((o) => o.increment_id)).toEqual([wanted.increment_id]);
    expect(await client.findOrderByIncrementId(wanted.increment_id)).toMatchObject({ entity_id: wanted.entity_id });
  });

  it('refuses with 401 a search signed with the query names encoded the wrong way', async () => {
    const path = `/rest/default/V1/orders?${searchCriteriaQuery([[{ field: 'customer_email', value: 'ada@example.com' }], [{ field: 'status', value: 'pending' }]])}`;
    const url = `${magento.url}${path}`;
    // The naive signer is right when it decodes and re-encodes names, so a refusal below is about the names alone.
    expect(
      (
        await get(
          path,
          naiveHeader(url, (sent) => encodeURIComponent(decodeURIComponent(sent))),
        )
      ).status,
    ).toBe(200);
    // Brackets left unencoded in the parameter string (decoded, never re-encoded).
    const rawBrackets = await get(
      path,
      naiveHeader(url, (sent) => decodeURIComponent(sent)),
    );
    expect(rawBrackets.status).toBe(401);
    expect(rawBrackets.data).toEqual({
      message: "The consumer isn't authorized to access %resources.",
      parameters: { resources: 'Magento_Sales::actions_view' },
    });
    // Names encoded a second time as sent (`%255B`), as the oauth-1.0a package did.
    expect(
      (
        await get(
          path,
          naiveHeader(url, (sent) => encodeURIComponent(sent)),
        )
      ).status,
    ).toBe(401);
  });

  it('accepts an OAuth-signed POST whose JSON body is not part of the signature', async () => {
    const url = `${magento.url}/rest/default/V1/orders`;
    const res = await axios.post(
      url,
      { entity: orderEntity() },
      { headers: { Authorization: oauthHeader('POST', url) }, validateStatus: () => true },
    );
    expect(res.status).toBe(200);
  });

  it('refuses a tampered OAuth signature, a wrong secret and a request replayed against another URL', async () => {
    const url = `${magento.url}/rest/default/V1/orders/${orderId}`;
    const header = oauthHeader('GET', url);
    const tampered = header.replace(
      /oauth_signature="([^"]+)"/,
      (_m, sig: string) => `oauth_signature="${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}"`,
    );
    expect((await get(`/rest/default/V1/orders/${orderId}`, tampered)).status).toBe(401);
    expect(
      (await get(`/rest/default/V1/orders/${orderId}`, oauthHeader('GET', url, { tokenSecret: 'guessed' }))).status,
    ).toBe(401);
    expect((await get('/rest/default/V1/orders/999', header)).status).toBe(401);
  });

  it('logs requests with their /rest/default path and never the Authorization header or signature', async () => {
    await axios.post(`${magento.url}/__sandbox/reset`);
    ({ entity_id: orderId } = await createOrder(magentoClient(magento.url, { token: 'bearer-secret-value' })));
    await get(`/rest/default/V1/orders/${orderId}`, 'Bearer bearer-secret-value');
    await get(`/rest/V1/orders/${orderId}`, oauthHeader('GET', `${magento.url}/rest/V1/orders/${orderId}`));
    const log = (await axios.get(`${magento.url}/__sandbox/requests`)).data as {
      method: string;
      path: string;
      status: number;
    }[];
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
