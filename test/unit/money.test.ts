import fc from 'fast-check';
import {
  currencyExponent,
  formatDecimal,
  formatMoney,
  fromMinor,
  MoneyError,
  sumMinor,
  toMinor,
} from '../../domain/money';

const currencies = ['USD', 'EUR', 'GBP', 'JPY', 'KRW', 'CLP', 'KWD', 'BHD', 'JOD', 'OMR', 'TND', 'CHF'];
const currency = fc.constantFrom(...currencies);
const minor = fc.integer({ min: -1_000_000_000_000, max: 1_000_000_000_000 });

describe('money in minor units', () => {
  it('knows zero-, two- and three-decimal currencies from the table', () => {
    expect([
      currencyExponent('jpy'),
      currencyExponent('USD'),
      currencyExponent('KWD'),
      currencyExponent('krw'),
    ]).toEqual([0, 2, 3, 0]);
  });

  it('converts Magento decimals to minor units without floating-point drift', () => {
    expect(toMinor(19.99, 'USD')).toBe(1999);
    expect(toMinor('20.0000', 'USD')).toBe(2000);
    expect(toMinor(0.1 + 0.2, 'USD')).toBe(30);
    expect(toMinor(1500, 'JPY')).toBe(1500);
    expect(toMinor('1.2345', 'KWD')).toBe(1235);
    expect(toMinor(-4.005, 'EUR')).toBe(-401);
  });

  it('formats minor units per currency', () => {
    expect(formatMoney(1999, 'usd')).toBe('19.99 USD');
    expect(formatDecimal(5, 'USD')).toBe('0.05');
    expect(formatDecimal(1000, 'JPY')).toBe('1000');
    expect(formatDecimal(1500, 'KWD')).toBe('1.500');
    expect(formatDecimal(-7, 'BHD')).toBe('-0.007');
  });

  it('round-trips every minor amount through the decimal form Magento takes', () => {
    fc.assert(fc.property(minor, currency, (amount, code) => toMinor(fromMinor(amount, code), code) === amount));
  });

  it('round-trips every minor amount through its decimal string', () => {
    fc.assert(fc.property(minor, currency, (amount, code) => toMinor(formatDecimal(amount, code), code) === amount));
  });

  it('adds amounts of one currency exactly and refuses to mix currencies', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1e9, max: 1e9 })),
        currency,
        (amounts, code) =>
          sumMinor(
            amounts.map((a) => ({ amountMinor: a, currency: code })),
            code,
          ) === amounts.reduce((s, a) => s + a, 0),
      ),
    );
    expect(() => sumMinor([{ amountMinor: 1, currency: 'USD' }], 'EUR')).toThrow(MoneyError);
  });

  it('refuses fractional minor units and non-decimal input', () => {
    expect(() => formatDecimal(1.5, 'USD')).toThrow(MoneyError);
    expect(() => toMinor('12,50', 'EUR')).toThrow(MoneyError);
    expect(() => currencyExponent('US')).toThrow(MoneyError);
  });
});
