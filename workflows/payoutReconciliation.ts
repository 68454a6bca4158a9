import { condition, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { formatMoney } from '../domain/money';
import {
  disputeCategories, journalFor, mismatchReason, missingGlAccounts, summarizePayout,
  type PayoutDetails, type PayoutLine, type PayoutReconciliationResult, type PayoutReport, type PayoutSummary,
} from '../domain/reconciliation';
import { StripeObjectId } from '../domain/searchAttributes';
import type { StripeEventEnvelope } from '../domain/stripeEvents';
import type { ErpActivities } from '../activities/erp/activities';
import type { SettingsActivities } from '../activities/settings';
import type { StripeActivities } from '../activities/stripe/activities';
import { defineStatusQuery, stripeEventSignal } from './messages';
import { createReviewQueue, permanentFailure, setSyncState, SkippedByOperator, type Tracked } from './reviewQueue';

// ── Messages ────────────────────────────────────────────────────────────────────────────────────────
export interface PayoutStatus extends Tracked {
  payoutId: string;
  step: string;
  /** Pages of balance transactions read so far, and the lines on them. */
  pages: number;
  lines: number;
  timestamps: Record<string, string>;
  report?: PayoutReconciliationResult;
}

export const payoutStatusQuery = defineStatusQuery<PayoutStatus>();

// ── Activities, per system ──────────────────────────────────────────────────────────────────────────
const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;
const stripe = proxyActivities<StripeActivities>({ startToCloseTimeout: '1 minute', retry });
const erp = proxyActivities<ErpActivities>({ startToCloseTimeout: '1 minute', retry });
const config = proxyActivities<SettingsActivities>({ startToCloseTimeout: '10 seconds', retry });

/** Stripe lists an automatic payout's transactions completely only once it has reconciled the payout. */
const reconciliationWaitMs = 24 * 3600 * 1000;

/**
 * One Stripe payout, ID `payout:<po_…>`: wait until Stripe has reconciled it, read every balance transaction it swept,
 * check that their nets add up to the payout to the minor unit, and book it as one balanced ERP Journal Entry
 * (`cheque_no` = payout id). A payout its transactions do not explain parks in the review queue; nothing is booked.
 */
export async function payoutReconciliation(input: { payoutId: string }): Promise<PayoutReconciliationResult> {
  const { payoutId } = input;
  const status: PayoutStatus = { payoutId, step: 'awaiting_payout_event', syncState: 'running', pages: 0, lines: 0, timestamps: {} };
  const notes: string[] = [];
  let isPaidSeen = false;
  let isReconciliationSeen = false;

  setHandler(stripeEventSignal, (event: StripeEventEnvelope) => {
    if (event.objectId !== payoutId) return;
    isPaidSeen ||= event.type === 'payout.paid';
    isReconciliationSeen ||= event.type === 'payout.reconciliation_completed';
  });
  setHandler(payoutStatusQuery, () => status);
  const review = createReviewQueue(status);
  const reached = (step: string) => {
    status.step = step;
    status.timestamps[step] = new Date().toISOString();
  };
  upsertSearchAttributes([{ key: StripeObjectId, value: payoutId }]);
  setSyncState(status, 'running');

  let payout: PayoutDetails | undefined;
  let summary: PayoutSummary | undefined;
  try {
    // 1. A payout event starts the run (signal-with-start); read the payout from Stripe, not from the event.
    await condition(() => isPaidSeen || isReconciliationSeen);
    payout = await review.step(() => stripe.getPayout(payoutId));

    // 2. Until Stripe has reconciled an automatic payout, its list of transactions may be incomplete.
    if (payout.automatic && !isReconciliationSeen && payout.reconciliationStatus !== 'completed') {
      reached('awaiting_reconciliation');
      if (!(await condition(() => isReconciliationSeen, reconciliationWaitMs))) {
        notes.push(`Stripe had not sent payout.reconciliation_completed 24 hours after ${isPaidSeen ? 'payout.paid' : 'the first payout event'}; `
          + 'reconciled with the balance transactions Stripe listed then.');
      }
      payout = await review.step(() => stripe.getPayout(payoutId));
    }

    for (;;) {
      // 3. Every balance transaction the payout swept, a page (100) per activity: only the pages travel through history.
      reached('reading_transactions');
      const lines: PayoutLine[] = [];
      status.pages = 0;
      status.lines = 0;
      let startingAfter: string | undefined;
      do {
        const page = await review.step(() => stripe.listPayoutTransactionsPage({ payoutId, startingAfter }));
        lines.push(...page.lines);
        status.pages += 1;
        status.lines = lines.length;
        startingAfter = page.hasMore ? page.lastId : undefined;
      } while (startingAfter !== undefined);

      // 4. Their nets must add up to the payout, to the minor unit; otherwise a person looks before anything is booked.
      summary = summarizePayout(lines, payout);
      if (!summary.matches) {
        reached('mismatch');
        if ((await review.park(mismatchReason(summary))) === 'skip') throw new SkippedByOperator(mismatchReason(summary));
        payout = await review.step(() => stripe.getPayout(payoutId));
        continue;
      }

      // 5. One balanced Journal Entry per payout: bank and fees debited, each category credited (or debited) by its gross.
      reached('booking');
      const matched = summary;
      const current = payout;
      const settings = await review.step(async () => {
        const loaded = await config.orderSettings();
        const missing = missingGlAccounts(matched, loaded.erp.glAccounts);
        if (missing.length > 0) {
          throw permanentFailure(`payout ${payoutId}: config/mappings.yaml has no ERP account under erp.glAccounts for ${missing.join(', ')}; `
            + 'add it, restart the worker, then retry');
        }
        return loaded;
      });
      const { glAccounts } = settings.erp;
      // Disputes' money is booked by their own runs when it moves (workflows/dispute.ts): the payout only clears its net.
      const journal = journalFor(matched, glAccounts, glAccounts.payout!, glAccounts.fee!, { account: settings.erp.bankAccount, categories: disputeCategories });
      const entry = await review.step(() => erp.postErpJournalEntry({
        reference: payoutId, date: new Date(current.arrivalDate * 1000).toISOString().slice(0, 10), company: settings.erp.company,
        currency: current.currency,
        accounts: journal.lines.map(({ account, debitMinor, creditMinor }) => ({ account, debitMinor, creditMinor })),
        remark: `Stripe payout ${payoutId}: ${formatMoney(current.amountMinor, current.currency)}, ${matched.totals.count} balance transactions`,
      }));
      if (!entry.created) notes.push(`The ERP already had Journal Entry ${entry.name} for this payout; nothing was booked twice.`);

      const report: PayoutReport = { outcome: 'reconciled', payout: current, summary: matched, lines, journalEntry: { ...entry, journal }, notes };
      status.report = report;
      reached('completed');
      setSyncState(status, 'completed');
      return report;
    }
  } catch (err) {
    if (!(err instanceof SkippedByOperator)) throw err;
    status.report = { outcome: 'skipped', payoutId, reason: err.message, payout, summary, notes };
    reached('skipped');
    setSyncState(status, 'failed');
    return status.report;
  }
}
