import { condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  advanceCustomerCursor,
  countOutcome,
  customerPollOverlapMs,
  customerWindowStart,
  isRecentCustomer,
  nextCustomerPosition,
  noBackfillOutcomes,
  startingCustomerCursor,
  type BackfillOutcomes,
  type CustomerPagePosition,
  type CustomerPollCursor,
} from '../domain/customerPoll';
import type { CursorFrom } from '../domain/updatedAtCursor';
import { trackRun } from './runStatus';
import { systems } from './systems';
import { customerSyncOutcomeSignal } from '../messages/customers';
import { defineStatusQuery } from '../messages/runs';
import { setSyncState, SkippedByOperator } from './reviewQueue';
import type { Tracked } from '../messages/runs';

export interface CustomerPollInput {
  /** Read from this time (Magento's UTC `YYYY-MM-DD HH:MM:SS`, or ISO 8601 with a zone) instead of where the last run stopped: a backfill. */
  since?: string;
  /** Go on from this cursor (a run started by hand with another run's result). */
  cursor?: CustomerPollCursor;
  /** A backfill goes on (continue-as-new) until it has read everything, carrying its counts. */
  backfill?: { counts: PollCounts };
}

type PollCounts = Pick<
  CustomerPollStatus,
  'pages' | 'read' | 'alreadySeen' | 'handedOver' | 'unchanged' | 'withoutEmail' | 'outcomes'
>;

export interface CustomerPollStatus extends Tracked {
  cursorFrom: CursorFrom;
  /** The `updated_at` it read from. */
  since: string;
  pages: number;
  read: number;
  /** Read again inside the overlap window, handed over by an earlier run. */
  alreadySeen: number;
  /** Handed to their `customerSync` run (signal-with-start `magentoCustomerChanged`). */
  handedOver: number;
  /** Linked and as our last write left them (mostly the echo of our own save): their run is not woken. */
  unchanged: number;
  /** Without an e-mail (no key): not synced. */
  withoutEmail: number;
  /** A backfill only: how the passes of the customers it handed over went, as their runs told it. */
  outcomes?: BackfillOutcomes;
  /** Stopped at the per-run limit: the next run goes on from the cursor. */
  more: boolean;
  /** Where the next run goes on from: this run's result is the next scheduled run's `lastResult`. */
  cursor: CustomerPollCursor;
  skipped?: string;
}

export const customerPollStatusQuery = defineStatusQuery<CustomerPollStatus>();

const { magento, intake } = systems;

const pageSize = 50;
/** Customers read per run at most, so one run's history stays small; the next run goes on from the cursor. */
const maxCustomersPerRun = 1000;
/** A backfill waits for its customers' runs to answer while answers keep coming; this long without one, the rest count as unanswered. */
const answerIdleMs = 2 * 60_000;

/**
 * Magento → Stripe: started by the Schedule `magento-customer-poll` (overlaps skipped), reads the Magento customers
 * updated since the last run and hands each changed one to its `customerSync` run (`customer:<key>`), which reads both
 * sides and writes. The run holds ids and counts only, never a name or an e-mail (the keys go straight from the listing
 * activity to the signalling one, in the activities' payloads).
 *
 * The cursor is this run's result, which the Schedule hands the next run as `lastResult` (see `magentoCreditMemoSync`
 * for why it lives there); each run reads again from an overlap window before it and skips what it handed over there.
 * With no previous result, reading starts the overlap window before the run's start; `{ since }` reads further back
 * (the operator's backfill, `npm run ops -- customers sync --since 30d`).
 */
