import { proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { routeStripeEvent, routeToOrder, type RouteDecision } from '../domain/eventRouting';
import { StripeEventType, StripeObjectId } from '../domain/searchAttributes';
import type { StripeEventEnvelope } from '../domain/stripeEvents';
import type { IntakeActivities } from '../activities/intake/activities';
import type { OrderReference, StripeActivities } from '../activities/stripe/activities';
import { defineStatusQuery } from './messages';
import { createReviewQueue, setSyncState, type Tracked } from './reviewQueue';

export interface IntakeResult {
  eventId: string;
  type: string;
  workflowId: string;
  outcome: 'delivered' | 'not_for_us' | 'skipped';
  deliveredTo?: string;
  reason?: string;
}

export interface IntakeStatus extends Tracked {
  eventId: string;
  type: string;
  decision?: RouteDecision;
}

export const intakeStatusQuery = defineStatusQuery<IntakeStatus>();

const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;
const stripe = proxyActivities<StripeActivities>({ startToCloseTimeout: '30 seconds', retry });
const intake = proxyActivities<IntakeActivities>({ startToCloseTimeout: '30 seconds', retry });

/**
 * One run per accepted Stripe event, ID `stripe:<event id>`, so a redelivered event cannot start twice. Finds the
 * entity the event is about and hands it to that entity's workflow; an event that names no entity we can find parks
 * in the review queue with the reason, and an operator's retry looks again (at Stripe's current state).
 */
export async function stripeEventIntake(event: StripeEventEnvelope): Promise<IntakeResult> {
  const status: IntakeStatus = { eventId: event.id, type: event.type, syncState: 'running' };
  setHandler(intakeStatusQuery, () => status);
  const review = createReviewQueue(status);
  const attributes: SearchAttributeUpdatePair[] = [{ key: StripeEventType, value: event.type }];
  if (event.objectId) attributes.push({ key: StripeObjectId, value: event.objectId });
  upsertSearchAttributes(attributes);
  setSyncState(status, 'running');
  const result = (outcome: IntakeResult['outcome'], extra: Partial<IntakeResult> = {}): IntakeResult =>
    ({ eventId: event.id, type: event.type, workflowId: workflowInfo().workflowId, outcome, ...extra });

  let decision = routeStripeEvent(event);
  for (;;) {
    status.decision = decision;
    switch (decision.kind) {
      case 'lookupPaymentIntent':
        decision = fromReference(await stripe.orderReferenceOfPaymentIntent(decision.paymentIntentId), decision.paymentIntentId);
        continue;
      case 'lookupCharge':
        decision = fromReference(await stripe.orderReferenceOfCharge(decision.chargeId), decision.chargeId);
        continue;
      case 'route':
        await intake.deliverStripeEvent({ workflowType: decision.workflowType, workflowId: decision.workflowId, businessKey: decision.businessKey, event });
        setSyncState(status, 'completed');
        return result('delivered', { deliveredTo: decision.workflowId });
      case 'notForUs':
        setSyncState(status, 'completed');
        return result('not_for_us', { reason: decision.reason });
      case 'unroutable': {
        if ((await review.park(decision.reason)) === 'skip') {
          setSyncState(status, 'completed');
          return result('skipped', { reason: decision.reason });
        }
        const paymentIntentId = paymentIntentOf(event);
        decision = paymentIntentId ? { kind: 'lookupPaymentIntent', paymentIntentId } : routeStripeEvent(event);
        continue;
      }
    }
  }
}

function fromReference(reference: OrderReference, lookedUp: string): RouteDecision {
  if (reference.magentoOrderId) return routeToOrder(reference.magentoOrderId);
  if (reference.invoiceId) return { kind: 'notForUs', reason: `${lookedUp} pays Stripe invoice ${reference.invoiceId} (subscription), not a Magento order` };
  return { kind: 'unroutable', reason: `${lookedUp} has no magento_order_id (or "Order #") in its metadata, so it cannot be matched to a Magento order` };
}

function paymentIntentOf(event: StripeEventEnvelope): string | undefined {
  if (event.type.startsWith('payment_intent.')) return event.objectId;
  const pi = event.object.payment_intent;
  return typeof pi === 'string' ? pi : undefined;
}
