import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';

export const customerPollScheduleId = 'magento-customer-poll';

/**
 * The Temporal Schedule that runs `magentoCustomerPoll` every interval, overlaps skipped (a slow or parked run is never
 * joined by a second one reading the same customers); missed turns are not made up one by one, since the next run
 * reads everything since the cursor. Idempotent: an existing Schedule gets the new spec and action and keeps its state,
 * the last run's result (the cursor) included.
 */
export async function ensureCustomerPollSchedule(temporal: Client, taskQueue: string, every: string): Promise<'created' | 'updated'> {
  const options = {
    scheduleId: customerPollScheduleId,
    spec: { intervals: [{ every: every as `${number}m` }] },
    action: { type: 'startWorkflow' as const, workflowType: 'magentoCustomerPoll', taskQueue, args: [{}] },
    policies: { overlap: 'SKIP' as const, catchupWindow: '1 minute' },
  };
  try {
    await temporal.schedule.create(options);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await temporal.schedule.getHandle(customerPollScheduleId).update((previous) => ({ ...previous, spec: options.spec, action: options.action,
      policies: { ...previous.policies, overlap: options.policies.overlap } }));
    return 'updated';
  }
}
