import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import express, { type Request, type RequestHandler } from 'express';

export interface OAuthCredentials {
  consumerKey: string;
  consumerSecret: string;
  accessToken: string;
  tokenSecret: string;
}

export interface MagentoCredentials {
  token?: string;
  oauth?: OAuthCredentials;
}

/** Raw form bodies, kept because an OAuth 1.0a signature covers form parameters exactly as sent. */
const rawForms = new WeakMap<IncomingMessage, string>();

export function formBodyParser(): RequestHandler {
  return express.urlencoded({
    extended: true,
    limit: '5mb',
    verify: (req, _res, buf) => void rawForms.set(req, buf.toString('utf8')),
  });
}

/** Compares secrets in constant time whatever their lengths. */
function safeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** RFC 5849 3.6: UTF-8 octets, everything but ALPHA DIGIT `-._~` as `%XX` with upper-case hex. */
function percentEncode(text: string | Uint8Array): string {
  let encoded = '';
  for (const b of typeof text === 'string' ? Buffer.from(text, 'utf8') : text) {
    const unreserved = /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b));
    encoded += unreserved ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** Percent-decoding to octets (`+` is a space in form encoding, a plus in the Authorization header). */
function decode(raw: string, plusIsSpace: boolean): Buffer {
  const text = Buffer.from(plusIsSpace ? raw.replace(/\+/g, ' ') : raw, 'utf8');
  const octets: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text[i] === 0x25 ? text.subarray(i + 1, i + 3).toString('latin1') : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      octets.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      octets.push(text[i] ?? 0);
    }
  }
  return Buffer.from(octets);
}

type Param = [name: Buffer, value: Buffer];

/** A query or form body as name/value pairs, decoded as HTML form encoding (RFC 5849 3.4.1.3.1). */
function formParams(encoded: string): Param[] {
  return encoded
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1
        ? [decode(pair, true), Buffer.alloc(0)]
        : [decode(pair.slice(0, eq), true), decode(pair.slice(eq + 1), true)];
    });
}

/** The Authorization header's parameters (RFC 5849 3.5.1), names and values percent-decoded. */
function headerParams(header: string): Param[] {
  return [...header.replace(/^OAuth\s+/i, '').matchAll(/([^\s,=]+)\s*=\s*"([^"]*)"/g)].map((match): Param => [
    decode(match[1] ?? '', false),
    decode(match[2] ?? '', false),
  ]);
}

/** The request as it arrived: method, scheme, `Host` header, request target (path and query) and any form body. */
export interface ReceivedRequest {
  method: string;
  scheme: string;
  host: string;
  target: string;
  authorization: string;
  formBody?: string;
}

/**
 * RFC 5849 3.4.1, the one way Magento builds it: method, base string URI (lower-case scheme and host, no default
 * port, no query) and the normalized parameters (query and form body decoded, oauth_* header values except realm
 * and oauth_signature), each name and value re-encoded, sorted by name then value.
 */
function signatureBaseString(request: ReceivedRequest, oauthParams: Param[]): string {
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(request.host)) throw new Error(`not a Host header: ${request.host}`);
  const authority = new URL(`${request.scheme.toLowerCase()}://${request.host}`);
  const [path = '/', query = ''] = request.target.split(/\?(.*)/s);
  const params = [...formParams(query), ...oauthParams, ...formParams(request.formBody ?? '')]
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  return [
    request.method.toUpperCase(),
    percentEncode(`${authority.protocol}//${authority.host}${path}`),
    percentEncode(params),
  ].join('&');
}

/** Verifies an OAuth 1.0a HMAC-SHA256 or HMAC-SHA1 signed request against the one configured integration. */
export function verifyOAuthRequest(request: ReceivedRequest, credentials: OAuthCredentials): boolean {
  const params = headerParams(request.authorization);
  const get = (name: string) => params.find(([k]) => k.toString('utf8') === name)?.[1].toString('utf8');
  const signature = get('oauth_signature');
  const method = get('oauth_signature_method')?.toUpperCase();
  const algorithm = method === 'HMAC-SHA256' ? 'sha256' : method === 'HMAC-SHA1' ? 'sha1' : undefined;
  const version = get('oauth_version');
  if (!signature || !algorithm || (version !== undefined && version !== '1.0')) return false;
  if (!get('oauth_nonce') || !get('oauth_timestamp')) return false;
  const keyMatches = safeEqual(get('oauth_consumer_key') ?? '', credentials.consumerKey);
  const tokenMatches = safeEqual(get('oauth_token') ?? '', credentials.accessToken);
  let baseString: string;
  try {
    baseString = signatureBaseString(
      request,
      params.filter(([k]) => !['oauth_signature', 'realm'].includes(k.toString('utf8'))),
    );
  } catch {
    return false; // a Host header no URL can hold
  }
  const key = `${percentEncode(credentials.consumerSecret)}&${percentEncode(credentials.tokenSecret)}`;
  const signatureMatches = safeEqual(signature, createHmac(algorithm, key).update(baseString).digest('base64'));
  return keyMatches && tokenMatches && signatureMatches;
}

function verifyOAuth(req: Request, header: string, credentials: OAuthCredentials): boolean {
  return verifyOAuthRequest(
    {
      method: req.method,
      scheme: req.protocol,
      host: req.get('host') ?? '',
      target: req.originalUrl,
      authorization: header,
      formBody: req.is('application/x-www-form-urlencoded') ? (rawForms.get(req) ?? '') : undefined,
    },
    credentials,
  );
}

export function isAuthorized(req: Request, credentials: MagentoCredentials): boolean {
  const header = req.get('authorization') ?? '';
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return credentials.token !== undefined && safeEqual(bearer[1] ?? '', credentials.token);
  if (/^OAuth\s/i.test(header)) return credentials.oauth !== undefined && verifyOAuth(req, header, credentials.oauth);
  return false;
}

/**
 * Route-level guard, so an unknown route still answers 404 as Magento's router does. Without configured
 * credentials nothing is authorized.
 */
export function createAuthorizer(credentials: MagentoCredentials): (resource: string) => RequestHandler {
  return (resource) => (req, res, next) => {
    if (isAuthorized(req, credentials)) return next();
    res
      .status(401)
      .json({ message: "The consumer isn't authorized to access %resources.", parameters: { resources: resource } });
  };
}
