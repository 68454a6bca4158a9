import { companyBooks, ledgerAccount } from './chart';
import { validationError } from './frappeErrors';
import { currencyExponent } from '../../domain/money';
import { fromMinorUnits, pythonFloat } from './money';
import type { DocContext } from './doctypes/definition';
import type { ErpDoc } from './state';

/**
 * One line a submitted voucher posts to the general ledger: signed (+ debit, − credit), in the company's currency and
 * in the account's own currency.
 */
export interface GlLine {
  account: string;
  companyMinor: number;
  accountMinor: number;
  party_type?: string;
  party?: string;
  against_voucher_type?: string;
  against_voucher?: string;
}

/** The GL Entry fields ERPNext v15 keeps (a subset), with its fieldnames. */
export const glEntryFields = [
  'posting_date',
  'account',
  'party_type',
  'party',
  'debit',
  'credit',
  'account_currency',
  'debit_in_account_currency',
  'credit_in_account_currency',
  'against_voucher_type',
  'against_voucher',
  'voucher_type',
  'voucher_no',
  'company',
  'fiscal_year',
  'is_opening',
  'is_cancelled',
  'remarks',
] as const;

/**
 * ERPNext's `make_gl_entries` for a voucher: each line checked against its account (it exists, belongs to the
 * company, and the amount is in the account's currency), debits equal to credits in the company currency. A
 * difference within ERPNext's allowance (half a unit for invoices, five minor units for payments and journals) goes to
 * the company's round-off account, as `make_round_off_gle` posts it; a larger one refuses the voucher.
 */
export function checkGl(ctx: DocContext, voucher: ErpDoc, lines: readonly GlLine[]): GlLine[] {
  const company = companyBooks(ctx.find, String(voucher.company));
  const checked = lines.filter((line) => line.companyMinor !== 0 || line.accountMinor !== 0);
  for (const line of checked) {
    const account = ledgerAccount(ctx.find, line.account, company.name);
    if (account.currency === company.currency && line.accountMinor !== line.companyMinor) {
      throw validationError(
        `${voucher.doctype} ${voucher.name}: Accounting Entry for ${account.name} can only be made in currency: ${account.currency}`,
        'InvalidAccountCurrency',
      );
    }
  }
  const differenceMinor = checked.reduce((sum, line) => sum + line.companyMinor, 0);
  if (differenceMinor === 0) return checked;
  const allowanceMinor =
    voucher.doctype === 'Journal Entry' || voucher.doctype === 'Payment Entry'
      ? 5
      : Math.floor(0.5 * 10 ** currencyExponent(company.currency));
  if (Math.abs(differenceMinor) > allowanceMinor) {
    throw validationError(
      `Debit and Credit not equal for ${voucher.doctype} #${voucher.name}. Difference is ${pythonFloat(differenceMinor, company.currency)}.`,
    );
  }
  return [
    ...checked,
    { account: company.roundOffAccount, companyMinor: -differenceMinor, accountMinor: -differenceMinor },
  ];
}

/** Posts the checked lines as GL Entry documents of the submitted voucher. */
export function postGl(ctx: DocContext, voucher: ErpDoc, lines: readonly GlLine[]): void {
  const company = companyBooks(ctx.find, String(voucher.company));
  const postingDate = String(voucher.posting_date ?? ctx.today());
  for (const line of checkGl(ctx, voucher, lines)) {
    const account = ledgerAccount(ctx.find, line.account, company.name);
    ctx.insertSystemDoc('GL Entry', {
      ...glAmounts(line.companyMinor, company.currency, line.accountMinor, account.currency),
      posting_date: postingDate,
      account: account.name,
      account_currency: account.currency,
      party_type: line.party_type ?? '',
      party: line.party ?? '',
      against_voucher_type: line.against_voucher_type ?? '',
      against_voucher: line.against_voucher ?? '',
      voucher_type: voucher.doctype,
      voucher_no: voucher.name,
      company: company.name,
      fiscal_year: postingDate.slice(0, 4),
      is_opening: 'No',
      is_cancelled: 0,
      remarks: typeof voucher.remarks === 'string' ? voucher.remarks : (voucher.user_remark ?? ''),
    });
  }
}

/**
 * ERPNext v15's `make_reverse_gl_entries` on cancel: the voucher's entries are marked `is_cancelled` and reversed by
 * entries of their own, also marked, so a report that leaves out cancelled entries sees neither.
 */
export function reverseGl(ctx: DocContext, voucher: ErpDoc): void {
  const entries = ctx
    .all('GL Entry')
    .filter((e) => e.voucher_type === voucher.doctype && e.voucher_no === voucher.name && e.is_cancelled === 0);
  for (const entry of entries) {
    entry.is_cancelled = 1;
    ctx.insertSystemDoc('GL Entry', {
      ...Object.fromEntries(glEntryFields.map((f) => [f, entry[f]])),
      debit: entry.credit,
      credit: entry.debit,
      debit_in_account_currency: entry.credit_in_account_currency,
      credit_in_account_currency: entry.debit_in_account_currency,
      posting_date: ctx.today(),
      is_cancelled: 1,
      remarks: `On cancellation of ${voucher.name}`,
    });
  }
}

function glAmounts(companyMinor: number, companyCurrency: string, accountMinor: number, accountCurrency: string) {
  return {
    debit: fromMinorUnits(Math.max(companyMinor, 0), companyCurrency),
    credit: fromMinorUnits(Math.max(-companyMinor, 0), companyCurrency),
    debit_in_account_currency: fromMinorUnits(Math.max(accountMinor, 0), accountCurrency),
    credit_in_account_currency: fromMinorUnits(Math.max(-accountMinor, 0), accountCurrency),
  };
}
