import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { authenticationError, sendFrappeError } from './frappeErrors';

/**
 * Frappe's API-key auth: `Authorization: token <api_key>:<api_secret>` (or HTTP Basic with the same pair).
 * Anything else answers 401 AuthenticationError. Compared as SHA-256 digests so neither length nor content leaks.
 */
export function frappeTokenAuth(apiKey: string, apiSecret: string): RequestHandler {
  const expected = digest(`${apiKey}:${apiSecret}`);
  return (req, res, next) => {
    const presented = credentialsFrom(req.headers.authorization);
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) return next();
    sendFrappeError(res, authenticationError());
  };
}

function credentialsFrom(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === 'token') return value;
  if (scheme?.toLowerCase() === 'basic') return Buffer.from(value, 'base64').toString('utf8');
  return undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
