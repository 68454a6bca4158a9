import express, { type ErrorRequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from '../config/logger';
import { healthRoutes } from './routes/health';
import { stripeWebhookRoutes } from './routes/stripeWebhook';

export interface AppDeps {
  temporal: Client;
  taskQueue: string;
  stripeWebhookSecrets: readonly string[];
  log: Logger;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRoutes(deps.temporal));
  app.use(stripeWebhookRoutes({ temporal: deps.temporal, taskQueue: deps.taskQueue, webhookSecrets: deps.stripeWebhookSecrets, log: deps.log }));
  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const status = typeof err?.status === 'number' ? err.status : 500;
    if (status === 413) {
      deps.log.warn({ path: req.path, outcome: 'too_large' }, 'request body over the limit');
      res.status(413).json({ error: 'body over 1 MB' });
      return;
    }
    deps.log.error({ path: req.path, err: err instanceof Error ? err.message : String(err) }, 'request failed');
    res.status(status).json({ error: status === 500 ? 'internal error' : String(err.message ?? 'bad request') });
  };
  app.use(onError);
  return app;
}
