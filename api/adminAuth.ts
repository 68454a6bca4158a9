import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../config/logger';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** `Authorization: Bearer <token>` (ADMIN_TOKEN's unless named), compared in constant time (hashing first, so length leaks nothing). */
export function requireAdminToken(adminToken: string | undefined, log: Logger, name = 'ADMIN_TOKEN') {
  const expected = adminToken ? digest(adminToken) : undefined;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!expected) {
      res.status(503).json({ error: `${name} is not configured: the operator API is off` });
      return;
    }
    const match = /^Bearer (.+)$/.exec(req.header('authorization') ?? '');
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      log.warn({ path: req.path, outcome: 'unauthorized', token: name }, 'operator API refused');
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer')
        .json({ error: `missing or wrong ${name}` });
      return;
    }
    next();
  };
}
