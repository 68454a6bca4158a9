import { Runtime } from '@temporalio/worker';
import { ConfigError, type WorkerEnv } from '../config/env';
import { sdkLoggerOf, type Logger } from '../config/logger';

/**
 * The SDK's process-wide runtime, installed once before the first connection: its log lines go through the worker's
 * pino logger (one redaction for every line), and its Prometheus endpoint serves the SDK's own metrics (task latencies,
 * failures, slots, pollers, sticky cache) at `http://WORKER_METRICS_HOST:WORKER_METRICS_PORT/metrics`. Port 0 turns it off.
 */
export function installWorkerRuntime(
  env: Pick<WorkerEnv, 'WORKER_METRICS_PORT' | 'WORKER_METRICS_HOST'>,
  log: Logger,
): { metricsAddress?: string } {
  const logger = sdkLoggerOf(log.child({ component: 'temporal-sdk' }));
  if (env.WORKER_METRICS_PORT === 0) {
    Runtime.install({ logger });
    return {};
  }
  const host = env.WORKER_METRICS_HOST.includes(':') ? `[${env.WORKER_METRICS_HOST}]` : env.WORKER_METRICS_HOST;
  const bindAddress = `${host}:${env.WORKER_METRICS_PORT}`;
  try {
    Runtime.install({ logger, telemetryOptions: { metrics: { prometheus: { bindAddress } } } });
  } catch (err) {
    // Typically the port is taken (a second worker on this machine): say which variable moves it.
    throw new ConfigError(
      `invalid configuration:\n  WORKER_METRICS_PORT: cannot serve metrics on ${bindAddress} (${(err as Error).message}); set another port, or 0 to turn them off`,
    );
  }
  return { metricsAddress: bindAddress };
}
