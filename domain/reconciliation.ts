import { assertMinor, formatDecimal, formatMoney, normalizeCurrency } from './money';

/**
 * Payout reconciliation: the balance transactions a Stripe payout swept, summed per reporting category, checked
 * against the payout to the minor unit, and booked as one balanced ERP journal. Pure: no I/O, no clock.
 */

/** One balance transaction of a payout, in integer minor units (Stripe's `amount`, `fee`, `net`). */
export interface PayoutLine {
  /** `txn_…` */
  id: string;
  /** Stripe's balance-transaction type: `charge`, `refund`, `adjustment`, … */
  type: string;
  /** Stripe's reporting category (`charge`, `refund`, `dispute`, `dispute_reversal`, `fee`, …): picks the GL account. */
  reportingCategory: string;
  /** The object that moved the money: `ch_…`, `re_…`, `dp_…`. */
  sourceId?: string;
  /** The Magento increment id, when the source is a charge that names its order. */
  magentoOrderId?: string;
  grossMinor: number;
  feeMinor: number;
  /** Always `grossMinor - feeMinor` (Stripe's invariant; the summary checks it). */
  netMinor: number;
  /** ISO 4217, upper case. */
  currency: string;
  /** Unix seconds. */
  availableOn: number;
  /**
   * Set when Stripe converted the money (a charge presented in another currency): Stripe's own rate, such that the
   * customer-facing amount times it is `grossMinor` in the payout's currency. Kept as Stripe reports it, never used to
   * recompute an amount: the gross, fee and net above are the balance transaction's own.
   */
  exchangeRate?: number;
  /** What the customer was charged, in the currency they saw, when it is not the payout's (from the charge itself). */
  customerFacingAmountMinor?: number;
  customerFacingCurrency?: string;
}

/** A payout as Stripe reports it, amounts in minor units. */
export interface PayoutDetails {
  /** `po_…` */
  id: string;
  amountMinor: number;
  /** ISO 4217, upper case. */
  currency: string;
  status: string;
  automatic: boolean;
  /** Unix seconds. */
  arrivalDate: number;
  reconciliationStatus: string;
  /** Unix seconds: the end of a manual payout's window of balance transactions. Absent in runs recorded before it was read. */
  created?: number;
  /** Why the bank or Stripe failed the payout (`account_closed`, …), once it has failed. */
  failureCode?: string;
}

export interface CategoryTotals {
  count: number;
  grossMinor: number;
  feeMinor: number;
  netMinor: number;
}

export interface PayoutSummary {
  payoutId: string;
  currency: string;
  payoutAmountMinor: number;
  /** Per reporting category, in category order. */
  byCategory: Record<string, CategoryTotals>;
  totals: CategoryTotals;
  /** Σnet − payout amount, in minor units: zero when the payout is fully explained. */
  differenceMinor: number;
  /** Lines that break Stripe's rules (another currency, net ≠ gross − fee); any problem means no match. */
  problems: string[];
  /** Σnet equals the payout amount to the minor unit, and every line is consistent. */
  matches: boolean;
}

/** One row of the journal, in minor units: exactly one of debit and credit is non-zero. */
export interface JournalLine {
  account: string;
  debitMinor: number;
  creditMinor: number;
  /** What the row books: the payout into the bank, Stripe's fees, or the gross of one reporting category. */
  booking: 'payout' | 'fees' | 'category';
  category?: string;
}

export interface PayoutJournal {
  currency: string;
  lines: JournalLine[];
  totalDebitMinor: number;
  totalCreditMinor: number;
}

/** The result of reconciling one payout. */
export interface PayoutReport {
  outcome: 'reconciled';
  payout: PayoutDetails;
  summary: PayoutSummary;
  lines: PayoutLine[];
  journalEntry: { name: string; created: boolean; journal: PayoutJournal };
  /** Anything a reader of the report should know (for example a reconciliation Stripe had not finished). */
  notes: string[];
}

/** A reconciliation an operator chose to skip from the review queue: nothing was booked. */
export interface SkippedPayoutReport {
  outcome: 'skipped';
  payoutId: string;
  reason: string;
  payout?: PayoutDetails;
  summary?: PayoutSummary;
  notes: string[];
}

export type PayoutReconciliationResult = PayoutReport | SkippedPayoutReport;

export class ReconciliationError extends Error {
  override name = 'ReconciliationError';
}

const zero = (): CategoryTotals => ({ count: 0, grossMinor: 0, feeMinor: 0, netMinor: 0 });

function add(totals: CategoryTotals, line: PayoutLine): void {
  totals.count += 1;
  totals.grossMinor += line.grossMinor;
  totals.feeMinor += line.feeMinor;
  totals.netMinor += line.netMinor;
}

/**
 * The running totals of a payout's lines, per reporting category: what a page-by-page reading carries from one page to
 * the next instead of the lines themselves. Its size depends on the number of categories, never on the number of lines.
 */
