import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { FraudAssessment } from '../domain/fraud';
import type { SyncStateValue } from '../domain/searchAttributes';
import { defineStatusQuery } from './runs';

export interface FraudDecision {
  decision: 'approve' | 'reject';
  reviewer: string;
  note?: string;
}

export interface ShipmentNotice {
  trackingNumber: string;
  carrier?: string;
  trackingUrl?: string;
  wmsOrderId?: number;
  shippedAt?: string;
}

export interface OrderStatus {
  incrementId: string;
  step: string;
  syncState: SyncStateValue;
  reviewReason?: string;
  outcome?: OrderOutcome['outcome'];
  fraud?: FraudAssessment & { decision?: FraudDecision; heldUntil?: string };
  ids: Record<string, string | number | undefined>;
  timestamps: Record<string, string>;
  /** Steps off the money path that failed: the order went on without them. */
  warnings?: string[];
}

export interface OrderOutcome {
  /** `already_settled`: Magento had already finished with the order (a run after the first one's history is gone); nothing was written. */
  outcome: 'completed' | 'compensated' | 'canceled_unpaid' | 'canceled' | 'skipped' | 'already_settled';
  reason?: string;
  status: OrderStatus;
}

/** The fraud decision: refused at once with "not held" or "already decided". */
export const fraudDecisionUpdate = defineUpdate<{ decision: FraudDecision['decision'] }, [FraudDecision]>(
  'fraudDecision',
);
/** The warehouse shipped the order (`POST /webhooks/wms`). */
export const shipmentSignal = defineSignal<[ShipmentNotice]>('shipment');
export const orderStatusQuery = defineStatusQuery<OrderStatus>();
