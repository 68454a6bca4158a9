import { Context } from '@temporalio/activity';
import type Stripe from 'stripe';
import { magentoOrderIdFromMetadata } from '../../domain/eventRouting';
import { stripePageSize, type PayoutWindow, type ReadingCheckpoint } from '../../domain/payoutReport';
import { emptyTally, tallyLines, type PayoutLine, type PayoutTally } from '../../domain/reconciliation';
import type { PayoutReportStore } from '../../integrations/storage/payoutReportStore';
import { callStripe } from '../../integrations/stripe/client';

export interface CollectPayoutTransactionsInput {
  payoutId: string;
  /** The payout's currency: a line in another one is a problem for the tally. */
  currency: string;
  /** Automatic payouts list their transactions by payout; manual ones by the window since the previous payout. */
  automatic: boolean;
  /** Unix seconds the payout was created: the end of a manual payout's window. */
  created: number;
  /** Names this reading in the report store (`<run id>-<n>`). */
  readingId: string;
}

/** What the workflow gets back: counts and running totals, never the lines (they are in the report store). */
export interface CollectedPayoutTransactions {
  readingId: string;
  pages: number;
  lines: number;
  tally: PayoutTally;
  window?: PayoutWindow;
}

type Source = string | { id: string; object?: string; metadata?: unknown; amount?: number; currency?: string } | null;

function idOf(value: Source | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.id;
}

/**
 * A balance transaction as a reconciliation line, in Stripe's own amounts: `amount`, `fee` and `net` are in the
 * balance's (the payout's) currency even for a charge presented in another one, whose `exchange_rate` and the
 * customer-facing amount are carried along and never used to recompute anything.
 */
export function payoutLineOf(txn: Stripe.BalanceTransaction): PayoutLine {
  const source = txn.source as Source;
  const charge = typeof source === 'object' && source?.object === 'charge' ? source : undefined;
  const magentoOrderId = charge ? magentoOrderIdFromMetadata(charge.metadata) : undefined;
  const currency = txn.currency.toUpperCase();
  const presented =
    charge?.currency && charge.currency.toUpperCase() !== currency && typeof charge.amount === 'number'
      ? { customerFacingAmountMinor: charge.amount, customerFacingCurrency: charge.currency.toUpperCase() }
      : {};
  return {
    id: txn.id,
    type: txn.type,
    reportingCategory: txn.reporting_category,
    sourceId: idOf(source),
    ...(magentoOrderId ? { magentoOrderId } : {}),
    grossMinor: txn.amount,
    feeMinor: txn.fee,
    netMinor: txn.net,
    currency,
    availableOn: txn.available_on,
    ...(txn.exchange_rate !== null && txn.exchange_rate !== undefined ? { exchangeRate: txn.exchange_rate } : {}),
    ...presented,
  };
}

/** The payout's own balance transaction, which Stripe lists among the ones it swept: not a swept line. */
export function isPayoutsOwn(txn: Stripe.BalanceTransaction, payoutId: string): boolean {
  return (
    (txn.type === 'payout' || txn.type === 'payout_cancel' || txn.type === 'payout_failure') &&
    idOf(txn.source as Source) === payoutId
  );
}

/** Reads a payout's balance transactions into the report store, a page at a time, keeping only running totals. */
export function createPayoutTransactionActivities(stripe: Stripe, reports: PayoutReportStore) {
  /** A manual payout's window opens after the newest earlier payout in its currency that paid out (failed and canceled ones gave their money back). */
  async function manualWindow(input: CollectPayoutTransactionsInput): Promise<PayoutWindow> {
    const currency = input.currency.toLowerCase();
    let previous: Stripe.Payout | undefined;
    await callStripe(async () => {
      for await (const payout of stripe.payouts.list({ created: { lte: input.created }, limit: 100 })) {
        if (
          payout.id === input.payoutId ||
          payout.currency !== currency ||
          payout.status === 'failed' ||
          payout.status === 'canceled'
        )
          continue;
        previous = payout;
        break;
      }
    });
    return previous
      ? { afterPayoutId: previous.id, createdAfter: previous.created, createdUpTo: input.created }
      : { createdUpTo: input.created };
  }

  function listParams(
    input: CollectPayoutTransactionsInput,
    checkpoint: ReadingCheckpoint,
  ): Stripe.BalanceTransactionListParams {
    const paging = {
      limit: stripePageSize,
      expand: ['data.source'],
      ...(checkpoint.startingAfter ? { starting_after: checkpoint.startingAfter } : {}),
    };
    if (input.automatic) return { payout: input.payoutId, ...paging };
    const window = checkpoint.window!;
    return {
      created: { ...(window.createdAfter !== undefined ? { gt: window.createdAfter } : {}), lte: window.createdUpTo },
      currency: input.currency.toLowerCase(),
      ...paging,
    };
  }

  return {
    /**
     * Every balance transaction a payout swept, written to the report store a page (100) at a time; returns only the
     * per-category totals. Idempotent and resumable: it heartbeats its checkpoint (Stripe's cursor, the totals, the
     * pages written) after each page, and a retried attempt goes on from the last checkpoint of the same reading,
     * writing any later page again under the same index. One activity reads the whole payout so that the run's
     * history holds one activity, whatever the payout's size.
     */
    async collectPayoutTransactions(input: CollectPayoutTransactionsInput): Promise<CollectedPayoutTransactions> {
      const context = Context.current();
      const resumed = context.info.heartbeatDetails as ReadingCheckpoint | undefined;
      let checkpoint: ReadingCheckpoint =
        resumed?.readingId === input.readingId
          ? resumed
          : { readingId: input.readingId, pages: 0, lines: 0, tally: emptyTally(input.currency) };
      if (!input.automatic && !checkpoint.window) checkpoint = { ...checkpoint, window: await manualWindow(input) };
      for (let hasMore = true; hasMore;) {
        if (context.cancellationSignal.aborted) await context.cancelled;
        const page = await callStripe(() => stripe.balanceTransactions.list(listParams(input, checkpoint)));
        const lines = page.data.filter((txn) => !isPayoutsOwn(txn, input.payoutId)).map(payoutLineOf);
        await reports.writePage(input.payoutId, input.readingId, checkpoint.pages, lines);
        checkpoint = {
          ...checkpoint,
          pages: checkpoint.pages + 1,
          lines: checkpoint.lines + lines.length,
          tally: tallyLines(checkpoint.tally, lines),
          startingAfter: page.data.at(-1)?.id ?? checkpoint.startingAfter,
        };
        context.heartbeat(checkpoint);
        hasMore = page.has_more;
      }
      const { readingId, pages, lines, tally, window } = checkpoint;
      return { readingId, pages, lines, tally, ...(window ? { window } : {}) };
    },
  };
}

export type PayoutTransactionActivities = ReturnType<typeof createPayoutTransactionActivities>;
