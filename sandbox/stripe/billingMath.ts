/**
 * Billing arithmetic for the Stripe sandbox, all in integer minor units (BigInt inside, so amount × seconds never
 * loses precision). Every computed amount — proration, discount, tax — is rounded half away from zero to the
 * currency's chargeable step: 1 minor unit, or 10 for three-decimal currencies (Stripe only charges KWD, BHD, … in
 * multiples of 10), so invoice totals stay chargeable and every sum below adds up exactly.
 */
import { amountStep } from './money';

/** Percentages as integers of 1/10,000 %, so 12.5 % is 125,000 and 100 % is 1,000,000 (= `percentScale`, the whole). */
const percentScale = 1_000_000n;

export function scaledPercent(percent: number): bigint {
  return BigInt(Math.round(percent * 10_000));
}

/** `numerator / denominator` rounded half away from zero to a multiple of `step`. */
function roundRatio(numerator: bigint, denominator: bigint, step: number): number {
  if (denominator < 0n) return roundRatio(-numerator, -denominator, step);
  const unit = denominator * BigInt(step);
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const rounded = ((magnitude * 2n + unit) / (unit * 2n)) * BigInt(step);
  return Number(negative ? -rounded : rounded);
}

export function roundToStep(amount: number, currency: string): number {
  return roundRatio(BigInt(amount), 1n, amountStep(currency));
}

/** The share of `amount` for `part` seconds out of `whole` (Stripe prorates by the second). */
export function prorate(amount: number, part: number, whole: number, currency: string): number {
  if (whole <= 0) return 0;
  return roundRatio(BigInt(amount) * BigInt(part), BigInt(whole), amountStep(currency));
}

/** `percent` % of `amount`, rounded to the currency's step. */
export function percentOf(amount: number, percent: number, currency: string): number {
  return roundRatio(BigInt(amount) * scaledPercent(percent), percentScale, amountStep(currency));
}

/**
 * Splits `total` (a multiple of the step) over lines in proportion to `weights` (signed), by largest remainder:
 * each share is its exact proportion rounded down to the step, and the step units left over go to the lines
 * with the largest remainders (earlier lines first on ties), so the shares always sum to `total` exactly.
 */
export function allocate(total: number, weights: number[], currency: string): number[] {
  const step = BigInt(amountStep(currency));
  const sum = weights.reduce((a, b) => a + BigInt(b), 0n);
  if (total === 0 || sum === 0n) return weights.map(() => 0);
  let denominator = sum * step;
  let sign = 1n;
  if (denominator < 0n) {
    denominator = -denominator;
    sign = -1n;
  }
  const shares = weights.map((w, index) => {
    const numerator = BigInt(total) * BigInt(w) * sign;
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if (remainder < 0n) {
      quotient -= 1n;
      remainder += denominator;
    }
    return { index, quotient, remainder };
  });
  let left = BigInt(total) / step - shares.reduce((a, s) => a + s.quotient, 0n);
  const byRemainder = [...shares].sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  for (const share of byRemainder) {
    if (left <= 0n) break;
    share.quotient += 1n;
    left -= 1n;
  }
  return shares.map((s) => Number(s.quotient * step));
}

export interface DiscountInput {
  id: string;
  percentOff: number | null;
  /** In the invoice's currency. */
  amountOff: number | null;
}

export interface TaxInput {
  id: string;
  percentage: number;
  inclusive: boolean;
}

export interface LineAmounts {
  /** The line's amount before discounts and exclusive tax (inclusive tax is part of it). */
  amount: number;
  discounts: { discount: string; amount: number }[];
  taxes: { taxRate: string; amount: number; inclusive: boolean; taxableAmount: number }[];
}

export interface InvoiceAmounts {
  lines: LineAmounts[];
  subtotal: number;
  discounts: { discount: string; amount: number }[];
  totalDiscount: number;
  taxes: { taxRate: string; amount: number; inclusive: boolean; taxableAmount: number }[];
  inclusiveTax: number;
  exclusiveTax: number;
  /** subtotal − discounts + exclusive tax. */
  total: number;
}

/**
 * An invoice's amounts from its lines: each discount in turn on what the earlier ones left (percent-off:
 * that percentage of the remaining net; amount-off: up to the remaining net, never below zero), spread over the
 * lines exactly; then each tax rate per line on the discounted amount — exclusive rates add on top, inclusive ones
 * are carved out of the amount (`amount − amount / (1 + rate)`).
 */
export function invoiceAmounts(
  currency: string,
  amounts: number[],
  discounts: DiscountInput[],
  taxRates: TaxInput[],
): InvoiceAmounts {
  const lines: LineAmounts[] = amounts.map((amount) => ({ amount, discounts: [], taxes: [] }));
  const remaining = [...amounts];
  const invoiceDiscounts: InvoiceAmounts['discounts'] = [];
  for (const discount of discounts) {
    const net = remaining.reduce((a, b) => a + b, 0);
    let total = 0;
    if (discount.percentOff !== null) total = percentOf(net, discount.percentOff, currency);
    else if (discount.amountOff !== null && net > 0) total = Math.min(roundToStep(discount.amountOff, currency), net);
    const shares = allocate(total, remaining, currency);
    shares.forEach((share, i) => {
      (lines[i] as LineAmounts).discounts.push({ discount: discount.id, amount: share });
      remaining[i] = (remaining[i] as number) - share;
    });
    invoiceDiscounts.push({ discount: discount.id, amount: total });
  }

  const inclusiveRates = taxRates.filter((t) => t.inclusive);
  const exclusiveRates = taxRates.filter((t) => !t.inclusive);
  const inclusivePercent = inclusiveRates.reduce((a, t) => a + scaledPercent(t.percentage), 0n);
  lines.forEach((line, i) => {
    const taxable = remaining[i] as number;
    let net = taxable;
    if (inclusiveRates.length > 0) {
      net = roundRatio(BigInt(taxable) * percentScale, percentScale + inclusivePercent, amountStep(currency));
      const shares = allocate(
        taxable - net,
        inclusiveRates.map((t) => Number(scaledPercent(t.percentage))),
        currency,
      );
      inclusiveRates.forEach((rate, k) =>
        line.taxes.push({ taxRate: rate.id, amount: shares[k] as number, inclusive: true, taxableAmount: net }),
      );
    }
    for (const rate of exclusiveRates) {
      line.taxes.push({
        taxRate: rate.id,
        amount: percentOf(net, rate.percentage, currency),
        inclusive: false,
        taxableAmount: net,
      });
    }
  });

  const taxes = taxRates.map((rate) => {
    const perLine = lines.flatMap((l) => l.taxes.filter((t) => t.taxRate === rate.id));
    return {
      taxRate: rate.id,
      inclusive: rate.inclusive,
      amount: perLine.reduce((a, t) => a + t.amount, 0),
      taxableAmount: perLine.reduce((a, t) => a + t.taxableAmount, 0),
    };
  });
  const subtotal = amounts.reduce((a, b) => a + b, 0);
  const totalDiscount = invoiceDiscounts.reduce((a, d) => a + d.amount, 0);
  const inclusiveTax = taxes.filter((t) => t.inclusive).reduce((a, t) => a + t.amount, 0);
  const exclusiveTax = taxes.filter((t) => !t.inclusive).reduce((a, t) => a + t.amount, 0);
  return {
    lines,
    subtotal,
    discounts: invoiceDiscounts,
    totalDiscount,
    taxes,
    inclusiveTax,
    exclusiveTax,
    total: subtotal - totalDiscount + exclusiveTax,
  };
}
