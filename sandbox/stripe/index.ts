import express, { Router } from 'express';
import { createPeer, type SandboxPeer } from '../kit/peer';
import { billingSettingsSchema, defaultBillingSettings, type BillingSettings } from './billingSettings';
import { Store } from '../kit/store';
import { stripeAuth } from './auth';
import { controlRoutes } from './controls';
import type { Engine, RequestInfo } from './context';
import { stripeErrorHandler, stripeFaultResponders, unrecognizedUrl } from './errors';
import { eventRoutes, recordEvent } from './events';
import { idempotency } from './idempotency';
import { balanceRoutes } from './resources/balance';
import { chargeRoutes } from './resources/charges';
import { couponRoutes } from './resources/coupons';
import { checkoutSessionRoutes } from './resources/checkoutSessions';
import { customerRoutes } from './resources/customers';
import { disputeRoutes } from './resources/disputes';
import { paymentIntentRoutes } from './resources/paymentIntents';
import { paymentMethodRoutes } from './resources/paymentMethods';
import { payoutRoutes } from './resources/payouts';
import { priceRoutes } from './resources/prices';
import { refundRoutes } from './resources/refunds';
import { reviewRoutes } from './resources/reviews';
import { subscriptionRoutes } from './resources/subscriptions';
import { taxRateRoutes } from './resources/taxRates';
import type { SettlementSettings } from './settlement';
import { initialState, type StripeState } from './state';
import { WebhookDelivery } from './webhooks';

export type { StripeState } from './state';

export interface StripeSandboxOptions {
  /** The only API key accepted (`Authorization: Bearer <secretKey>`). */
  secretKey: string;
  /** Signs webhooks (`Stripe-Signature`), as the endpoint's `whsec_…` secret. */
  webhookSecret: string;
  /** Where events are POSTed; unset = events are recorded but not delivered. */
  webhookUrl?: string;
  /** JSON file mirroring the state, so restarts keep it. */
  dataFile?: string;
  /** First webhook retry delay; later ones double, capped at 64×. Default 1000. */
  retryBaseMs?: number;
  /** Clock in epoch milliseconds (for `created`, `available_on`, billing periods). Default `Date.now`. */
  now?: () => number;
  /** Stripe Billing account settings: retry schedule, what happens after the last retry, `invoice.upcoming` notice. */
  billing?: Partial<BillingSettings>;
  /** Which currencies the account settles in from the start (and after a reset); unset = every currency as itself. */
  settlement?: SettlementSettings;
}

const noRequest: RequestInfo = { id: null, idempotency_key: null };

/**
 * A stateful Stripe stand-in the official `stripe` client talks to unchanged
 * (`new Stripe(key, { host: '127.0.0.1', port, protocol: 'http' })`).
 */
export function createStripeSandbox(options: StripeSandboxOptions): SandboxPeer<StripeState> & { stop(): void } {
  const startState = (): StripeState =>
    options.settlement ? { ...initialState(), settlement: structuredClone(options.settlement) } : initialState();
  const store = new Store<StripeState>(startState, options.dataFile);
  if (options.settlement && !store.data.settlement) store.data.settlement = structuredClone(options.settlement);
  const nowMs = options.now ?? Date.now;
  const delivery = new WebhookDelivery({
    store,
    url: options.webhookUrl,
    secret: options.webhookSecret,
    retryBaseMs: options.retryBaseMs ?? 1000,
  });
  const startBilling = billingSettingsSchema.parse({ ...defaultBillingSettings, ...options.billing });
  let lastBaseUrl = 'http://127.0.0.1';

  const engine: Engine = {
    store,
    nowMs,
    billing: structuredClone(startBilling),
    context(request = noRequest, baseUrl) {
      const state = store.data;
      const now = () => Math.floor(nowMs() / 1000);
      if (baseUrl) lastBaseUrl = baseUrl;
      return {
        state,
        now,
        nowMs,
        billing: engine.billing,
        baseUrl: lastBaseUrl,
        emit(type, object, previousAttributes) {
          const event = recordEvent(state, now(), request, delivery.hasEndpoint, type, object, previousAttributes);
          delivery.enqueue(event.id, type);
          return event;
        },
      };
    },
  };

  const routes = Router();
  routes.use(idempotency(store, nowMs));
  for (const resource of [
    customerRoutes,
    paymentMethodRoutes,
    paymentIntentRoutes,
    chargeRoutes,
    refundRoutes,
    balanceRoutes,
    payoutRoutes,
    reviewRoutes,
    disputeRoutes,
    priceRoutes,
    couponRoutes,
    taxRateRoutes,
    subscriptionRoutes,
    checkoutSessionRoutes,
    eventRoutes,
  ])
    routes.use(resource(engine));
  routes.use(stripeErrorHandler);

  const peer = createPeer<StripeState>({
    name: 'stripe',
    store,
    bodyParsers: [express.urlencoded({ extended: true, limit: '5mb', parameterLimit: 10_000 })],
    auth: stripeAuth(options.secretKey),
    routes,
    controls: controlRoutes(engine, delivery),
    faultResponders: stripeFaultResponders,
    notFound: unrecognizedUrl,
    onReset: () => {
      delivery.reset();
      engine.billing = structuredClone(startBilling);
    },
  });
  delivery.resumePending();

  return {
    ...peer,
    stop() {
      delivery.stop();
      store.flush();
    },
  };
}
