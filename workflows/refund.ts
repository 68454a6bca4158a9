import { condition, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { formatMoney } from '../domain/money';
import { StripeObjectId, type SyncStateValue } from '../domain/searchAttributes';
import type { OrderSettings } from '../domain/settings';
import type { RefundSnapshot } from '../activities/stripe/activities';
import { trackSteps, type TrackedRun } from './runStatus';
import { systems } from './systems';
import { magentoOrderOrPark, orderNamedBy, tagOrder } from './afterSale';
import { defineStatusQuery, stripeEventSignal } from '../messages/runs';
import { setSyncState, SkippedByOperator } from './reviewQueue';
import { creditInErp as creditRefundInErp, creditMemoFor, type RefundBooker } from './refundBooks';
import type { Tracked } from '../messages/runs';

export interface RefundStatus extends Tracked {
  refundId: string;
  step: string;
  incrementId?: string;
  refund?: RefundSnapshot;
  outcome?: RefundOutcome['outcome'];
  ids: Record<string, string | number | undefined>;
  timestamps: Record<string, string>;
}

export interface RefundOutcome {
  /**
   * `recorded`: credit memo and ERP credit note and payment made (or found); `reversed_by_order`: a full refund before
   * shipment, which the order's own run reverses; `recorded_by_order`: a partial refund before shipment, which the
   * order's run books (workflows/refundBooks.ts), as it owns the order's documents until it ships; `order_reversal`: the order run's own refund, documented by it;
   * `failed_in_stripe`: the refund failed and an operator closed the case; `not_for_us`: a subscription's refund.
   */
  outcome:
    | 'recorded'
    | 'reversed_by_order'
    | 'recorded_by_order'
    | 'order_reversal'
    | 'failed_in_stripe'
    | 'not_for_us'
    | 'skipped';
  reason?: string;
  status: RefundStatus;
}

export const refundStatusQuery = defineStatusQuery<RefundStatus>();

const { stripe, magento, erp, intake, config } = systems;

const hour = 3600_000;

/** One refund's run: the pieces of state its steps share. Fields marked `!` are set by the step that reads them. */
class RefundRun {
  readonly tracker: TrackedRun<RefundOutcome['outcome'], RefundStatus>;
  settings!: OrderSettings;
  refund!: RefundSnapshot;
  incrementId!: string;
  /** Stripe events about this refund since the last look (each is a reason to read it again). */
  nudges = 0;

  constructor(refundId: string) {
    this.tracker = trackSteps(
      { refundId, step: 'started', syncState: 'running', ids: {}, timestamps: {} },
      refundStatusQuery,
    );
  }

  get status(): RefundStatus {
    return this.tracker.status;
  }

  get review() {
    return this.tracker.review;
  }
}

/**
 * One Stripe refund, ID `refund:<re_…>`, from `refund.*`, `charge.refund.updated` or `charge.refunded`: finds its
 * order, waits until Stripe says it succeeded (refunds can stay pending for days), then records it exactly once: an
 * offline Magento credit memo for the refunded amount, an ERP credit note against the order's invoice and a payment
 * paying the customer back. A full refund before shipment is the order run's to reverse; a refund that fails leaves
 * the books as they were (or cancels what was booked) and waits in the review queue.
 */
export async function refund(input: { refundId: string }): Promise<RefundOutcome> {
  const run = startRun(input.refundId);
  try {
    run.settings = await run.review.step(() => config.orderSettings());
    run.refund = await run.review.step(() => stripe.getRefund(input.refundId));
    if (run.refund.invoiceId && !run.refund.magentoOrderId)
      return end(run, 'not_for_us', 'completed', `refund of Stripe invoice ${run.refund.invoiceId} (a subscription)`);
    await findOrder(run);
    await awaitSettled(run);
    if (run.refund.status !== 'succeeded') return await refundFailed(run);
    if (run.refund.o2cKey?.startsWith('order:')) {
      return end(
        run,
        'order_reversal',
        'completed',
        `the order run refunded this while reversing order ${run.incrementId}; its documents are that run's`,
      );
    }
    const told = await run.review.step(() =>
      intake.tellOrderAboutRefund({
        incrementId: run.incrementId,
        refund: {
          refundId: run.refund.refundId,
          amountMinor: run.refund.amountMinor,
          currency: run.refund.currency,
          chargeFullyRefunded:
            run.refund.chargeAmountMinor !== undefined &&
            run.refund.chargeRefundedMinor === run.refund.chargeAmountMinor,
        },
      }),
    );
    if (told.recordedByOrder)
      return end(
        run,
        'recorded_by_order',
        'completed',
        `a refund before shipment: order ${run.incrementId}'s run writes its credit memo and ERP documents`,
      );
    if (told.handledByOrder)
      return end(
        run,
        'reversed_by_order',
        'completed',
        `a full refund before shipment: order ${run.incrementId}'s run reverses the order`,
      );
    await creditMemo(run);
    await creditInErp(run);
    return end(run, 'recorded', 'completed');
  } catch (err) {
    if (err instanceof SkippedByOperator)
      return end(run, run.refund?.status === 'failed' ? 'failed_in_stripe' : 'skipped', 'failed', err.message);
    throw err;
  }
}

function startRun(refundId: string): RefundRun {
  const run = new RefundRun(refundId);
  setHandler(stripeEventSignal, () => void (run.nudges += 1));
  upsertSearchAttributes([{ key: StripeObjectId, value: refundId }]);
  setSyncState(run.status, 'running');
  return run;
}

function reached(run: RefundRun, step: string): void {
  run.tracker.reached(step);
}

function end(run: RefundRun, outcome: RefundOutcome['outcome'], state: SyncStateValue, reason?: string): RefundOutcome {
  run.status.refund = run.refund;
  return run.tracker.end(outcome, state, reason);
}

/** The order the refunded payment names; a refund of a payment that names none parks (a retry reads Stripe again). */
async function findOrder(run: RefundRun): Promise<void> {
  const found = await orderNamedBy(run.review, `Stripe refund ${run.refund.refundId}`, run.refund, () =>
    stripe.getRefund(run.refund.refundId),
  );
  run.refund = found.object;
  run.incrementId = found.incrementId;
  run.status.incrementId = run.incrementId;
  run.status.ids.paymentIntentId = run.refund.paymentIntentId;
  tagOrder(run.incrementId);
  reached(run, 'order_found');
}

/** A pending refund: look again when Stripe sends news of it, and at least every few hours, until it settles. */
async function awaitSettled(run: RefundRun): Promise<void> {
  for (
    let pauseMs = 5 * 60_000;
    run.refund.status === 'pending' || run.refund.status === 'requires_action';
    pauseMs = Math.min(pauseMs * 2, 6 * hour)
  ) {
    reached(run, 'pending_in_stripe');
    const seen = run.nudges;
    await condition(() => run.nudges > seen, pauseMs);
    run.refund = await run.review.step(() => stripe.getRefund(run.refund.refundId));
  }
  run.status.refund = run.refund;
}

/** Magento: the refund's credit memo, on the order Magento has now. */
async function creditMemo(run: RefundRun): Promise<void> {
  const order = await magentoOrderOrPark(run.review, run.incrementId, `Stripe refund ${run.refund.refundId}`);
  run.status.ids.magentoEntityId = order.entityId;
  run.status.ids.magentoCreditMemoId = await creditMemoFor(booker(run), order.entityId, run.refund);
  reached(run, 'credit_memo');
}

/** ERP: the refund's credit note and payment, or the Sales Order amended (workflows/refundBooks.ts). */
async function creditInErp(run: RefundRun): Promise<void> {
  const { step, ...ids } = await creditRefundInErp(booker(run), run.refund);
  Object.assign(run.status.ids, ids);
  if (step !== 'nothing_to_credit') reached(run, step);
}

function booker(run: RefundRun): RefundBooker {
  return { review: run.review, incrementId: run.incrementId, settings: run.settings, magento, erp };
}

/**
 * The refund failed in Stripe (the card was closed, say): the customer has not been paid back. A credit memo cannot
 * be deleted in Magento, so one already made is flagged with a comment; ERP documents booked for it are cancelled.
 * The case waits in the review queue until an operator closes it.
 */
async function refundFailed(run: RefundRun): Promise<RefundOutcome> {
  const { refundId, amountMinor, currency, failureReason } = run.refund;
  reached(run, 'failed_in_stripe');
  const order = await run.review.step(() => magento.loadOrderSnapshot(run.incrementId));
  const what = `Stripe refund ${refundId} of ${formatMoney(amountMinor, currency)} failed (${failureReason ?? 'no reason given'}): the customer was not paid back`;
  if (order) {
    const memo = await run.review.step(() => magento.findRefundCreditMemo({ entityId: order.entityId, refundId }));
    await run.review.step(() =>
      magento.addMagentoComment({
        entityId: order.entityId,
        key: `refund_failed:${refundId}`,
        comment: memo ? `${what}; credit memo ${memo.creditMemoId} records a refund that did not happen.` : `${what}.`,
      }),
    );
    if (memo) run.status.ids.magentoCreditMemoId = memo.creditMemoId;
  }
  const docs = await run.review.step(() => erp.erpDocsOfOrder(run.incrementId));
  const salesInvoice = docs.salesInvoice;
  const cancelled =
    salesInvoice || docs.salesOrder
      ? await run.review.step(() => erp.cancelErpRefund({ refundId, ...(salesInvoice ? { salesInvoice } : {}) }))
      : [];
  if (cancelled.length > 0) run.status.ids.erpCancelled = cancelled.join(', ');
  const amendedFor =
    !salesInvoice && docs.salesOrder && !docs.salesOrderCancelled && run.status.ids.erpSalesOrder
      ? ` ERP Sales Order ${docs.salesOrder} was amended for it.`
      : '';
  await run.review.park(
    `${what}.${amendedFor} Refund the customer another way (or again in Stripe), then skip this case.`,
  );
  throw new SkippedByOperator(what);
}
