import type { Client } from '@temporalio/client';
import { inventorySyncScheduleId } from '../messages/inventory';
import { ensureIntervalSchedule } from './intervalSchedule';

export { inventorySyncScheduleId };

/**
 * The Schedule that runs `inventorySync` every interval (overlaps skipped); the order run asks it for a run after each
 * shipment, buffered behind one already running. A missed turn is not made up: the next run reads every level anyway.
 */
export function ensureInventorySyncSchedule(
  temporal: Client,
  taskQueue: string,
  every: string,
): Promise<'created' | 'updated'> {
  return ensureIntervalSchedule(temporal, {
    scheduleId: inventorySyncScheduleId,
    workflowType: 'inventorySync',
    taskQueue,
    every,
    catchupWindow: '1 minute',
  });
}
