import { companyBooks, ledgerAccount } from '../chart';
import { cancelledLinkError, linkValidationError, validationError } from '../frappeErrors';
import type { GlLine } from '../ledger';
import { fromMinorUnits, toMinor, toNumber } from '../money';
import type { ErpDoc } from '../state';
import { flag, rowsOf, setDefault, type DocContext, type DocTypeDefinition } from './definition';
import {
  applyDiscountOn,
  computeSellingTotals,
  itemsTable,
  requireCustomer,
  sellingFields,
  setSellingDefaults,
  taxesTable,
} from './sellingTotals';

/**
 * Sales Invoice and its returns (credit notes: `is_return: 1`, `return_against`, negative quantities).
 * A submitted return reduces the original invoice's outstanding amount, as ERPNext posts it against that invoice,
 * unless `update_outstanding_for_self` is set, in which case the return carries its own negative outstanding.
 */
export const salesInvoice: DocTypeDefinition = {
  doctype: 'Sales Invoice',
  isSubmittable: true,
  namingSeries: 'ACC-SINV-',
  fields: [
    ...sellingFields,
    'posting_date',
    'posting_time',
    'set_posting_time',
    'due_date',
    'debit_to',
    'is_return',
    'return_against',
    'update_outstanding_for_self',
    'party_account_currency',
    'outstanding_amount',
    'remarks',
    'is_opening',
  ],
  selects: {
    naming_series: ['ACC-SINV-.YYYY.-', 'ACC-SINV-RET-.YYYY.-'],
    apply_discount_on: applyDiscountOn,
    is_opening: ['No', 'Yes'],
    status: [
      '',
      'Draft',
      'Return',
      'Credit Note Issued',
      'Submitted',
      'Paid',
      'Partly Paid',
      'Unpaid',
      'Unpaid and Discounted',
      'Partly Paid and Discounted',
      'Overdue and Discounted',
      'Overdue',
      'Cancelled',
      'Internal Transfer',
    ],
  },
  mandatory: ['customer', 'company', 'posting_date', 'due_date', 'currency', 'debit_to'],
  tables: [itemsTable('Sales Invoice Item'), taxesTable],
  allowOnSubmit: ['po_no', 'po_date', 'remarks', 'due_date'],
  setDefaults(doc, ctx) {
    setSellingDefaults(doc, ctx, 'posting_date');
    setDefault(doc, 'due_date', doc.posting_date);
    if (ctx.find('Company', String(doc.company)))
      setDefault(doc, 'debit_to', companyBooks(ctx.find, String(doc.company)).receivableAccount);
    doc.is_return = flag(doc.is_return);
    doc.update_outstanding_for_self = flag(doc.update_outstanding_for_self);
  },
  validate(doc, ctx) {
    requireCustomer(doc, ctx);
    if (String(doc.due_date) < String(doc.posting_date))
      throw validationError('Due Date cannot be before Posting Date');
    if (doc.is_return) validateReturn(doc, ctx);
    validateSalesOrderLinks(doc, ctx);
    const totals = computeSellingTotals(doc, ctx);
    const partyCurrency = partyAccountCurrency(doc, ctx);
    doc.party_account_currency = partyCurrency;
    doc.outstanding_amount = fromMinorUnits(
      partyCurrency === doc.currency ? totals.grandMinor : totals.baseGrandMinor,
      partyCurrency,
    );
  },
  glLines: invoiceGlLines,
  onSubmit(doc, ctx) {
    const original = appliedTo(doc, ctx);
    if (!original) return;
    const currency = String(doc.party_account_currency);
    original.outstanding_amount = fromMinorUnits(
      toMinor(original.outstanding_amount, currency) + toMinor(doc.outstanding_amount, currency),
      currency,
    );
    doc.outstanding_amount = 0;
    ctx.touch(original);
  },
  onCancel(doc, ctx) {
    const original = appliedTo(doc, ctx);
    if (!original) return;
    const currency = String(doc.party_account_currency);
    original.outstanding_amount = fromMinorUnits(
      toMinor(original.outstanding_amount, currency) - partyAmountMinor(doc),
      currency,
    );
    ctx.touch(original);
  },
  status(doc) {
    if (doc.docstatus === 0) return 'Draft';
    if (doc.docstatus === 2) return 'Cancelled';
    if (doc.is_return) return 'Return';
    const currency = String(doc.party_account_currency ?? doc.currency);
    const outstanding = toMinor(doc.outstanding_amount, currency);
    if (outstanding < 0) return 'Credit Note Issued';
    if (outstanding === 0) return 'Paid';
    return outstanding < partyAmountMinor(doc) ? 'Partly Paid' : 'Unpaid';
  },
};

/**
 * ERPNext's `validate_party_account_currency`: the receivable account is in the company's currency or the invoice's.
 * The sandbox keeps receivables in the company's currency only (its chart has no other), so an invoice in another
 * currency is owed in the company's: its outstanding amount is the base grand total.
 */
