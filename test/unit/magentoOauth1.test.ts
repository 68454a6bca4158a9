import fc from 'fast-check';
import {
  authorizationHeader,
  baseStringUri,
  formParams,
  normalizeParameters,
  sign,
  signatureBaseString,
} from '../../integrations/magento/oauth1';
import { searchCriteriaQuery } from '../../integrations/magento/searchCriteria';
import { verifyOAuthRequest } from '../../sandbox/magento/auth';

/** RFC 5849 section 3.1's example request: query, Authorization header parameters (realm excluded) and form body. */
const rfcQuery = 'b5=%3D%253D&a3=a&c%40=&a2=r%20b';
const rfcOauthParams: Array<[string, string]> = [
  ['oauth_consumer_key', '9djdj82h48djs9d2'],
  ['oauth_token', 'kkk9d7dh3k39sjv7'],
  ['oauth_signature_method', 'HMAC-SHA1'],
  ['oauth_timestamp', '137131201'],
  ['oauth_nonce', '7d8f3e4a'],
];
const rfcBody = 'c2&a3=2+q';

describe('Magento OAuth 1.0a signature base string (RFC 5849 3.4.1)', () => {
  it('normalizes the RFC 5849 3.4.1.3.2 example parameters exactly as the RFC prints them', () => {
    const params = [...formParams(rfcQuery), ...rfcOauthParams, ...formParams(rfcBody)];
    expect(normalizeParameters(params)).toBe(
      'a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9djdj82h48djs9d2&oauth_nonce=7d8f3e4a&' +
        'oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7',
    );
  });

  it('builds the RFC 5849 3.4.1.1 example base string byte for byte', () => {
    expect(signatureBaseString('post', `http://example.com/request?${rfcQuery}`, rfcOauthParams, rfcBody)).toBe(
      'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26' +
        'oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26' +
        'oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7',
    );
  });

  it('gives the RFC 5849 3.4.1.2 base string URIs: lower-case scheme and host, no default port, no query', () => {
    expect(baseStringUri('HTTP://EXAMPLE.COM:80/r%20v/X?id=123')).toBe('http://example.com/r%20v/X');
    expect(baseStringUri('https://www.example.net:8080/?q=1')).toBe('https://www.example.net:8080/');
    expect(baseStringUri('https://Shop.Example.com:443/rest/default/V1/orders?searchCriteria=')).toBe(
      'https://shop.example.com/rest/default/V1/orders',
    );
  });

  it('signs a Magento searchCriteria search with HMAC-SHA256 to the independently computed value', () => {
    const query = searchCriteriaQuery(
      [
        [{ field: 'increment_id', value: '000000042' }],
        [{ field: 'customer_email', value: 'ada lovelace@example.com' }],
      ],
      { pageSize: 1 },
    );
    const url = `https://Shop.Example.com:443/rest/default/V1/orders?${query}`;
    const credentials = {
      consumerKey: 'ck_kat',
      consumerSecret: 'c+s/kat',
      accessToken: 'at_kat',
      tokenSecret: 'ts_kat',
    };
    // Written out by hand from RFC 5849 3.4.1: names decoded then re-encoded, so `[` is %5B in the parameter string
    // and %255B once the whole string is encoded again; the form-encoded `+` in the value is a space (%2520).
    const baseString =
      'GET&https%3A%2F%2Fshop.example.com%2Frest%2Fdefault%2FV1%2Forders&oauth_consumer_key%3Dck_kat%26' +
      'oauth_nonce%3Dkat-nonce-1%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1700000000%26oauth_token%3Dat_kat%26' +
      'oauth_version%3D1.0%26searchCriteria%255Bfilter_groups%255D%255B0%255D%255Bfilters%255D%255B0%255D%255Bcondition_type%255D%3Deq%26' +
      'searchCriteria%255Bfilter_groups%255D%255B0%255D%255Bfilters%255D%255B0%255D%255Bfield%255D%3Dincrement_id%26' +
      'searchCriteria%255Bfilter_groups%255D%255B0%255D%255Bfilters%255D%255B0%255D%255Bvalue%255D%3D000000042%26' +
      'searchCriteria%255Bfilter_groups%255D%255B1%255D%255Bfilters%255D%255B0%255D%255Bcondition_type%255D%3Deq%26' +
      'searchCriteria%255Bfilter_groups%255D%255B1%255D%255Bfilters%255D%255B0%255D%255Bfield%255D%3Dcustomer_email%26' +
      'searchCriteria%255Bfilter_groups%255D%255B1%255D%255Bfilters%255D%255B0%255D%255Bvalue%255D%3Dada%2520lovelace%2540example.com%26' +
      'searchCriteria%255BpageSize%255D%3D1';
    // Computed once outside this code base, with the key `c%2Bs%2Fkat&ts_kat` (both secrets percent-encoded):
    //   printf '%s' "$BASE" | openssl dgst -sha256 -hmac 'c%2Bs%2Fkat&ts_kat' -binary | base64
    // and cross-checked with Python's hmac.new(key, base, hashlib.sha256).
    const expectedSignature = 'U+o1uZz93fSBRPp52N1EEjWWzhOBKGpwqPpbHu0vJH8=';

    const oauthParams: Array<[string, string]> = [
      ['oauth_consumer_key', 'ck_kat'],
      ['oauth_nonce', 'kat-nonce-1'],
      ['oauth_signature_method', 'HMAC-SHA256'],
      ['oauth_timestamp', '1700000000'],
      ['oauth_token', 'at_kat'],
      ['oauth_version', '1.0'],
    ];
    expect(signatureBaseString('GET', url, oauthParams)).toBe(baseString);
    expect(sign(baseString, 'HMAC-SHA256', credentials.consumerSecret, credentials.tokenSecret)).toBe(
      expectedSignature,
    );
    const header = authorizationHeader({
      method: 'get',
      url,
      credentials,
      nonce: 'kat-nonce-1',
      timestampS: 1_700_000_000,
    });
    expect(header).toContain(`oauth_signature="${encodeURIComponent(expectedSignature)}"`);
  });
});

