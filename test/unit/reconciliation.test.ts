import fc from 'fast-check';
import { fromMinor, toMinor } from '../../domain/money';
import {
  csvHeader,
  disputeCategories,
  emptyTally,
  journalFor,
  maxTalliedProblems,
  mismatchReason,
  missingGlAccounts,
  ReconciliationError,
  summarizePayout,
  summarizeTally,
  tallyLines,
  toCsv,
  type PayoutDetails,
  type PayoutLine,
} from '../../domain/reconciliation';

const accounts = {
  charge: 'Stripe Clearing - SS',
  refund: 'Stripe Clearing - SS',
  dispute: 'Chargebacks - SS',
  dispute_reversal: 'Chargebacks - SS',
  fee: 'Stripe Fees - SS',
  payout: 'Bank - SS',
  adjustment: 'Stripe Adjustments - SS',
};
const categories = ['charge', 'refund', 'dispute', 'dispute_reversal', 'adjustment', 'fee'];

let sequence = 0;
function line(
  reportingCategory: string,
  grossMinor: number,
  feeMinor: number,
  currency = 'USD',
  extra: Partial<PayoutLine> = {},
): PayoutLine {
  sequence += 1;
  return {
    id: `txn_${sequence}`,
    type: reportingCategory === 'dispute' ? 'adjustment' : reportingCategory,
    reportingCategory,
    grossMinor,
    feeMinor,
    netMinor: grossMinor - feeMinor,
    currency,
    availableOn: 1_800_000_000,
    ...extra,
  };
}

const payoutOf = (
  lines: PayoutLine[],
  currency: string,
  id = 'po_1',
): Pick<PayoutDetails, 'id' | 'amountMinor' | 'currency'> => ({
  id,
  currency,
  amountMinor: lines.reduce((s, l) => s + l.netMinor, 0),
});

/** Stripe-shaped lines: KWD amounts are multiples of 10 fils, as Stripe only takes those. */
const linesArb = (currency: string) => {
  const step = currency === 'KWD' ? 10 : 1;
  const amount = (max: number) => fc.integer({ min: -max, max }).map((n) => n * step);
  return fc
    .array(
      fc.record({ category: fc.constantFrom(...categories), gross: amount(100_000_000), fee: amount(1_000_000) }),
      { maxLength: 60 },
    )
    .map((rows) => rows.map((r) => line(r.category, r.gross, r.fee, currency)));
};
const currencyArb = fc.constantFrom('USD', 'JPY', 'KWD', 'EUR', 'BHD');

function sumBy(lines: PayoutLine[], key: 'grossMinor' | 'feeMinor' | 'netMinor') {
  return lines.reduce((s, l) => s + l[key], 0);
}

