import { upsertSearchAttributes } from '@temporalio/workflow';
import { mayBeStripePayment, type CreditMemoSnapshot } from '../domain/creditMemoSync';
import { MagentoOrderId, StripeObjectId, type SyncStateValue } from '../domain/searchAttributes';
import type { MagentoOrderPayment } from '../activities/magento/creditMemoSync';
import type { CreditMemoRefund } from '../activities/stripe/creditMemoRefunds';
import { trackSteps, type TrackedRun } from './runStatus';
import { systems } from './systems';
import { defineStatusQuery } from '../messages/runs';
import { setSyncState, SkippedByOperator } from './reviewQueue';
import type { Tracked } from '../messages/runs';

export interface CreditMemoRefundStatus extends Tracked {
  creditMemoId: number;
  step: string;
  memo?: CreditMemoSnapshot;
  refund?: CreditMemoRefund;
  outcome?: CreditMemoRefundOutcome['outcome'];
  timestamps: Record<string, string>;
}

export interface CreditMemoRefundOutcome {
  /**
   * `refunded`: refunded in Stripe now; `already_refunded`: a refund carrying the memo's id was there, or one made in
   * Stripe for the memo's money that no memo recorded (`status.refund.linked`); `not_staff`: the
   * memo turned out to be the product's own or refunded online; `not_stripe`: the order was not paid through Stripe.
   */
  outcome: 'refunded' | 'already_refunded' | 'not_staff' | 'not_stripe' | 'skipped';
  reason?: string;
  status: CreditMemoRefundStatus;
}

export const creditMemoRefundStatusQuery = defineStatusQuery<CreditMemoRefundStatus>();

const { magento, stripe } = systems;

type MemoRun = TrackedRun<CreditMemoRefundOutcome['outcome'], CreditMemoRefundStatus>;

/**
 * One credit memo staff made in the Magento admin, ID `creditmemo:<entity id>` (started by `magentoCreditMemoSync`,
 * once: Temporal refuses a second start of the ID): refunds the memo's total in Stripe and notes the refund on the
 * memo. The refund's own run (`refund:<re_…>`) then finds this memo by the refund's `metadata.magento_creditmemo_id`
 * and books the ERP credit note without making a second memo. A memo Stripe cannot take parks here alone.
 */
export async function magentoCreditMemoRefund(input: { creditMemoId: number }): Promise<CreditMemoRefundOutcome> {
  const run = startRun(input.creditMemoId);
  try {
    const memo = await readMemo(run, input.creditMemoId);
    if (memo.origin !== 'staff')
      return end(
        run,
        'not_staff',
        `credit memo ${memo.creditMemoId} is ${memo.origin === 'ours' ? 'this product’s own' : `refunded online (${memo.transactionId})`}`,
      );
    const payment = await findPayment(run, memo);
    if (!payment.paymentIntentId && !payment.chargeId && !mayBeStripePayment(payment.paymentMethod)) {
      return end(
        run,
        'not_stripe',
        `order ${payment.incrementId} was paid with ${payment.paymentMethod}, not through Stripe`,
      );
    }
    await refundInStripe(run, memo, payment);
    await noteOnMemo(run);
    return end(run, run.status.refund!.created ? 'refunded' : 'already_refunded');
  } catch (err) {
    if (err instanceof SkippedByOperator) return end(run, 'skipped', err.message, 'failed');
    throw err;
  }
}

function startRun(creditMemoId: number): MemoRun {
  const run = trackSteps<CreditMemoRefundOutcome['outcome'], CreditMemoRefundStatus>(
    { creditMemoId, step: 'started', syncState: 'running', timestamps: {} },
    creditMemoRefundStatusQuery,
  );
  setSyncState(run.status, 'running');
  return run;
}

function reached(run: MemoRun, step: string): void {
  run.reached(step);
}

function end(
  run: MemoRun,
  outcome: CreditMemoRefundOutcome['outcome'],
  reason?: string,
  state: SyncStateValue = 'completed',
): CreditMemoRefundOutcome {
  return run.end(outcome, state, reason);
}

/** The memo as Magento has it now (a poll may be minutes old): a memo whose amount cannot be read parks; a retry reads it again. */
async function readMemo(run: MemoRun, creditMemoId: number): Promise<CreditMemoSnapshot> {
  const memo = await run.review.step(() => magento.loadCreditMemo(creditMemoId));
  run.status.memo = memo;
  if (memo.incrementId) upsertSearchAttributes([{ key: MagentoOrderId, value: memo.incrementId }]);
  reached(run, 'memo_read');
  return memo;
}

/** The order's Stripe payment as Magento records it (none: the Stripe activity searches Stripe for it). */
async function findPayment(run: MemoRun, memo: CreditMemoSnapshot): Promise<MagentoOrderPayment> {
  const payment = await run.review.step(() => magento.stripePaymentOfMagentoOrder(memo.orderEntityId));
  reached(run, 'payment_found');
  return payment;
}

async function refundInStripe(run: MemoRun, memo: CreditMemoSnapshot, payment: MagentoOrderPayment): Promise<void> {
  const { creditMemoId, grandTotalMinor: amountMinor, currency } = memo;
  const { incrementId, paymentIntentId, chargeId, refundsRecorded } = payment;
  run.status.refund = await run.review.step(() =>
    stripe.refundForCreditMemo({
      creditMemoId,
      incrementId,
      amountMinor,
      currency,
      ...(refundsRecorded ? { refundsRecorded } : {}),
      ...(paymentIntentId ? { paymentIntentId } : {}),
      ...(chargeId ? { chargeId } : {}),
    }),
  );
  upsertSearchAttributes([{ key: StripeObjectId, value: run.status.refund.refundId }]);
  reached(run, 'refunded_in_stripe');
}

/** Staff see the Stripe refund on the memo; its marker also tells later polls the memo is done. */
async function noteOnMemo(run: MemoRun): Promise<void> {
  const { refundId, amountMinor, currency } = run.status.refund!;
  await run.review.step(() =>
    magento.noteStripeRefundOnCreditMemo({ creditMemoId: run.status.creditMemoId, refundId, amountMinor, currency }),
  );
  reached(run, 'noted_on_memo');
}
