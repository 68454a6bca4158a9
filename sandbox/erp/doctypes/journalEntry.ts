import { companyBooks, ledgerAccount } from '../chart';
import { validationError } from '../frappeErrors';
import { convertMinor, fromMinorUnits, pythonFloat, toMinor, toNumber } from '../money';
import { flag, isBlank, rowsOf, sandboxCompany, setDefault, type DocTypeDefinition } from './definition';

/**
 * Journal Entry: general-ledger lines in `accounts`. Debits must equal credits to the cent, or ERPNext refuses
 * the document with "Total Debit must be equal to Total Credit. The difference is …" (417 ValidationError).
 */
export const journalEntry: DocTypeDefinition = {
  doctype: 'Journal Entry',
  isSubmittable: true,
  namingSeries: 'ACC-JV-',
  fields: [
    'naming_series',
    'title',
    'voucher_type',
    'company',
    'posting_date',
    'cheque_no',
    'cheque_date',
    'user_remark',
    'clearance_date',
    'multi_currency',
    'accounts',
    'total_debit',
    'total_credit',
    'difference',
    'is_opening',
    'remark',
  ],
  selects: {
    naming_series: ['ACC-JV-.YYYY.-'],
    voucher_type: [
      'Journal Entry',
      'Inter Company Journal Entry',
      'Bank Entry',
      'Cash Entry',
      'Credit Card Entry',
      'Debit Note',
      'Credit Note',
      'Contra Entry',
      'Excise Entry',
      'Write Off Entry',
      'Opening Entry',
      'Depreciation Entry',
      'Exchange Rate Revaluation',
      'Exchange Gain Or Loss',
      'Deferred Revenue',
      'Deferred Expense',
    ],
    is_opening: ['No', 'Yes'],
  },
  mandatory: ['voucher_type', 'company', 'posting_date'],
  tables: [
    {
      fieldname: 'accounts',
      childDoctype: 'Journal Entry Account',
      mandatory: ['account'],
      isRequired: true,
      fields: [
        'account',
        'account_type',
        'cost_center',
        'account_currency',
        'exchange_rate',
        'debit_in_account_currency',
        'debit',
        'credit_in_account_currency',
        'credit',
        'party_type',
        'party',
        'reference_type',
        'reference_name',
        'is_advance',
        'user_remark',
      ],
      selects: {
        reference_type: [
          '',
          'Sales Invoice',
          'Purchase Invoice',
          'Journal Entry',
          'Sales Order',
          'Purchase Order',
          'Expense Claim',
          'Asset',
          'Loan',
          'Payroll Entry',
          'Employee Advance',
          'Exchange Rate Revaluation',
          'Invoice Discounting',
          'Fees',
          'Full and Final Statement',
          'Payment Entry',
          'Bank Transaction',
        ],
        is_advance: ['No', 'Yes'],
      },
    },
  ],
  allowOnSubmit: ['user_remark', 'clearance_date'],
  setDefaults(doc, ctx) {
    setDefault(doc, 'voucher_type', 'Journal Entry');
    setDefault(doc, 'company', sandboxCompany.name);
    setDefault(doc, 'posting_date', ctx.today());
    setDefault(doc, 'multi_currency', 0);
  },
  validate(doc, ctx) {
    if (doc.voucher_type === 'Bank Entry' && (!doc.cheque_no || !doc.cheque_date)) {
      throw validationError('Reference No & Reference Date is required for Bank Entry');
    }
    const books = companyBooks(ctx.find, String(doc.company));
    const company = books.currency;
    let debitMinor = 0;
    let creditMinor = 0;
    rowsOf(doc, 'accounts').forEach((row, i) => {
      const account = ledgerAccount(ctx.find, row.account, books.name);
      const stated = isBlank(row.account_currency) ? account.currency : String(row.account_currency).toUpperCase();
      if (stated !== account.currency) {
        throw validationError(
          `Row ${i + 1}: Accounting Entry for ${account.name} can only be made in currency: ${account.currency}`,
          'InvalidAccountCurrency',
        );
      }
      // ERPNext's validate_multi_currency: another currency needs the flag and a rate; the company's is at 1.
      if (account.currency !== company && !flag(doc.multi_currency)) {
        throw validationError(
          `Row ${i + 1}: Please check Multi Currency option to allow accounts with other currency (${account.name} is in ${account.currency})`,
        );
      }
      const rate = account.currency === company ? 1 : toNumber(row.exchange_rate);
      if (!(rate > 0)) throw validationError(`Row ${i + 1}: Exchange Rate is mandatory`);
      const inAccount = (field: string, fallback: string) =>
        toMinor(isBlank(row[field]) ? row[fallback] : row[field], account.currency);
      const debit = inAccount('debit_in_account_currency', 'debit');
      const credit = inAccount('credit_in_account_currency', 'credit');
      if (debit === 0 && credit === 0)
        throw validationError(`Row ${i + 1}: Both Debit and Credit values cannot be zero`);
      if (debit !== 0 && credit !== 0)
        throw validationError(`Row ${i + 1}: You cannot credit and debit same account at the same time`);
      if (debit < 0 || credit < 0) throw validationError(`Row ${i + 1}: Debit and Credit values cannot be negative`);
      const baseDebit = convertMinor(debit, account.currency, rate, company);
      const baseCredit = convertMinor(credit, account.currency, rate, company);
      Object.assign(row, {
        account_currency: account.currency,
        account_type: account.accountType,
        exchange_rate: rate,
        debit_in_account_currency: fromMinorUnits(debit, account.currency),
        debit: fromMinorUnits(baseDebit, company),
        credit_in_account_currency: fromMinorUnits(credit, account.currency),
        credit: fromMinorUnits(baseCredit, company),
      });
      debitMinor += baseDebit;
      creditMinor += baseCredit;
    });
    const differenceMinor = debitMinor - creditMinor;
    if (differenceMinor !== 0) {
      throw validationError(
        `Total Debit must be equal to Total Credit. The difference is ${pythonFloat(differenceMinor, company)}`,
      );
    }
    Object.assign(doc, {
      total_debit: fromMinorUnits(debitMinor, company),
      total_credit: fromMinorUnits(creditMinor, company),
      difference: 0,
    });
    setDefault(doc, 'title', doc.user_remark ?? rowsOf(doc, 'accounts')[0]?.account);
  },
  glLines(doc, ctx) {
    const company = companyBooks(ctx.find, String(doc.company)).currency;
    return rowsOf(doc, 'accounts').map((row) => {
      const currency = String(row.account_currency);
      return {
        account: String(row.account),
        companyMinor: toMinor(row.debit, company) - toMinor(row.credit, company),
        accountMinor:
          toMinor(row.debit_in_account_currency, currency) - toMinor(row.credit_in_account_currency, currency),
        ...(isBlank(row.party) ? {} : { party_type: String(row.party_type), party: String(row.party) }),
        ...(isBlank(row.reference_name)
          ? {}
          : { against_voucher_type: String(row.reference_type), against_voucher: String(row.reference_name) }),
      };
    });
  },
  status(doc) {
    return ['Draft', 'Submitted', 'Cancelled'][doc.docstatus] ?? 'Draft';
  },
};
