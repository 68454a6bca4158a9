import { createHmac, randomBytes } from 'node:crypto';

/**
 * OAuth 1.0a request signing for Magento's REST API, as RFC 5849 section 3.4 defines it and Magento verifies it:
 * query names and values are form-decoded, then every name and value is percent-encoded again (so
 * `searchCriteria%5BpageSize%5D=1` signs as `searchCriteria%5BpageSize%5D=1`, never `%255B`), sorted and joined.
 */

export type SignatureMethod = 'HMAC-SHA256' | 'HMAC-SHA1';

export interface OAuth1Credentials {
  consumerKey: string;
  consumerSecret: string;
  accessToken: string;
  tokenSecret: string;
}

export interface SignRequest {
  method: string;
  /** The URL exactly as it goes on the wire, query included. */
  url: string | URL;
  credentials: OAuth1Credentials;
  signatureMethod?: SignatureMethod;
  /** An `application/x-www-form-urlencoded` body as sent; JSON bodies are not signed (RFC 5849 3.4.1.3.1). */
  formBody?: string;
  /** Fixed only by tests; otherwise random. */
  nonce?: string;
  /** Fixed only by tests; otherwise now. */
  timestampS?: number;
}

type Octets = string | Uint8Array;
type Param = readonly [name: Octets, value: Octets];

const isUnreserved = (b: number) =>
  (b >= 0x30 && b <= 0x39) ||
  (b >= 0x41 && b <= 0x5a) ||
  (b >= 0x61 && b <= 0x7a) ||
  b === 0x2d ||
  b === 0x2e ||
  b === 0x5f ||
  b === 0x7e;
const hexValue = (b: number | undefined) => (b === undefined ? -1 : Number.parseInt(String.fromCharCode(b), 16));

/** RFC 5849 3.6: UTF-8 octets, everything but ALPHA DIGIT `-._~` as `%XX` with upper-case hex. */
export function percentEncode(text: Octets): string {
  let encoded = '';
  for (const b of typeof text === 'string' ? Buffer.from(text, 'utf8') : text) {
    encoded += isUnreserved(b) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** Form decoding (HTML 4.01 17.13.4): `+` is a space, `%XX` an octet; a stray `%` stays as it is. */
function formDecode(raw: string): Buffer {
  const text = Buffer.from(raw.replace(/\+/g, ' '), 'utf8');
  const octets: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const high = hexValue(text[i + 1]);
    const low = hexValue(text[i + 2]);
    if (text[i] === 0x25 && high >= 0 && low >= 0) {
      octets.push(high * 16 + low);
      i += 2;
    } else {
      octets.push(text[i] ?? 0);
    }
  }
  return Buffer.from(octets);
}

/** Name/value pairs of a query or form body, decoded; `c2` alone is the name `c2` with an empty value. */
export function formParams(encoded: string): Param[] {
  return encoded
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1 ? [formDecode(pair), ''] : [formDecode(pair.slice(0, eq)), formDecode(pair.slice(eq + 1))];
    });
}

/** RFC 5849 3.4.1.3.2: encode each name and value, sort by name then value (byte order), join with `=` and `&`. */
export function normalizeParameters(params: readonly Param[]): string {
  return params
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    .sort(([an, av], [bn, bv]) => (an === bn ? compare(av, bv) : compare(an, bn)))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** RFC 5849 3.4.1.2: lower-case scheme and host, no default port, path as sent, no query or fragment. */
export function baseStringUri(url: string | URL): string {
  const u = new URL(url);
  return `${u.protocol.toLowerCase()}//${u.host.toLowerCase()}${u.pathname}`;
}

/** RFC 5849 3.4.1: `METHOD&uri&params`, the parameters taken from the query, the oauth_* protocol values and a form body. */
export function signatureBaseString(
  method: string,
  url: string | URL,
  oauthParams: readonly Param[],
  formBody?: string,
): string {
  const params = [...formParams(new URL(url).search.slice(1)), ...oauthParams, ...formParams(formBody ?? '')];
  return [method.toUpperCase(), percentEncode(baseStringUri(url)), percentEncode(normalizeParameters(params))].join(
    '&',
  );
}

/** RFC 5849 3.4.2 (and HMAC-SHA256 as Magento 2.4.7+ accepts it): base64 HMAC keyed by both encoded secrets. */
export function sign(
  baseString: string,
  signatureMethod: SignatureMethod,
  consumerSecret: string,
  tokenSecret: string,
): string {
  const key = `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`;
  return createHmac(signatureMethod === 'HMAC-SHA256' ? 'sha256' : 'sha1', key)
    .update(baseString)
    .digest('base64');
}

/** The `Authorization: OAuth …` header value for one request (RFC 5849 3.5.1). */
export function authorizationHeader(request: SignRequest): string {
  const { credentials, signatureMethod = 'HMAC-SHA256' } = request;
  const oauthParams: Array<[string, string]> = [
    ['oauth_consumer_key', credentials.consumerKey],
    ['oauth_nonce', request.nonce ?? randomBytes(16).toString('hex')],
    ['oauth_signature_method', signatureMethod],
    ['oauth_timestamp', String(request.timestampS ?? Math.floor(Date.now() / 1000))],
    ['oauth_token', credentials.accessToken],
    ['oauth_version', '1.0'],
  ];
  const baseString = signatureBaseString(request.method, request.url, oauthParams, request.formBody);
  oauthParams.push([
    'oauth_signature',
    sign(baseString, signatureMethod, credentials.consumerSecret, credentials.tokenSecret),
  ]);
  return `OAuth ${oauthParams.map(([name, value]) => `${percentEncode(name)}="${percentEncode(value)}"`).join(', ')}`;
}
