import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';

/** Resolves once a worker polls `taskQueue` for both workflow and activity tasks (Temporal records pollers as they arrive). */
export async function waitForPollers(
  client: Client,
  taskQueue: string,
  options: { namespace?: string; timeoutMs?: number; stillWorth?: () => string | undefined } = {},
): Promise<void> {
  const { TaskQueueType } = proto.api.enums.v1;
  const { namespace = 'default', timeoutMs = 120_000 } = options;
  for (const deadline = Date.now() + timeoutMs; ;) {
    const [workflows, activities] = await Promise.all(
      [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY].map((taskQueueType) =>
        client.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType }),
      ),
    );
    if ((workflows?.pollers?.length ?? 0) > 0 && (activities?.pollers?.length ?? 0) > 0) return;
    const hopeless = options.stillWorth?.();
    if (hopeless) throw new Error(`no worker polls ${taskQueue}: ${hopeless}`);
    if (Date.now() > deadline) throw new Error(`no worker polls ${taskQueue} after ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
