import type { Ctx } from '../context';
import { StripeApiError, invalidRequest } from '../errors';
import { amountStep, exponent, formatAmount, isSupportedCurrency, minimumChargeMinor } from '../money';
import { clone } from '../state';
import type { Charge, PaymentIntent } from '../types';
import { createCharge } from './charges';
import { openDispute } from './disputes';
import { behaviourOf, resolvePaymentMethod } from './paymentMethods';
import { openReview } from './reviews';

export function validateCurrency(currency: string, param = 'currency'): string {
  const lower = currency.toLowerCase();
  if (!isSupportedCurrency(lower))
    throw invalidRequest(
      `Invalid currency: ${currency}. Stripe currently supports these currencies: usd, eur, gbp, jpy, kwd, …`,
      { param },
    );
  return lower;
}

/** Integer minor units, at least the currency's minimum, and a multiple of 10 for three-decimal currencies. */
export function validateAmount(amount: number, currency: string, param = 'amount'): number {
  const minimum = minimumChargeMinor(currency);
  if (amount < minimum) {
    throw invalidRequest(`Amount must be at least ${formatAmount(minimum, currency)} ${currency}`, {
      param,
      code: 'amount_too_small',
    });
  }
  if (amount % amountStep(currency) !== 0) {
    throw invalidRequest(
      `Invalid amount: ${amount}. ${currency.toUpperCase()} has ${exponent(currency)} decimal places and Stripe only accepts amounts that are a multiple of 10 minor units for it (the last digit must be 0).`,
      { param, code: 'invalid_charge_amount' },
    );
  }
  return amount;
}

export interface PaymentResult {
  /** The attempt's charge; null when the payment stopped at `requires_action` before any charge was made. */
  charge: Charge | null;
  /** The 402 `card_error` to answer with when the card was declined. */
  error?: StripeApiError;
  /** The card asks for authentication: the intent is `requires_action` (`payment_intent.requires_action`). */
  requiresAction?: boolean;
}

/**
 * One confirmation of a payment intent with its payment method: a charge that succeeds (opening a review for
 * elevated risk, a dispute for `pm_card_createDispute`) or is declined, and the events Stripe sends for each.
 */
export function attemptPayment(ctx: Ctx, intent: PaymentIntent, paymentMethodId: string): PaymentResult {
  const method = resolvePaymentMethod(ctx, paymentMethodId, intent.customer);
  intent.payment_method = method.id;
  const test = behaviourOf(ctx, method.id);
  if (test.requiresAuthentication) {
    intent.status = 'requires_action';
    intent.last_payment_error = null;
    intent.next_action = { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect' } };
    ctx.emit('payment_intent.requires_action', intent);
    return { charge: null, requiresAction: true };
  }
  intent.next_action = null;
  const charge = createCharge(ctx, intent, method, test, intent.capture_method !== 'manual');
  intent.latest_charge = charge.id;

  if (test.decline) {
    const docUrl = `https://stripe.com/docs/error-codes/${test.decline.code.replace(/_/g, '-')}`;
    intent.status = 'requires_payment_method';
    intent.last_payment_error = {
      type: 'card_error',
      code: test.decline.code,
      ...(test.decline.declineCode ? { decline_code: test.decline.declineCode } : {}),
      message: test.decline.message,
      charge: charge.id,
      doc_url: docUrl,
      payment_method: clone(method),
    };
    ctx.emit('charge.failed', charge);
    ctx.emit('payment_intent.payment_failed', intent);
    const error = new StripeApiError(402, {
      type: 'card_error',
      code: test.decline.code,
      ...(test.decline.declineCode ? { decline_code: test.decline.declineCode } : {}),
      message: test.decline.message,
      charge: charge.id,
      doc_url: docUrl,
      payment_intent: clone(intent),
      payment_method: clone(method),
    });
    return { charge, error };
  }

  intent.last_payment_error = null;
  if (intent.capture_method === 'manual') {
    intent.status = 'requires_capture';
    intent.amount_capturable = intent.amount;
    ctx.emit('charge.succeeded', charge);
    ctx.emit('payment_intent.amount_capturable_updated', intent);
  } else {
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    ctx.emit('charge.succeeded', charge);
    ctx.emit('payment_intent.succeeded', intent);
  }
  if (charge.outcome.risk_level !== 'normal') openReview(ctx, charge);
  if (test.disputes && charge.captured) openDispute(ctx, charge);
  return { charge };
}
