import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';

export interface IntervalScheduleOptions {
  scheduleId: string;
  workflowType: string;
  taskQueue: string;
  /** A Temporal duration, e.g. `15m`. */
  every: string;
  /** How late a missed turn may still start (Temporal or the worker down). */
  catchupWindow: string;
}

/**
 * A Temporal Schedule that starts `workflowType` every interval, overlaps skipped: a run that is slow or parked in the
 * review queue is never joined by a second one. Idempotent: an existing Schedule gets the new spec and action and
 * keeps its state, the last run's result (a poll's cursor) included.
 */
export async function ensureIntervalSchedule(
  temporal: Client,
  options: IntervalScheduleOptions,
): Promise<'created' | 'updated'> {
  const schedule = {
    scheduleId: options.scheduleId,
    spec: { intervals: [{ every: options.every as `${number}m` }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: options.workflowType,
      taskQueue: options.taskQueue,
      args: [{}],
    },
    policies: { overlap: 'SKIP' as const, catchupWindow: options.catchupWindow },
  };
  try {
    await temporal.schedule.create(schedule);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await temporal.schedule.getHandle(options.scheduleId).update((previous) => ({
      ...previous,
      spec: schedule.spec,
      action: schedule.action,
      policies: { ...previous.policies, overlap: schedule.policies.overlap },
    }));
    return 'updated';
  }
}