export interface PayoutTally {
  /** The payout's currency, ISO 4217 upper case: a line in another one is a problem. */
  currency: string;
  byCategory: Record<string, CategoryTotals>;
  totals: CategoryTotals;
  /** The first few lines that break Stripe's rules, in words (at most `maxTalliedProblems`). */
  problems: string[];
  /** How many lines broke them in all. */
  problemCount: number;
}

export const maxTalliedProblems = 20;

export function emptyTally(currency: string): PayoutTally {
  return { currency: normalizeCurrency(currency), byCategory: {}, totals: zero(), problems: [], problemCount: 0 };
}

/** The tally with `lines` added (a new object; the one given is left as it was). */
export function tallyLines(tally: PayoutTally, lines: readonly PayoutLine[]): PayoutTally {
  const { currency } = tally;
  const next: PayoutTally = {
    currency,
    totals: { ...tally.totals },
    problems: [...tally.problems],
    problemCount: tally.problemCount,
    byCategory: Object.fromEntries(
      Object.entries(tally.byCategory).map(([category, totals]) => [category, { ...totals }]),
    ),
  };
  const problem = (text: string) => {
    next.problemCount += 1;
    if (next.problems.length < maxTalliedProblems) next.problems.push(text);
  };
  for (const line of lines) {
    [line.grossMinor, line.feeMinor, line.netMinor].forEach(assertMinor);
    if (normalizeCurrency(line.currency) !== currency)
      problem(`${line.id} is in ${normalizeCurrency(line.currency)}, the payout in ${currency}`);
    if (line.netMinor !== line.grossMinor - line.feeMinor) {
      problem(
        `${line.id}: net ${formatMoney(line.netMinor, currency)} is not gross ${formatMoney(line.grossMinor, currency)} ` +
          `less fee ${formatMoney(line.feeMinor, currency)}`,
      );
    }
    const category = Object.hasOwn(next.byCategory, line.reportingCategory)
      ? next.byCategory[line.reportingCategory]!
      : zero();
    next.byCategory[line.reportingCategory] = category;
    add(category, line);
    add(next.totals, line);
  }
  return next;
}

