/**
 * ERPNext speaks decimal numbers, each field rounded to its currency's precision (JPY 0, USD 2, KWD 3 decimals); the
 * sandbox adds and compares them as integer minor units of that currency, so totals, balances and the GL never suffer
 * from binary floating point.
 */
import { currencyExponent, fromMinor } from '../../domain/money';

/** Frappe's `flt(value, precision)` to minor units of the currency: numbers and numeric strings, anything else counts as 0. */
export function toMinor(value: unknown, currency: string): number {
  return roundHalfAway(Number((toNumber(value) * 10 ** currencyExponent(currency)).toFixed(4)));
}

export function fromMinorUnits(minor: number, currency: string): number {
  return fromMinor(minor, currency);
}

/** `rate × qty` rounded to the currency's minor unit, as ERPNext rounds an item's amount. */
export function lineAmountMinor(rateMinor: number, qty: number): number {
  return roundHalfAway(Number((rateMinor * qty).toFixed(4)));
}

/** An amount of one currency in another at `rate` (1 unit of the first = `rate` units of the second), rounded to the second's precision. */
export function convertMinor(minor: number, from: string, rate: number, to: string): number {
  const major = minor / 10 ** currencyExponent(from);
  return roundHalfAway(Number((major * rate * 10 ** currencyExponent(to)).toFixed(4)));
}

/** Python's `str(float)` of an amount, as ERPNext formats numbers into its messages: 10 → "10.0", 0.01 → "0.01". */
export function pythonFloat(minor: number, currency: string): string {
  const n = fromMinor(minor, currency);
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

/** A quantity, rate or count: Frappe's `flt()` without rounding. */
export function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : 0;
  return Number.isFinite(n) ? n : 0;
}

function roundHalfAway(n: number): number {
  return Math.sign(n) * Math.round(Math.abs(n));
}