export async function magentoCustomerPoll(input: CustomerPollInput = {}): Promise<CustomerPollStatus> {
  const status: CustomerPollStatus = {
    cursorFrom: 'first_run',
    since: '',
    pages: 0,
    read: 0,
    alreadySeen: 0,
    handedOver: 0,
    unchanged: 0,
    withoutEmail: 0,
    more: false,
    cursor: { updatedAt: '', recent: [] },
    syncState: 'running',
    ...input.backfill?.counts,
  };
  // A backfill hears from each customer's run how its pass went; the scheduled poll does not wait for that.
  const awaiting = new Set<number>();
  const collecting = Boolean(input.since || input.backfill);
  if (collecting) status.outcomes ??= noBackfillOutcomes();
  setHandler(customerSyncOutcomeSignal, ({ customerIds, outcome }) => {
    const answered = customerIds.filter((id) => awaiting.delete(id)).length;
    if (answered > 0 && status.outcomes) countOutcome(status.outcomes, outcome, answered);
  });
  const { review } = trackRun(status, customerPollStatusQuery);
  setSyncState(status, 'running');

  try {
    const { cursor, cursorFrom } = await review.step(() =>
      startingCustomerCursor(input, workflowInfo().lastResult, Date.now()),
    );
    Object.assign(status, {
      cursor,
      cursorFrom,
      since: cursorFrom === 'since' ? cursor.updatedAt : customerWindowStart(cursor),
    });
    let position: CustomerPagePosition = { since: status.since, excludeIds: [] };
    const read: Array<{ customerId: number; updatedAt: string }> = [];
    const limit = status.read + maxCustomersPerRun;
    while (status.read < limit) {
      const at = position;
      const page = await review.step(() => magento.listMagentoCustomersUpdatedSince({ ...at, pageSize }));
      status.pages += 1;
      const changes: Array<{ key: string; customerId: number; updatedAt: string }> = [];
      for (const customer of page.customers) {
        status.read += 1;
        read.push({ customerId: customer.customerId, updatedAt: customer.updatedAt });
        if (isRecentCustomer(cursor, customer)) status.alreadySeen += 1;
        else if (!customer.key) status.withoutEmail += 1;
        else if (customer.isInStep) status.unchanged += 1;
        else changes.push({ key: customer.key, customerId: customer.customerId, updatedAt: customer.updatedAt });
      }
      if (changes.length > 0) {
        const replyTo = collecting ? workflowInfo().workflowId : undefined;
        for (const change of collecting ? changes : []) awaiting.add(change.customerId);
        await review.step(() => intake.signalMagentoCustomerChanges({ changes, ...(replyTo ? { replyTo } : {}) }));
        status.handedOver += changes.length;
      }
      status.cursor = advanceCustomerCursor(cursor, read, customerPollOverlapMs);
      position = nextCustomerPosition(position, page.customers);
      if (page.isLastPage) break;
      status.more = status.read >= limit;
    }
    await hearFromRuns(awaiting, status);
    if (status.more && (input.since || input.backfill)) {
      // An operator's backfill reads on in a fresh run (the same workflow ID), so a long one neither stops nor grows one history.
      const { pages, read: readSoFar, alreadySeen, handedOver, unchanged, withoutEmail, outcomes } = status;
      await continueAsNew<typeof magentoCustomerPoll>({
        cursor: status.cursor,
        backfill: {
          counts: {
            pages,
            read: readSoFar,
            alreadySeen,
            handedOver,
            unchanged,
            withoutEmail,
            ...(outcomes ? { outcomes } : {}),
          },
        },
      });
    }
  } catch (err) {
    if (!(err instanceof SkippedByOperator)) throw err;
    status.skipped = err.message;
    if (status.outcomes) status.outcomes.unanswered += awaiting.size;
  }
  setSyncState(status, 'completed');
  return status;
}

/**
 * Waits for the customers' runs to say how their passes went, for as long as answers keep coming (a pass can wait on a
 * slow or failing system); after `answerIdleMs` without one, the customers not heard from count as unanswered.
 */
async function hearFromRuns(awaiting: Set<number>, status: CustomerPollStatus): Promise<void> {
  while (awaiting.size > 0) {
    const left = awaiting.size;
    if (!(await condition(() => awaiting.size < left, answerIdleMs))) break;
  }
  if (status.outcomes) status.outcomes.unanswered += awaiting.size;
  awaiting.clear();
}

/** An operator's `since` wins, then a cursor given, then the last completed run's, else the run's own start time. */
