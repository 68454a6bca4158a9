import { Runtime } from '@temporalio/worker';
import { ConfigError, type WorkerEnv } from '../config/env';

/**
 * The worker's Prometheus endpoint: the SDK's own metrics (task latencies, failures, slots, pollers, sticky cache),
 * served by the SDK's core at `http://<host>:WORKER_METRICS_PORT/metrics`. Port 0 turns it off.
 * The runtime is process-wide and installed once, before the first connection.
 */
export function installWorkerRuntime(env: Pick<WorkerEnv, 'WORKER_METRICS_PORT'>): { metricsAddress?: string } {
  if (env.WORKER_METRICS_PORT === 0) return {};
  const bindAddress = `0.0.0.0:${env.WORKER_METRICS_PORT}`;
  try {
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress } } } });
  } catch (err) {
    // Typically the port is taken (a second worker on this machine): say which variable moves it.
    throw new ConfigError(
      `invalid configuration:\n  WORKER_METRICS_PORT: cannot serve metrics on ${bindAddress} (${(err as Error).message}); set another port, or 0 to turn them off`,
    );
  }
  return { metricsAddress: bindAddress };
}
