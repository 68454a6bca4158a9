import { loadEnv, workerEnvSchema } from '../config/env';
import { createLogger } from '../config/logger';
import { createActivities } from '../activities';
import { createWorker } from './worker';

/** `npm run worker`: polls the task queue until SIGINT/SIGTERM, then finishes in-flight tasks and exits. */
async function main(): Promise<void> {
  const log = createLogger('worker');
  const env = loadEnv(workerEnvSchema);
  const { worker, connection } = await createWorker({
    env,
    activities: createActivities(),
    onConnectRetry: (err, attempt) => log.warn({ attempt, err: err.message }, 'Temporal not reachable yet; retrying'),
  });
  log.info({ address: env.TEMPORAL_ADDRESS, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE }, 'worker polling');
  try {
    await worker.run(); // the SDK's runtime shuts the worker down gracefully on SIGINT/SIGTERM
  } finally {
    await connection.close();
    log.info('worker stopped');
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
