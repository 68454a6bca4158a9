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

/**
 * What the warehouse says of a shipment after `order.shipped`, or instead of it (ShipBob 2026-01's
 * `order.shipment.delivered|exception|on_hold|cancelled` webhooks), as the `shipmentEvent` signal.
 */
export interface ShipmentEvent {
  kind: 'delivered' | 'exception' | 'on_hold' | 'cancelled';
  /** The Standard Webhooks `webhook-id` of the message it came in: one event per id. */
  webhookId: string;
  wmsOrderId?: number;
  shipmentId?: number;
  /** When the warehouse says it happened (ISO 8601). */
  at?: string;
  /** The warehouse's own words for an exception, a hold or a cancellation (its status details), for the notice. */
  reason?: string;
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
/** The warehouse's later news of the shipment (`POST /webhooks/wms`, topics other than `order.shipped`). */
export const shipmentEventSignal = defineSignal<[ShipmentEvent]>('shipmentEvent');
export const orderStatusQuery = defineStatusQuery<OrderStatus>();
