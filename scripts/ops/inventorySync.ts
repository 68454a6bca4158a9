import type { InventorySyncReport } from '../../api/inventorySync';

const list = (skus: readonly string[]): string => (skus.length === 0 ? 'none' : skus.join(', '));

/** `npm run ops -- inventory`: the stock sync's Schedule and its newest run, as lines. */
export function inventorySyncLines(report: InventorySyncReport): string[] {
  if (!report.scheduled)
    return [`${report.scheduleId}: no such Schedule (INVENTORY_SYNC_INTERVAL=off, or no worker has started yet)`];
  const lines = [
    `${report.scheduleId}${report.paused ? ' (paused)' : ''}, next run ${report.nextRunAt ?? 'not planned'}`,
  ];
  const run = report.lastRun;
  if (!run) return [...lines, 'no run yet'];
  lines.push(`newest run ${run.workflowId}: ${run.state}, started ${run.startedAt ?? '?'}`);
  const status = run.status;
  if (!status) return lines;
  if (status.reviewReason) lines.push(`  parked: ${status.reviewReason}`);
  lines.push(
    `  written ${status.written.length} SKUs, ${status.unchanged} unchanged`,
    `  in the warehouse only: ${list(status.warehouseOnly)}`,
    `  on the Magento source only: ${list(status.magentoOnly)}`,
    `  low stock: ${list(status.low)}`,
  );
  return lines;
}
