/**
 * Currency rules for the Stripe sandbox. Amounts are always integers in the currency's minor unit
 * (cents, yen, fils); nothing here divides by 100 — every per-currency figure comes from a table.
 */

export const zeroDecimal = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
export const threeDecimal = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);
const twoDecimal = new Set([
  'usd',
  'eur',
  'gbp',
  'cad',
  'aud',
  'nzd',
  'chf',
  'sek',
  'nok',
  'dkk',
  'pln',
  'czk',
  'huf',
  'ron',
  'bgn',
  'hkd',
  'sgd',
  'mxn',
  'brl',
  'inr',
  'thb',
  'myr',
  'php',
  'idr',
  'aed',
  'sar',
  'qar',
  'ils',
  'try',
  'zar',
  'cny',
  'twd',
  'egp',
  'ngn',
  'kes',
  'mad',
  'cop',
  'pen',
  'ars',
  'uah',
  'isk',
]);

export function isSupportedCurrency(currency: string): boolean {
  return zeroDecimal.has(currency) || threeDecimal.has(currency) || twoDecimal.has(currency);
}

/** Digits after the decimal point in the currency's major unit. */
export function exponent(currency: string): 0 | 2 | 3 {
  if (zeroDecimal.has(currency)) return 0;
  if (threeDecimal.has(currency)) return 3;
  return 2;
}

/** Stripe only accepts three-decimal amounts that are multiples of 10 (card networks drop the last digit). */
export function amountStep(currency: string): number {
  return threeDecimal.has(currency) ? 10 : 1;
}

/** Smallest chargeable amount, in minor units (Stripe's minimums for the common currencies, 1 otherwise). */
const minimumCharge: Record<string, number> = {
  usd: 50,
  eur: 50,
  gbp: 30,
  cad: 50,
  aud: 50,
  chf: 50,
  jpy: 50,
  kwd: 100,
  bhd: 100,
  omr: 100,
  jod: 100,
  tnd: 500,
};
export function minimumChargeMinor(currency: string): number {
  return minimumCharge[currency] ?? 1;
}

interface ProcessingFee {
  /** Percentage part in basis points of the amount. */
  percentBps: number;
  /** Fixed part per charge, in minor units of the same currency. */
  fixedMinor: number;
}

const processingFees: Record<string, ProcessingFee> = {
  usd: { percentBps: 290, fixedMinor: 30 },
  eur: { percentBps: 290, fixedMinor: 25 },
  gbp: { percentBps: 290, fixedMinor: 20 },
  cad: { percentBps: 290, fixedMinor: 30 },
  aud: { percentBps: 290, fixedMinor: 30 },
  jpy: { percentBps: 360, fixedMinor: 0 },
  krw: { percentBps: 340, fixedMinor: 0 },
  kwd: { percentBps: 290, fixedMinor: 100 },
  bhd: { percentBps: 290, fixedMinor: 100 },
  omr: { percentBps: 290, fixedMinor: 100 },
  jod: { percentBps: 290, fixedMinor: 200 },
  tnd: { percentBps: 290, fixedMinor: 1000 },
};
const defaultProcessingFee: Record<0 | 2 | 3, ProcessingFee> = {
  0: { percentBps: 290, fixedMinor: 0 },
  2: { percentBps: 290, fixedMinor: 30 },
  3: { percentBps: 290, fixedMinor: 100 },
};

/** Dispute fee per currency, in minor units. */
const disputeFees: Record<string, number> = {
  usd: 1500,
  eur: 1500,
  gbp: 1500,
  cad: 1500,
  aud: 2500,
  jpy: 1500,
  krw: 20000,
  vnd: 350000,
  kwd: 5000,
  bhd: 6000,
  omr: 6000,
  jod: 10000,
  tnd: 45000,
};
const defaultDisputeFee: Record<0 | 2 | 3, number> = { 0: 1500, 2: 1500, 3: 5000 };

export function processingFeeTable(currency: string): ProcessingFee {
  return processingFees[currency] ?? defaultProcessingFee[exponent(currency)];
}

/** Rounds to the nearest representable step (multiples of 10 for three-decimal currencies). */
function roundToStep(amountMinor: number, currency: string): number {
  const step = amountStep(currency);
  return Math.round(amountMinor / step) * step;
}

/** Stripe's processing fee on a charge: percentage (rounded half up) plus the fixed part, in minor units. */
export function processingFeeMinor(amountMinor: number, currency: string): number {
  const { percentBps, fixedMinor } = processingFeeTable(currency);
  return roundToStep(Math.round((amountMinor * percentBps) / 10_000), currency) + fixedMinor;
}

export function disputeFeeMinor(currency: string): number {
  return disputeFees[currency] ?? defaultDisputeFee[exponent(currency)];
}

const symbols: Record<string, string> = { usd: '$', eur: '€', gbp: '£', jpy: '¥', cad: 'CA$', aud: 'A$' };

/** Human form of a minor-unit amount, as Stripe writes it in messages: `$12.50`, `¥1500`, `KWD 1.250`. */
export function formatAmount(amountMinor: number, currency: string): string {
  const digits = exponent(currency);
  const sign = amountMinor < 0 ? '-' : '';
  const text = Math.abs(amountMinor)
    .toString()
    .padStart(digits + 1, '0');
  const major = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  const symbol = symbols[currency];
  return symbol ? `${sign}${symbol}${major}` : `${sign}${currency.toUpperCase()} ${major}`;
}
