import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { temporalConnectionOptions } from '../config/temporal';
import type { TemporalEnv } from '../config/env';
import { dataConverterFrom } from '../config/payloadCodec';
import { FailureMappingInterceptor } from './failureMapping';
import { LivenessHeartbeatInterceptor } from './livenessHeartbeat';

export const workflowsPath = require.resolve('../workflows');

/** Every activity's failures mapped to the failure policy's types, and liveness heartbeats where asked for. */
export const productInterceptors: NonNullable<WorkerOptions['interceptors']> = {
  activity: [
    () => ({ inbound: new LivenessHeartbeatInterceptor() }),
    () => ({ inbound: new FailureMappingInterceptor() }),
  ],
};

export interface CreateWorkerOptions {
  env: TemporalEnv;
  activities: WorkerOptions['activities'];
  connection?: NativeConnection;
  /** Extra options, e.g. a prebuilt bundle in production or tuning in benchmarks. */
  overrides?: Partial<WorkerOptions>;
  /** How long to keep trying to reach Temporal at start-up (it may still be starting). */
  connectTimeoutMs?: number;
  onConnectRetry?: (err: Error, attempt: number) => void;
}

async function connectWithRetry(
  env: TemporalEnv,
  timeoutMs: number,
  onRetry?: (err: Error, attempt: number) => void,
): Promise<NativeConnection> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await NativeConnection.connect(temporalConnectionOptions(env));
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      onRetry?.(err as Error, attempt);
      await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** (attempt - 1), 5_000)));
    }
  }
}

/** The product worker: this project's workflows and activities on the configured task queue. */
export async function createWorker(
  options: CreateWorkerOptions,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection =
    options.connection ??
    (await connectWithRetry(options.env, options.connectTimeoutMs ?? 120_000, options.onConnectRetry));
  const worker = await Worker.create({
    connection,
    namespace: options.env.TEMPORAL_NAMESPACE,
    taskQueue: options.env.TEMPORAL_TASK_QUEUE,
    workflowsPath,
    activities: options.activities,
    dataConverter: dataConverterFrom(options.env),
    interceptors: productInterceptors,
    ...options.overrides,
  });
  return { worker, connection };
}
