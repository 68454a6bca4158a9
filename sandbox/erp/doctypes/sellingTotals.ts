import { normalizeCurrency } from '../../../domain/money';
import { companyBooks } from '../chart';
import { linkValidationError, validationError } from '../frappeErrors';
import { convertMinor, fromMinorUnits, lineAmountMinor, toMinor, toNumber } from '../money';
import type { ErpDoc } from '../state';
import { isBlank, rowsOf, sandboxCompany, setDefault, type DocContext, type TableField } from './definition';
import { storedExchangeRate } from './ledgerMasters';

/** Fields Sales Order and Sales Invoice share (ERPNext v15 doctype JSON), besides each one's own. */
export const sellingFields = [
  'naming_series',
  'title',
  'customer',
  'customer_name',
  'company',
  'currency',
  'conversion_rate',
  'selling_price_list',
  'price_list_currency',
  'plc_conversion_rate',
  'po_no',
  'po_date',
  'items',
  'taxes',
  'total_qty',
  'total',
  'base_total',
  'net_total',
  'base_net_total',
  'total_taxes_and_charges',
  'base_total_taxes_and_charges',
  'apply_discount_on',
  'discount_amount',
  'additional_discount_percentage',
  'grand_total',
  'base_grand_total',
  'rounded_total',
  'base_rounded_total',
  'rounding_adjustment',
  'disable_rounded_total',
  'status',
  'terms',
] as const;
export const applyDiscountOn = ['', 'Grand Total', 'Net Total'] as const;

const itemFields = [
  'item_code',
  'item_name',
  'description',
  'qty',
  'uom',
  'stock_uom',
  'conversion_factor',
  'stock_qty',
  'price_list_rate',
  'rate',
  'amount',
  'base_rate',
  'base_amount',
  'net_rate',
  'net_amount',
  'warehouse',
] as const;

export const itemsTable = (childDoctype: 'Sales Order Item' | 'Sales Invoice Item'): TableField => ({
  fieldname: 'items',
  childDoctype,
  mandatory: ['item_code', 'qty'],
  isRequired: true,
  fields:
    childDoctype === 'Sales Order Item'
      ? [...itemFields, 'delivery_date']
      : [...itemFields, 'sales_order', 'so_detail', 'income_account', 'cost_center'],
});
export const taxesTable: TableField = {
  fieldname: 'taxes',
  childDoctype: 'Sales Taxes and Charges',
  mandatory: ['charge_type', 'account_head', 'description'],
  isRequired: false,
  fields: [
    'charge_type',
    'row_id',
    'account_head',
    'description',
    'included_in_print_rate',
    'cost_center',
    'rate',
    'tax_amount',
    'base_tax_amount',
    'total',
  ],
  selects: {
    charge_type: ['', 'Actual', 'On Net Total', 'On Previous Row Amount', 'On Previous Row Total', 'On Item Quantity'],
  },
};

/** Header defaults shared by Sales Order and Sales Invoice: the company's currency unless another is named. */
export function setSellingDefaults(doc: ErpDoc, ctx: DocContext, dateField: string): void {
  setDefault(doc, 'company', sandboxCompany.name);
  const books = ctx.find('Company', String(doc.company)) ? companyBooks(ctx.find, String(doc.company)) : undefined;
  if (books) setDefault(doc, 'currency', books.currency);
  if (books && doc.currency === books.currency) doc.conversion_rate = 1;
  setDefault(doc, 'selling_price_list', 'Standard Selling');
  setDefault(doc, dateField, ctx.today());
  setDefault(doc, 'disable_rounded_total', 1);
  for (const row of rowsOf(doc, 'taxes')) {
    setDefault(row, 'charge_type', 'Actual');
    setDefault(row, 'description', String(row.account_head ?? 'Tax'));
  }
}

export function requireCustomer(doc: ErpDoc, ctx: DocContext): ErpDoc {
  const found = ctx.find('Customer', String(doc.customer));
  if (!found) throw linkValidationError('Customer', String(doc.customer));
  setDefault(doc, 'customer_name', found.customer_name);
  return found;
}

