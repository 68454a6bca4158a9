import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv, uniqueTaskQueue } from '../harness/temporal';
import type { waitThreeDays } from './fixtures/waitThreeDays';

describe('time-skipping test server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('runs a workflow that sleeps three days, with its activities, in seconds of wall time', async () => {
    const taskQueue = uniqueTaskQueue('time-skipping');
    const recorded: string[] = [];
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('./fixtures/waitThreeDays'),
      activities: { recordStep: async (step: string) => (recorded.push(step), `did ${step}`) },
    });
    const result = await worker.runUntil(
      env.client.workflow.execute<typeof waitThreeDays>('waitThreeDays', {
        taskQueue,
        workflowId: `wait-${taskQueue}`,
      }),
    );
    expect(result.steps).toEqual(['did before', 'did after']);
    expect(recorded).toEqual(['before', 'after']);
    expect(result.finishedAtMs - result.startedAtMs).toBeGreaterThanOrEqual(3 * 24 * 3600 * 1000);
  });
});
