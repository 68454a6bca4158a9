import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from '../../config/logger';

/**
 * `GET /healthz`: the process is up. `GET /readyz`: Temporal answers, so accepted work will not be lost. Why Temporal
 * did not answer goes to the log (once per change), not to whoever asks.
 */
export function healthRoutes(temporal: Client, log: Logger, readyTimeoutMs = 2_000): Router {
  const router = Router();
  let wasReady: boolean | undefined;
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await temporal.withDeadline(Date.now() + readyTimeoutMs, () => temporal.workflowService.getSystemInfo({}));
      if (wasReady === false) log.info({ outcome: 'ready' }, 'Temporal answers again');
      wasReady = true;
      res.json({ status: 'ready', temporal: 'reachable' });
    } catch (err) {
      if (wasReady !== false)
        log.warn({ outcome: 'not_ready', err: (err as Error).message }, 'Temporal does not answer');
      wasReady = false;
      res.status(503).json({ status: 'not ready', temporal: 'unreachable' });
    }
  });
  return router;
}
