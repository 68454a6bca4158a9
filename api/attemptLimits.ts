import type { Request, RequestHandler, Response } from 'express';
import { rateLimit, type RateLimitInfo } from 'express-rate-limit';
import type { Logger } from '../config/logger';

/** How many wrong credentials a door takes in a window, from one client address and from all of them together. */
export interface AttemptLimits {
  perClient: number;
  allClients: number;
  windowMs: number;
}

/** The operator page's login: ten wrong tokens from one address in 15 minutes, a hundred from everywhere. */
export const defaultLoginLimits: AttemptLimits = { perClient: 10, allClients: 100, windowMs: 15 * 60_000 };
/** The bearer-token doors (`/admin`, `/codec`, `/metrics` with METRICS_TOKEN), whose clients are scripts: a little more room. */
export const defaultTokenLimits: AttemptLimits = { perClient: 20, allClients: 200, windowMs: 15 * 60_000 };

/**
 * Counts refused credentials (answers 401) per client address (`req.ip`: behind a proxy, only with TRUST_PROXY) and
 * across all clients; past either limit the door answers 429 with `Retry-After` until the window ends, and logs the
 * lockout. Anything but a 401 does not count, so an operator who knows the token is never slowed down. Counts live in
 * this process: with several API replicas each keeps its own.
 */
export function failedAttemptLimiter(
  door: string,
  limits: AttemptLimits,
  log: Logger,
  refuse: (res: Response, retryAfterSec: number) => void,
): RequestHandler[] {
  const configurationCheck = (err: unknown) =>
    log.warn(
      { door, check: (err as Error)?.name, detail: (err as Error)?.message ?? String(err) },
      'attempt limiter configuration',
    );
  const limiter = (scope: 'client' | 'all clients', limit: number, key?: (req: Request) => string) => {
    const property = scope === 'client' ? 'attemptsOfClient' : 'attemptsOfAllClients';
    /** The windows whose lockout is logged already, by client: the refusals after the first would only repeat it. */
    const logged = new Map<string, number>();
    return rateLimit({
      windowMs: limits.windowMs,
      limit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      skipSuccessfulRequests: true,
      requestWasSuccessful: (_req, res) => res.statusCode !== 401,
      requestPropertyName: property,
      // Its configuration checks (a permissive TRUST_PROXY, X-Forwarded-For with no proxy trusted) go to the API's log.
      logger: { warn: configurationCheck, error: configurationCheck },
      ...(key ? { keyGenerator: key } : {}),
      handler: (req, res) => {
        const retryAfterSec = Number(res.getHeader('Retry-After')) || Math.ceil(limits.windowMs / 1000);
        const info = (req as Request & Record<string, RateLimitInfo | undefined>)[property];
        const windowEnd = info?.resetTime?.getTime() ?? 0;
        const first = logged.get(info?.key ?? '') !== windowEnd;
        if (first) {
          for (const [k, end] of logged) if (end <= Date.now()) logged.delete(k);
          logged.set(info?.key ?? '', windowEnd);
        }
        log[first ? 'warn' : 'debug'](
          { door, scope, limit, windowSec: limits.windowMs / 1000, retryAfterSec, outcome: 'locked_out' },
          'too many refused credentials: locked out',
        );
        refuse(res, retryAfterSec);
      },
    });
  };
  return [limiter('client', limits.perClient), limiter('all clients', limits.allClients, () => 'all clients')];
}
