import type { Client } from '@temporalio/client';
import { ensureIntervalSchedule } from './intervalSchedule';

export const customerPollScheduleId = 'magento-customer-poll';

/**
 * The Schedule that runs `magentoCustomerPoll` every interval (overlaps skipped). Missed turns are not made up one by
 * one: the next run reads everything since the cursor.
 */
export function ensureCustomerPollSchedule(
  temporal: Client,
  taskQueue: string,
  every: string,
): Promise<'created' | 'updated'> {
  return ensureIntervalSchedule(temporal, {
    scheduleId: customerPollScheduleId,
    workflowType: 'magentoCustomerPoll',
    taskQueue,
    every,
    catchupWindow: '1 minute',
  });
}
