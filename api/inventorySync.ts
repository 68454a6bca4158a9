import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { inventorySyncScheduleId, inventorySyncStatusQuery, type InventorySyncStatus } from '../messages/inventory';

export interface InventorySyncReport {
  scheduleId: string;
  /** False when the Schedule does not exist (INVENTORY_SYNC_INTERVAL=off, or no worker has started yet). */
  scheduled: boolean;
  paused?: boolean;
  nextRunAt?: string;
  /** The newest run the Schedule started: its status while it runs, its result once completed. */
  lastRun?: { workflowId: string; runId?: string; state: string; startedAt?: string; status?: InventorySyncStatus };
}

/** The stock sync as the operator page and `GET /admin/inventory-sync` show it: the Schedule and its newest run. */
export async function inventorySyncReport(temporal: Client): Promise<InventorySyncReport> {
  const report: InventorySyncReport = { scheduleId: inventorySyncScheduleId, scheduled: false };
  let description;
  try {
    description = await temporal.schedule.getHandle(inventorySyncScheduleId).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return report;
    throw err;
  }
  report.scheduled = true;
  report.paused = description.state.paused;
  const next = description.info.nextActionTimes[0];
  if (next) report.nextRunAt = next.toISOString();
  const newest = description.info.recentActions.at(-1);
  if (!newest || newest.action.type !== 'startWorkflow') return report;
  const { workflowId, firstExecutionRunId: runId } = newest.action.workflow;
  const handle = temporal.workflow.getHandle(workflowId, runId);
  const { status } = await handle.describe();
  report.lastRun = { workflowId, runId, state: status.name, startedAt: newest.takenAt.toISOString() };
  if (status.name === 'COMPLETED') report.lastRun.status = (await handle.result()) as InventorySyncStatus;
  else if (status.name === 'RUNNING') report.lastRun.status = await handle.query(inventorySyncStatusQuery);
  return report;
}

/** A run now, buffered behind one already running (as a shipment asks for one). */
export async function requestInventorySync(temporal: Client): Promise<boolean> {
  try {
    await temporal.schedule.getHandle(inventorySyncScheduleId).trigger(ScheduleOverlapPolicy.BUFFER_ONE);
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}