/** The document's currency and the company's, and ERPNext's `validate_conversion_rate` between them. */
export function sellingCurrencies(doc: ErpDoc, ctx: DocContext): { currency: string; company: string; rate: number } {
  const books = companyBooks(ctx.find, String(doc.company));
  const currency = normalizeCurrency(String(doc.currency));
  doc.currency = currency;
  const date = String(doc.posting_date ?? doc.transaction_date ?? ctx.today());
  const rate =
    currency === books.currency
      ? 1
      : isBlank(doc.conversion_rate)
        ? (storedExchangeRate(ctx.all, currency, books.currency, date) ?? 0)
        : toNumber(doc.conversion_rate);
  if (!(rate > 0)) {
    throw validationError(
      `Exchange Rate is mandatory. Maybe Currency Exchange record is not created for ${currency} to ${books.currency}.`,
    );
  }
  doc.conversion_rate = rate;
  return { currency, company: books.currency, rate };
}

/**
 * Item amounts, taxes and totals the way ERPNext's `calculate_taxes_and_totals` does, in integer minor units: amount =
 * rate × qty per row, `Actual` taxes as given, `On Net Total` taxes as a percentage of the net total, each in the
 * document's currency rounded to its precision, and each `base_` field that amount at `conversion_rate` in the
 * company's currency. Returns the grand total and its base, in minor units.
 */
export function computeSellingTotals(doc: ErpDoc, ctx: DocContext): { grandMinor: number; baseGrandMinor: number } {
  const { currency, company, rate } = sellingCurrencies(doc, ctx);
  const base = (minor: number) => convertMinor(minor, currency, rate, company);
  const put = (minor: number) => fromMinorUnits(minor, currency);
  const putBase = (minor: number) => fromMinorUnits(minor, company);
  let totalMinor = 0;
  let totalQty = 0;
  const items = rowsOf(doc, 'items');
  for (const row of items) {
    const qty = toNumber(row.qty);
    const rateMinor = toMinor(row.rate, currency);
    const amountMinor = lineAmountMinor(rateMinor, qty);
    setDefault(row, 'item_name', row.item_code);
    setDefault(row, 'description', row.item_name);
    setDefault(row, 'uom', 'Nos');
    setDefault(row, 'stock_uom', row.uom);
    setDefault(row, 'conversion_factor', 1);
    Object.assign(row, {
      qty,
      rate: put(rateMinor),
      amount: put(amountMinor),
      base_rate: putBase(base(rateMinor)),
      base_amount: putBase(base(amountMinor)),
      net_rate: put(rateMinor),
      net_amount: put(amountMinor),
    });
    if (doc.doctype === 'Sales Order') setDefault(row, 'delivery_date', doc.delivery_date);
    totalMinor += amountMinor;
    totalQty += qty;
  }

  const discountMinor = toMinor(doc.discount_amount, currency);
  // The discount is spread over the items' net amounts in proportion, the last item taking what rounding leaves.
  let discountLeft = discountMinor;
  items.forEach((row, i) => {
    const amountMinor = toMinor(row.amount, currency);
    const share =
      i === items.length - 1 || totalMinor === 0
        ? discountLeft
        : Math.round((discountMinor * amountMinor) / totalMinor);
    discountLeft -= share;
    Object.assign(row, { net_amount: put(amountMinor - share), base_net_amount: putBase(base(amountMinor - share)) });
  });

  const netMinor = totalMinor - discountMinor;
  let taxesMinor = 0;
  for (const row of rowsOf(doc, 'taxes')) {
    const taxMinor =
      row.charge_type === 'On Net Total'
        ? Math.round((totalMinor * toNumber(row.rate)) / 100)
        : toMinor(row.tax_amount, currency);
    taxesMinor += taxMinor;
    Object.assign(row, {
      tax_amount: put(taxMinor),
      base_tax_amount: putBase(base(taxMinor)),
      total: put(totalMinor + taxesMinor),
    });
  }

  const grandMinor = netMinor + taxesMinor;
  const baseGrandMinor = base(grandMinor);
  Object.assign(doc, {
    total_qty: totalQty,
    total: put(totalMinor),
    base_total: putBase(base(totalMinor)),
    net_total: put(netMinor),
    base_net_total: putBase(base(netMinor)),
    total_taxes_and_charges: put(taxesMinor),
    base_total_taxes_and_charges: putBase(base(taxesMinor)),
    discount_amount: put(discountMinor),
    grand_total: put(grandMinor),
    base_grand_total: putBase(baseGrandMinor),
    rounded_total: put(grandMinor),
    base_rounded_total: putBase(baseGrandMinor),
    rounding_adjustment: 0,
  });
  return { grandMinor, baseGrandMinor };
}
