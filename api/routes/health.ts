import { Router } from 'express';
import type { Client } from '@temporalio/client';

/** `GET /healthz`: the process is up. `GET /readyz`: Temporal answers, so accepted work will not be lost. */
export function healthRoutes(temporal: Client, readyTimeoutMs = 2_000): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await temporal.withDeadline(Date.now() + readyTimeoutMs, () => temporal.workflowService.getSystemInfo({}));
      res.json({ status: 'ready', temporal: 'reachable' });
    } catch (err) {
      res.status(503).json({ status: 'not ready', temporal: 'unreachable', reason: (err as Error).message });
    }
  });
  return router;
}
