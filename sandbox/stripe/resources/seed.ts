import { z } from 'zod';
import type { Ctx } from '../context';
import { newId } from '../ids';
import { amountStep, isSupportedCurrency, minimumChargeMinor } from '../money';
import { testCards } from '../testCards';
import type { Charge } from '../types';
import { recordChargeTransaction } from './balance';
import { emptyBillingDetails } from './paymentMethods';

export const seedSchema = z
  .object({
    /** Charges to make, each with its balance transaction: up to 200,000 at once. */
    count: z.number().int().min(1).max(200_000),
    currency: z
      .string()
      .length(3)
      .transform((c) => c.toLowerCase())
      .refine(isSupportedCurrency, 'not a currency the sandbox knows'),
    /** Charge amounts cycle upwards from the currency's minimum through this many steps (minor units), so fees vary. */
    spreadMinor: z.number().int().min(0).max(10_000_000).default(20_000),
    /** Prefix of the Magento increment id each charge names in its metadata (`magento_order_id`). */
    orderPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{0,20}$/)
      .default('SEED-'),
  })
  .strict();

export type SeedRequest = z.infer<typeof seedSchema>;

export interface SeedResult {
  object: 'sandbox.seed';
  count: number;
  currency: string;
  /** What the seeded charges add to the available balance (Σnet), in minor units of the settlement currency. */
  net: number;
  first: string;
  last: string;
}

/**
 * Fills the balance fast, for benchmarks: `count` succeeded card charges (no PaymentIntent, as charges made with the
 * Charges API), each naming a Magento order in its metadata, with Stripe's fee from the table and its balance
 * transaction available at once. No events are sent: nothing of the product runs for them until a payout sweeps them.
 */
export function seedBalance(ctx: Ctx, request: SeedRequest): SeedResult {
  const { currency, count } = request;
  const step = amountStep(currency);
  const minimum = Math.ceil(minimumChargeMinor(currency) / step) * step;
  const visa = testCards.pm_card_visa!.card;
  const width = String(count).length;
  let net = 0;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const amount =
      minimum + (request.spreadMinor > 0 ? ((i * 7919) % (Math.floor(request.spreadMinor / step) + 1)) * step : 0);
    const charge: Charge = {
      id: newId('ch'),
      object: 'charge',
      livemode: false,
      created: ctx.now(),
      amount,
      amount_captured: amount,
      amount_refunded: 0,
      balance_transaction: null,
      billing_details: emptyBillingDetails(),
      captured: true,
      currency,
      customer: null,
      description: null,
      disputed: false,
      failure_code: null,
      failure_message: null,
      invoice: null,
      metadata: { magento_order_id: `${request.orderPrefix}${String(i + 1).padStart(width, '0')}` },
      outcome: {
        network_status: 'approved_by_network',
        reason: null,
        risk_level: 'normal',
        risk_score: 20,
        seller_message: 'Payment complete.',
        type: 'authorized',
      },
      paid: true,
      payment_intent: null,
      payment_method: 'pm_card_visa',
      payment_method_details: {
        card: {
          ...visa,
          fingerprint: 'seeded',
          checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        },
        type: 'card',
      },
      receipt_email: null,
      refunded: false,
      review: null,
      status: 'succeeded',
    };
    ctx.state.charges[charge.id] = charge;
    const txn = recordChargeTransaction(ctx, charge.id, amount, currency, null);
    txn.status = 'available';
    txn.available_on = txn.created;
    charge.balance_transaction = txn.id;
    net += txn.net;
    ids.push(charge.id);
  }
  return { object: 'sandbox.seed', count, currency, net, first: ids[0]!, last: ids.at(-1)! };
}