function partyAccountCurrency(doc: ErpDoc, ctx: DocContext): string {
  const books = companyBooks(ctx.find, String(doc.company));
  const debtors = ledgerAccount(ctx.find, doc.debit_to, books.name);
  if (debtors.currency !== books.currency && debtors.currency !== doc.currency) {
    throw validationError(
      `Party Account ${debtors.name} currency (${debtors.currency}) and document currency (${String(doc.currency)}) should be same`,
    );
  }
  return debtors.currency;
}

/** What the customer owes on the invoice (negative on a return), in the receivable account's currency. */
function partyAmountMinor(doc: ErpDoc): number {
  const currency = String(doc.party_account_currency ?? doc.currency);
  return currency === doc.currency ? toMinor(doc.grand_total, currency) : toMinor(doc.base_grand_total, currency);
}

/**
 * The invoice's GL: the receivable debited with the grand total (credited, for a return) against the invoice a return
 * reduces, each item's income account and each tax account credited with its base amount.
 */
function invoiceGlLines(doc: ErpDoc, ctx: DocContext): GlLine[] {
  const books = companyBooks(ctx.find, String(doc.company));
  const company = books.currency;
  const baseOf = (value: unknown) => toMinor(value, company);
  const against = appliedTo(doc, ctx)?.name ?? doc.name;
  return [
    {
      account: String(doc.debit_to),
      companyMinor: baseOf(doc.base_grand_total),
      accountMinor: partyAmountMinor(doc),
      party_type: 'Customer',
      party: String(doc.customer),
      against_voucher_type: 'Sales Invoice',
      against_voucher: against,
    },
    ...rowsOf(doc, 'items').map((row) => {
      const minor = -baseOf(row.base_net_amount ?? row.base_amount);
      return { account: String(row.income_account || books.incomeAccount), companyMinor: minor, accountMinor: minor };
    }),
    ...rowsOf(doc, 'taxes').map((row) => {
      const minor = -baseOf(row.base_tax_amount);
      return { account: String(row.account_head), companyMinor: minor, accountMinor: minor };
    }),
  ];
}

/** Frappe's link validation on the rows' `sales_order`: the order must exist and must not be cancelled. */
function validateSalesOrderLinks(doc: ErpDoc, ctx: DocContext): void {
  for (const row of rowsOf(doc, 'items')) {
    if (typeof row.sales_order !== 'string' || row.sales_order === '') continue;
    const order = ctx.find('Sales Order', row.sales_order);
    if (!order) throw linkValidationError('Sales Order', row.sales_order);
    if (order.docstatus === 2) throw cancelledLinkError('Sales Order', row.sales_order);
  }
}

/** The invoice whose outstanding amount a submitted return reduces, if any. */
function appliedTo(doc: ErpDoc, ctx: DocContext): ErpDoc | undefined {
  if (!doc.is_return || doc.update_outstanding_for_self || !doc.return_against) return undefined;
  return ctx.find('Sales Invoice', String(doc.return_against));
}

/** ERPNext's `validate_return`: against a submitted invoice of the same customer, negative quantities, no more than was sold. */
function validateReturn(doc: ErpDoc, ctx: DocContext): void {
  if (!doc.return_against) return;
  const against = String(doc.return_against);
  const original = ctx.find('Sales Invoice', against);
  if (!original) throw linkValidationError('Sales Invoice', against);
  if (original.docstatus !== 1) throw validationError(`Sales Invoice ${against} must be submitted`);
  if (original.is_return) throw validationError(`Sales Invoice ${against} is itself a return`);
  if (original.customer !== doc.customer) {
    throw validationError(
      `The Customer (${String(doc.customer)}) must be equal to Customer (${String(original.customer)}) of Sales Invoice ${against}`,
    );
  }

  const sold = quantitiesByItem(rowsOf(original, 'items'));
  const returnedBefore = quantitiesByItem(
    ctx
      .all('Sales Invoice')
      .filter((r) => r.docstatus === 1 && r.is_return && r.return_against === against && r.name !== doc.name)
      .flatMap((r) => rowsOf(r, 'items')),
  );

  rowsOf(doc, 'items').forEach((row, i) => {
    const itemCode = String(row.item_code);
    const qty = toNumber(row.qty);
    if (qty >= 0) throw validationError(`Row #${i + 1}: Quantity must be negative in a return (Item ${itemCode})`);
    const soldQty = sold.get(itemCode);
    if (soldQty === undefined)
      throw validationError(`Row # ${i + 1}: Returned Item ${itemCode} does not exist in Sales Invoice ${against}`);
    // Compared at the quantity's precision, as ERPNext's flt() does, not in binary floating point.
    const returnable = Number((soldQty + (returnedBefore.get(itemCode) ?? 0)).toFixed(9));
    if (Number((-qty).toFixed(9)) > returnable)
      throw validationError(`Row # ${i + 1}: Cannot return more than ${returnable} for Item ${itemCode}`);
  });
}

function quantitiesByItem(rows: readonly Record<string, unknown>[]): Map<string, number> {
  const byItem = new Map<string, number>();
  for (const row of rows)
    byItem.set(String(row.item_code), (byItem.get(String(row.item_code)) ?? 0) + toNumber(row.qty));
  return byItem;
}