/** Checks a tally against the payout: its nets must add up to the payout amount, to the minor unit, with no problem line. */
export function summarizeTally(
  tally: PayoutTally,
  payout: Pick<PayoutDetails, 'id' | 'amountMinor' | 'currency'>,
): PayoutSummary {
  const currency = normalizeCurrency(payout.currency);
  assertMinor(payout.amountMinor);
  if (currency !== tally.currency)
    throw new ReconciliationError(`payout ${payout.id} is in ${currency}, its tally in ${tally.currency}`);
  const differenceMinor = tally.totals.netMinor - payout.amountMinor;
  return {
    payoutId: payout.id,
    currency,
    payoutAmountMinor: payout.amountMinor,
    byCategory: Object.fromEntries(Object.entries(tally.byCategory).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    totals: { ...tally.totals },
    differenceMinor,
    problems: [...tally.problems],
    matches: differenceMinor === 0 && tally.problemCount === 0,
  };
}

/** Sums the payout's lines per reporting category and checks that their nets add up to the payout, to the minor unit. */
export function summarizePayout(
  lines: readonly PayoutLine[],
  payout: Pick<PayoutDetails, 'id' | 'amountMinor' | 'currency'>,
): PayoutSummary {
  return summarizeTally(tallyLines(emptyTally(payout.currency), lines), payout);
}

/** Why a payout cannot be booked, in words a merchant can act on (review queue). */
export function mismatchReason(summary: PayoutSummary): string {
  const { currency } = summary;
  const parts = [
    `Stripe payout ${summary.payoutId} of ${formatMoney(summary.payoutAmountMinor, currency)} is not explained by its ` +
      `${summary.totals.count} balance transactions: they net to ${formatMoney(summary.totals.netMinor, currency)}` +
      ` (difference ${formatMoney(summary.differenceMinor, currency)}).`,
  ];
  if (summary.problems.length > 0)
    parts.push(
      `Inconsistent transactions: ${summary.problems.slice(0, 5).join('; ')}${summary.problems.length > 5 ? '; …' : ''}.`,
    );
  parts.push('Nothing was booked in the ERP. Check the payout in the Stripe Dashboard, then retry or skip.');
  return parts.join(' ');
}

/** The GL account keys (`erp.glAccounts`) the payout's journal needs and the mapping lacks: `payout`, `fee`, and each category. */
export function missingGlAccounts(summary: PayoutSummary, accounts: Readonly<Record<string, string>>): string[] {
  const needed = [
    'payout',
    'fee',
    ...Object.keys(summary.byCategory).filter((c) => summary.byCategory[c]!.grossMinor !== 0),
  ];
  return [...new Set(needed)].filter((key) => !Object.hasOwn(accounts, key) || !accounts[key]);
}

/**
 * The payout's journal, in minor units. Each row carries a signed amount s (debit when s > 0, credit when s < 0,
 * left out when 0): the bank +Σnet (the payout), the fee account +Σfee, each category −Σgross (a positive gross is a
 * credit, a negative one — refunds, disputes — a debit). Because every line has net = gross − fee,
 * Σs = Σnet + Σfee − Σgross = 0, so Σdebit = Σcredit always. Only a summary that matches can be booked.
 */
/**
 * Categories whose money is booked when it moves, by its own run (a dispute's withdrawal and reinstatement, amount and
 * fee): the payout only moves their net out of, or back into, the clearing account.
 */
export interface ClearedCategories {
  account: string;
  categories: readonly string[];
}

export const disputeCategories: readonly string[] = ['dispute', 'dispute_reversal'];

export function journalFor(
  summary: PayoutSummary,
  accounts: Readonly<Record<string, string>>,
  bankAccount: string,
  feeAccount: string,
  cleared?: ClearedCategories,
): PayoutJournal {
  if (!summary.matches) throw new ReconciliationError(mismatchReason(summary));
  const isCleared = (category: string) => cleared?.categories.includes(category) === true;
  const clearedFeeMinor = Object.entries(summary.byCategory)
    .filter(([category]) => isCleared(category))
    .reduce((sum, [, t]) => sum + t.feeMinor, 0);
  const signed: Array<Pick<JournalLine, 'account' | 'booking' | 'category'> & { amountMinor: number }> = [
    { account: bankAccount, booking: 'payout', amountMinor: summary.totals.netMinor },
    { account: feeAccount, booking: 'fees', amountMinor: summary.totals.feeMinor - clearedFeeMinor },
  ];
  for (const [category, totals] of Object.entries(summary.byCategory)) {
    if (cleared && isCleared(category)) {
      if (totals.netMinor !== 0)
        signed.push({ account: cleared.account, booking: 'category', category, amountMinor: -totals.netMinor });
      continue;
    }
    if (totals.grossMinor === 0) continue;
    const account = Object.hasOwn(accounts, category) ? accounts[category] : undefined;
    if (!account)
      throw new ReconciliationError(
        `no ERP account for Stripe reporting category "${category}" (erp.glAccounts in the mappings)`,
      );
    signed.push({ account, booking: 'category', category, amountMinor: -totals.grossMinor });
  }
  const lines: JournalLine[] = signed
    .filter((row) => row.amountMinor !== 0)
    .map(({ amountMinor, ...row }) => ({
      ...row,
      debitMinor: Math.max(amountMinor, 0),
      creditMinor: Math.max(-amountMinor, 0),
    }));
  const totalDebitMinor = lines.reduce((sum, l) => sum + l.debitMinor, 0);
  const totalCreditMinor = lines.reduce((sum, l) => sum + l.creditMinor, 0);
  if (totalDebitMinor !== totalCreditMinor)
    throw new ReconciliationError(`journal for ${summary.payoutId} does not balance`); // unreachable, see above
  return { currency: summary.currency, lines, totalDebitMinor, totalCreditMinor };
}

export const csvHeader = [
  'payout_id',
  'transaction_id',
  'type',
  'reporting_category',
  'source_id',
  'magento_order_id',
  'currency',
  'gross',
  'fee',
  'net',
  'available_on',
  'exchange_rate',
  'customer_facing_amount',
  'customer_facing_currency',
] as const;

/** RFC 4180: a field with a comma, quote, CR or LF is quoted, its quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The CSV's first line, CRLF-terminated. */
export function csvHeaderLine(): string {
  return `${csvHeader.map(csvField).join(',')}\r\n`;
}

/** One balance transaction as a CSV line (CRLF-terminated), amounts as decimals of their currency, the rate as Stripe gave it. */
export function csvLine(payoutId: string, line: PayoutLine): string {
  const fields = [
    payoutId,
    line.id,
    line.type,
    line.reportingCategory,
    line.sourceId ?? '',
    line.magentoOrderId ?? '',
    line.currency,
    formatDecimal(line.grossMinor, line.currency),
    formatDecimal(line.feeMinor, line.currency),
    formatDecimal(line.netMinor, line.currency),
    new Date(line.availableOn * 1000).toISOString(),
    line.exchangeRate === undefined ? '' : String(line.exchangeRate),
    line.customerFacingAmountMinor === undefined || !line.customerFacingCurrency
      ? ''
      : formatDecimal(line.customerFacingAmountMinor, line.customerFacingCurrency),
    line.customerFacingCurrency ?? '',
  ];
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** The report as CSV: a header, then one row per balance transaction, amounts as decimals of the payout's currency. */
export function toCsv(report: Pick<PayoutReport, 'payout' | 'lines'>): string {
  return csvHeaderLine() + report.lines.map((line) => csvLine(report.payout.id, line)).join('');
}
