import type { Metadata } from './types';

/** Billing objects (products, prices, subscriptions, invoices) the sandbox keeps. */

export interface Product {
  id: string;
  object: 'product';
  active: boolean;
  created: number;
  livemode: false;
  metadata: Metadata;
  name: string;
  updated: number;
}

export interface Recurring {
  interval: 'day' | 'week' | 'month' | 'year';
  interval_count: number;
  usage_type: 'licensed';
}

export interface Price {
  id: string;
  object: 'price';
  active: boolean;
  billing_scheme: 'per_unit';
  created: number;
  currency: string;
  livemode: false;
  lookup_key: null;
  metadata: Metadata;
  nickname: null;
  product: string;
  recurring: Recurring | null;
  tax_behavior: 'unspecified';
  type: 'recurring' | 'one_time';
  unit_amount: number;
  unit_amount_decimal: string;
}

export interface Coupon {
  id: string;
  object: 'coupon';
  amount_off: number | null;
  created: number;
  currency: string | null;
  duration: 'once' | 'repeating' | 'forever';
  duration_in_months: number | null;
  livemode: false;
  max_redemptions: number | null;
  metadata: Metadata;
  name: string | null;
  percent_off: number | null;
  redeem_by: number | null;
  times_redeemed: number;
  valid: boolean;
}

/** A coupon applied to a subscription (`di_…`); `end` is when a `repeating` one stops (null for once/forever). */
export interface Discount {
  id: string;
  object: 'discount';
  checkout_session: null;
  coupon: Coupon;
  customer: string;
  end: number | null;
  invoice: null;
  invoice_item: null;
  promotion_code: null;
  /** Where newer API versions name the coupon. */
  source: { coupon: string; type: 'coupon' };
  start: number;
  subscription: string;
  subscription_item: null;
}

export interface TaxRate {
  id: string;
  object: 'tax_rate';
  active: boolean;
  country: string | null;
  created: number;
  description: string | null;
  display_name: string;
  effective_percentage: number;
  inclusive: boolean;
  jurisdiction: string | null;
  livemode: false;
  metadata: Metadata;
  percentage: number;
  state: string | null;
  tax_type: string | null;
}

export interface SubscriptionItem {
  id: string;
  object: 'subscription_item';
  created: number;
  current_period_end: number;
  current_period_start: number;
  metadata: Metadata;
  price: Price;
  quantity: number;
  subscription: string;
}

export type SubscriptionStatus =
  'incomplete' | 'incomplete_expired' | 'trialing' | 'active' | 'past_due' | 'unpaid' | 'canceled' | 'paused';

export interface PauseCollection {
  behavior: 'keep_as_draft' | 'mark_uncollectible' | 'void';
  resumes_at: number | null;
}

export interface Subscription {
  id: string;
  object: 'subscription';
  billing_cycle_anchor: number;
  cancel_at: number | null;
  cancel_at_period_end: boolean;
  canceled_at: number | null;
  collection_method: 'charge_automatically';
  created: number;
  currency: string;
  customer: string;
  default_payment_method: string | null;
  default_tax_rates: TaxRate[];
  description: string | null;
  /** Ids of the subscription's discounts (`di_…`), applied in this order. */
  discounts: string[];
  ended_at: number | null;
  items: { object: 'list'; data: SubscriptionItem[]; has_more: false; url: string };
  latest_invoice: string | null;
  livemode: false;
  metadata: Metadata;
  pause_collection: PauseCollection | null;
  start_date: number;
  status: SubscriptionStatus;
  trial_end: number | null;
  trial_settings: { end_behavior: { missing_payment_method: 'cancel' | 'create_invoice' | 'pause' } };
  trial_start: number | null;
}

export interface DiscountAmount {
  amount: number;
  discount: string;
}

/** Per-line tax as older API versions show it (`tax_amounts`). */
export interface TaxAmount {
  amount: number;
  inclusive: boolean;
  tax_rate: string;
  taxability_reason: 'standard_rated';
  taxable_amount: number;
}

/** Per-line and per-invoice tax as newer API versions show it (`taxes`, `total_taxes`). */
export interface TaxDetail {
  amount: number;
  tax_behavior: 'inclusive' | 'exclusive';
  tax_rate_details: { tax_rate: string };
  taxability_reason: 'standard_rated';
  taxable_amount: number;
  type: 'tax_rate_details';
}

export interface LineParent {
  type: 'subscription_item_details';
  subscription_item_details: {
    invoice_item: string | null;
    proration: boolean;
    proration_details: { credited_items: null };
    subscription: string;
    subscription_item: string | null;
  };
}

