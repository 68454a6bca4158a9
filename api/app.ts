import express, { type ErrorRequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { PayoutReportStore } from '../integrations/storage/payoutReportStore';
import type { Logger } from '../config/logger';
import { requireAdminToken } from './adminAuth';
import { defaultLoginLimits, defaultTokenLimits, failedAttemptLimiter, type AttemptLimits } from './attemptLimits';
import { createApiMetrics, type ApiMetrics } from './metrics';
import type { OrderSystems } from './orderPage';
import { adminRoutes } from './routes/admin';
import { codecRoutes, webUiOrigins } from './routes/codec';
import { OperatorSessions, publicOriginSetting, type SessionOptions } from './ops/session';
import { opsRoutes } from './routes/ops';
import { payoutReportRoutes } from './routes/payoutReports';
import { healthRoutes } from './routes/health';
import { stripeWebhookRoutes } from './routes/stripeWebhook';
import { wmsWebhookRoutes } from './routes/wmsWebhook';

export interface AppDeps {
  temporal: Client;
  taskQueue: string;
  stripeWebhookSecrets: readonly string[];
  wmsWebhookSecret?: string;
  adminToken?: string;
  /** What order pages read documents from, and the Web UI their run links open (default: no systems, the local UI). */
  orderPage?: { systems: OrderSystems; webUiUrl: string };
  /** The payout reports the worker writes (`$DATA_DIR/payout-reports` on one machine). */
  payoutReports?: PayoutReportStore;
  /**
   * The remote codec for the Web UI and CLI: the product's payload codec (none: payloads pass through) and the origins
   * allowed to call it from a browser (default: the order pages' Web UI and its loopback twin).
   */
  codec?: { payloadCodec?: PayloadCodec; allowedOrigins?: readonly string[] };
  log: Logger;
  metrics?: ApiMetrics;
  /** How often `/metrics` counts the review queue (default 30 s); a scrape never calls Temporal. */
  metricsRefreshMs?: number;
  /** When set, `/metrics` wants `Authorization: Bearer <it>` (METRICS_TOKEN). */
  metricsToken?: string;
  /** Express's `trust proxy` (TRUST_PROXY): which proxies' `X-Forwarded-*` headers say who the client is and how it came. */
  trustProxy?: boolean | number | string;
  /** The origin browsers reach the API at (PUBLIC_URL's), checked on every operator POST; unset: the request's own. */
  publicOrigin?: string;
  /** Operator page sessions: idle timeout and maximum age (defaults 30 min and 12 h). */
  sessions?: Omit<SessionOptions, 'taskQueue'>;
  /** Wrong credentials taken before 429: at the login form, and at the token doors (`/admin`, `/codec`, `/metrics`). */
  attemptLimits?: { login?: AttemptLimits; token?: AttemptLimits };
}

export function createApp(deps: AppDeps): express.Express {
  const metrics = deps.metrics ?? createApiMetrics(deps.temporal, deps.metricsRefreshMs);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  if (deps.publicOrigin) app.set(publicOriginSetting, deps.publicOrigin);
  const tokenLimits = failedAttemptLimiter(
    'operator token',
    deps.attemptLimits?.token ?? defaultTokenLimits,
    deps.log,
    (res, retryAfterSec) =>
      void res.status(429).json({ error: `too many wrong tokens: try again in ${retryAfterSec} s` }),
  );
  app.use(healthRoutes(deps.temporal, deps.log));
  app.get(
    '/metrics',
    ...(deps.metricsToken ? [...tokenLimits, requireAdminToken(deps.metricsToken, deps.log, 'METRICS_TOKEN')] : []),
    async (_req, res) => {
      res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  );
  app.use(
    stripeWebhookRoutes({
      temporal: deps.temporal,
      taskQueue: deps.taskQueue,
      webhookSecrets: deps.stripeWebhookSecrets,
      log: deps.log,
      metrics,
    }),
  );
  app.use(
    wmsWebhookRoutes({
      temporal: deps.temporal,
      taskQueue: deps.taskQueue,
      webhookSecret: deps.wmsWebhookSecret,
      log: deps.log,
      metrics,
    }),
  );
  const orderPage = deps.orderPage ?? { systems: {}, webUiUrl: 'http://127.0.0.1:8233' };
  const sessions = deps.adminToken
    ? new OperatorSessions(deps.adminToken, deps.temporal, { ...deps.sessions, taskQueue: deps.taskQueue })
    : undefined;
  app.use(
    '/codec',
    ...tokenLimits,
    codecRoutes({
      payloadCodec: deps.codec?.payloadCodec,
      adminToken: deps.adminToken,
      sessions,
      log: deps.log,
      allowedOrigins: deps.codec?.allowedOrigins ?? webUiOrigins(orderPage.webUiUrl),
    }),
  );
  app.use(
    '/ops',
    opsRoutes({
      temporal: deps.temporal,
      sessions,
      orderPage,
      payoutReports: deps.payoutReports,
      loginLimits: deps.attemptLimits?.login ?? defaultLoginLimits,
      log: deps.log,
    }),
  );
  app.use('/admin', ...tokenLimits, requireAdminToken(deps.adminToken, deps.log));
  app.use(adminRoutes({ temporal: deps.temporal, taskQueue: deps.taskQueue, log: deps.log, orderPage }));
  app.use(payoutReportRoutes({ temporal: deps.temporal, reports: deps.payoutReports, log: deps.log }));
  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const status = typeof err?.status === 'number' ? err.status : 500;
    if (status === 413) {
      deps.log.warn({ path: req.path, outcome: 'too_large' }, 'request body over the limit');
      res.status(413).json({ error: `body over ${typeof err.limit === 'number' ? sizeText(err.limit) : 'the limit'}` });
      return;
    }
    if (status === 400) {
      res.status(400).json({ error: 'malformed request body' });
      return;
    }
    deps.log.error({ path: req.path, err: err instanceof Error ? err.message : String(err) }, 'request failed');
    res.status(status).json({ error: 'internal error' });
  };
  app.use(onError);
  return app;
}

const sizeText = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${Math.round(bytes / 1024)} kB`;
