import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SyncStateValue } from '../domain/searchAttributes';
import type { StripeEventEnvelope } from '../domain/stripeEvents';

/** A Stripe event handed to the run of the entity it is about (docs/architecture.md, "Messages"). */
export const stripeEventSignal = defineSignal<[StripeEventEnvelope]>('stripeEvent');

/** What every run's status carries: where it is in the review queue. */
export interface Tracked {
  syncState: SyncStateValue;
  reviewReason?: string;
}

export interface OperatorNote {
  operator?: string;
  note?: string;
}
export type ParkedAction = 'retry' | 'skip';

/** The operator's actions on a parked run: refused at once ("not parked") when the run is not waiting for one. */
export const retryUpdate = defineUpdate<ParkedAction, [OperatorNote]>('retry');
export const skipUpdate = defineUpdate<ParkedAction, [OperatorNote]>('skip');

export const statusQueryName = 'status';

/** Every run answers `status` with its own status type. */
export function defineStatusQuery<T>() {
  return defineQuery<T>(statusQueryName);
}
