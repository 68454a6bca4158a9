/**
 * Money is integer minor units everywhere. The number of decimals per currency comes from this table
 * (Stripe's list of zero- and three-decimal currencies), never from a `/ 100`.
 */
const zeroDecimal = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
const threeDecimal = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

export class MoneyError extends Error {
  override name = 'MoneyError';
}

export interface Money {
  readonly amountMinor: number;
  /** ISO 4217, upper case. */
  readonly currency: string;
}

export function normalizeCurrency(currency: string): string {
  const code = currency.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) throw new MoneyError(`not an ISO 4217 currency code: "${currency}"`);
  return code;
}

/** Decimal places of a currency's minor unit. */
export function currencyExponent(currency: string): 0 | 2 | 3 {
  const code = normalizeCurrency(currency);
  if (zeroDecimal.has(code)) return 0;
  if (threeDecimal.has(code)) return 3;
  return 2;
}

/**
 * A decimal amount as Magento or ERPNext send it (`20.0000`, `"19.99"`) to integer minor units, rounding half away
 * from zero at the currency's exponent. Works on the decimal digits, not on binary floating point.
 */
export function toMinor(amount: number | string, currency: string): number {
  const exponent = currencyExponent(currency);
  const text = typeof amount === 'number' ? numberToPlainString(amount) : amount.trim();
  const match = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) throw new MoneyError(`not a decimal amount: "${amount}"`);
  const [, sign, whole = '0', fraction = ''] = match;
  const kept = (fraction + '0'.repeat(exponent)).slice(0, exponent);
  const roundUp = (fraction[exponent] ?? '0') >= '5';
  const minor = Number(whole + kept) + (roundUp ? 1 : 0);
  if (!Number.isSafeInteger(minor)) throw new MoneyError(`amount out of range: "${amount}"`);
  return sign === '-' && minor !== 0 ? -minor : minor;
}

/** Integer minor units to the decimal number Magento and ERPNext take (exact for every safe integer amount). */
export function fromMinor(amountMinor: number, currency: string): number {
  return Number(formatDecimal(amountMinor, currency));
}

/** `1999, 'USD'` → `"19.99"`; `1000, 'JPY'` → `"1000"`; `1500, 'KWD'` → `"1.500"`. */
export function formatDecimal(amountMinor: number, currency: string): string {
  assertMinor(amountMinor);
  const exponent = currencyExponent(currency);
  const digits = Math.abs(amountMinor)
    .toString()
    .padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${amountMinor < 0 ? '-' : ''}${whole}${exponent ? `.${fraction}` : ''}`;
}

/** For people: `19.99 USD`. */
export function formatMoney(amountMinor: number, currency: string): string {
  return `${formatDecimal(amountMinor, currency)} ${normalizeCurrency(currency)}`;
}

export function assertMinor(amountMinor: number): void {
  if (!Number.isSafeInteger(amountMinor))
    throw new MoneyError(`minor units must be a safe integer, got ${amountMinor}`);
}

export function sameMoney(a: Money, b: Money): boolean {
  return a.amountMinor === b.amountMinor && normalizeCurrency(a.currency) === normalizeCurrency(b.currency);
}

/** Sum of amounts in one currency; refuses to mix currencies. */
export function sumMinor(amounts: readonly Money[], currency: string): number {
  const code = normalizeCurrency(currency);
  return amounts.reduce((total, m) => {
    if (normalizeCurrency(m.currency) !== code) throw new MoneyError(`cannot add ${m.currency} to ${code}`);
    assertMinor(m.amountMinor);
    return total + m.amountMinor;
  }, 0);
}

function numberToPlainString(value: number): string {
  if (!Number.isFinite(value)) throw new MoneyError(`not a finite amount: ${value}`);
  // 10 decimals is past any currency's precision and keeps binary noise (19.990000000000002) out of the digits.
  return value.toFixed(10);
}
