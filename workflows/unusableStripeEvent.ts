import type { UnusableStripeEvent } from '../domain/stripeEvents';
import { defineStatusQuery, type Tracked } from '../messages/runs';
import { trackRun } from './runStatus';
import { setSyncState } from './reviewQueue';

export interface UnusableEventStatus extends Tracked {
  eventId: string;
  type: string;
}

export interface UnusableEventResult {
  eventId: string;
  type: string;
  outcome: 'skipped';
  reason: string;
}

export const unusableEventStatusQuery = defineStatusQuery<UnusableEventStatus>();

/**
 * The run of a verified Stripe event the receiver could not make the intake's input (nested too deep, too large):
 * ID `stripe:<event id>`, as the intake's, so Stripe's redeliveries of it are refused. It holds the event's identity
 * and the reason, never its data, and waits parked until a person skips it. A retry cannot help (the event's data was
 * never kept): it parks again, saying so.
 */
export async function unusableStripeEvent(event: UnusableStripeEvent): Promise<UnusableEventResult> {
  const status: UnusableEventStatus = { eventId: event.id, type: event.type, syncState: 'needs_review' };
  const { review } = trackRun(status, unusableEventStatusQuery);
  let reason = event.reason;
  while ((await review.park(reason)) === 'retry')
    reason = `${event.reason} A retry cannot help: the receiver kept only the event's identity.`;
  setSyncState(status, 'completed');
  return { eventId: event.id, type: event.type, outcome: 'skipped', reason: event.reason };
}
