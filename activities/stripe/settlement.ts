import type Stripe from 'stripe';
import type { Settlement } from '../../domain/settlement';

/** An expanded balance transaction as a Settlement; undefined while Stripe has none (an authorisation, a pending refund) or it was not expanded. */
export function settlementOf(txn: string | Stripe.BalanceTransaction | null | undefined): Settlement | undefined {
  if (!txn || typeof txn === 'string') return undefined;
  return {
    balanceTransactionId: txn.id,
    amountMinor: txn.amount,
    feeMinor: txn.fee,
    currency: txn.currency.toUpperCase(),
    ...(txn.exchange_rate ? { exchangeRate: txn.exchange_rate } : {}),
  };
}
