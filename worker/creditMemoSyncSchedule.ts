import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';

export const creditMemoSyncScheduleId = 'magento-creditmemo-poll';

/**
 * The Temporal Schedule that runs `magentoCreditMemoSync` every interval, overlaps skipped: a run that is slow or parked
 * in the review queue is never joined by a second one reading the same memos. Missed turns (Temporal or the worker
 * down) are not made up one by one: the next run reads everything since the cursor anyway. Idempotent: an existing
 * Schedule gets the new spec and action and keeps its state, the last run's result (the cursor) included.
 */
export async function ensureCreditMemoSyncSchedule(temporal: Client, taskQueue: string, every: string): Promise<'created' | 'updated'> {
  const options = {
    scheduleId: creditMemoSyncScheduleId,
    spec: { intervals: [{ every: every as `${number}m` }] },
    action: { type: 'startWorkflow' as const, workflowType: 'magentoCreditMemoSync', taskQueue, args: [{}] },
    policies: { overlap: 'SKIP' as const, catchupWindow: '1 minute' },
  };
  try {
    await temporal.schedule.create(options);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await temporal.schedule.getHandle(creditMemoSyncScheduleId).update((previous) => ({ ...previous, spec: options.spec, action: options.action,
      policies: { ...previous.policies, overlap: options.policies.overlap } }));
    return 'updated';
  }
}
