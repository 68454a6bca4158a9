import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import type { Logger } from '../../config/logger';
import { requireAdminToken } from '../adminAuth';
import { isSameOriginRequest, sessionOf, type OperatorSessions } from '../ops/session';

export interface CodecDeps {
  /** The product's payload codec (the worker's and clients' data converter); unset when PAYLOAD_ENCRYPTION_KEY is not. */
  payloadCodec?: PayloadCodec;
  adminToken?: string;
  /** Origins whose pages (the Temporal Web UI) may call the codec from a browser. */
  allowedOrigins: readonly string[];
  /** The operator page's sessions: a logged-in operator's cookie is accepted instead of the token. */
  sessions?: OperatorSessions;
  log: Logger;
}

/** The headers the Temporal Web UI and CLI send to a codec server. */
const allowedHeaders = 'content-type,x-namespace,authorization';

// protojson: bytes are base64 (standard or URL-safe, padding optional).
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'expected base64');
const payloadJson = z.object({
  metadata: z.record(z.string(), base64).optional(),
  data: base64.optional(),
});
const payloadsBody = z.object({ payloads: z.array(payloadJson).max(10_000) });

type PayloadJson = z.infer<typeof payloadJson>;

const fromJson = (p: PayloadJson): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): PayloadJson => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/**
 * CORS for the Web UI: only the listed origins get `Access-Control-Allow-*`; any other origin gets none, so its
 * browser refuses the call. Preflights are answered here, before the token check (browsers send no credentials on them).
 */
function corsForWebUi(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins);
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.header('origin');
    res.vary('Origin');
    if (origin && allowed.has(origin)) {
      res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' });
      if (req.method === 'OPTIONS') {
        res.set({
          'Access-Control-Allow-Methods': 'POST, OPTIONS',
          'Access-Control-Allow-Headers': allowedHeaders,
          'Access-Control-Max-Age': '600',
        });
      }
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}

/**
 * `POST /codec/decode` and `POST /codec/encode`: Temporal's remote codec protocol (`{payloads: [{metadata, data}]}`,
 * bytes in base64, both ways) over the product's own payload codec, for the Web UI and `temporal --codec-endpoint`.
 * Behind the operator token, or the operator page's session cookie. Without an encryption key the product's codec is the identity, and so are these.
 * `X-Namespace` is accepted and not needed: one key set serves every namespace the product uses.
 */
export function codecRoutes(deps: CodecDeps): Router {
  const router = Router();
  router.use(corsForWebUi(deps.allowedOrigins));
  const requireToken = requireAdminToken(deps.adminToken, deps.log);
  // The operator page's session cookie stands for the token, from this origin or the Web UI's (CORS with credentials).
  router.use(async (req, res, next) => {
    try {
      if (isSameOriginRequest(req, deps.allowedOrigins) && (await sessionOf(deps.sessions, req))) return next();
    } catch {
      // Temporal cannot say whether the cookie is still good: the token may still be.
    }
    requireToken(req, res, next);
  });
  router.use(express.json({ limit: '4mb' }));
  for (const direction of ['decode', 'encode'] as const) {
    router.post(`/${direction}`, async (req, res) => {
      const body = payloadsBody.safeParse(req.body);
      if (!body.success) {
        res.status(400).json({
          error: 'expected {"payloads": [{"metadata": {key: base64}, "data": base64}]}',
          issues: body.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`),
        });
        return;
      }
      const payloads = body.data.payloads.map(fromJson);
      try {
        const converted = !deps.payloadCodec
          ? payloads
          : direction === 'decode'
            ? await deps.payloadCodec.decode(payloads)
            : await deps.payloadCodec.encode(payloads);
        res.json({ payloads: converted.map(toJson) });
      } catch (err) {
        // An unknown key id or a payload altered in transit; the message names the key id, never the key.
        const reason = err instanceof Error ? err.message : String(err);
        deps.log.warn(
          { direction, count: payloads.length, namespace: req.header('x-namespace'), reason },
          'codec refused the payloads',
        );
        res.status(422).json({ error: `cannot ${direction} the payloads: ${reason}` });
      }
    });
  }
  return router;
}

/** The Web UI's origin and its loopback twin (`127.0.0.1` ⇄ `localhost`), as a browser may open either. */
export function webUiOrigins(webUiUrl: string): string[] {
  const url = new URL(webUiUrl);
  const origins = [url.origin];
  const twin = url.hostname === '127.0.0.1' ? 'localhost' : url.hostname === 'localhost' ? '127.0.0.1' : undefined;
  if (twin) origins.push(`${url.protocol}//${twin}${url.port ? `:${url.port}` : ''}`);
  return origins;
}
