import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { GracefulShutdownPeriodExpiredError, type WorkerOptions } from '@temporalio/worker';
import { loadEnv, workerEnvSchema, type WorkerEnv } from '../config/env';
import { createLogger } from '../config/logger';
import { loadMappings, orderSettingsFrom } from '../config/mappings';
import { dataConverterFrom } from '../config/payloadCodec';
import { temporalConnectionOptions, withTemporalProfile } from '../config/temporal';
import { createProductActivities } from '../activities';
import { clientsFromEnv } from './clients';
import { ensureCatchUpSchedule } from './catchUpSchedule';
import { creditMemoSyncScheduleId, ensureCreditMemoSyncSchedule } from './creditMemoSyncSchedule';
import { customerPollScheduleId, ensureCustomerPollSchedule } from './customerPollSchedule';
import { ensureInventorySyncSchedule, inventorySyncScheduleId } from './inventorySyncSchedule';
import { ensureSearchAttributes } from './searchAttributes';
import { installWorkerRuntime } from './metrics';
import { buildId } from '../config/buildId';
import { createWorker } from './worker';
import { workflowBundle } from './workflowBundle';

/** The worker deployment every build of this product belongs to (Temporal's `TemporalWorkerDeployment`). */
const deploymentName = 'stripe-magento-o2c';
/** The slots and cache set in the environment; what is unset keeps the SDK's default. */
function workerTuning(env: WorkerEnv): Partial<WorkerOptions> {
  const tuning: Partial<WorkerOptions> = {
    maxConcurrentActivityTaskExecutions: env.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS,
  };
  return Object.fromEntries(Object.entries(tuning).filter(([, v]) => v !== undefined));
}

/**
 * A stop request (SIGINT/SIGTERM) lets tasks in flight finish for 10 s, then cancels the activities still running, and
 * gives up after 25 s (inside the 30 s an orchestrator waits before SIGKILL). Without a bound, a worker whose order runs'
 * local activities were retrying against a system that is down never stopped. What it leaves is safe: Temporal hands an
 * unfinished task to another worker after its timeout, and every step looks before it writes.
 */
const shutdownForceMs = 25_000;
const shutdownBounds = {
  shutdownGraceTime: 10_000,
  shutdownForceTime: shutdownForceMs,
} as const satisfies Partial<WorkerOptions>;

/**
 * The worker is throughput work; the API's webhook answer and the Temporal server are latency work. Sharing one
 * machine, the worker yields the CPU to them when it is short (docs/benchmark-and-chaos.md, "Tuning"). Raising a priority needs privileges a
 * worker should not have, so a refusal is logged and the worker runs as it is.
 */
function lowerPriority(nice: number, log: ReturnType<typeof createLogger>): void {
  try {
    setPriority(nice);
    // Linux keeps a priority per thread: the threads Node started before this line (V8's helpers, libuv's pool) too.
    if (process.platform === 'linux') for (const tid of readdirSync('/proc/self/task')) setPriority(Number(tid), nice);
  } catch (err) {
    log.warn({ nice, err: (err as Error).message }, 'WORKER_NICE not applied');
  }
}

