import { conversionRateFor, splitReceipt, type Settlement } from '../../domain/settlement';

const usd = (amountMinor: number, exchangeRate?: number): Settlement => ({
  balanceTransactionId: 'txn_1',
  amountMinor,
  feeMinor: 0,
  currency: 'USD',
  ...(exchangeRate ? { exchangeRate } : {}),
});

describe('conversionRateFor: the order currency to the company currency, from Stripe', () => {
  it('is 1 in the company currency, Stripe’s exchange_rate when it settled in the company currency, else unknown', () => {
    expect(conversionRateFor('USD', 'USD', undefined)).toBe(1);
    expect(conversionRateFor('JPY', 'USD', usd(6700, 0.0067))).toBe(0.0067);
    expect(conversionRateFor('JPY', 'USD', undefined)).toBeUndefined();
    expect(conversionRateFor('JPY', 'EUR', usd(6700, 0.0067))).toBeUndefined();
  });
});

describe('splitReceipt: what a receipt settles, in the company currency', () => {
  it('books the whole difference from the invoice’s value to exchange gain/loss when the order was converted', () => {
    expect(
      splitReceipt({
        receivedMinor: 6650,
        outstandingMinor: 6700,
        invoiceOrderMinor: 10000,
        chargeOrderMinor: 10000,
        converted: true,
      }),
    ).toEqual({ allocatedMinor: 6700, unallocatedMinor: 0, exchangeDifferenceMinor: 50 });
    expect(
      splitReceipt({
        receivedMinor: 6720,
        outstandingMinor: 6700,
        invoiceOrderMinor: 10000,
        chargeOrderMinor: 10000,
        converted: true,
      }),
    ).toEqual({ allocatedMinor: 6700, unallocatedMinor: 0, exchangeDifferenceMinor: -20 });
  });

  it('leaves the part of the charge refunded before the invoice unallocated, at the charge’s own rate', () => {
    // ¥10,000 charged, ¥2,000 refunded before the invoice, which bills ¥8,000 at 0.0067 = 53.60.
    expect(
      splitReceipt({
        receivedMinor: 6700,
        outstandingMinor: 5360,
        invoiceOrderMinor: 8000,
        chargeOrderMinor: 10000,
        converted: true,
      }),
    ).toEqual({ allocatedMinor: 5360, unallocatedMinor: 1340, exchangeDifferenceMinor: 0 });
  });

  it('allocates up to what is outstanding in the company’s own currency, never booking a difference', () => {
    expect(
      splitReceipt({
        receivedMinor: 5000,
        outstandingMinor: 3000,
        invoiceOrderMinor: 3000,
        chargeOrderMinor: 5000,
        converted: false,
      }),
    ).toEqual({ allocatedMinor: 3000, unallocatedMinor: 2000, exchangeDifferenceMinor: 0 });
    expect(
      splitReceipt({
        receivedMinor: 5000,
        outstandingMinor: 0,
        invoiceOrderMinor: 5000,
        chargeOrderMinor: 5000,
        converted: true,
      }),
    ).toEqual({ allocatedMinor: 0, unallocatedMinor: 5000, exchangeDifferenceMinor: 0 });
  });

  it('settles only the captured share of the invoice after a partial capture, never booking the rest as a loss', () => {
    // ¥10,000 authorised, ¥8,000 captured and settled as 53.60 USD; the invoice bills ¥10,000 (67.00 USD).
    expect(
      splitReceipt({
        receivedMinor: 5360,
        outstandingMinor: 6700,
        invoiceOrderMinor: 10000,
        chargeOrderMinor: 8000,
        converted: true,
      }),
    ).toEqual({ allocatedMinor: 5360, unallocatedMinor: 0, exchangeDifferenceMinor: 0 });
  });
});
