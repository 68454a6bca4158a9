import { companyBooks } from '../chart';
import { linkValidationError, validationError } from '../frappeErrors';
import { glEntryFields } from '../ledger';
import { normalizeCurrency } from '../../../domain/money';
import { setDefault, type DocTypeDefinition } from './definition';
import type { ErpDoc } from '../state';

/** Company: its books' currency (`default_currency`) and the accounts ERPNext posts to by default. */
export const company: DocTypeDefinition = {
  doctype: 'Company',
  isSubmittable: false,
  autoname: (doc) =>
    typeof doc.company_name === 'string' && doc.company_name.trim() ? doc.company_name.trim() : undefined,
  fields: [
    'company_name',
    'abbr',
    'default_currency',
    'country',
    'default_receivable_account',
    'default_payable_account',
    'default_income_account',
    'default_bank_account',
    'default_cash_account',
    'exchange_gain_loss_account',
    'round_off_account',
    'write_off_account',
    'cost_center',
  ],
  mandatory: ['company_name', 'abbr', 'default_currency', 'country'],
  tables: [],
  allowOnSubmit: [],
  setDefaults() {},
  validate(doc, ctx) {
    doc.default_currency = normalizeCurrency(String(doc.default_currency));
    const before = ctx.find('Company', doc.name);
    const hasEntries = ctx.all('GL Entry').some((e) => e.company === doc.name);
    if (before && before.default_currency !== doc.default_currency && hasEntries) {
      throw validationError(
        "Cannot change company's default currency, because there are existing transactions. Transactions must be cancelled to change the default currency.",
      );
    }
  },
};

/** Account: a ledger account of one company, in one currency (`account_currency`, the company's unless set). */
export const account: DocTypeDefinition = {
  doctype: 'Account',
  isSubmittable: false,
  autoname(doc, ctx) {
    if (typeof doc.account_name !== 'string' || !doc.account_name.trim() || typeof doc.company !== 'string')
      return undefined;
    const found = ctx.find('Company', doc.company);
    return found ? `${doc.account_name.trim()} - ${String(found.abbr)}` : undefined;
  },
  fields: [
    'account_name',
    'account_number',
    'is_group',
    'company',
    'root_type',
    'report_type',
    'account_currency',
    'parent_account',
    'account_type',
    'disabled',
  ],
  selects: {
    root_type: ['', 'Asset', 'Liability', 'Income', 'Expense', 'Equity'],
    report_type: ['', 'Balance Sheet', 'Profit and Loss'],
    account_type: [
      '',
      'Accumulated Depreciation',
      'Asset Received But Not Billed',
      'Bank',
      'Cash',
      'Chargeable',
      'Capital Work in Progress',
      'Cost of Goods Sold',
      'Current Asset',
      'Current Liability',
      'Depreciation',
      'Direct Expense',
      'Direct Income',
      'Equity',
      'Expense Account',
      'Expenses Included In Asset Valuation',
      'Expenses Included In Valuation',
      'Fixed Asset',
      'Income Account',
      'Indirect Expense',
      'Indirect Income',
      'Liability',
      'Payable',
      'Receivable',
      'Round Off',
      'Stock',
      'Stock Adjustment',
      'Stock Received But Not Billed',
      'Service Received But Not Billed',
      'Tax',
      'Temporary',
    ],
  },
  mandatory: ['account_name', 'company', 'root_type'],
  tables: [],
  allowOnSubmit: [],
  setDefaults(doc, ctx) {
    if (typeof doc.company === 'string' && ctx.find('Company', doc.company))
      setDefault(doc, 'account_currency', companyBooks(ctx.find, doc.company).currency);
    setDefault(doc, 'is_group', 0);
    setDefault(doc, 'disabled', 0);
    setDefault(
      doc,
      'report_type',
      doc.root_type === 'Income' || doc.root_type === 'Expense' ? 'Profit and Loss' : 'Balance Sheet',
    );
  },
  validate(doc, ctx) {
    if (!ctx.find('Company', String(doc.company))) throw linkValidationError('Company', String(doc.company));
    doc.account_currency = normalizeCurrency(String(doc.account_currency));
    const before = ctx.find('Account', doc.name);
    if (
      before &&
      before.account_currency !== doc.account_currency &&
      ctx.all('GL Entry').some((e) => e.account === doc.name)
    ) {
      throw validationError('Currency can not be changed after making entries using some other currency');
    }
  },
};

/** Currency Exchange: a rate from one currency to another, from its `date` on (ERPNext's `get_exchange_rate` reads it). */
export const currencyExchange: DocTypeDefinition = {
  doctype: 'Currency Exchange',
  isSubmittable: false,
  autoname: (doc) =>
    typeof doc.date === 'string' && typeof doc.from_currency === 'string' && typeof doc.to_currency === 'string'
      ? `${doc.date}-${normalizeCurrency(doc.from_currency)}-${normalizeCurrency(doc.to_currency)}`
      : undefined,
  fields: ['date', 'from_currency', 'to_currency', 'exchange_rate', 'for_buying', 'for_selling'],
  mandatory: ['date', 'from_currency', 'to_currency', 'exchange_rate'],
  tables: [],
  allowOnSubmit: [],
  setDefaults(doc) {
    setDefault(doc, 'for_buying', 1);
    setDefault(doc, 'for_selling', 1);
  },
  validate(doc) {
    doc.from_currency = normalizeCurrency(String(doc.from_currency));
    doc.to_currency = normalizeCurrency(String(doc.to_currency));
    if (doc.from_currency === doc.to_currency) throw validationError('From Currency and To Currency cannot be same');
    if (!(Number(doc.exchange_rate) > 0)) throw validationError('Exchange Rate must be greater than 0');
    doc.exchange_rate = Number(doc.exchange_rate);
  },
};

/** The latest Currency Exchange rate from `from` to `to` on or before `date`, as ERPNext looks one up; undefined when none. */
export function storedExchangeRate(
  all: (doctype: string) => ErpDoc[],
  from: string,
  to: string,
  date: string,
): number | undefined {
  const found = all('Currency Exchange')
    .filter((r) => r.from_currency === from && r.to_currency === to && String(r.date) <= date)
    .sort((a, b) => String(b.date).localeCompare(String(a.date)))[0];
  return found ? Number(found.exchange_rate) : undefined;
}

/** GL Entry: written by the vouchers as they are submitted and cancelled, read through the API, never written through it. */
export const glEntry: DocTypeDefinition = {
  doctype: 'GL Entry',
  isSubmittable: false,
  isSystemOnly: true,
  namingSeries: 'ACC-GLE-',
  fields: [...glEntryFields],
  mandatory: [],
  tables: [],
  allowOnSubmit: [],
  setDefaults() {},
  validate() {},
};
