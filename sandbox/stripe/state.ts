import type { CheckoutSession, CheckoutSessionExtras } from './checkoutTypes';
import type {
  Coupon,
  CustomerBalanceTransaction,
  Discount,
  Invoice,
  InvoiceLine,
  Price,
  Product,
  Subscription,
  TaxRate,
} from './billingTypes';
import type { SettlementSettings } from './settlement';
import type { RefundBehaviour } from './testCards';
import type {
  BalanceTransaction,
  Charge,
  Customer,
  DeletedCustomer,
  Dispute,
  EarlyFraudWarning,
  PaymentIntent,
  PaymentMethod,
  Payout,
  Refund,
  Review,
  StripeEvent,
} from './types';

/** A stored idempotent response, replayed for 24 h to a request with the same key and parameters. */
export interface IdempotentResponse {
  requestSignature: string;
  endpoint: string;
  status: number;
  body: unknown;
  storedAtMs: number;
}

/** Webhook delivery bookkeeping for one event, for `GET /__sandbox/deliveries`. */
export interface Delivery {
  eventId: string;
  type: string;
  attempts: number;
  /** HTTP status of the last attempt, or null for a network error / no attempt yet. */
  lastStatus: number | null;
  lastError: string | null;
  delivered: boolean;
  /** Extra copies sent because of `duplicateRate`. */
  duplicates: number;
  /** True when retries ran out without a 2xx answer. */
  failed: boolean;
}

/**
 * Sandbox bookkeeping for one subscription, never shown (Stripe's own scheduler state). Each subscription lives on
 * its own clock, like a Stripe test clock: `clock` only moves forward, with `POST /__sandbox/subscriptions/:id/advance`;
 * the subscription's "now" is the later of `clock` and the sandbox clock.
 */
export interface SubscriptionBook {
  clock: number;
  /** Proration lines waiting for the next invoice (Stripe's pending invoice items). */
  pendingLines: InvoiceLine[];
  /** The renewal (period end or trial end) `invoice.upcoming` was last sent for. */
  upcomingSentFor: number | null;
  /** The trial end `customer.subscription.trial_will_end` was last sent for. */
  trialWillEndSentFor: number | null;
}

/**
 * Everything the Stripe sandbox holds. Collections are keyed by id; JavaScript keeps string keys in
 * insertion order (also through JSON), so `Object.values(...).reverse()` is newest first, as Stripe lists.
 */
export interface StripeState {
  customers: Record<string, Customer | DeletedCustomer>;
  paymentMethods: Record<string, PaymentMethod>;
  /** Which test card (`pm_card_visa`, …) a stored payment method was made from. */
  testCardOf: Record<string, string>;
  paymentIntents: Record<string, PaymentIntent>;
  charges: Record<string, Charge>;
  refunds: Record<string, Refund>;
  /**
   * Sandbox bookkeeping, never shown: what the next refund on a charge does (`POST /__sandbox/charges/:id/refund_behaviour`)
   * and which succeeded refunds are still to fail (`pm_card_refundFail`). Optional: data files from before lack them.
   */
  nextRefundBehaviour?: Record<string, RefundBehaviour>;
  refundsToFail?: Record<string, true>;
  balanceTransactions: Record<string, BalanceTransaction>;
  /** Which currencies the account settles in (`PUT /__sandbox/settlement`); absent = every currency as itself. */
  settlement?: SettlementSettings;
  /** Balance transaction id → the payout that swept it (automatic or manual). */
  payoutOf: Record<string, string>;
  payouts: Record<string, Payout>;
  reviews: Record<string, Review>;
  earlyFraudWarnings: Record<string, EarlyFraudWarning>;
  disputes: Record<string, Dispute>;
  products: Record<string, Product>;
  prices: Record<string, Price>;
  subscriptions: Record<string, Subscription>;
  invoices: Record<string, Invoice>;
  /** Optional: data files from before Billing's coupons, discounts and tax rates lack them. */
  coupons?: Record<string, Coupon>;
  discounts?: Record<string, Discount>;
  taxRates?: Record<string, TaxRate>;
  subscriptionBooks?: Record<string, SubscriptionBook>;
  /** Optional: data files from before customer balance transactions lack them. */
  customerBalanceTransactions?: Record<string, CustomerBalanceTransaction>;
  checkoutSessions: Record<string, CheckoutSession>;
  checkoutExtras: Record<string, CheckoutSessionExtras>;
  events: Record<string, StripeEvent>;
  deliveries: Record<string, Delivery>;
  idempotency: Record<string, IdempotentResponse>;
}

export function initialState(): StripeState {
  return {
    customers: {},
    paymentMethods: {},
    testCardOf: {},
    paymentIntents: {},
    charges: {},
    refunds: {},
    nextRefundBehaviour: {},
    refundsToFail: {},
    balanceTransactions: {},
    payoutOf: {},
    payouts: {},
    reviews: {},
    earlyFraudWarnings: {},
    disputes: {},
    products: {},
    prices: {},
    subscriptions: {},
    invoices: {},
    coupons: {},
    discounts: {},
    taxRates: {},
    subscriptionBooks: {},
    customerBalanceTransactions: {},
    checkoutSessions: {},
    checkoutExtras: {},
    events: {},
    deliveries: {},
    idempotency: {},
  };
}

const collectionByPrefix: Record<string, keyof StripeState> = {
  cus: 'customers',
  pm: 'paymentMethods',
  pi: 'paymentIntents',
  ch: 'charges',
  re: 'refunds',
  txn: 'balanceTransactions',
  po: 'payouts',
  prv: 'reviews',
  issfr: 'earlyFraudWarnings',
  dp: 'disputes',
  prod: 'products',
  price: 'prices',
  sub: 'subscriptions',
  in: 'invoices',
  cs: 'checkoutSessions',
  evt: 'events',
  di: 'discounts',
  txr: 'taxRates',
  cbtxn: 'customerBalanceTransactions',
};

/** Any stored object by its id (the prefix names the collection), for `expand[]`. */
export function findById(state: StripeState, id: string): unknown {
  const prefix = id.slice(0, id.indexOf('_'));
  const collection = collectionByPrefix[prefix];
  if (!collection) return undefined;
  return (state[collection] as Record<string, unknown> | undefined)?.[id];
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}