describe('payout reconciliation', () => {
  it('sums a payout per reporting category and matches it to the minor unit', () => {
    const lines = [
      line('charge', 10_000, 320),
      line('charge', 2_599, 105),
      line('refund', -1_250, 0),
      line('dispute', -4_000, 1_500),
    ];
    const summary = summarizePayout(lines, {
      id: 'po_1',
      amountMinor: 10_000 - 320 + 2_599 - 105 - 1_250 - 5_500,
      currency: 'usd',
    });
    expect(summary).toMatchObject({
      payoutId: 'po_1',
      currency: 'USD',
      matches: true,
      differenceMinor: 0,
      problems: [],
      totals: { count: 4, grossMinor: 7_349, feeMinor: 1_925, netMinor: 5_424 },
      byCategory: {
        charge: { count: 2, grossMinor: 12_599, feeMinor: 425, netMinor: 12_174 },
        dispute: { count: 1, grossMinor: -4_000, feeMinor: 1_500, netMinor: -5_500 },
        refund: { count: 1, grossMinor: -1_250, feeMinor: 0, netMinor: -1_250 },
      },
    });
    expect(Object.keys(summary.byCategory)).toEqual(['charge', 'dispute', 'refund']);
  });

  it("says by how much a payout is not explained by its transactions, in the currency's decimals", () => {
    const summary = summarizePayout([line('charge', 5_000, 180, 'JPY')], {
      id: 'po_2',
      amountMinor: 4_900,
      currency: 'JPY',
    });
    expect(summary).toMatchObject({ matches: false, differenceMinor: -80 });
    expect(mismatchReason(summary)).toBe(
      'Stripe payout po_2 of 4900 JPY is not explained by its 1 balance transactions: they net to 4820 JPY ' +
        '(difference -80 JPY). Nothing was booked in the ERP. Check the payout in the Stripe Dashboard, then retry or skip.',
    );
    expect(() => journalFor(summary, accounts, accounts.payout, accounts.fee)).toThrow(ReconciliationError);
  });

  it('refuses lines in another currency or whose net is not gross less fee', () => {
    const summary = summarizePayout(
      [line('charge', 1_000, 59, 'EUR'), { ...line('charge', 1_000, 59), netMinor: 950 }],
      { id: 'po_3', amountMinor: 1_891, currency: 'USD' },
    );
    expect(summary.matches).toBe(false);
    expect(summary.problems).toEqual([
      expect.stringContaining('is in EUR, the payout in USD'),
      expect.stringContaining('net 9.50 USD is not gross 10.00 USD less fee 0.59 USD'),
    ]);
  });

  it('books the payout to the bank, fees to the fee account, sales as credits and refunds and disputes as debits', () => {
    const lines = [line('charge', 10_000, 320), line('refund', -1_250, 0), line('dispute', -4_000, 1_500)];
    const journal = journalFor(summarizePayout(lines, payoutOf(lines, 'USD')), accounts, accounts.payout, accounts.fee);
    expect(journal).toEqual({
      currency: 'USD',
      totalDebitMinor: 10_000,
      totalCreditMinor: 10_000,
      lines: [
        { account: 'Bank - SS', booking: 'payout', debitMinor: 2_930, creditMinor: 0 },
        { account: 'Stripe Fees - SS', booking: 'fees', debitMinor: 1_820, creditMinor: 0 },
        {
          account: 'Stripe Clearing - SS',
          booking: 'category',
          category: 'charge',
          debitMinor: 0,
          creditMinor: 10_000,
        },
        { account: 'Chargebacks - SS', booking: 'category', category: 'dispute', debitMinor: 4_000, creditMinor: 0 },
        { account: 'Stripe Clearing - SS', booking: 'category', category: 'refund', debitMinor: 1_250, creditMinor: 0 },
      ],
    });
  });

  it('names the GL accounts the mapping lacks instead of guessing one', () => {
    const lines = [line('charge', 10_000, 320), line('payout_reversal', 500, 0)];
    const summary = summarizePayout(lines, payoutOf(lines, 'USD'));
    expect(missingGlAccounts(summary, accounts)).toEqual(['payout_reversal']);
    expect(missingGlAccounts(summary, { charge: 'x' })).toEqual(['payout', 'fee', 'payout_reversal']);
    expect(() => journalFor(summary, accounts, accounts.payout, accounts.fee)).toThrow(/payout_reversal/);
  });

  it('sums every category and the totals exactly, in USD, JPY, KWD and more (property)', () => {
    fc.assert(
      fc.property(
        currencyArb.chain((c) => fc.tuple(fc.constant(c), linesArb(c))),
        ([currency, lines]) => {
          const summary = summarizePayout(lines, payoutOf(lines, currency));
          const categoriesSeen = new Set(lines.map((l) => l.reportingCategory));
          expect(summary.matches).toBe(true);
          expect(summary.totals).toEqual({
            count: lines.length,
            grossMinor: sumBy(lines, 'grossMinor'),
            feeMinor: sumBy(lines, 'feeMinor'),
            netMinor: sumBy(lines, 'netMinor'),
          });
          expect(Object.keys(summary.byCategory).sort()).toEqual([...categoriesSeen].sort());
          for (const [category, totals] of Object.entries(summary.byCategory)) {
            const mine = lines.filter((l) => l.reportingCategory === category);
            expect(totals).toEqual({
              count: mine.length,
              grossMinor: sumBy(mine, 'grossMinor'),
              feeMinor: sumBy(mine, 'feeMinor'),
              netMinor: sumBy(mine, 'netMinor'),
            });
          }
          const off = summarizePayout(lines, {
            ...payoutOf(lines, currency),
            amountMinor: summary.totals.netMinor + 1,
          });
          expect(off).toMatchObject({ matches: false, differenceMinor: -1 });
        },
      ),
    );
  });

  it('always balances the journal: Σdebit = Σcredit, the bank gets the payout, no row is zero or two-sided (property)', () => {
    fc.assert(
      fc.property(
        currencyArb.chain((c) => fc.tuple(fc.constant(c), linesArb(c))),
        ([currency, lines]) => {
          const summary = summarizePayout(lines, payoutOf(lines, currency));
          const journal = journalFor(summary, accounts, accounts.payout, accounts.fee);
          const debit = journal.lines.reduce((s, l) => s + l.debitMinor, 0);
          const credit = journal.lines.reduce((s, l) => s + l.creditMinor, 0);
          expect(debit).toBe(credit);
          expect([journal.totalDebitMinor, journal.totalCreditMinor]).toEqual([debit, credit]);
          const bank = journal.lines.find((l) => l.booking === 'payout');
          expect(bank ? bank.debitMinor - bank.creditMinor : 0).toBe(summary.totals.netMinor);
          const fee = journal.lines.find((l) => l.booking === 'fees');
          expect(fee ? fee.debitMinor - fee.creditMinor : 0).toBe(summary.totals.feeMinor);
          // The ERP takes decimals (fromMinor) and checks the balance again in minor units: it still balances.
          expect(
            journal.lines.reduce(
              (s, l) =>
                s +
                toMinor(fromMinor(l.debitMinor, currency), currency) -
                toMinor(fromMinor(l.creditMinor, currency), currency),
              0,
            ),
          ).toBe(0);
          for (const [category, totals] of Object.entries(summary.byCategory)) {
            const row = journal.lines.find((l) => l.booking === 'category' && l.category === category);
            expect(row ? row.creditMinor - row.debitMinor : 0).toBe(totals.grossMinor);
          }
          for (const row of journal.lines) {
            expect(Number.isSafeInteger(row.debitMinor) && Number.isSafeInteger(row.creditMinor)).toBe(true);
            expect(row.debitMinor > 0 !== row.creditMinor > 0).toBe(true);
            expect(Math.min(row.debitMinor, row.creditMinor)).toBe(0);
          }
        },
      ),
    );
  });

  it('leaves disputes to their own runs: the payout moves only their net through the clearing account, and still balances (property)', () => {
    fc.assert(
      fc.property(
        currencyArb.chain((c) => fc.tuple(fc.constant(c), linesArb(c))),
        ([currency, lines]) => {
          const summary = summarizePayout(lines, payoutOf(lines, currency));
          const journal = journalFor(summary, accounts, accounts.payout, accounts.fee, {
            account: 'Stripe Clearing - SS',
            categories: disputeCategories,
          });
          expect(journal.totalDebitMinor).toBe(journal.totalCreditMinor);
          const disputed = Object.entries(summary.byCategory).filter(([c]) => disputeCategories.includes(c));
          const fee = journal.lines.find((l) => l.booking === 'fees');
          expect(fee ? fee.debitMinor - fee.creditMinor : 0).toBe(
            summary.totals.feeMinor - disputed.reduce((sum, [, t]) => sum + t.feeMinor, 0),
          );
          for (const [category, totals] of disputed) {
            const row = journal.lines.find((l) => l.booking === 'category' && l.category === category);
            expect(row?.account ?? 'Stripe Clearing - SS').toBe('Stripe Clearing - SS');
            expect(row ? row.creditMinor - row.debitMinor : 0).toBe(totals.netMinor);
          }
          expect(journal.lines.some((l) => l.account === accounts.dispute)).toBe(false);
        },
      ),
    );
  });

  it('writes one CSV row per transaction with decimal amounts from the currency table, quoted per RFC 4180', () => {
    const payout = {
      id: 'po_9',
      amountMinor: 0,
      currency: 'KWD',
      status: 'paid',
      automatic: true,
      arrivalDate: 0,
      reconciliationStatus: 'completed',
    };
    const lines = [
      line('charge', 12_340, 460, 'KWD', { sourceId: 'ch_1', magentoOrderId: '000000042' }),
      line('refund', -1_230, 0, 'KWD', { type: 'odd, "quoted"\ntype' }),
    ];
    const csv = toCsv({ payout, lines });
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual([...csvHeader]);
    expect(rows.slice(1)).toEqual([
      [
        'po_9',
        lines[0]!.id,
        'charge',
        'charge',
        'ch_1',
        '000000042',
        'KWD',
        '12.340',
        '0.460',
        '11.880',
        '2027-01-15T08:00:00.000Z',
        '',
        '',
        '',
      ],
      [
        'po_9',
        lines[1]!.id,
        'odd, "quoted"\ntype',
        'refund',
        '',
        '',
        'KWD',
        '-1.230',
        '0.000',
        '-1.230',
        '2027-01-15T08:00:00.000Z',
        '',
        '',
        '',
      ],
    ]);
    expect(csv).toContain('"odd, ""quoted""\ntype"');
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(toCsv({ payout, lines: [line('charge', 5_000, 180, 'JPY')] }).split('\r\n')[1]).toMatch(
      /,JPY,5000,180,4820,/,
    );
  });

  it("writes a converted charge with Stripe's own amounts and rate, and the amount the customer saw in their currency", () => {
    const payout = {
      id: 'po_fx',
      amountMinor: 0,
      currency: 'USD',
      status: 'paid',
      automatic: true,
      arrivalDate: 0,
      reconciliationStatus: 'completed',
    };
    const converted = line('charge', 10_832, 455, 'USD', {
      sourceId: 'ch_eur',
      exchangeRate: 1.0832,
      customerFacingAmountMinor: 10_000,
      customerFacingCurrency: 'EUR',
    });
    expect(parseCsv(toCsv({ payout, lines: [converted] }))[1]!.slice(7)).toEqual([
      '108.32',
      '4.55',
      '103.77',
      '2027-01-15T08:00:00.000Z',
      '1.0832',
      '100.00',
      'EUR',
    ]);
    // The summary sums what Stripe booked in the payout's currency; the rate is only carried along.
    expect(summarizePayout([converted], { id: 'po_fx', amountMinor: 10_377, currency: 'USD' })).toMatchObject({
      matches: true,
      totals: { grossMinor: 10_832, feeMinor: 455 },
    });
  });

  it('tallies page by page to exactly the summary of all lines at once, carrying only per-category totals (property)', () => {
    fc.assert(
      fc.property(
        currencyArb.chain((c) => fc.tuple(fc.constant(c), linesArb(c), fc.integer({ min: 1, max: 7 }))),
        ([currency, lines, pageSize]) => {
          let tally = emptyTally(currency);
          for (let i = 0; i < lines.length; i += pageSize) tally = tallyLines(tally, lines.slice(i, i + pageSize));
          const payout = payoutOf(lines, currency);
          expect(summarizeTally(tally, payout)).toEqual(summarizePayout(lines, payout));
          expect(JSON.stringify(tally).length).toBeLessThan(200 + 120 * categories.length);
        },
      ),
    );
  });

  it('keeps the first problems of a tally in words and counts the rest, so a bad payout of any size never matches', () => {
    const bad = Array.from({ length: 50 }, () => ({ ...line('charge', 1_000, 59), netMinor: 900 }));
    const tally = tallyLines(emptyTally('usd'), bad);
    expect([tally.problems.length, tally.problemCount]).toEqual([maxTalliedProblems, 50]);
    const summary = summarizeTally(tally, { id: 'po_bad', amountMinor: 45_000, currency: 'USD' });
    expect(summary).toMatchObject({ matches: false, differenceMinor: 0 });
    expect(mismatchReason(summary)).toContain('Inconsistent transactions: ');
  });

  it("round-trips every amount through the CSV in its currency's decimals (property)", () => {
    fc.assert(
      fc.property(
        currencyArb.chain((c) => fc.tuple(fc.constant(c), linesArb(c))),
        ([currency, lines]) => {
          const payout = {
            ...payoutOf(lines, currency),
            status: 'paid',
            automatic: true,
            arrivalDate: 0,
            reconciliationStatus: 'completed',
          };
          const rows = parseCsv(toCsv({ payout, lines }));
          expect(rows).toHaveLength(lines.length + 1);
          rows.slice(1).forEach((row, i) => {
            expect([toMinor(row[7]!, currency), toMinor(row[8]!, currency), toMinor(row[9]!, currency)]).toEqual([
              lines[i]!.grossMinor,
              lines[i]!.feeMinor,
              lines[i]!.netMinor,
            ]);
          });
        },
      ),
    );
  });
});

/** A strict RFC 4180 reader, to check the writer. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (text[i] === '"') {
          i += 1;
          break;
        } else {
          field += text[i];
          i += 1;
        }
      }
    } else if (text[i] === ',') {
      row.push(field);
      field = '';
      i += 1;
    } else if (text[i] === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      field += text[i];
      i += 1;
    }
  }
  return rows;
}
