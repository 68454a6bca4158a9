import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

/** ShipBob personal access token: `Authorization: Bearer <token>`, else 401. */
export function bearerAuth(token: string): RequestHandler {
  const expected = digest(token);
  return (req, res, next) => {
    const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (match?.[1] && timingSafeEqual(digest(match[1].trim()), expected)) return next();
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer')
      .json({ message: 'Authorization has been denied for this request.' });
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
