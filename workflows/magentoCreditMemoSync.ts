import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild, workflowInfo, WorkflowIdReusePolicy } from '@temporalio/workflow';
import {
  advanceCursor,
  creditMemoOverlapMs,
  creditMemoWorkflowId,
  isRecent,
  nextPosition,
  startingCursor,
  windowStart,
  type CreditMemoCursor,
  type CreditMemoSnapshot,
  type PagePosition,
} from '../domain/creditMemoSync';
import type { CursorFrom } from '../domain/updatedAtCursor';
import { trackRun } from './runStatus';
import { systems } from './systems';
import { magentoCreditMemoRefund } from './magentoCreditMemoRefund';
import { defineStatusQuery } from '../messages/runs';
import { setSyncState, SkippedByOperator } from './reviewQueue';
import type { Tracked } from '../messages/runs';

export interface CreditMemoSyncInput {
  /** Read from this Magento date-time (UTC, `YYYY-MM-DD HH:MM:SS`) instead of where the last run stopped: a backfill. */
  since?: string;
  /** Go on from this cursor (a run started by hand with another run's result). */
  cursor?: CreditMemoCursor;
}

export interface CreditMemoSyncStatus extends Tracked {
  /** Where this run's starting point came from. */
  cursorFrom: CursorFrom;
  /** The `updated_at` it read from. */
  since: string;
  pages: number;
  read: number;
  /** Read again inside the overlap window, handled by an earlier run. */
  alreadySeen: number;
  /** Staff memos whose refund run this run started, and those whose run existed already. */
  started: number[];
  alreadyStarted: number[];
  /** The product's own memos (a marker), left alone. */
  ours: number;
  /** Memos a payment module refunded online (a transaction id), left alone. */
  online: Array<{ creditMemoId: number; incrementId?: string; transactionId?: string }>;
  /** Stopped at the per-run limit: the next run goes on from the cursor. */
  more: boolean;
  /** Where the next run goes on from: this run's result is the next scheduled run's `lastResult`. */
  cursor: CreditMemoCursor;
  skipped?: string;
}

export const creditMemoSyncStatusQuery = defineStatusQuery<CreditMemoSyncStatus>();

const { magento } = systems;

const pageSize = 50;
/** New memos per run at most, so one run's history stays small; the next run goes on where this one stopped. */
const maxMemosPerRun = 200;

/**
 * Refunds made in Magento: started by the Schedule `magento-creditmemo-poll` (overlaps skipped), reads the credit memos
 * updated since the last run and starts, for each memo staff made in the admin, its own run `creditmemo:<id>` that
 * refunds it in Stripe. The product's own memos (a marker) and memos refunded online (a transaction id) are left alone.
 * A memo Stripe cannot take parks in its own run and blocks no other; a Magento outage parks this run, and the
 * Schedule skips its turns until an operator retries.
 *
 * Where the cursor lives: a Temporal Schedule hands each run the result of its last completed run
 * (`workflowInfo().lastResult`, as Cron did), so the cursor is simply this run's return value. It is kept in the
 * Schedule's own durable state, written by nothing but Temporal, seen by every worker wherever it runs (a file under
 * `.data/` would live on one machine), and read without asking visibility for the last run (which lags). A run that
 * does not complete leaves the previous result in place. With no previous result (the first run, or a Schedule made
 * again), reading starts the overlap window before the run's start: memos made before the sync existed are not
 * refunded; start a run with `{ since }` to read further back.
 */
export async function magentoCreditMemoSync(input: CreditMemoSyncInput = {}): Promise<CreditMemoSyncStatus> {
  const status: CreditMemoSyncStatus = {
    cursorFrom: 'first_run',
    since: '',
    pages: 0,
    read: 0,
    alreadySeen: 0,
    started: [],
    alreadyStarted: [],
    ours: 0,
    online: [],
    more: false,
    cursor: { updatedAt: '', recent: [] },
    syncState: 'running',
  };
  const { review } = trackRun(status, creditMemoSyncStatusQuery);
  setSyncState(status, 'running');

  const read: Array<{ creditMemoId: number; updatedAt: string }> = [];
  try {
    const { cursor, cursorFrom } = await review.step(() =>
      startingCursor(input, workflowInfo().lastResult, Date.now()),
    );
    Object.assign(status, {
      cursor,
      cursorFrom,
      since: cursorFrom === 'since' ? cursor.updatedAt : windowStart(cursor, creditMemoOverlapMs),
    });
    let position: PagePosition = { since: status.since, excludeIds: [] };
    for (let fresh = 0; fresh < maxMemosPerRun;) {
      const at = position;
      const page = await review.step(() => magento.listCreditMemosUpdatedSince({ ...at, pageSize }));
      status.pages += 1;
      for (const memo of page.memos) {
        status.read += 1;
        read.push({ creditMemoId: memo.creditMemoId, updatedAt: memo.updatedAt });
        if (isRecent(cursor, memo.creditMemoId)) status.alreadySeen += 1;
        else {
          fresh += 1;
          await handOver(status, memo);
        }
      }
      status.cursor = advanceCursor(cursor, read, creditMemoOverlapMs);
      position = nextPosition(position, page.memos);
      if (page.isLastPage) break;
      status.more = fresh >= maxMemosPerRun;
    }
  } catch (err) {
    if (!(err instanceof SkippedByOperator)) throw err;
    status.skipped = err.message;
  }
  setSyncState(status, 'completed');
  return status;
}

/** An operator's `since` wins, then a cursor given, then the last completed run's, else the run's own start time. */

/**
 * A staff memo gets its own run with a fixed ID, started once (a closed run's ID is not reused either), and not
 * awaited: a memo that parks there blocks neither this run nor the next.
 */
async function handOver(status: CreditMemoSyncStatus, memo: CreditMemoSnapshot): Promise<void> {
  if (memo.origin === 'ours') {
    status.ours += 1;
    return;
  }
  if (memo.origin === 'online') {
    status.online.push({
      creditMemoId: memo.creditMemoId,
      ...(memo.incrementId ? { incrementId: memo.incrementId } : {}),
      ...(memo.transactionId ? { transactionId: memo.transactionId } : {}),
    });
    return;
  }
  try {
    await startChild(magentoCreditMemoRefund, {
      workflowId: creditMemoWorkflowId(memo.creditMemoId),
      args: [{ creditMemoId: memo.creditMemoId }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    status.started.push(memo.creditMemoId);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    status.alreadyStarted.push(memo.creditMemoId);
  }
}
