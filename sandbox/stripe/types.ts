/** The Stripe objects the sandbox keeps, with the fields it fills (a subset of Stripe's own). */

export type Metadata = Record<string, string>;

interface Base {
  id: string;
  object: string;
  livemode: false;
  created: number;
}

export interface Customer extends Base {
  object: 'customer';
  address: unknown;
  balance: number;
  currency: string | null;
  default_source: null;
  delinquent: boolean;
  description: string | null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: {
    custom_fields: null;
    default_payment_method: string | null;
    footer: null;
    rendering_options: null;
  };
  metadata: Metadata;
  name: string | null;
  next_invoice_sequence: number;
  phone: string | null;
  preferred_locales: string[];
  shipping: unknown;
  tax_exempt: 'none';
  test_clock: null;
}

export interface DeletedCustomer {
  id: string;
  object: 'customer';
  deleted: true;
}

export interface Card {
  brand: string;
  country: string;
  exp_month: number;
  exp_year: number;
  fingerprint: string;
  funding: string;
  last4: string;
}

export interface PaymentMethod extends Base {
  object: 'payment_method';
  type: 'card';
  billing_details: BillingDetails;
  card: Card;
  customer: string | null;
  metadata: Metadata;
}

export interface BillingDetails {
  address: { city: null; country: null; line1: null; line2: null; postal_code: string | null; state: null };
  email: string | null;
  name: string | null;
  phone: string | null;
}

export interface PaymentError {
  type: 'card_error';
  code: string;
  decline_code?: string;
  message: string;
  charge: string;
  doc_url: string;
  payment_method: PaymentMethod;
}

export interface PaymentIntent extends Base {
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: string;
  client_secret: string;
  confirmation_method: 'automatic';
  currency: string;
  customer: string | null;
  description: string | null;
  /** The invoice this payment collects (subscriptions), as Stripe's older API versions show it; null otherwise. */
  invoice: string | null;
  last_payment_error: PaymentError | null;
  latest_charge: string | null;
  metadata: Metadata;
  /** Set while `requires_action` (a card that asks for 3-D Secure): what the customer must do. */
  next_action: { type: 'use_stripe_sdk'; use_stripe_sdk: { type: 'three_d_secure_redirect' } } | null;
  payment_method: string | null;
  payment_method_types: string[];
  receipt_email: string | null;
  review: string | null;
  statement_descriptor: string | null;
  status:
    | 'requires_payment_method'
    | 'requires_confirmation'
    | 'requires_capture'
    | 'requires_action'
    | 'processing'
    | 'succeeded'
    | 'canceled';
}

export interface Outcome {
  network_status: 'approved_by_network' | 'declined_by_network';
  reason: string | null;
  risk_level: 'normal' | 'elevated' | 'highest';
  risk_score: number;
  seller_message: string;
  type: 'authorized' | 'manual_review' | 'issuer_declined';
}

export interface Charge extends Base {
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  balance_transaction: string | null;
  billing_details: BillingDetails;
  captured: boolean;
  currency: string;
  customer: string | null;
  description: string | null;
  disputed: boolean;
  failure_code: string | null;
  failure_message: string | null;
  /** The invoice the charge pays (subscriptions), as Stripe's older API versions show it; null otherwise. */
  invoice: string | null;
  metadata: Metadata;
  outcome: Outcome;
  paid: boolean;
  payment_intent: string | null;
  payment_method: string;
  payment_method_details: { card: Card & { checks: Record<string, string | null> }; type: 'card' };
  receipt_email: string | null;
  refunded: boolean;
  review: string | null;
  status: 'succeeded' | 'pending' | 'failed';
}

/** Why a refund failed, as Stripe names it (`refund.failure_reason`). */
export type RefundFailureReason =
  | 'lost_or_stolen_card'
  | 'expired_or_canceled_card'
  | 'charge_for_pending_refund_disputed'
  | 'insufficient_funds'
  | 'declined'
  | 'merchant_request'
  | 'unknown';

/**
 * A refund. `pending` ones carry `pending_reason`; a `failed` one carries `failure_reason` and
 * `failure_balance_transaction` (the `refund_failure` transaction giving the amount back). The sandbox leaves them
 * out otherwise (stripe-node types all three as optional).
 */
export interface Refund extends Base {
  object: 'refund';
  amount: number;
  balance_transaction: string;
  charge: string;
  currency: string;
  failure_balance_transaction?: string;
  failure_reason?: RefundFailureReason;
  metadata: Metadata;
  payment_intent: string | null;
  pending_reason?: 'processing';
  reason: string | null;
  receipt_number: null;
  status: 'pending' | 'succeeded' | 'failed';
}

export interface FeeDetail {
  amount: number;
  application: null;
  currency: string;
  description: string;
  type: 'stripe_fee';
}

export interface BalanceTransaction extends Base {
  object: 'balance_transaction';
  amount: number;
  available_on: number;
  currency: string;
  description: string | null;
  /** Set when the money was converted: the presented amount (in major units) times this is the amount here. */
  exchange_rate: number | null;
  fee: number;
  fee_details: FeeDetail[];
  net: number;
  reporting_category: string;
  source: string;
  status: 'pending' | 'available';
  type: 'charge' | 'refund' | 'refund_failure' | 'adjustment' | 'payout' | 'payout_cancel' | 'payout_failure';
}

export interface Payout extends Base {
  object: 'payout';
  amount: number;
  arrival_date: number;
  automatic: boolean;
  balance_transaction: string;
  currency: string;
  description: string;
  destination: string;
  failure_balance_transaction: string | null;
  failure_code: string | null;
  failure_message: string | null;
  metadata: Metadata;
  method: 'standard';
  reconciliation_status: 'not_applicable' | 'in_progress' | 'completed';
  source_type: 'card';
  statement_descriptor: null;
  status: 'pending' | 'in_transit' | 'paid' | 'failed' | 'canceled';
  type: 'bank_account';
}

export interface Review extends Omit<Base, 'created'> {
  object: 'review';
  created: number;
  billing_zip: null;
  charge: string;
  closed_reason: string | null;
  ip_address: null;
  ip_address_location: null;
  open: boolean;
  opened_reason: 'rule' | 'manual';
  payment_intent: string | null;
  reason: string;
  session: null;
}

export interface EarlyFraudWarning extends Base {
  object: 'radar.early_fraud_warning';
  actionable: boolean;
  charge: string;
  fraud_type: string;
  payment_intent: string | null;
}

export interface Dispute extends Base {
  object: 'dispute';
  amount: number;
  balance_transactions: BalanceTransaction[];
  charge: string;
  currency: string;
  evidence: Record<string, unknown>;
  evidence_details: { due_by: number; has_evidence: boolean; past_due: boolean; submission_count: number };
  is_charge_refundable: boolean;
  metadata: Metadata;
  payment_intent: string | null;
  reason: string;
  status: 'warning_needs_response' | 'needs_response' | 'under_review' | 'won' | 'lost';
}

export interface StripeEvent extends Base {
  object: 'event';
  api_version: string;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}
