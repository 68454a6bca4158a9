import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { StripeApiError, sendError } from './errors';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** A key as Stripe shows it in errors: the prefix and the last four characters, never the whole key. */
export function maskKey(key: string): string {
  const prefix = /^(sk|rk|pk)_(test|live)_/.exec(key)?.[0] ?? '';
  return `${prefix}****${key.length > prefix.length + 8 ? key.slice(-4) : ''}`;
}

/** `Authorization: Bearer <secretKey>` (or basic auth with the key as user, as curl -u does), compared in constant time. */
export function stripeAuth(secretKey: string): RequestHandler {
  const expected = digest(secretKey);
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    let key: string | undefined;
    if (/^bearer /i.test(header)) key = header.slice(7).trim();
    else if (/^basic /i.test(header))
      key = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8').split(':')[0];
    if (!key) {
      return sendError(
        res,
        new StripeApiError(401, {
          type: 'invalid_request_error',
          message:
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        }),
      );
    }
    if (!timingSafeEqual(digest(key), expected)) {
      return sendError(
        res,
        new StripeApiError(401, {
          type: 'invalid_request_error',
          message: `Invalid API Key provided: ${maskKey(key)}`,
        }),
      );
    }
    next();
  };
}
