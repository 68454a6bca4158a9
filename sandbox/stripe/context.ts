import type { Store } from '../kit/store';
import type { BillingSettings } from './billingSettings';
import type { StripeState } from './state';
import type { StripeEvent } from './types';

/** The API request an event came from (`event.request`); null ids for sandbox-made changes. */
export interface RequestInfo {
  id: string | null;
  idempotency_key: string | null;
}

/** What a resource operation works with: the state, the clock, and a way to record events. */
export interface Ctx {
  readonly state: StripeState;
  /** Unix seconds, as Stripe's `created` fields. */
  now(): number;
  nowMs(): number;
  /** Records an event with a deep copy of `object` as it is now, and queues its webhook delivery. */
  emit(type: string, object: unknown, previousAttributes?: Record<string, unknown>): StripeEvent;
  /** Stripe Billing's account settings (retries, upcoming-invoice notice). */
  readonly billing: BillingSettings;
  /** Where the sandbox is reached (`http://host:port`), for URLs it hands out such as `hosted_invoice_url`. */
  readonly baseUrl: string;
}

export interface Engine {
  store: Store<StripeState>;
  nowMs(): number;
  billing: BillingSettings;
  context(request?: RequestInfo, baseUrl?: string): Ctx;
}
