import { magentoDateTime, magentoDateTimeMs } from './magento';
import { defaultOverlapMs, updatedAtCursor, type PagePosition, type UpdatedAtCursor } from './updatedAtCursor';

/**
 * Magento → Stripe customer sync: the poll that reads Magento's customers by `updated_at` and hands each changed one to
 * its `customerSync` run. The cursor kept between scheduled runs and the keyset paging are the credit memo poll's
 * (`domain/updatedAtCursor.ts`), keyed by `customerId`.
 */
export type CustomerPollCursor = UpdatedAtCursor<'customerId'>;
export type CustomerPagePosition = PagePosition;

export const customerPollOverlapMs = defaultOverlapMs;

const customerCursor = updatedAtCursor('customerId', customerPollOverlapMs);

export const customerCursorAt = customerCursor.at;
export const customerWindowStart = customerCursor.windowStart;
/** The cursor once `handled` customers are done: at the newest `updated_at` seen (never back), keeping those inside the window. */
export const advanceCustomerCursor = customerCursor.advance;
export const nextCustomerPosition = customerCursor.nextPosition;
/** The cursor a previous run returned (the Schedule's `lastResult`), if it holds one. */
export const customerCursorFromResult = customerCursor.fromResult;
/** The cursor a run starts from: `since`, the one given, the Schedule's last run, or now. */
export const startingCustomerCursor = customerCursor.starting;

/** Handled already at this `updated_at` (a customer saved again later has a newer one and counts as new). */
export function isRecentCustomer(
  cursor: CustomerPollCursor,
  customer: { customerId: number; updatedAt: string },
): boolean {
  return cursor.recent.some((r) => r.customerId === customer.customerId && r.updatedAt === customer.updatedAt);
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
export function customerPassOutcome(pass: {
  lastDecision?: string;
  conflict: boolean;
  wrote: boolean;
}): CustomerPassOutcome {
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

export const noBackfillOutcomes = (): BackfillOutcomes => ({
  created: 0,
  updated: 0,
  unchanged: 0,
  conflicts: 0,
  notSynced: 0,
  unanswered: 0,
});

export function countOutcome(outcomes: BackfillOutcomes, outcome: CustomerPassOutcome, count = 1): void {
  const field = (
    {
      created: 'created',
      updated: 'updated',
      unchanged: 'unchanged',
      conflict: 'conflicts',
      not_synced: 'notSynced',
    } as const
  )[outcome];
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
 * plus those whose pass wrote nothing. Undefined for a run that collected no outcomes (the scheduled poll does not).
 */
export function backfillSummary(status: {
  read: number;
  alreadySeen: number;
  withoutEmail: number;
  unchanged: number;
  outcomes?: BackfillOutcomes;
}): BackfillSummary | undefined {
  if (!status.outcomes) return undefined;
  const { read, alreadySeen, withoutEmail } = status;
  return {
    read,
    alreadySeen,
    withoutEmail,
    ...status.outcomes,
    unchanged: status.unchanged + status.outcomes.unchanged,
  };
}
