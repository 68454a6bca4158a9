import { setHandler, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { otherChannelOf } from '../domain/channels';
import { routeToOrder } from '../domain/eventRouting';
import { StripeObjectId } from '../domain/searchAttributes';
import type { StripeEventEnvelope } from '../domain/stripeEvents';
import { trackRun } from './runStatus';
import { systems } from './systems';
import { defineStatusQuery, stripeEventSignal } from '../messages/runs';
import { setSyncState, SkippedByOperator } from './reviewQueue';
import type { Tracked } from '../messages/runs';

export interface UnmatchedPaymentStatus extends Tracked {
  paymentIntentId: string;
  eventIds: string[];
  otherChannel?: string;
  deliveredTo?: string;
}

export interface UnmatchedPaymentResult {
  outcome: 'other_channel' | 'delivered' | 'skipped';
  paymentIntentId: string;
  reason?: string;
  deliveredTo?: string;
}

export const unmatchedPaymentStatusQuery = defineStatusQuery<UnmatchedPaymentStatus>();

const { intake, config } = systems;

/**
 * A payment that names no Magento order (`payment:<pi_…>`): one run per PaymentIntent, however many of its events
 * arrive, so the review queue holds it once. A payment from the merchant's other sales channels is not ours and ends
 * at once (counted). Otherwise it parks; an operator's retry reads Stripe's metadata again and, once it names an
 * order, hands every event collected so far to that order's run.
 */
export async function unmatchedPayment(input: { paymentIntentId: string }): Promise<UnmatchedPaymentResult> {
  const { paymentIntentId } = input;
  const status: UnmatchedPaymentStatus = { paymentIntentId, eventIds: [], syncState: 'running' };
  const events: StripeEventEnvelope[] = [];
  setHandler(stripeEventSignal, (event: StripeEventEnvelope) => {
    if (status.eventIds.includes(event.id)) return;
    status.eventIds.push(event.id);
    events.push(event);
  });
  const { review } = trackRun(status, unmatchedPaymentStatusQuery);
  upsertSearchAttributes([{ key: StripeObjectId, value: paymentIntentId }]);
  setSyncState(status, 'running');

  try {
    const settings = await review.step(() => config.orderSettings());
    for (;;) {
      const origin = await review.step(() => intake.paymentOrigin(paymentIntentId));
      status.otherChannel = otherChannelOf(origin, settings.otherChannels);
      if (status.otherChannel) {
        upsertMemo({ otherChannel: status.otherChannel });
        setSyncState(status, 'completed');
        return { outcome: 'other_channel', paymentIntentId, reason: status.otherChannel };
      }
      if (origin.magentoOrderId) {
        const route = routeToOrder(origin.magentoOrderId);
        // Events that arrive while delivering are delivered too.
        for (let i = 0; i < events.length; i++) {
          const event = events[i]!;
          await review.step(() =>
            intake.deliverStripeEvent({
              workflowType: route.workflowType,
              workflowId: route.workflowId,
              businessKey: route.businessKey,
              event,
            }),
          );
        }
        status.deliveredTo = route.workflowId;
        setSyncState(status, 'completed');
        return { outcome: 'delivered', paymentIntentId, deliveredTo: route.workflowId };
      }
      const reason =
        `${paymentIntentId} has no magento_order_id (or "Order #") in its metadata, so it cannot be matched to a Magento order; ` +
        'set the metadata in Stripe (or mark its sales channel in config/mappings.yaml) and retry';
      if ((await review.park(reason)) === 'skip') throw new SkippedByOperator(reason);
    }
  } catch (err) {
    if (!(err instanceof SkippedByOperator)) throw err;
    setSyncState(status, 'completed');
    return { outcome: 'skipped', paymentIntentId, reason: err.message };
  }
}
