import { linkValidationError } from '../frappeErrors';
import { fromCents, lineAmountCents, toCents, toNumber } from '../money';
import type { ErpDoc } from '../state';
import { rowsOf, sandboxCompany, setDefault, type DocContext, type TableField } from './definition';

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

/** Header defaults shared by Sales Order and Sales Invoice. */
export function setSellingDefaults(doc: ErpDoc, ctx: DocContext, dateField: string): void {
  setDefault(doc, 'company', sandboxCompany.name);
  setDefault(doc, 'currency', sandboxCompany.currency);
  setDefault(doc, 'conversion_rate', 1);
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

/**
 * Item amounts, taxes and totals the way ERPNext's `calculate_taxes_and_totals` does, in integer cents:
 * amount = rate × qty per row, `Actual` taxes as given, `On Net Total` taxes as a percentage of the net total.
 * Returns the grand total in cents.
 */
export function computeSellingTotals(doc: ErpDoc): number {
  let totalCents = 0;
  let totalQty = 0;
  for (const row of rowsOf(doc, 'items')) {
    const qty = toNumber(row.qty);
    const rateCents = toCents(row.rate);
    const amountCents = lineAmountCents(rateCents, qty);
    setDefault(row, 'item_name', row.item_code);
    setDefault(row, 'description', row.item_name);
    setDefault(row, 'uom', 'Nos');
    setDefault(row, 'stock_uom', row.uom);
    setDefault(row, 'conversion_factor', 1);
    Object.assign(row, {
      qty,
      rate: fromCents(rateCents),
      amount: fromCents(amountCents),
      base_rate: fromCents(rateCents),
      base_amount: fromCents(amountCents),
      net_rate: fromCents(rateCents),
      net_amount: fromCents(amountCents),
    });
    if (doc.doctype === 'Sales Order') setDefault(row, 'delivery_date', doc.delivery_date);
    totalCents += amountCents;
    totalQty += qty;
  }

  let taxesCents = 0;
  for (const row of rowsOf(doc, 'taxes')) {
    const taxCents =
      row.charge_type === 'On Net Total'
        ? Math.round((totalCents * toNumber(row.rate)) / 100)
        : toCents(row.tax_amount);
    taxesCents += taxCents;
    Object.assign(row, {
      tax_amount: fromCents(taxCents),
      base_tax_amount: fromCents(taxCents),
      total: fromCents(totalCents + taxesCents),
    });
  }

  const discountCents = toCents(doc.discount_amount);
  const grandCents = totalCents + taxesCents - discountCents;
  Object.assign(doc, {
    total_qty: totalQty,
    total: fromCents(totalCents),
    base_total: fromCents(totalCents),
    net_total: fromCents(totalCents - discountCents),
    base_net_total: fromCents(totalCents - discountCents),
    total_taxes_and_charges: fromCents(taxesCents),
    base_total_taxes_and_charges: fromCents(taxesCents),
    discount_amount: fromCents(discountCents),
    grand_total: fromCents(grandCents),
    base_grand_total: fromCents(grandCents),
    rounded_total: fromCents(grandCents),
    base_rounded_total: fromCents(grandCents),
    rounding_adjustment: 0,
  });
  return grandCents;
}
