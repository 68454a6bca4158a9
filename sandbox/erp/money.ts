/**
 * ERPNext speaks decimal numbers with currency precision 2; the sandbox adds and compares them as integer cents
 * so totals and the Journal Entry balance check never suffer from binary floating point.
 */

/** Frappe's `flt()` to cents: numbers and numeric strings, anything else counts as 0. */
export function toCents(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : 0;
  if (!Number.isFinite(n)) return 0;
  return roundHalfAway(Number((n * 100).toFixed(4)));
}

export function fromCents(cents: number): number {
  return cents / 100;
}

/** `rate × qty` rounded to the cent, as ERPNext rounds an item's amount. */
export function lineAmountCents(rateCents: number, qty: number): number {
  return roundHalfAway(Number((rateCents * qty).toFixed(4)));
}

/** Python's `str(float)` of an amount, as ERPNext formats numbers into its messages: 10 → "10.0", 0.01 → "0.01". */
export function pythonFloat(cents: number): string {
  const n = fromCents(cents);
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

/** A quantity or count: Frappe's `flt()` without rounding. */
export function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : 0;
  return Number.isFinite(n) ? n : 0;
}

function roundHalfAway(n: number): number {
  return Math.sign(n) * Math.round(Math.abs(n));
}