const credentials = {
  consumerKey: 'ck prop',
  consumerSecret: 'cs&prop',
  accessToken: 'at+prop',
  tokenSecret: 'ts%prop',
};
const awkward = fc.constantFrom(
  '[',
  ']',
  '[]',
  ' ',
  '+',
  '%',
  '%20',
  '%zz',
  '&',
  '=',
  '~',
  '*',
  "'",
  'é',
  '€',
  '😀',
  'oauth_',
);
const text = (minLength: number) =>
  fc.string({
    unit: fc.oneof(awkward, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
    minLength,
    maxLength: 12,
  });
const pairs = fc.array(fc.tuple(text(1), text(0)), { minLength: 1, maxLength: 6 });

/** The query as a client would send it: URLSearchParams (space as `+`) or encodeURIComponent (space as `%20`). */
function queryOf(params: Array<[string, string]>, asForm: boolean): string {
  if (asForm) return new URLSearchParams(params).toString();
  return params.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&');
}

/** What the sandbox receives for a URL: the request target as the HTTP client puts it on the wire. */
function received(url: URL, authorization: string) {
  return {
    method: 'GET',
    scheme: url.protocol.slice(0, -1),
    host: url.host,
    target: `${url.pathname}${url.search}`,
    authorization,
  };
}

describe('the product signer and the sandbox verifier', () => {
  const verify = (query: string, authorization: string) =>
    verifyOAuthRequest(
      received(new URL(`http://127.0.0.1:8081/rest/default/V1/orders?${query}`), authorization),
      credentials,
    );

  it('agree on any parameter names and values, and a one-character change in any of them is refused', () => {
    fc.assert(
      fc.property(
        pairs,
        fc.boolean(),
        fc.nat(),
        fc.nat(),
        fc.boolean(),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
        (params, asForm, which, at, inName, replacement) => {
          const query = queryOf(params, asForm);
          const header = authorizationHeader({
            method: 'GET',
            url: `http://127.0.0.1:8081/rest/default/V1/orders?${query}`,
            credentials,
          });
          expect(verify(query, header)).toBe(true);

          const changed = params.map(([n, v]) => [n, v] as [string, string]);
          const pair = changed[which % changed.length] as [string, string];
          const chars = Array.from(pair[inName ? 0 : 1]);
          if (chars.length === 0) chars.push(replacement);
          else {
            const i = at % chars.length;
            chars[i] = chars[i] === replacement ? (replacement === 'x' ? 'y' : 'x') : replacement;
          }
          pair[inName ? 0 : 1] = chars.join('');
          expect(verify(queryOf(changed, asForm), header)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('verifies the RFC 5849 example request only with its form body in the signature', () => {
    const url = `http://example.com/request?${rfcQuery}`;
    const withBody = authorizationHeader({
      method: 'POST',
      url,
      credentials,
      signatureMethod: 'HMAC-SHA1',
      formBody: rfcBody,
    });
    const request = { ...received(new URL(url), withBody), method: 'POST', formBody: rfcBody };
    expect(verifyOAuthRequest(request, credentials)).toBe(true);
    expect(verifyOAuthRequest({ ...request, formBody: 'c2&a3=2+r' }, credentials)).toBe(false);
    const withoutBody = authorizationHeader({ method: 'POST', url, credentials, signatureMethod: 'HMAC-SHA1' });
    expect(verifyOAuthRequest({ ...request, authorization: withoutBody }, credentials)).toBe(false);
  });

  it('refuses a signature made for another host, port or method', () => {
    const header = authorizationHeader({
      method: 'GET',
      url: 'http://127.0.0.1:8081/rest/default/V1/orders/1',
      credentials,
    });
    const request = received(new URL('http://127.0.0.1:8081/rest/default/V1/orders/1'), header);
    expect(verifyOAuthRequest(request, credentials)).toBe(true);
    expect(verifyOAuthRequest({ ...request, host: 'localhost:8081' }, credentials)).toBe(false);
    expect(verifyOAuthRequest({ ...request, host: '127.0.0.1:8082' }, credentials)).toBe(false);
    expect(verifyOAuthRequest({ ...request, method: 'POST' }, credentials)).toBe(false);
    expect(verifyOAuthRequest(request, { ...credentials, tokenSecret: 'other' })).toBe(false);
  });
});
