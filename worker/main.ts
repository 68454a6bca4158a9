import { Client, Connection } from '@temporalio/client';
import { loadEnv, workerEnvSchema } from '../config/env';
import { createLogger } from '../config/logger';
import { loadMappings, orderSettingsFrom } from '../config/mappings';
import { dataConverterFrom } from '../config/payloadCodec';
import { temporalConnectionOptions, withTemporalProfile } from '../config/temporal';
import { createProductActivities } from '../activities';
import { clientsFromEnv } from './clients';
import { ensureCatchUpSchedule } from './catchUpSchedule';
import { creditMemoSyncScheduleId, ensureCreditMemoSyncSchedule } from './creditMemoSyncSchedule';
import { customerPollScheduleId, ensureCustomerPollSchedule } from './customerPollSchedule';
import { installWorkerRuntime } from './metrics';
import { createWorker } from './worker';

/** `npm run worker`: polls the task queue until SIGINT/SIGTERM, then finishes in-flight tasks and exits. */
async function main(): Promise<void> {
  const log = createLogger('worker');
  const env = withTemporalProfile(loadEnv(workerEnvSchema));
  const { metricsAddress } = installWorkerRuntime(env); // before any connection: the runtime is the process's
  const settings = orderSettingsFrom(loadMappings(env.MAPPINGS_FILE));
  // The intake activity starts and signals workflows through a client; it connects on first use.
  const clientConnection = Connection.lazy(temporalConnectionOptions(env));
  const temporal = new Client({ connection: clientConnection, namespace: env.TEMPORAL_NAMESPACE, dataConverter: dataConverterFrom(env) });
  const clients = clientsFromEnv(env, settings, temporal);
  const activities = createProductActivities(clients);
  const { worker, connection } = await createWorker({
    env,
    activities,
    onConnectRetry: (err, attempt) => log.warn({ attempt, err: err.message }, 'Temporal not reachable yet; retrying'),
  });
  if (env.STRIPE_CATCH_UP_INTERVAL !== 'off') {
    const outcome = await ensureCatchUpSchedule(temporal, env.TEMPORAL_TASK_QUEUE, env.STRIPE_CATCH_UP_INTERVAL);
    log.info({ scheduleId: 'stripe-catch-up', every: env.STRIPE_CATCH_UP_INTERVAL, outcome }, 'Stripe catch-up schedule ready');
  }
  if (env.MAGENTO_CREDITMEMO_SYNC_INTERVAL !== 'off') {
    const outcome = await ensureCreditMemoSyncSchedule(temporal, env.TEMPORAL_TASK_QUEUE, env.MAGENTO_CREDITMEMO_SYNC_INTERVAL);
    log.info({ scheduleId: creditMemoSyncScheduleId, every: env.MAGENTO_CREDITMEMO_SYNC_INTERVAL, outcome }, 'Magento credit memo sync schedule ready');
  }
  if (env.MAGENTO_CUSTOMER_SYNC_INTERVAL !== 'off') {
    const outcome = await ensureCustomerPollSchedule(temporal, env.TEMPORAL_TASK_QUEUE, env.MAGENTO_CUSTOMER_SYNC_INTERVAL);
    log.info({ scheduleId: customerPollScheduleId, every: env.MAGENTO_CUSTOMER_SYNC_INTERVAL, outcome }, 'Magento customer poll schedule ready');
  }
  log.info({ address: env.TEMPORAL_ADDRESS, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE,
    metrics: metricsAddress ? `http://${metricsAddress}/metrics` : 'off' }, 'worker polling');
  try {
    await worker.run(); // the SDK's runtime shuts the worker down gracefully on SIGINT/SIGTERM
  } finally {
    await connection.close();
    await clientConnection.close();
    clients.mailer.close(); // pooled SMTP connections would otherwise keep the process alive
    log.info('worker stopped');
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
