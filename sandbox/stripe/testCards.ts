import type { Card } from './types';

/** What a refund does: succeed at once, stay `pending` until settled, or succeed first and fail later. */
export type RefundBehaviour = 'succeed' | 'pending' | 'fail';

/** What a Stripe test payment method does when charged (and refunded). */
export interface TestCard {
  card: Omit<Card, 'fingerprint'>;
  /** The card number Stripe documents for it, for the hosted Checkout page where a customer types one. */
  number?: string;
  /** How refunds of its charges behave (https://docs.stripe.com/testing#refunds); default `succeed`. */
  refund?: Exclude<RefundBehaviour, 'succeed'>;
  /** Declines with this error code (and decline code). */
  decline?: { code: string; declineCode?: string; message: string; reason: string; sellerMessage: string };
  riskLevel?: 'elevated' | 'highest';
  riskScore?: number;
  /** A dispute is opened right after the payment succeeds. */
  disputes?: boolean;
  /**
   * Every payment asks for 3-D Secure: the PaymentIntent stops at `requires_action` (no charge), as with
   * https://docs.stripe.com/testing#authentication-and-setup — the sandbox has no challenge page to complete it.
   */
  requiresAuthentication?: boolean;
}

const visa = { brand: 'visa', country: 'US', exp_month: 12, exp_year: 2034, funding: 'credit', last4: '4242' };
const genericDecline = {
  code: 'card_declined',
  declineCode: 'generic_decline',
  message: 'Your card was declined.',
  reason: 'generic_decline',
  sellerMessage: 'The bank did not return any further details with this decline.',
};

/** The test payment methods Stripe documents (https://docs.stripe.com/testing), as far as the sandbox models them. */
export const testCards: Record<string, TestCard> = {
  pm_card_visa: { card: visa, number: '4242424242424242' },
  pm_card_visa_debit: { card: { ...visa, funding: 'debit', last4: '5556' }, number: '4000056655665556' },
  pm_card_mastercard: { card: { ...visa, brand: 'mastercard', last4: '4444' }, number: '5555555555554444' },
  pm_card_amex: { card: { ...visa, brand: 'amex', last4: '8431' }, number: '371449635398431' },
  pm_card_jp: { card: { ...visa, country: 'JP', last4: '0003' }, number: '4000003920000003' },
  pm_card_chargeDeclined: { card: { ...visa, last4: '0002' }, number: '4000000000000002', decline: genericDecline },
  pm_card_chargeDeclinedInsufficientFunds: {
    card: { ...visa, last4: '9995' },
    number: '4000000000009995',
    decline: {
      ...genericDecline,
      declineCode: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
      reason: 'insufficient_funds',
      sellerMessage: 'The bank returned the decline code `insufficient_funds`.',
    },
  },
  pm_card_chargeDeclinedFraudulent: {
    card: { ...visa, last4: '0019' },
    number: '4100000000000019',
    decline: {
      ...genericDecline,
      declineCode: 'fraudulent',
      reason: 'fraudulent',
      sellerMessage: 'The bank returned the decline code `fraudulent`.',
    },
  },
  pm_card_chargeDeclinedExpiredCard: {
    card: { ...visa, last4: '0069' },
    number: '4000000000000069',
    decline: {
      code: 'expired_card',
      message: 'Your card has expired.',
      reason: 'expired_card',
      sellerMessage: 'The bank returned the decline code `expired_card`.',
    },
  },
  pm_card_chargeDeclinedIncorrectCvc: {
    card: { ...visa, last4: '0127' },
    number: '4000000000000127',
    decline: {
      code: 'incorrect_cvc',
      message: "Your card's security code is incorrect.",
      reason: 'incorrect_cvc',
      sellerMessage: 'The bank returned the decline code `incorrect_cvc`.',
    },
  },
  pm_card_riskLevelElevated: {
    card: { ...visa, last4: '9235' },
    number: '4000000000009235',
    riskLevel: 'elevated',
    riskScore: 70,
  },
  pm_card_riskLevelHighest: {
    card: { ...visa, last4: '4954' },
    number: '4000000000004954',
    riskLevel: 'highest',
    riskScore: 85,
  },
  pm_card_createDispute: { card: { ...visa, last4: '0259' }, number: '4000000000000259', disputes: true },
  pm_card_authenticationRequired: {
    card: { ...visa, last4: '3184' },
    number: '4000002760003184',
    requiresAuthentication: true,
  },
  pm_card_createDisputeInquiry: { card: { ...visa, last4: '1976' }, number: '4000000000001976', disputes: true },
  // Refunds: "pending, then succeeded" and "succeeded, then failed"; the sandbox settles them on
  // `POST /__sandbox/refunds/:id/outcome` rather than after a delay.
  pm_card_pendingRefund: { card: { ...visa, last4: '7726' }, number: '4000000000007726', refund: 'pending' },
  pm_card_refundFail: { card: { ...visa, last4: '5126' }, number: '4000000000005126', refund: 'fail' },
};

export function isTestCard(id: string): boolean {
  return Object.prototype.hasOwnProperty.call(testCards, id);
}

/** The test payment method (`pm_card_…`) for a documented card number, spaces allowed; undefined for any other text. */
export function testCardByNumber(number: string): string | undefined {
  const digits = number.replace(/\s+/g, '');
  if (!/^\d{12,19}$/.test(digits)) return undefined;
  return Object.keys(testCards).find((id) => testCards[id]?.number === digits);
}