/** `npm run worker`: polls the task queue until SIGINT/SIGTERM, then finishes in-flight tasks and exits. */
async function main(): Promise<void> {
  const log = createLogger('worker');
  const env = withTemporalProfile(loadEnv(workerEnvSchema));
  // Before the SDK's runtime and the workflow threads start: on Linux a thread inherits its creator's priority.
  if (env.WORKER_NICE !== undefined) lowerPriority(env.WORKER_NICE, log);
  const { metricsAddress } = installWorkerRuntime(env, log); // before any connection: the runtime is the process's
  const settings = orderSettingsFrom(loadMappings(env.MAPPINGS_FILE));
  // The intake activity starts and signals workflows through a client; it connects on first use.
  const clientConnection = Connection.lazy(temporalConnectionOptions(env));
  const temporal = new Client({
    connection: clientConnection,
    namespace: env.TEMPORAL_NAMESPACE,
    dataConverter: dataConverterFrom(env),
  });
  const clients = clientsFromEnv(env, settings, temporal);
  const activities = createProductActivities(clients);
  const build = buildId();
  log.info({ buildId: build, deploymentName }, 'worker build');
  const bundle = await workflowBundle(env.WORKFLOW_BUNDLE_PATH, log); // prebuilt from dist/, else bundled now
  const { worker, connection } = await createWorker({
    env,
    activities,
    overrides: {
      ...workerTuning(env),
      ...shutdownBounds,
      workflowsPath: undefined,
      workflowBundle: { codePath: bundle.codePath },
      // Temporal records the build on each run it works on (BuildIds), without routing by it: docs/versioning.md.
      workerDeploymentOptions: { useWorkerVersioning: false, version: { deploymentName, buildId: build } },
    },
    onConnectRetry: (err, attempt) => log.warn({ attempt, err: err.message }, 'Temporal not reachable yet; retrying'),
  }).finally(bundle.remove); // read into the worker by now
  // A fresh cluster has none of the product's search attributes: its runs would fail on their first write of one.
  const { added } = await ensureSearchAttributes(clientConnection, env.TEMPORAL_NAMESPACE);
  log.info({ namespace: env.TEMPORAL_NAMESPACE, added }, 'search attributes ready');
  if (env.STRIPE_CATCH_UP_INTERVAL !== 'off') {
    const outcome = await ensureCatchUpSchedule(temporal, env.TEMPORAL_TASK_QUEUE, env.STRIPE_CATCH_UP_INTERVAL);
    log.info(
      { scheduleId: 'stripe-catch-up', every: env.STRIPE_CATCH_UP_INTERVAL, outcome },
      'Stripe catch-up schedule ready',
    );
  }
  if (env.MAGENTO_CREDITMEMO_SYNC_INTERVAL !== 'off') {
    const outcome = await ensureCreditMemoSyncSchedule(
      temporal,
      env.TEMPORAL_TASK_QUEUE,
      env.MAGENTO_CREDITMEMO_SYNC_INTERVAL,
    );
    log.info(
      { scheduleId: creditMemoSyncScheduleId, every: env.MAGENTO_CREDITMEMO_SYNC_INTERVAL, outcome },
      'Magento credit memo sync schedule ready',
    );
  }
  if (env.MAGENTO_CUSTOMER_SYNC_INTERVAL !== 'off') {
    const outcome = await ensureCustomerPollSchedule(
      temporal,
      env.TEMPORAL_TASK_QUEUE,
      env.MAGENTO_CUSTOMER_SYNC_INTERVAL,
    );
    log.info(
      { scheduleId: customerPollScheduleId, every: env.MAGENTO_CUSTOMER_SYNC_INTERVAL, outcome },
      'Magento customer poll schedule ready',
    );
  }
  if (env.INVENTORY_SYNC_INTERVAL !== 'off') {
    const outcome = await ensureInventorySyncSchedule(temporal, env.TEMPORAL_TASK_QUEUE, env.INVENTORY_SYNC_INTERVAL);
    log.info(
      { scheduleId: inventorySyncScheduleId, every: env.INVENTORY_SYNC_INTERVAL, outcome },
      'inventory sync schedule ready',
    );
  }
  log.info(
    {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      metrics: metricsAddress ? `http://${metricsAddress}/metrics` : 'off',
    },
    'worker polling',
  );
  let stopRequestedAt: number | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void (stopRequestedAt ??= Date.now()));
  try {
    await worker.run(); // the SDK's runtime shuts the worker down gracefully on SIGINT/SIGTERM
  } catch (err) {
    // Past the force time the SDK abandons the tasks still running and reports it (or that the native worker is still in
    // use): the process leaves them to Temporal. Closing connections a native worker still holds would wait on it.
    const forced = stopRequestedAt !== undefined && Date.now() - stopRequestedAt >= shutdownForceMs;
    if (!(err instanceof GracefulShutdownPeriodExpiredError) && !forced) throw err;
    log.warn(
      { afterMs: Date.now() - (stopRequestedAt ?? Date.now()) },
      'stopped with tasks still running: Temporal hands them to another worker after their timeout',
    );
    process.exit(0);
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
