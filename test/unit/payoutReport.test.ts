import fc from 'fast-check';
import { isUnpaidStatus, linePage, reversalReference, reversedRows, type JournalRow } from '../../domain/payoutReport';

describe('payout report: reversal and paging', () => {
  it('reverses a journal row by row: each debit becomes a credit on the same account and back, so it balances as the original did (property)', () => {
    const row = fc
      .record({
        account: fc.constantFrom('Bank - SS', 'Stripe Fees - SS', 'Stripe Clearing - SS'),
        amount: fc.integer({ min: 1, max: 1e9 }),
        debit: fc.boolean(),
      })
      .map((r): JournalRow => ({
        account: r.account,
        debitMinor: r.debit ? r.amount : 0,
        creditMinor: r.debit ? 0 : r.amount,
      }));
    fc.assert(
      fc.property(fc.array(row, { maxLength: 12 }), (rows) => {
        const reversed = reversedRows(rows);
        expect(reversed.map((r) => r.account)).toEqual(rows.map((r) => r.account));
        reversed.forEach((r, i) =>
          expect([r.debitMinor, r.creditMinor]).toEqual([rows[i]!.creditMinor, rows[i]!.debitMinor]),
        );
        const sum = (xs: JournalRow[], key: 'debitMinor' | 'creditMinor') => xs.reduce((s, r) => s + r[key], 0);
        expect([sum(reversed, 'debitMinor'), sum(reversed, 'creditMinor')]).toEqual([
          sum(rows, 'creditMinor'),
          sum(rows, 'debitMinor'),
        ]);
        // Original and reversal together leave every account where it was.
        const net = new Map<string, number>();
        for (const r of [...rows, ...reversed])
          net.set(r.account, (net.get(r.account) ?? 0) + r.debitMinor - r.creditMinor);
        expect([...net.values()].every((v) => v === 0)).toBe(true);
      }),
    );
    expect(reversalReference('po_1Abc')).toBe('po_1Abc:reversal');
  });

  it('treats failed and canceled payouts as never paid, and nothing else', () => {
    expect(['failed', 'canceled'].map(isUnpaidStatus)).toEqual([true, true]);
    expect(['paid', 'pending', 'in_transit'].map(isUnpaidStatus)).toEqual([false, false, false]);
  });

  it('pages a report of 20,000 lines by any page size, the last page partly filled, an empty report as one empty page', () => {
    expect(linePage(20_000, 1, 1000)).toEqual({
      page: 1,
      pageSize: 1000,
      lineCount: 20_000,
      pageCount: 20,
      offset: 0,
      nextPage: 2,
    });
    expect(linePage(20_000, 20, 1000)).toMatchObject({ offset: 19_000, nextPage: null });
    expect(linePage(20_001, 21, 1000)).toMatchObject({ pageCount: 21, offset: 20_000, nextPage: null });
    expect(linePage(0, 1, 100)).toMatchObject({ pageCount: 1, offset: 0, nextPage: null });
  });
});
