import { workflowInfo } from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import {
  routeStripeEvent,
  routeToOrder,
  routeToRefund,
  routeToUnmatchedPayment,
  type RouteDecision,
} from '../domain/eventRouting';
import { StripeEventType, StripeObjectId, SyncState } from '../domain/searchAttributes';
import type { StripeEventEnvelope } from '../domain/stripeEvents';
import type { OrderReference } from '../activities/stripe/activities';
import { trackRun } from './runStatus';
import { localSystems, systems } from './systems';
import { defineStatusQuery } from '../messages/runs';
import { startAttributes, upsertUnlessStartedWith } from './searchAttributeUpdates';
import { createReviewQueue, setSyncState, SkippedByOperator } from './reviewQueue';
import type { Tracked } from '../messages/runs';

export interface IntakeResult {
  eventId: string;
  type: string;
  workflowId: string;
  /** `order_closed`: the event is about an order whose run has ended; it is kept here, and after-sale runs act on it. */
  outcome: 'delivered' | 'not_for_us' | 'order_closed' | 'skipped';
  deliveredTo?: string;
  reason?: string;
}

export interface IntakeStatus extends Tracked {
  eventId: string;
  type: string;
  decision?: RouteDecision;
}

export const intakeStatusQuery = defineStatusQuery<IntakeStatus>();

const { stripe, intake } = localSystems;
const { notify } = systems;

/**
 * One run per accepted Stripe event, ID `stripe:<event id>`, so a redelivered event cannot start twice. Finds the
 * entity the event is about and hands it to that entity's workflow. It never ends Failed: a payment that names no
 * Magento order goes to that payment's own run (`payment:<pi_…>`, parked once per PaymentIntent however many of its
 * events arrive); anything else it cannot resolve (an object Stripe no longer returns, a refused key) parks here with
 * the reason, and an operator's retry looks again at Stripe's current state.
 */
export async function stripeEventIntake(event: StripeEventEnvelope): Promise<IntakeResult> {
  const status: IntakeStatus = { eventId: event.id, type: event.type, syncState: 'running' };
  const { review } = trackRun(status, intakeStatusQuery);
  const start = startAttributes();
  const attributes: SearchAttributePair[] = [{ key: StripeEventType, value: event.type }];
  if (event.objectId) attributes.push({ key: StripeObjectId, value: event.objectId });
  upsertUnlessStartedWith(start, attributes);
  upsertUnlessStartedWith(start, [{ key: SyncState, value: 'running' }]);
  const result = (outcome: IntakeResult['outcome'], extra: Partial<IntakeResult> = {}): IntakeResult => ({
    eventId: event.id,
    type: event.type,
    workflowId: workflowInfo().workflowId,
    outcome,
    ...extra,
  });

  let decision = routeStripeEvent(event);
  try {
    for (;;) {
      status.decision = decision;
      switch (decision.kind) {
        case 'lookupPaymentIntent': {
          const { paymentIntentId } = decision;
          decision = fromReference(
            await review.step(() => stripe.orderReferenceOfPaymentIntent(paymentIntentId)),
            paymentIntentId,
            paymentIntentId,
          );
          continue;
        }
        case 'lookupCharge': {
          const { chargeId } = decision;
          decision = fromReference(
            await review.step(() => stripe.orderReferenceOfCharge(chargeId)),
            chargeId,
            paymentIntentOf(event),
          );
          continue;
        }
        case 'route': {
          const target = decision;
          const delivered = await review.step(() =>
            intake.deliverStripeEvent({
              workflowType: target.workflowType,
              workflowId: target.workflowId,
              businessKey: target.businessKey,
              event,
            }),
          );
          setSyncState(status, 'completed');
          if (delivered.closed) {
            if (event.type === 'radar.early_fraud_warning.created')
              await alertShippedOrder(review, event, target.businessKey);
            return result('order_closed', {
              reason: `${target.workflowId} has ended; an order's run never starts again`,
            });
          }
          return result('delivered', { deliveredTo: delivered.workflowId ?? target.workflowId });
        }
        case 'refundsOfCharge': {
          const { chargeId } = decision;
          const refundIds = await review.step(() => stripe.listRefundIdsOfCharge(chargeId));
          for (const refundId of refundIds) {
            const target = routeToRefund(refundId);
            await review.step(() =>
              intake.deliverStripeEvent({
                workflowType: target.workflowType,
                workflowId: target.workflowId,
                businessKey: target.businessKey,
                event,
              }),
            );
          }
          setSyncState(status, 'completed');
          if (refundIds.length === 0)
            return result('not_for_us', { reason: `Stripe lists no refunds on charge ${chargeId}` });
          return result('delivered', { deliveredTo: refundIds.map((id) => routeToRefund(id).workflowId).join(', ') });
        }
        case 'notForUs':
          setSyncState(status, 'completed');
          return result('not_for_us', { reason: decision.reason });
        case 'unroutable': {
          const paymentIntentId = paymentIntentOf(event);
          if (paymentIntentId) {
            decision = routeToUnmatchedPayment(paymentIntentId);
            continue;
          }
          if ((await review.park(decision.reason)) === 'skip') throw new SkippedByOperator(decision.reason);
          decision = routeStripeEvent(event);
          continue;
        }
      }
    }
  } catch (err) {
    if (!(err instanceof SkippedByOperator)) throw err;
    setSyncState(status, 'completed');
    return result('skipped', { reason: err.message });
  }
}

/** An early fraud warning on an order that has shipped: the merchant is told to consider a refund before it becomes a dispute. */
async function alertShippedOrder(
  review: ReturnType<typeof createReviewQueue>,
  event: StripeEventEnvelope,
  incrementId: string,
): Promise<void> {
  const fraudType = typeof event.object.fraud_type === 'string' ? event.object.fraud_type.replace(/_/g, ' ') : 'fraud';
  await review.step(() =>
    notify.notifyMerchant({
      key: `fraud_warning_after_shipment:${event.objectId ?? event.id}`,
      template: 'fraud_warning_after_shipment',
      orderId: incrementId,
      subject: `Order ${incrementId}: early fraud warning after shipment`,
      detail: `${fraudType}, payment ${paymentIntentOf(event) ?? String(event.object.charge ?? '')}`,
    }),
  );
}

function fromReference(
  reference: OrderReference,
  lookedUp: string,
  paymentIntentId: string | undefined,
): RouteDecision {
  if (reference.magentoOrderId) return routeToOrder(reference.magentoOrderId);
  if (reference.invoiceId)
    return {
      kind: 'notForUs',
      reason: `${lookedUp} pays Stripe invoice ${reference.invoiceId} (subscription), not a Magento order`,
    };
  if (paymentIntentId) return routeToUnmatchedPayment(paymentIntentId);
  return {
    kind: 'unroutable',
    reason: `${lookedUp} has no magento_order_id (or "Order #") in its metadata, so it cannot be matched to a Magento order`,
  };
}

function paymentIntentOf(event: StripeEventEnvelope): string | undefined {
  if (event.type.startsWith('payment_intent.')) return event.objectId;
  const pi = event.object.payment_intent;
  return typeof pi === 'string' ? pi : undefined;
}
