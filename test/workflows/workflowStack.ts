import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { temporalEnvSchema } from '../../config/env';
import { createWorker } from '../../worker/worker';
import { startProductStack, type ProductStack } from '../harness/productStack';
import { createTimeSkippingEnv, uniqueTaskQueue } from '../harness/temporal';

export interface WorkflowStack {
  env: TestWorkflowEnvironment;
  stack: ProductStack;
  taskQueue: string;
  close(): Promise<void>;
}

/** The time-skipping server, the sandbox peers in this process, and a worker running the product's workflows and activities. */
export async function startWorkflowStack(
  name: string,
  options: Omit<Parameters<typeof startProductStack>[0], 'temporal' | 'taskQueue'> = {},
): Promise<WorkflowStack> {
  const taskQueue = uniqueTaskQueue(name);
  const env = await createTimeSkippingEnv();
  const stack = await startProductStack({ ...options, temporal: env.client, taskQueue });
  const { worker }: { worker: Worker } = await createWorker({
    env: temporalEnvSchema.parse({ TEMPORAL_TASK_QUEUE: taskQueue }),
    activities: stack.activities,
    connection: env.nativeConnection,
  });
  const running = worker.run();
  return {
    env,
    stack,
    taskQueue,
    close: async () => {
      worker.shutdown();
      await running;
      await stack.close();
      await env.teardown();
    },
  };
}
