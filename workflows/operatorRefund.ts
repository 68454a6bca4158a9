import { upsertSearchAttributes } from '@temporalio/workflow';
import { formatMoney } from '../domain/money';
import { MagentoOrderId } from '../domain/searchAttributes';
import type { OperatorRefundRequest } from '../activities/stripe/activities';
import { trackRun } from './runStatus';
import { systems } from './systems';
import { defineStatusQuery } from '../messages/runs';
import { setSyncState, SkippedByOperator } from './reviewQueue';
import type { Tracked } from '../messages/runs';

export interface OperatorRefundOutcome {
  /** `refunded`: Stripe took the refund (its own run, `refund:<re_…>`, records it); `refused`: nothing was refunded, and why. */
  outcome: 'refunded' | 'refused' | 'skipped';
  refundId?: string;
  amountMinor?: number;
  currency?: string;
  reason?: string;
}

export interface OperatorRefundStatus extends Tracked {
  incrementId: string;
  outcome?: OperatorRefundOutcome;
}

export const operatorRefundStatusQuery = defineStatusQuery<OperatorRefundStatus>();

const { stripe } = systems;

/**
 * An operator's refund of an order (an early fraud warning on a shipped order, say), ID `operator-refund:<id>:<request>`:
 * finds the order's payment, refunds it in Stripe once (the request id is the idempotency key), and leaves the
 * credit memo and ERP credit note to the refund's own run, as for any refund.
 */
export async function operatorRefund(input: OperatorRefundRequest): Promise<OperatorRefundOutcome> {
  const status: OperatorRefundStatus = { incrementId: input.incrementId, syncState: 'running' };
  upsertSearchAttributes([{ key: MagentoOrderId, value: input.incrementId }]);
  const { review } = trackRun(status, operatorRefundStatusQuery);
  setSyncState(status, 'running');
  try {
    const result = await review.step(() => stripe.refundOrderForOperator(input));
    status.outcome = result.refused
      ? { outcome: 'refused', reason: result.refused }
      : {
          outcome: 'refunded',
          refundId: result.refundId,
          amountMinor: result.amountMinor,
          currency: result.currency,
          reason: `${formatMoney(result.amountMinor!, result.currency!)} refunded by ${input.operator}`,
        };
  } catch (err) {
    if (!(err instanceof SkippedByOperator)) throw err;
    status.outcome = { outcome: 'skipped', reason: err.message };
  }
  setSyncState(status, status.outcome.outcome === 'refunded' ? 'completed' : 'failed');
  return status.outcome;
}
