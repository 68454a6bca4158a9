import { validationError } from '../frappeErrors';
import { fromCents, pythonFloat, toCents } from '../money';
import { rowsOf, sandboxCompany, setDefault, type DocTypeDefinition } from './definition';

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
  validate(doc) {
    if (doc.voucher_type === 'Bank Entry' && (!doc.cheque_no || !doc.cheque_date)) {
      throw validationError('Reference No & Reference Date is required for Bank Entry');
    }
    let debitCents = 0;
    let creditCents = 0;
    rowsOf(doc, 'accounts').forEach((row, i) => {
      const debit = toCents(row.debit_in_account_currency ?? row.debit);
      const credit = toCents(row.credit_in_account_currency ?? row.credit);
      if (debit === 0 && credit === 0)
        throw validationError(`Row ${i + 1}: Both Debit and Credit values cannot be zero`);
      if (debit !== 0 && credit !== 0)
        throw validationError(`Row ${i + 1}: You cannot credit and debit same account at the same time`);
      if (debit < 0 || credit < 0) throw validationError(`Row ${i + 1}: Debit and Credit values cannot be negative`);
      setDefault(row, 'account_currency', sandboxCompany.currency);
      setDefault(row, 'exchange_rate', 1);
      Object.assign(row, {
        debit_in_account_currency: fromCents(debit),
        debit: fromCents(debit),
        credit_in_account_currency: fromCents(credit),
        credit: fromCents(credit),
      });
      debitCents += debit;
      creditCents += credit;
    });
    const differenceCents = debitCents - creditCents;
    if (differenceCents !== 0) {
      throw validationError(
        `Total Debit must be equal to Total Credit. The difference is ${pythonFloat(differenceCents)}`,
      );
    }
    Object.assign(doc, { total_debit: fromCents(debitCents), total_credit: fromCents(creditCents), difference: 0 });
    setDefault(doc, 'title', doc.user_remark ?? rowsOf(doc, 'accounts')[0]?.account);
  },
  status(doc) {
    return ['Draft', 'Submitted', 'Cancelled'][doc.docstatus] ?? 'Draft';
  },
};
