import { randomBytes } from 'node:crypto';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random base62 text of the given length, for ids and secrets. */
export function randomText(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

/** A Stripe-looking id: the object's prefix, then 24 random characters (`pi_3Q…`). */
export function newId(prefix: string): string {
  return `${prefix}_${randomText(24)}`;
}

/** Which collection of the sandbox state an id belongs to, from its prefix. */
export const prefixes = {
  customer: 'cus',
  payment_intent: 'pi',
  payment_method: 'pm',
  charge: 'ch',
  refund: 're',
  balance_transaction: 'txn',
  payout: 'po',
  dispute: 'dp',
  review: 'prv',
  early_fraud_warning: 'issfr',
  event: 'evt',
  product: 'prod',
  price: 'price',
  subscription: 'sub',
  subscription_item: 'si',
  invoice: 'in',
  request: 'req',
} as const;
