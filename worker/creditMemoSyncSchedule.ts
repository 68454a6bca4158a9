import type { Client } from '@temporalio/client';
import { ensureIntervalSchedule } from './intervalSchedule';

export const creditMemoSyncScheduleId = 'magento-creditmemo-poll';

/**
 * The Schedule that runs `magentoCreditMemoSync` every interval (overlaps skipped). Missed turns are not made up one
 * by one: the next run reads everything since the cursor anyway.
 */
export function ensureCreditMemoSyncSchedule(
  temporal: Client,
  taskQueue: string,
  every: string,
): Promise<'created' | 'updated'> {
  return ensureIntervalSchedule(temporal, {
    scheduleId: creditMemoSyncScheduleId,
    workflowType: 'magentoCreditMemoSync',
    taskQueue,
    every,
    catchupWindow: '1 minute',
  });
}
