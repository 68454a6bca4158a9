import { defineUpdate } from '@temporalio/workflow';

/** A refund that succeeded in Stripe, as its own run tells the order's run. */
export interface RefundNotice {
  refundId: string;
  amountMinor: number;
  currency: string;
  /** The charge has now been refunded in full. */
  chargeFullyRefunded: boolean;
}

export interface RefundNoticeAnswer {
  /** The order's run reverses the order itself (full refund before shipment): the refund's run makes no documents. */
  handledByOrder: boolean;
  /**
   * The order's run books this refund itself (credit memo, ERP credit): a refund before shipment, while that run owns
   * the order's documents. Its answer is the only writer of the refund's documents.
   */
  recordedByOrder?: boolean;
}

/** Sent by a refund's run to its order's run while that is open. */
export const refundNoticeUpdate = defineUpdate<RefundNoticeAnswer, [RefundNotice]>('refund');

/** A dispute's news, as its own run tells the order's run. */
export interface DisputeNotice {
  disputeId: string;
  status: 'opened' | 'won' | 'lost';
  amountMinor: number;
  currency: string;
  reason: string;
}

export interface DisputeNoticeAnswer {
  /** The order's run acts on it (holds, releases, or reverses the unshipped order); for `lost` the run's reversal makes the documents. */
  handledByOrder: boolean;
}

/** Sent by a dispute's run to its order's run while that is open. */
export const disputeNoticeUpdate = defineUpdate<DisputeNoticeAnswer, [DisputeNotice]>('dispute');
