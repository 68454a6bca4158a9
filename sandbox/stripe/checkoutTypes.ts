import type { Metadata } from './types';

/** A Checkout Session line as the sandbox keeps it (`line_items` is only returned when expanded, as in Stripe). */
export interface CheckoutLineItem {
  name: string;
  currency: string;
  unit_amount: number;
  quantity: number;
}

/** A Checkout Session in `payment` mode, with the fields the sandbox fills (a subset of Stripe's own). */
export interface CheckoutSession {
  id: string;
  object: 'checkout.session';
  livemode: false;
  created: number;
  amount_subtotal: number;
  amount_total: number;
  cancel_url: string | null;
  client_reference_id: string | null;
  currency: string;
  customer: string | null;
  customer_email: string | null;
  expires_at: number;
  metadata: Metadata;
  mode: 'payment';
  payment_intent: string | null;
  payment_method_types: string[];
  payment_status: 'paid' | 'unpaid' | 'no_payment_required';
  status: 'open' | 'complete' | 'expired';
  success_url: string | null;
  url: string | null;
}

/** What the sandbox keeps beside a session: its lines, the PaymentIntent's metadata, and the intent of earlier attempts. */
export interface CheckoutSessionExtras {
  lineItems: CheckoutLineItem[];
  paymentIntentMetadata: Metadata;
  /** The PaymentIntent a declined attempt left behind, confirmed again by the next attempt. */
  attemptIntent: string | null;
}