/**
 * An invoice line. Older API versions' fields (`price`, `proration`, `subscription`, `tax_amounts`, `type`) sit beside
 * newer ones (`parent`, `pricing`, `taxes`); `amount` is before discounts and exclusive tax.
 */
export interface InvoiceLine {
  id: string;
  object: 'line_item';
  amount: number;
  amount_excluding_tax: number;
  currency: string;
  description: string;
  discount_amounts: DiscountAmount[];
  discountable: boolean;
  discounts: string[];
  invoice: string | null;
  invoice_item?: string;
  livemode: false;
  metadata: Metadata;
  parent: LineParent;
  period: { start: number; end: number };
  price: Price;
  pricing: { price_details: { price: string; product: string }; type: 'price_details'; unit_amount_decimal: string };
  proration: boolean;
  quantity: number;
  subscription: string;
  subscription_item: string | null;
  subtotal: number;
  tax_amounts: TaxAmount[];
  tax_rates: TaxRate[];
  taxes: TaxDetail[];
  type: 'subscription' | 'invoiceitem';
}

export type BillingReason = 'subscription_create' | 'subscription_cycle' | 'subscription_update' | 'upcoming';

export interface InvoicePayment {
  id: string;
  object: 'invoice_payment';
  amount_paid: number | null;
  amount_requested: number;
  created: number;
  currency: string;
  invoice: string;
  is_default: boolean;
  livemode: false;
  payment: { payment_intent: string; type: 'payment_intent' };
  status: 'open' | 'paid' | 'canceled';
  status_transitions: { canceled_at: number | null; paid_at: number | null };
}

/** A change to a customer's credit balance (`cbtxn_…`): negative amounts are credit the next invoices use up. */
export interface CustomerBalanceTransaction {
  id: string;
  object: 'customer_balance_transaction';
  amount: number;
  created: number;
  credit_note: null;
  currency: string;
  customer: string;
  description: string | null;
  ending_balance: number;
  invoice: string | null;
  livemode: false;
  metadata: Metadata;
  type: 'adjustment' | 'applied_to_invoice' | 'initial';
}

/**
 * An invoice (or an upcoming-invoice preview, `upcoming_in_…`, never stored). `total` = `subtotal` −
 * `total_discount_amounts` + exclusive tax; `tax` counts inclusive and exclusive tax; `amount_due` is `total`
 * after the customer's credit balance (`starting_balance` → `ending_balance`).
 */
export interface Invoice {
  id: string;
  object: 'invoice';
  amount_due: number;
  amount_paid: number;
  /** What was paid outside Stripe (`POST /v1/invoices/:id/pay` with `paid_out_of_band`); absent in data files from before. */
  amount_paid_off_stripe?: number;
  amount_remaining: number;
  attempt_count: number;
  attempted: boolean;
  auto_advance: boolean;
  billing_reason: BillingReason;
  charge: string | null;
  collection_method: 'charge_automatically';
  created: number;
  currency: string;
  customer: string;
  customer_email: string | null;
  customer_name: string | null;
  default_tax_rates: TaxRate[];
  /** Absent in data files from before invoices could be updated. */
  description?: string | null;
  discounts: string[];
  effective_at: number | null;
  ending_balance: number | null;
  hosted_invoice_url: string | null;
  invoice_pdf: string | null;
  lines: { object: 'list'; data: InvoiceLine[]; has_more: false; url: string };
  livemode: false;
  metadata: Metadata;
  next_payment_attempt: number | null;
  number: string | null;
  paid: boolean;
  /** Older API versions' flag for an invoice paid outside Stripe. */
  paid_out_of_band?: boolean;
  parent: {
    type: 'subscription_details';
    subscription_details: { metadata: Metadata; subscription: string; proration_date?: number };
  };
  payment_intent: string | null;
  payments: { object: 'list'; data: InvoicePayment[]; has_more: false; url: string };
  period_end: number;
  period_start: number;
  starting_balance: number;
  status: 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';
  status_transitions: {
    finalized_at: number | null;
    marked_uncollectible_at: number | null;
    paid_at: number | null;
    voided_at: number | null;
  };
  subscription: string;
  subtotal: number;
  subtotal_excluding_tax: number;
  tax: number | null;
  test_clock: null;
  total: number;
  total_discount_amounts: DiscountAmount[];
  total_excluding_tax: number;
  total_tax_amounts: TaxAmount[];
  total_taxes: TaxDetail[];
}
