import type { CustomerSyncProgress, CustomerSyncSummary } from './adminClient';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The last line of `npm run ops -- customers sync`: every customer read, by what happened to it. A backfill started
 * before the customers' runs answered has no summary: then what the poll decided.
 */
export function customerSyncSummaryLine(
  progress: CustomerSyncProgress,
  summary: CustomerSyncSummary | undefined,
): string {
  const read = `${plural(progress.read, 'customer')} read since ${progress.since}`;
  if (!summary) {
    return `${read}, ${progress.handedOver} handed to their sync runs, ${progress.unchanged} unchanged, ${progress.withoutEmail} without e-mail`;
  }
  return (
    `${read}: ${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${plural(summary.conflicts, 'conflict')}` +
    ` (the later change kept); ${summary.notSynced} not synced (guests without an account, deleted on one side), ${summary.withoutEmail} without e-mail` +
    `${summary.alreadySeen > 0 ? `, ${summary.alreadySeen} read twice` : ''}${summary.unanswered > 0 ? `, ${summary.unanswered} not answered in time (see their runs)` : ''}`
  );
}
