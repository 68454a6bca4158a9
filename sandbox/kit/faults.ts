import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';

/** `PUT /__sandbox/faults` body: injected rate limits, server errors, latency and a full outage. */
export const faultsSchema = z
  .object({
    rate429: z.number().min(0).max(1).default(0),
    rate5xx: z.number().min(0).max(1).default(0),
    latencyMs: z.number().int().min(0).max(60_000).default(0),
    outage: z.boolean().default(false),
  })
  .strict();

export type Faults = z.infer<typeof faultsSchema>;

export const noFaults: Faults = Object.freeze({ rate429: 0, rate5xx: 0, latencyMs: 0, outage: false });

export interface FaultResponders {
  /** How this system answers when it rate-limits (Magento sometimes answers with Fastly's HTML page). */
  tooManyRequests(res: Response): void;
  serverError(res: Response, status: number): void;
  unavailable(res: Response): void;
}

export const jsonFaultResponders: FaultResponders = {
  tooManyRequests: (res) => void res.status(429).set('Retry-After', '1').json({ message: 'Too Many Requests' }),
  serverError: (res, status) => void res.status(status).json({ message: 'Internal Server Error' }),
  unavailable: (res) => void res.status(503).json({ message: 'Service Unavailable' }),
};

/** Applies the current faults to every request except the sandbox's own controls. */
export function faultMiddleware(
  current: () => Faults,
  responders: FaultResponders,
  random: () => number = Math.random,
) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (req.path.startsWith('/__sandbox')) return next();
    const faults = current();
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.outage) return responders.unavailable(res);
    const roll = random();
    if (roll < faults.rate429) return responders.tooManyRequests(res);
    if (roll < faults.rate429 + faults.rate5xx)
      return responders.serverError(res, [500, 502, 503][Math.floor(random() * 3)] ?? 500);
    next();
  };
}
