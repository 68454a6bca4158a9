import fc from 'fast-check';
import { amendedOrderLines, type InvoiceLines } from '../../activities/erp/creditNote';
import { MappingError } from '../../domain/fulfilment';
import { fromMinor, toMinor } from '../../domain/money';

const totalMinor = (lines: { items: Array<{ qty: number; rateMinor: number }>; taxes: Array<{ taxMinor: number }> }) =>
  lines.items.reduce((sum, row) => sum + Math.round(row.qty * row.rateMinor), 0) +
  lines.taxes.reduce((sum, tax) => sum + tax.taxMinor, 0);

describe('a Sales Order amended for a refund before it is invoiced', () => {
  const order: InvoiceLines = {
    name: 'SAL-ORD-2026-00001',
    currency: 'USD',
    items: [
      { item_code: 'MUG', qty: 2, rate: 3.33 },
      { item_code: 'MUG', qty: 1, rate: 3.34 },
      { item_code: 'SHIP', qty: 1, rate: 5 },
    ],
    taxes: [{ account_head: 'VAT - SS', tax_amount: 1.5, description: 'VAT' }],
  };

  it('keeps the order less the refund, taking the rows in order and the tax in proportion', () => {
    const untaxed = amendedOrderLines({ ...order, taxes: [] }, 666, 'test');
    expect(untaxed.items).toEqual([
      { item_code: 'MUG', qty: 1, rateMinor: 334 },
      { item_code: 'SHIP', qty: 1, rateMinor: 500 },
    ]);
    const taxed = amendedOrderLines(order, 550, 'test');
    // 550 of 1650 is a third: 50 of the 150 tax, and 500 of the items, 1 unit and a part of the first row.
    expect(taxed.taxes).toEqual([
      { charge_type: 'Actual', account_head: 'VAT - SS', taxMinor: 100, description: 'VAT' },
    ]);
    expect(totalMinor(taxed)).toBe(1100);
  });

  it('refuses a refund of everything (that reverses the order) and one larger than the order', () => {
    expect(() => amendedOrderLines(order, 1650, 'test')).toThrow(MappingError);
    expect(() => amendedOrderLines(order, 1651, 'test')).toThrow(MappingError);
  });

  it('always leaves exactly the order total less the refund, in currencies of 0, 2 and 3 decimals', () => {
    const currencies = ['JPY', 'USD', 'KWD'] as const;
    const rows = fc.array(
      fc.record({ qty: fc.integer({ min: 1, max: 5 }), rateMinor: fc.integer({ min: 1, max: 100_000 }) }),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...currencies),
        rows,
        fc.integer({ min: 0, max: 50_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (currency, lines, taxMinor, share) => {
          const original: InvoiceLines = {
            name: 'SO',
            currency,
            items: lines.map((row, i) => ({
              item_code: `SKU-${i}`,
              qty: row.qty,
              rate: fromMinor(row.rateMinor, currency),
            })),
            taxes: taxMinor > 0 ? [{ account_head: 'Tax', tax_amount: fromMinor(taxMinor, currency) }] : [],
          };
          const orderMinor = lines.reduce((sum, row) => sum + row.qty * row.rateMinor, 0) + taxMinor;
          const refundMinor = Math.max(1, Math.min(orderMinor - 1, Math.floor(orderMinor * share)));
          fc.pre(orderMinor > 1);
          let amended;
          try {
            amended = amendedOrderLines(original, refundMinor, 'property');
          } catch (err) {
            // A part of a row no quantity at its rate can express, or a refund leaving only tax, is refused, never booked wrong.
            if (err instanceof MappingError && /cannot express|with no items/.test(err.message)) return;
            throw err;
          }
          expect(totalMinor(amended)).toBe(orderMinor - refundMinor);
          for (const row of amended.items)
            expect(toMinor(fromMinor(row.rateMinor, currency), currency)).toBe(row.rateMinor);
        },
      ),
      { numRuns: 300 },
    );
  });
});
