import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';

export const catchUpScheduleId = 'stripe-catch-up';

/** The Temporal Schedule that runs `stripeCatchUp` every interval (overlaps skipped). Idempotent: an existing one is updated. */
export async function ensureCatchUpSchedule(temporal: Client, taskQueue: string, every: string): Promise<'created' | 'updated'> {
  const options = {
    scheduleId: catchUpScheduleId,
    spec: { intervals: [{ every: every as `${number}m` }] },
    action: { type: 'startWorkflow' as const, workflowType: 'stripeCatchUp', taskQueue, args: [{}] },
    policies: { overlap: 'SKIP' as const, catchupWindow: '1 hour' },
  };
  try {
    await temporal.schedule.create(options);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await temporal.schedule.getHandle(catchUpScheduleId).update((previous) => ({ ...previous, spec: options.spec, action: options.action }));
    return 'updated';
  }
}
