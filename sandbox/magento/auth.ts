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
  return express.urlencoded({ extended: true, limit: '5mb', verify: (req, _res, buf) => void rawForms.set(req, buf.toString('utf8')) });
}

/** Compares secrets in constant time whatever their lengths. */
function safeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** RFC 3986 unreserved-only percent-encoding, as RFC 5849 section 3.6 requires. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decode(value: string, plusIsSpace: boolean): string {
  try {
    return decodeURIComponent(plusIsSpace ? value.replace(/\+/g, ' ') : value);
  } catch {
    return value;
  }
}

function parseAuthorizationHeader(header: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const match of header.replace(/^OAuth\s+/i, '').matchAll(/([A-Za-z0-9_.~-]+)\s*=\s*"([^"]*)"/g)) {
    params.set(decode(match[1] ?? '', false), decode(match[2] ?? '', false));
  }
  return params;
}

/**
 * The normalized parameter string (RFC 5849 3.4.1.3.2). `strict` decodes names and `+` as form encoding does;
 * the lenient reading keeps names as sent, matching the `oauth-1.0a` package when a caller signs a URL whose
 * query is already percent-encoded.
 */
function parameterString(oauthParams: [string, string][], rawPairs: string[], strict: boolean): string {
  const pairs: [string, string][] = [...oauthParams];
  for (const raw of rawPairs) {
    if (!raw) continue;
    const eq = raw.indexOf('=');
    const name = eq === -1 ? raw : raw.slice(0, eq);
    const value = eq === -1 ? '' : raw.slice(eq + 1);
    pairs.push([strict ? decode(name, true) : name, decode(value, strict)]);
  }
  return pairs
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function baseUri(req: Request): string {
  const [host = '', port] = (req.get('host') ?? '').toLowerCase().split(':');
  const scheme = req.protocol.toLowerCase();
  const defaultPort = (scheme === 'http' && port === '80') || (scheme === 'https' && port === '443');
  const path = req.originalUrl.split('?')[0] ?? '/';
  return `${scheme}://${host}${port && !defaultPort ? `:${port}` : ''}${path}`;
}

function verifyOAuth(req: Request, header: string, credentials: OAuthCredentials): boolean {
  const params = parseAuthorizationHeader(header);
  const signature = params.get('oauth_signature');
  const method = params.get('oauth_signature_method')?.toUpperCase();
  const algorithm = method === 'HMAC-SHA256' ? 'sha256' : method === 'HMAC-SHA1' ? 'sha1' : undefined;
  const version = params.get('oauth_version');
  if (!signature || !algorithm || (version !== undefined && version !== '1.0')) return false;
  if (!params.get('oauth_nonce') || !params.get('oauth_timestamp')) return false;
  const keyMatches = safeEqual(params.get('oauth_consumer_key') ?? '', credentials.consumerKey);
  const tokenMatches = safeEqual(params.get('oauth_token') ?? '', credentials.accessToken);

  const oauthParams = [...params].filter(([k]) => k !== 'oauth_signature' && k !== 'realm');
  const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
  const rawPairs = query.split('&');
  if (req.is('application/x-www-form-urlencoded')) rawPairs.push(...(rawForms.get(req) ?? '').split('&'));
  const key = `${percentEncode(credentials.consumerSecret)}&${percentEncode(credentials.tokenSecret)}`;
  const matches = [true, false].map((strict) => {
    const base = [req.method.toUpperCase(), percentEncode(baseUri(req)), percentEncode(parameterString(oauthParams, rawPairs, strict))].join('&');
    return safeEqual(signature, createHmac(algorithm, key).update(base).digest('base64'));
  });
  return keyMatches && tokenMatches && matches.some(Boolean);
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
    res.status(401).json({ message: "The consumer isn't authorized to access %resources.", parameters: { resources: resource } });
  };
}
