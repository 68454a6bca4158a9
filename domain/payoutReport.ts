import type { PayoutDetails, PayoutJournal, PayoutSummary, PayoutTally, SkippedPayoutReport } from './reconciliation';

/**
 * A payout's reconciliation report as it is kept outside Temporal: its head (the payout, the per-category summary, the
 * Journal Entry, notes, a reversal) is small and is also what the run returns; its lines, one per balance transaction,
 * live in the report store (activities/reports), written page by page while they are read from Stripe, so no
 * workflow payload or history grows with the size of the payout. Pure: types and arithmetic only.
 */

/** Where a manual payout's balance transactions were taken from: Stripe lists them by the payout only for automatic payouts. */
export interface PayoutWindow {
  /** The payout before this one in the same currency (the window opens after it), if there was one. */
  afterPayoutId?: string;
  /** Unix seconds, exclusive. */
  createdAfter?: number;
  /** Unix seconds, inclusive: this payout's own `created`. */
  createdUpTo: number;
}

/** One reading of a payout's balance transactions, as the report store holds it. */
export interface PayoutReading {
  /** Names the reading's pages in the store (`<run id>-<n>`): a retried or resumed activity writes the same pages again. */
  readingId: string;
  pages: number;
  lines: number;
}

/** A Journal Entry that undoes the payout's, booked once its payout failed or was canceled after it had been booked. */
export interface PayoutReversal {
  /** Why: the payout's status in Stripe (`failed`, `canceled`) and its failure code when there is one. */
  status: string;
  failureCode?: string;
  /** The Journal Entry it reverses, and the reversing one (`cheque_no` = `<po_…>:reversal`). */
  reversedEntry: string;
  name: string;
  created: boolean;
}

/** The head of a reconciled payout's report: everything but its lines. What a run returns, and what the store keeps. */
export interface PayoutReportHead {
  outcome: 'reconciled';
  payout: PayoutDetails;
  summary: PayoutSummary;
  journalEntry: { name: string; created: boolean; journal: PayoutJournal };
  notes: string[];
  reading: PayoutReading;
  window?: PayoutWindow;
  reversal?: PayoutReversal;
}

/** A payout whose booked Journal Entry was reversed because the payout failed or was canceled. */
export interface ReversedPayoutResult {
  outcome: 'reversed';
  payoutId: string;
  payout: PayoutDetails;
  reversal: PayoutReversal;
  /** Set when this same run had reconciled it first. */
  report?: PayoutReportHead;
  notes: string[];
}

/** A payout that failed or was canceled before anything was booked for it: nothing to book, nothing to reverse. */
export interface UnpaidPayoutResult {
  outcome: 'not_paid';
  payoutId: string;
  payout: PayoutDetails;
  reason: string;
  notes: string[];
}

/** What a payout run returns: small whatever the payout's size (the lines are in the report store). */
export type PayoutRunResult = PayoutReportHead | ReversedPayoutResult | UnpaidPayoutResult | SkippedPayoutReport;

/** A payout whose money never reached the bank, or came back from it: what was booked for it must be undone. */
export function isUnpaidStatus(status: string): boolean {
  return status === 'failed' || status === 'canceled';
}

export function reversalReference(payoutId: string): string {
  return `${payoutId}:reversal`;
}

export interface JournalRow {
  account: string;
  debitMinor: number;
  creditMinor: number;
}

/** The rows of a reversing entry: every debit becomes a credit of the same amount on the same account, and back. */
export function reversedRows(rows: readonly JournalRow[]): JournalRow[] {
  return rows.map(({ account, debitMinor, creditMinor }) => ({
    account,
    debitMinor: creditMinor,
    creditMinor: debitMinor,
  }));
}

/**
 * The entry for a payout the bank returned (`payout.failed`, or `payout.canceled` after it was booked): only the
 * transfer is undone, since the charges, refunds and fees it settled still happened. The bank row of the booked entry
 * goes back to `returnedTo`, where the money waits in the Stripe balance until a later payout sweeps it (as a
 * `payout_reversal` line, mapped to that same account). Empty when the booked entry moved nothing to the bank.
 */
export function returnedPayoutRows(
  booked: readonly JournalRow[],
  bankAccount: string,
  returnedTo: string,
): JournalRow[] {
  const transferMinor = booked
    .filter((row) => row.account === bankAccount)
    .reduce((sum, row) => sum + row.debitMinor - row.creditMinor, 0);
  if (transferMinor === 0) return [];
  const amount = Math.abs(transferMinor);
  const [debit, credit] = transferMinor > 0 ? [returnedTo, bankAccount] : [bankAccount, returnedTo];
  return [
    { account: debit, debitMinor: amount, creditMinor: 0 },
    { account: credit, debitMinor: 0, creditMinor: amount },
  ];
}

export interface LinePage {
  /** 1-based. */
  page: number;
  pageSize: number;
  /** Lines in the whole report, and pages of this size. */
  lineCount: number;
  pageCount: number;
  /** The first line of this page (0-based), and the next page, if there is one. */
  offset: number;
  nextPage: number | null;
}

/** Where page `page` of `pageSize` lines starts in a report of `lineCount` lines. */
export function linePage(lineCount: number, page: number, pageSize: number): LinePage {
  const pageCount = Math.max(1, Math.ceil(lineCount / pageSize));
  return {
    page,
    pageSize,
    lineCount,
    pageCount,
    offset: (page - 1) * pageSize,
    nextPage: page < pageCount ? page + 1 : null,
  };
}

/** Stripe's page size for balance transactions: the reading writes one store page per Stripe page. */
export const stripePageSize = 100;

/** The totals a reading carries from page to page, and where it goes on: what the reading activity heartbeats. */
export interface ReadingCheckpoint {
  readingId: string;
  /** Pages written so far; the next one to write has this index. */
  pages: number;
  lines: number;
  /** Stripe's cursor after the last page written (`starting_after`). */
  startingAfter?: string;
  tally: PayoutTally;
  window?: PayoutWindow;
}
