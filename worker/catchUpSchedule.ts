import type { Client } from '@temporalio/client';
import { ensureIntervalSchedule } from './intervalSchedule';

export const catchUpScheduleId = 'stripe-catch-up';

/** The Schedule that runs `stripeCatchUp` every interval (overlaps skipped). */
export function ensureCatchUpSchedule(
  temporal: Client,
  taskQueue: string,
  every: string,
): Promise<'created' | 'updated'> {
  return ensureIntervalSchedule(temporal, {
    scheduleId: catchUpScheduleId,
    workflowType: 'stripeCatchUp',
    taskQueue,
    every,
    catchupWindow: '1 hour',
  });
}
