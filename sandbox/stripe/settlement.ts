import { z } from 'zod';
import { exponent, isSupportedCurrency } from './money';

/**
 * Which currencies the sandbox account settles in. By default every currency settles as itself (an account with a bank
 * account in each). With settings, money in any other currency is converted into `default_currency` at the rate given
 * for it, as Stripe converts a charge presented in a currency the account cannot pay out: the balance transaction is in
 * the settlement currency with Stripe's `exchange_rate`, and Stripe's fee is taken on the converted amount plus a
 * currency-conversion fee. A currency with no rate settles as itself.
 */
export const settlementSchema = z
  .object({
    default_currency: z
      .string()
      .length(3)
      .transform((c) => c.toLowerCase())
      .refine(isSupportedCurrency, 'not a currency the sandbox knows'),
    settlement_currencies: z
      .array(
        z
          .string()
          .length(3)
          .transform((c) => c.toLowerCase()),
      )
      .default([]),
    /** Per presented currency: 1 unit of it is this many units of the default currency (major units, as Stripe's `exchange_rate`). */
    exchange_rates: z.record(z.string(), z.number().positive()).default({}),
    /** Stripe's fee for converting, in basis points of the converted amount (1% in the US). */
    conversion_fee_bps: z.number().int().min(0).max(1_000).default(100),
  })
  .strict();

export type SettlementSettings = z.infer<typeof settlementSchema>;

export interface Settled {
  amount: number;
  currency: string;
  exchangeRate: number | null;
}

/** `amount` (minor units of `currency`) as it reaches the balance: converted when the account does not settle in that currency. */
export function settle(settings: SettlementSettings | undefined, amount: number, currency: string): Settled {
  const rate = settings?.exchange_rates[currency];
  if (
    !settings ||
    rate === undefined ||
    currency === settings.default_currency ||
    settings.settlement_currencies.includes(currency)
  ) {
    return { amount, currency, exchangeRate: null };
  }
  const target = settings.default_currency;
  const converted = Math.round(Math.abs(amount) * rate * 10 ** (exponent(target) - exponent(currency)));
  return { amount: Math.sign(amount) * converted, currency: target, exchangeRate: rate };
}

/** Stripe's currency-conversion fee on a converted amount, in minor units of the settlement currency. */
export function conversionFeeMinor(settings: SettlementSettings | undefined, settledAmount: number): number {
  return Math.round((Math.abs(settledAmount) * (settings?.conversion_fee_bps ?? 0)) / 10_000);
}

/**
 * The sandbox account `npm start` runs: settled in one currency (`STRIPE_SANDBOX_SETTLEMENT_CURRENCY`, default USD, the
 * ERP company's), charges in the storefront's other currencies converted at fixed rates, as a US merchant selling
 * abroad sees it. `each` settles every currency as itself (an account with a bank account per currency).
 */
export function sandboxSettlement(currency: string | undefined): SettlementSettings | undefined {
  const settlesIn = (currency ?? 'USD').trim().toLowerCase();
  if (settlesIn === 'each') return undefined;
  const usdRates: Record<string, number> = { usd: 1, eur: 1.08, gbp: 1.27, jpy: 0.0067, kwd: 3.25 };
  const base = usdRates[settlesIn];
  if (base === undefined) throw new Error(`STRIPE_SANDBOX_SETTLEMENT_CURRENCY: no sandbox rates for ${settlesIn}`);
  const exchange_rates = Object.fromEntries(
    Object.entries(usdRates)
      .filter(([c]) => c !== settlesIn)
      .map(([c, usd]) => [c, Number((usd / base).toPrecision(6))]),
  );
  return settlementSchema.parse({ default_currency: settlesIn, settlement_currencies: [settlesIn], exchange_rates });
}
