import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../config/logger';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** `Authorization: Bearer $ADMIN_TOKEN`, compared in constant time (hashing first, so length leaks nothing). */
export function requireAdminToken(adminToken: string | undefined, log: Logger) {
  const expected = adminToken ? digest(adminToken) : undefined;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!expected) {
      res.status(503).json({ error: 'ADMIN_TOKEN is not configured: the operator API is off' });
      return;
    }
    const match = /^Bearer (.+)$/.exec(req.header('authorization') ?? '');
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      log.warn({ path: req.path, outcome: 'unauthorized' }, 'operator API refused');
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'missing or wrong admin token' });
      return;
    }
    next();
  };
}
