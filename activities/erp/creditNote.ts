import { MappingError, type ErpLine, type ErpTax } from '../../domain/fulfilment';
import { formatMoney, toMinor } from '../../domain/money';

/** The lines of a submitted Sales Invoice (or of a return against it, with negative quantities and taxes). */
export interface InvoiceLines {
  name: string;
  currency: string;
  items: Array<{ item_code: string; item_name?: string; qty: number; rate: number }>;
  taxes: Array<{ account_head: string; tax_amount: number; description?: string }>;
}

export interface CreditNoteLines {
  /** Negative quantities (fractional for a part of a row), at the invoice's rates. */
  items: ErpLine[];
  /** Negative actual amounts against the invoice's tax accounts. */
  taxes: ErpTax[];
}

/**
 * Return lines crediting exactly `amountMinor` against an invoice, the way ERPNext accepts a return: only items the
 * invoice sold and not yet returned, at their own rate. The tax share is proportional to the invoice's (all of it
 * on a full refund); the rest is taken from the item rows in order, a part refund as a fraction of a row's quantity,
 * so that refunds adding up to the invoice return all of it.
 */
export function creditNoteLines(
  original: InvoiceLines,
  previousReturns: readonly InvoiceLines[],
  amountMinor: number,
  what: string,
): CreditNoteLines {
  const currency = original.currency;
  const minor = (amount: number): number => toMinor(amount, currency);
  if (amountMinor <= 0)
    throw new MappingError(`${what}: the amount to credit must be positive, got ${formatMoney(amountMinor, currency)}`);

  // Earlier returns consumed each item's rows in order, as this one does: what is left sits in the later rows.
  const returnedQty = new Map<string, number>();
  for (const row of previousReturns.flatMap((r) => r.items))
    returnedQty.set(row.item_code, (returnedQty.get(row.item_code) ?? 0) - row.qty);
  const rows = original.items.map((row) => {
    const consumed = Math.max(0, Math.min(row.qty, returnedQty.get(row.item_code) ?? 0));
    returnedQty.set(row.item_code, (returnedQty.get(row.item_code) ?? 0) - consumed);
    return { ...row, qty: Number((row.qty - consumed).toFixed(9)), rateMinor: minor(row.rate) };
  });

  const taxLeft = new Map<string, number>();
  for (const tax of [...original.taxes, ...previousReturns.flatMap((r) => r.taxes)]) {
    taxLeft.set(tax.account_head, (taxLeft.get(tax.account_head) ?? 0) + minor(tax.tax_amount));
  }
  const itemsCapacity = rows.reduce((sum, row) => sum + Math.round(row.rateMinor * row.qty), 0);
  const taxCapacity = [...taxLeft.values()].reduce((sum, v) => sum + Math.max(0, v), 0);
  if (amountMinor > itemsCapacity + taxCapacity) {
    throw new MappingError(
      `${what}: ${formatMoney(amountMinor, currency)} is more than Sales Invoice ${original.name} has left to credit ` +
        `(${formatMoney(itemsCapacity + taxCapacity, currency)} after earlier returns)`,
    );
  }

  const invoiceItemsMinor = original.items.reduce((sum, row) => sum + Math.round(minor(row.rate) * row.qty), 0);
  const invoiceTaxMinor = original.taxes.reduce((sum, tax) => sum + minor(tax.tax_amount), 0);
  const invoiceMinor = invoiceItemsMinor + invoiceTaxMinor;
  let taxShare =
    invoiceMinor > 0 ? Math.min(taxCapacity, Math.round((amountMinor * invoiceTaxMinor) / invoiceMinor)) : 0;
  taxShare = Math.max(taxShare, amountMinor - itemsCapacity);

  const items: ErpLine[] = [];
  let itemsLeft = amountMinor - taxShare;
  for (const row of rows) {
    const capacity = Math.round(row.rateMinor * row.qty);
    const take = Math.min(itemsLeft, capacity);
    if (take <= 0) continue;
    const qty = take === capacity ? row.qty : Number((take / row.rateMinor).toFixed(9));
    if (Math.round(row.rateMinor * qty) !== take) {
      throw new MappingError(
        `${what}: cannot express ${formatMoney(take, currency)} as a quantity of ${row.item_code} at ${formatMoney(row.rateMinor, currency)}`,
      );
    }
    items.push({ item_code: row.item_code, item_name: row.item_name, qty: -qty, rateMinor: row.rateMinor });
    itemsLeft -= take;
  }
  if (itemsLeft > 0)
    throw new MappingError(
      `${what}: ${formatMoney(itemsLeft, currency)} is left over after every returnable item of Sales Invoice ${original.name}`,
    );

  const taxes: CreditNoteLines['taxes'] = [];
  for (const [accountHead, left] of taxLeft) {
    if (taxShare === 0) break;
    const take = Math.min(taxShare, Math.max(0, left));
    if (take === 0) continue;
    taxes.push({ charge_type: 'Actual', account_head: accountHead, taxMinor: -take, description: 'Tax refunded' });
    taxShare -= take;
  }
  return { items, taxes };
}

/**
 * A Sales Order's lines less `amountMinor`, for its amendment before it is invoiced: the same lines a credit note for
 * that amount would return (items in order, a part of a row as a fraction of its quantity, the proportional tax
 * share), taken off the order's own rows. Rows returned in full are left out.
 */
export function amendedOrderLines(order: InvoiceLines, amountMinor: number, what: string): CreditNoteLines {
  const credited = creditNoteLines(order, [], amountMinor, what);
  const returned = new Map<string, number>();
  for (const row of credited.items) returned.set(row.item_code, (returned.get(row.item_code) ?? 0) - row.qty);
  const items: ErpLine[] = [];
  for (const row of order.items) {
    const take = Math.min(row.qty, returned.get(row.item_code) ?? 0);
    returned.set(row.item_code, (returned.get(row.item_code) ?? 0) - take);
    const qty = Number((row.qty - take).toFixed(9));
    if (qty > 0)
      items.push({
        item_code: row.item_code,
        item_name: row.item_name,
        qty,
        rateMinor: toMinor(row.rate, order.currency),
      });
  }
  if (items.length === 0)
    throw new MappingError(
      `${what}: it would leave Sales Order ${order.name} with no items (a full refund reverses the order instead)`,
    );
  const taxes: ErpTax[] = order.taxes
    .map((tax) => {
      const refunded = credited.taxes
        .filter((t) => t.account_head === tax.account_head)
        .reduce((sum, t) => sum - t.taxMinor, 0);
      return {
        charge_type: 'Actual' as const,
        account_head: tax.account_head,
        taxMinor: toMinor(tax.tax_amount, order.currency) - refunded,
        description: tax.description ?? 'Tax',
      };
    })
    .filter((tax) => tax.taxMinor > 0);
  return { items, taxes };
}
