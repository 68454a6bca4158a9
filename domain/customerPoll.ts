import { cursorAt as memoCursorAt, windowStart as memoWindowStart } from './creditMemoSync';
import { magentoDateTime, magentoDateTimeMs } from './magento';

/**
 * Magento → Stripe customer sync: the poll that reads Magento's customers by `updated_at` and hands each changed one to
 * its `customerSync` run. Pure parts: the cursor kept between scheduled runs (the same overlap-window scheme as the
 * credit memo poll, `domain/creditMemoSync.ts`) and keyset paging by (`updated_at`, `entity_id`).
 */

/** Where the poll has got to: the newest `updated_at` handled, and the customers handled inside the window before it. */
export interface CustomerPollCursor {
  /** Magento's UTC `YYYY-MM-DD HH:MM:SS`. */
  updatedAt: string;
  recent: Array<{ customerId: number; updatedAt: string }>;
}

/** Magento's `updated_at` has whole seconds and a save can commit a little after the time it carries: read again from this far back. */
export const customerPollOverlapMs = 2 * 60_000;

export function customerCursorAt(time: string): CustomerPollCursor {
  return { updatedAt: memoCursorAt(time).updatedAt, recent: [] };
}

export function customerWindowStart(cursor: CustomerPollCursor, overlapMs = customerPollOverlapMs): string {
  return memoWindowStart({ updatedAt: cursor.updatedAt, recent: [] }, overlapMs);
}

/** Handled already at this `updated_at` (a customer saved again later has a newer one and counts as new). */
export function isRecentCustomer(cursor: CustomerPollCursor, customer: { customerId: number; updatedAt: string }): boolean {
  return cursor.recent.some((r) => r.customerId === customer.customerId && r.updatedAt === customer.updatedAt);
}

/** The cursor once `handled` customers are done: at the newest `updated_at` seen (never back), keeping those inside the window. */
export function advanceCustomerCursor(cursor: CustomerPollCursor, handled: ReadonlyArray<{ customerId: number; updatedAt: string }>,
  overlapMs = customerPollOverlapMs): CustomerPollCursor {
  const updatedAt = [cursor.updatedAt, ...handled.map((c) => c.updatedAt)].reduce((a, b) => (b > a ? b : a));
  const from = customerWindowStart({ updatedAt, recent: [] }, overlapMs);
  const latest = new Map<number, string>();
  for (const c of [...cursor.recent, ...handled]) {
    const known = latest.get(c.customerId);
    if (known === undefined || c.updatedAt > known) latest.set(c.customerId, c.updatedAt);
  }
  const recent = [...latest].filter(([, at]) => at >= from).map(([customerId, at]) => ({ customerId, updatedAt: at }))
    .sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : a.customerId - b.customerId));
  return { updatedAt, recent };
}

/** Keyset paging: `updated_at >= since` less the ids already read at exactly `since`. */
export interface CustomerPagePosition {
  since: string;
  excludeIds: number[];
}

export function nextCustomerPosition(position: CustomerPagePosition, page: ReadonlyArray<{ customerId: number; updatedAt: string }>): CustomerPagePosition {
  const last = page.at(-1);
  if (!last) return position;
  if (last.updatedAt === position.since) return { since: position.since, excludeIds: [...position.excludeIds, ...page.map((c) => c.customerId)] };
  return { since: last.updatedAt, excludeIds: page.filter((c) => c.updatedAt === last.updatedAt).map((c) => c.customerId) };
}

/** The cursor a previous run returned (the Schedule's `lastResult`), if it holds one. */
export function customerCursorFromResult(result: unknown): CustomerPollCursor | undefined {
  const cursor = (result as { cursor?: unknown } | null | undefined)?.cursor as Partial<CustomerPollCursor> | undefined;
  if (!cursor || typeof cursor.updatedAt !== 'string' || Number.isNaN(magentoDateTimeMs(cursor.updatedAt)) || !Array.isArray(cursor.recent)) return undefined;
  const recent = cursor.recent.filter((r): r is { customerId: number; updatedAt: string } => typeof r?.customerId === 'number' && typeof r.updatedAt === 'string');
  return { updatedAt: cursor.updatedAt, recent };
}

/** Magento's `updated_at` in its own format (so equal instants compare equal as text); undefined when unreadable. */
export function normalisedUpdatedAt(value: unknown): string | undefined {
  const ms = typeof value === 'string' ? magentoDateTimeMs(value) : Number.NaN;
  return Number.isNaN(ms) ? undefined : magentoDateTime(ms);
}


// ---- Backfill outcomes --------------------------------------------------------------------------------------------

/** What one customer's pass did, as a backfill sums it up (the customer's run tells the backfill that handed it over). */
export type CustomerPassOutcome = 'created' | 'updated' | 'unchanged' | 'conflict' | 'not_synced';

/** Decisions of a pass that syncs nothing: a guest's customer without an account, a side deleted, a customer on neither side. */
const notSyncedDecisions = ['guest_without_account', 'stripe_deleted', 'magento_deleted', 'neither_side_has_it'];

/**
 * A pass's outcome from its decision and what it did: a conflict (both sides changed; the later change kept) first, then a
 * customer made on the other side, a pass that syncs nothing, any write (Magento, Stripe or the ERP), else unchanged.
 */
export function customerPassOutcome(pass: { lastDecision?: string; conflict: boolean; wrote: boolean }): CustomerPassOutcome {
  if (pass.conflict) return 'conflict';
  if (pass.lastDecision === 'created_in_stripe' || pass.lastDecision === 'created_in_magento') return 'created';
  if (pass.lastDecision && notSyncedDecisions.includes(pass.lastDecision)) return 'not_synced';
  return pass.wrote ? 'updated' : 'unchanged';
}

/** The passes a backfill was told about, by outcome, and the customers it handed over whose run did not answer in time. */
export interface BackfillOutcomes {
  created: number;
  updated: number;
  unchanged: number;
  conflicts: number;
  notSynced: number;
  /** Handed over, but their run did not say how its pass went while the backfill waited (a parked pass, a slow system). */
  unanswered: number;
}

export const noBackfillOutcomes = (): BackfillOutcomes => ({ created: 0, updated: 0, unchanged: 0, conflicts: 0, notSynced: 0, unanswered: 0 });

export function countOutcome(outcomes: BackfillOutcomes, outcome: CustomerPassOutcome, count = 1): void {
  const field = ({ created: 'created', updated: 'updated', unchanged: 'unchanged', conflict: 'conflicts', not_synced: 'notSynced' } as const)[outcome];
  outcomes[field] += count;
}

/** What `npm run ops -- customers sync` ends with: every customer read falls in exactly one of these. */
export interface BackfillSummary extends BackfillOutcomes {
  read: number;
  /** Read again inside the overlap window of an earlier run of the same backfill: counted there. */
  alreadySeen: number;
  withoutEmail: number;
}

/**
 * Sums a backfill up: `unchanged` is the customers the poll did not hand over (linked and as our last write left them)
 * plus those whose pass wrote nothing. Undefined for a backfill that collected no outcomes (one started before it did).
 */
export function backfillSummary(status: { read: number; alreadySeen: number; withoutEmail: number; unchanged: number; outcomes?: BackfillOutcomes }): BackfillSummary | undefined {
  if (!status.outcomes) return undefined;
  const { read, alreadySeen, withoutEmail } = status;
  return { read, alreadySeen, withoutEmail, ...status.outcomes, unchanged: status.unchanged + status.outcomes.unchanged };
}
