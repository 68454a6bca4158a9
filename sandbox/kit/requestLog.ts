import type { NextFunction, Request, Response } from 'express';

export interface RecordedRequest {
  at: string;
  method: string;
  /** As received, including any `/rest/<store>` prefix. */
  path: string;
  query: Record<string, unknown>;
  body: unknown;
  status: number;
}

const sensitiveKey = /pass(word)?|secret|token|authorization|card|cvc|number/i;

/** Credentials and card data never enter the log, whatever field they hide in. */
export function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        sensitiveKey.test(k) && typeof v !== 'object' ? '[redacted]' : scrub(v),
      ]),
    );
  }
  return value;
}

/** The last `capacity` requests, oldest first, for `GET /__sandbox/requests`. */
export class RequestLog {
  private entries: RecordedRequest[] = [];
  constructor(private readonly capacity = 10_000) {}

  record(entry: RecordedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  list(): readonly RecordedRequest[] {
    return this.entries;
  }

  clear(): void {
    this.entries = [];
  }

  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      if (req.path.startsWith('/__sandbox')) return next();
      res.on('finish', () =>
        this.record({
          at: new Date().toISOString(),
          method: req.method,
          path: req.originalUrl.split('?')[0] ?? req.originalUrl,
          query: scrub({ ...(req.query as Record<string, unknown>) }) as Record<string, unknown>,
          body: scrub(req.body ?? null),
          status: res.statusCode,
        }),
      );
      next();
    };
  }
}
