import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { StripeEventEnvelope } from '../domain/stripeEvents';

/** Messages every long-running workflow understands (DESIGN.md section 5). */
export const stripeEventSignal = defineSignal<[StripeEventEnvelope]>('stripeEvent');
export const retrySignal = defineSignal<[{ operator?: string }?]>('retry');
export const skipSignal = defineSignal<[{ operator?: string; note?: string }?]>('skip');
export const statusQueryName = 'status';

export function defineStatusQuery<T>() {
  return defineQuery<T>(statusQueryName);
}
