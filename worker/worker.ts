import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { temporalConnectionOptions } from '../config/temporal';
import type { TemporalEnv } from '../config/env';

export const workflowsPath = require.resolve('../workflows');

export interface CreateWorkerOptions {
  env: TemporalEnv;
  activities: WorkerOptions['activities'];
  connection?: NativeConnection;
  /** Extra options, e.g. a prebuilt bundle in production or tuning in benchmarks. */
  overrides?: Partial<WorkerOptions>;
}

/** The product worker: this project's workflows and activities on the configured task queue. */
export async function createWorker(options: CreateWorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = options.connection ?? (await NativeConnection.connect(temporalConnectionOptions(options.env)));
  const worker = await Worker.create({
    connection,
    namespace: options.env.TEMPORAL_NAMESPACE,
    taskQueue: options.env.TEMPORAL_TASK_QUEUE,
    workflowsPath,
    activities: options.activities,
    ...options.overrides,
  });
  return { worker, connection };
}
