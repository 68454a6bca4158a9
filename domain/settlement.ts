import { currencyExponent } from './money';
/**
 * Three currencies meet in an order's books: the order's (what the customer was charged in, Magento's and the invoice's),
 * Stripe's settlement currency (what reached the Stripe balance: the balance transaction's), and the ERP company's
 * (`Company.default_currency`, what the general ledger is kept in).
 */

/** What one charge, refund or dispute movement did to the Stripe balance: Stripe's balance transaction, in its currency. */
export interface Settlement {
  balanceTransactionId: string;
  /** Signed, in minor units of `currency`: positive for a charge, negative for a refund or a withdrawal. */
  amountMinor: number;
  feeMinor: number;
  /** The settlement currency, upper case. */
  currency: string;
  /** 1 unit of the presented currency = this many units of the settlement currency; absent when nothing was converted. */
  exchangeRate?: number;
}

/**
 * The rate ERPNext's `conversion_rate` needs (1 unit of the order's currency = this many of the company's), when it is
 * known from Stripe: 1 in the company's own currency, Stripe's `exchange_rate` when Stripe settled in the company's
 * currency. Otherwise undefined: the ERP's own exchange rates decide.
 */
export function conversionRateFor(
  orderCurrency: string,
  companyCurrency: string,
  settlement: Settlement | undefined,
): number | undefined {
  if (orderCurrency === companyCurrency) return 1;
  if (settlement?.currency === companyCurrency && settlement.exchangeRate && settlement.exchangeRate > 0)
    return settlement.exchangeRate;
  return undefined;
}

export interface ReceiptSplit {
  /** Allocated to the invoice: what is outstanding on it, in the company currency. */
  allocatedMinor: number;
  /** The rest of the money received, left on the customer as an advance (a refund paid back before the invoice takes it). */
  unallocatedMinor: number;
  /** Booked to exchange gain/loss: positive a loss (less arrived than the invoice was booked at), negative a gain. */
  exchangeDifferenceMinor: number;
}

/**
 * How a receipt settles an invoice in the company currency. In the company's own currency: up to what is outstanding,
 * the rest unallocated. `receivedMinor` is what Stripe's balance transaction
 * brought in; the share of it that pays the invoice is the invoice's part of the charge (both in the order's currency:
 * less than all of it when a refund before the invoice took the rest off the order), and the difference between that
 * share and what the invoice is outstanding at its own rate is an exchange difference, never dropped.
 */
export function splitReceipt(input: {
  receivedMinor: number;
  outstandingMinor: number;
  invoiceOrderMinor: number;
  chargeOrderMinor: number;
  /** The order's currency is not the company's: only then can the two differ by an exchange difference. */
  converted: boolean;
  /**
   * What refunds before the invoice already paid back on this charge, in the company currency (each at its own
   * balance transaction): the advance left on the customer must be exactly that, so the customer's account nets to
   * zero; converting the parts separately may differ from converting the whole by a rounding, an exchange difference.
   */
  paidBackBeforeInvoiceMinor?: number;
}): ReceiptSplit {
  const { receivedMinor, outstandingMinor, invoiceOrderMinor, chargeOrderMinor } = input;
  const paidBack = input.paidBackBeforeInvoiceMinor ?? 0;
  if (input.converted && outstandingMinor > 0 && paidBack > 0 && invoiceOrderMinor < chargeOrderMinor) {
    return {
      allocatedMinor: outstandingMinor,
      unallocatedMinor: paidBack,
      exchangeDifferenceMinor: outstandingMinor + paidBack - receivedMinor,
    };
  }
  if (outstandingMinor <= 0) return { allocatedMinor: 0, unallocatedMinor: receivedMinor, exchangeDifferenceMinor: 0 };
  if (!input.converted) {
    const allocatedMinor = Math.min(outstandingMinor, receivedMinor);
    return { allocatedMinor, unallocatedMinor: receivedMinor - allocatedMinor, exchangeDifferenceMinor: 0 };
  }
  // Captured less than the invoice bills (a partial capture): the receipt settles only that part of it.
  if (chargeOrderMinor > 0 && chargeOrderMinor < invoiceOrderMinor) {
    const allocatedMinor = Math.round((outstandingMinor * chargeOrderMinor) / invoiceOrderMinor);
    return { allocatedMinor, unallocatedMinor: 0, exchangeDifferenceMinor: allocatedMinor - receivedMinor };
  }
  const share =
    chargeOrderMinor > 0 && invoiceOrderMinor < chargeOrderMinor
      ? Math.round((receivedMinor * invoiceOrderMinor) / chargeOrderMinor)
      : receivedMinor;
  return {
    allocatedMinor: outstandingMinor,
    unallocatedMinor: receivedMinor - share,
    exchangeDifferenceMinor: outstandingMinor - share,
  };
}

/**
 * An amount in one currency at a rate, in another's minor units, as ERPNext converts a voucher row (`flt(amount *
 * rate, precision)`, rounding half away from zero).
 */
export function convertMinor(minor: number, from: string, rate: number, to: string): number {
  const major = minor / 10 ** currencyExponent(from);
  const scaled = Number((major * rate * 10 ** currencyExponent(to)).toFixed(4));
  return Math.sign(scaled) * Math.round(Math.abs(scaled));
}
