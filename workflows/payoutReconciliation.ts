import { condition, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { formatMoney } from '../domain/money';
import {
  isUnpaidStatus,
  returnedPayoutRows,
  reversalReference,
  reversedRows,
  type PayoutRunResult,
  type PayoutReportHead,
  type PayoutReversal,
  type ReversedPayoutResult,
  type UnpaidPayoutResult,
} from '../domain/payoutReport';
import {
  disputeCategories,
  journalFor,
  mismatchReason,
  missingGlAccounts,
  summarizeTally,
  type PayoutDetails,
  type PayoutJournal,
  type PayoutSummary,
} from '../domain/reconciliation';
import { StripeObjectId } from '../domain/searchAttributes';
import type { StripeEventEnvelope } from '../domain/stripeEvents';
import type { CreatedDoc } from '../activities/erp/activities';
import { defineStatusQuery, stripeEventSignal } from '../messages/runs';
import { createReviewQueue, permanentFailure, setSyncState, SkippedByOperator } from './reviewQueue';
import { trackSteps } from './runStatus';
import { payoutSystems } from './systems';
import type { Tracked } from '../messages/runs';

// ── Messages ────────────────────────────────────────────────────────────────────────────────────────
export interface PayoutStatus extends Tracked {
  payoutId: string;
  step: string;
  /** Pages of balance transactions read so far, and the lines on them. */
  pages: number;
  lines: number;
  timestamps: Record<string, string>;
  report?: PayoutRunResult;
}

export const payoutStatusQuery = defineStatusQuery<PayoutStatus>();

const { reading, stripe, erp, reports, config } = payoutSystems;

/** Stripe lists an automatic payout's transactions completely only once it has reconciled the payout. */
const reconciliationWaitMs = 24 * 3600 * 1000;

type Review = ReturnType<typeof createReviewQueue>;

/** A payout's transactions as read into the report store: their totals, and the report's head to publish. */
interface Reading {
  summary: PayoutSummary;
  head: Omit<PayoutReportHead, 'payout' | 'summary' | 'journalEntry' | 'notes'>;
}

/**
 * One Stripe payout, ID `payout:<po_…>`: wait until Stripe has reconciled it, read every balance transaction it swept
 * into the report store (the API serves the report from there, paged), check that their nets add up to the payout to
 * the minor unit, and book it as one balanced ERP Journal Entry (`cheque_no` = payout id). A payout its transactions
 * do not explain parks in the review queue; nothing is booked. A payout that failed or was canceled after it was booked
 * gets a reversing entry (`<po_…>:reversal`), once; one that failed before is not booked at all.
 */
export async function payoutReconciliation(input: { payoutId: string }): Promise<PayoutRunResult> {
  const { payoutId } = input;
  const status: PayoutStatus = {
    payoutId,
    step: 'awaiting_payout_event',
    syncState: 'running',
    pages: 0,
    lines: 0,
    timestamps: {},
  };
  const notes: string[] = [];
  const seen = { paid: false, reconciled: false, unpaid: false };

  setHandler(stripeEventSignal, (event: StripeEventEnvelope) => {
    if (event.objectId !== payoutId) return;
    seen.paid ||= event.type === 'payout.paid';
    seen.reconciled ||= event.type === 'payout.reconciliation_completed';
    seen.unpaid ||= event.type === 'payout.failed' || event.type === 'payout.canceled';
  });
  const { review, reached } = trackSteps(status, payoutStatusQuery);
  upsertSearchAttributes([{ key: StripeObjectId, value: payoutId }]);
  setSyncState(status, 'running');
  const finish = <R extends PayoutRunResult>(result: R): R => {
    status.report = result;
    reached('completed');
    setSyncState(status, 'completed');
    return result;
  };
  const unpaid = (payout: PayoutDetails) => isUnpaidStatus(payout.status);

  let payout: PayoutDetails | undefined;
  let summary: PayoutSummary | undefined;
  try {
    // 1. A payout event starts the run (signal-with-start); read the payout from Stripe, not from the event.
    await condition(() => seen.paid || seen.reconciled || seen.unpaid);
    payout = await review.step(() => stripe.getPayout(payoutId));
    if (unpaid(payout)) return finish(await undoPayout(payout));

    // 2. Until Stripe has reconciled an automatic payout, its list of transactions may be incomplete.
    if (payout.automatic && !seen.reconciled && payout.reconciliationStatus !== 'completed') {
      reached('awaiting_reconciliation');
      if (!(await condition(() => seen.reconciled || seen.unpaid, reconciliationWaitMs))) {
        notes.push(
          `Stripe had not sent payout.reconciliation_completed 24 hours after ${seen.paid ? 'payout.paid' : 'the first payout event'}; ` +
            'reconciled with the balance transactions Stripe listed then.',
        );
      }
      payout = await review.step(() => stripe.getPayout(payoutId));
      if (unpaid(payout)) return finish(await undoPayout(payout));
    }

    for (let readingNumber = 1; ; readingNumber++) {
      // 3. Every balance transaction the payout swept, into the report store; only running totals come back.
      reached('reading_transactions');
      const current: PayoutDetails = payout;
      const read = await readIntoStore(current, readingNumber);
      summary = read.summary;

      // 4. Their nets must add up to the payout, to the minor unit; otherwise a person looks before anything is booked.
      if (!summary.matches) {
        reached('mismatch');
        if ((await review.park(mismatchReason(summary))) === 'skip')
          throw new SkippedByOperator(mismatchReason(summary));
        payout = await review.step(() => stripe.getPayout(payoutId));
        continue;
      }
      if (seen.unpaid) {
        payout = await review.step(() => stripe.getPayout(payoutId));
        if (unpaid(payout)) return finish(await undoPayout(payout));
      }

      // 5. One balanced Journal Entry per payout: bank and fees debited, each category credited (or debited) by its gross.
      reached('booking');
      const { entry, journal } = await book(summary, current);
      if (!entry.created)
        notes.push(`The ERP already had Journal Entry ${entry.name} for this payout; nothing was booked twice.`);
      const journalEntry = { ...entry, journal };

      // 6. The report becomes readable once the payout is booked.
      const head: PayoutReportHead = {
        ...read.head,
        payout: current,
        summary,
        journalEntry,
        notes,
      };
      await review.step(() => reports.publishPayoutReport(head));
      // 7. A payout can still fail days after it was paid (the bank returns it): then its entry is reversed, once.
      if (seen.unpaid) {
        const latest = await review.step(() => stripe.getPayout(payoutId));
        if (isUnpaidStatus(latest.status)) return finish(await undoPayout(latest, head));
      }
      return finish(head);
    }
  } catch (err) {
    if (!(err instanceof SkippedByOperator)) throw err;
    status.report = { outcome: 'skipped', payoutId, reason: err.message, payout, summary, notes };
    reached('skipped');
    setSyncState(status, 'failed');
    return status.report;
  }

  async function readIntoStore(current: PayoutDetails, readingNumber: number): Promise<Reading> {
    const readingId = `${workflowInfo().runId}-${readingNumber}`;
    const collected = await review.step(() =>
      reading.collectPayoutTransactions({
        payoutId,
        currency: current.currency,
        automatic: current.automatic,
        created: current.created ?? current.arrivalDate,
        readingId,
      }),
    );
    status.pages = collected.pages;
    status.lines = collected.lines;
    const summarized = await review.step(() => summarizeTally(collected.tally, current));
    return {
      summary: summarized,
      head: {
        outcome: 'reconciled',
        reading: { readingId, pages: collected.pages, lines: collected.lines },
        ...(collected.window ? { window: collected.window } : {}),
      },
    };
  }

  async function book(
    matched: PayoutSummary,
    current: PayoutDetails,
  ): Promise<{ entry: CreatedDoc; journal: PayoutJournal }> {
    const settings = await review.step(async () => {
      const loaded = await config.orderSettings();
      const missing = missingGlAccounts(matched, loaded.erp.glAccounts);
      if (missing.length > 0) {
        throw permanentFailure(
          `payout ${payoutId}: config/mappings.yaml has no ERP account under erp.glAccounts for ${missing.join(', ')}; ` +
            'add it, restart the worker, then retry',
        );
      }
      return loaded;
    });
    const { glAccounts } = settings.erp;
    // Disputes' money is booked by their own runs when it moves (workflows/dispute.ts): the payout only clears its net.
    const journal = journalFor(matched, glAccounts, glAccounts.payout!, glAccounts.fee!, {
      account: settings.erp.bankAccount,
      categories: disputeCategories,
    });
    const entry = await review.step(() =>
      erp.postErpJournalEntry({
        reference: payoutId,
        date: new Date(current.arrivalDate * 1000).toISOString().slice(0, 10),
        company: settings.erp.company,
        currency: current.currency,
        accounts: journal.lines.map(({ account, debitMinor, creditMinor }) => ({ account, debitMinor, creditMinor })),
        remark: `Stripe payout ${payoutId}: ${formatMoney(current.amountMinor, current.currency)}, ${matched.totals.count} balance transactions`,
      }),
    );
    return { entry, journal };
  }

  /** A failed or canceled payout: what was booked for it is reversed (once); if nothing was, there is nothing to do. */
  async function undoPayout(
    current: PayoutDetails,
    head?: PayoutReportHead,
  ): Promise<ReversedPayoutResult | UnpaidPayoutResult> {
    reached('reversing');
    return reversePayout({ review, payoutId, payout: current, notes, ...(head ? { head } : {}) });
  }
}

async function reversePayout(input: {
  review: Review;
  payoutId: string;
  payout: PayoutDetails;
  notes: string[];
  head?: PayoutReportHead;
}): Promise<ReversedPayoutResult | UnpaidPayoutResult> {
  const { review, payoutId, payout, notes } = input;
  const why = `${payout.status}${payout.failureCode ? ` (${payout.failureCode})` : ''}`;
  const booked = await review.step(() => erp.findErpJournalEntry({ reference: payoutId, currency: payout.currency }));
  if (!booked) {
    return {
      outcome: 'not_paid',
      payoutId,
      payout,
      notes,
      reason:
        `Stripe payout ${payoutId} of ${formatMoney(payout.amountMinor, payout.currency)} is ${why}: its money stays in the Stripe balance ` +
        'and nothing was booked for it, so there is nothing to reverse.',
    };
  }
  const settings = await review.step(() => config.orderSettings());
  const { glAccounts } = settings.erp;
  const rows = glAccounts.payout
    ? returnedPayoutRows(booked.accounts, glAccounts.payout, glAccounts.payout_reversal ?? settings.erp.bankAccount)
    : [];
  const entry = await review.step(() =>
    erp.postErpJournalEntry({
      reference: reversalReference(payoutId),
      date: new Date().toISOString().slice(0, 10),
      company: settings.erp.company,
      currency: payout.currency,
      accounts: rows.length > 0 ? rows : reversedRows(booked.accounts),
      remark: `Reversal of ${booked.name}: Stripe payout ${payoutId} of ${formatMoney(payout.amountMinor, payout.currency)} ${why}`,
    }),
  );
  if (!entry.created)
    notes.push(`The ERP already had reversing Journal Entry ${entry.name}; nothing was reversed twice.`);
  const reversal: PayoutReversal = {
    status: payout.status,
    ...(payout.failureCode ? { failureCode: payout.failureCode } : {}),
    reversedEntry: booked.name,
    name: entry.name,
    created: entry.created,
  };
  await review.step(() => reports.recordPayoutReversal({ payoutId, reversal }));
  return {
    outcome: 'reversed',
    payoutId,
    payout,
    reversal,
    notes,
    ...(input.head ? { report: { ...input.head, reversal } } : {}),
  };
}
