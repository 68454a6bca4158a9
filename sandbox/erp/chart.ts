import { linkValidationError, validationError } from './frappeErrors';
import type { ErpDoc, ErpState } from './state';

export type RootType = 'Asset' | 'Liability' | 'Equity' | 'Income' | 'Expense';

/** The sandbox's companies: `Sandbox Shop` is the one the product's mappings name, `Sandbox Company` the default of a document that names none. */
export const seededCompanies = [
  { company_name: 'Sandbox Shop', abbr: 'SS', default_currency: 'USD', country: 'United States' },
  { company_name: 'Sandbox Company', abbr: 'SC', default_currency: 'USD', country: 'United States' },
] as const;

/** Each company's chart, as ERPNext's standard chart names them (`Debtors - SS`), with the account types its rules read. */
const standardAccounts: ReadonlyArray<{ account_name: string; root_type: RootType; account_type?: string }> = [
  { account_name: 'Debtors', root_type: 'Asset', account_type: 'Receivable' },
  { account_name: 'Bank', root_type: 'Asset', account_type: 'Bank' },
  { account_name: 'Cash', root_type: 'Asset', account_type: 'Cash' },
  { account_name: 'Stripe Clearing', root_type: 'Asset', account_type: 'Bank' },
  { account_name: 'Creditors', root_type: 'Liability', account_type: 'Payable' },
  { account_name: 'VAT', root_type: 'Liability', account_type: 'Tax' },
  { account_name: 'Sales', root_type: 'Income', account_type: 'Income Account' },
  { account_name: 'Freight', root_type: 'Income', account_type: 'Income Account' },
  { account_name: 'Stripe Fees', root_type: 'Expense', account_type: 'Expense Account' },
  { account_name: 'Chargebacks', root_type: 'Expense', account_type: 'Expense Account' },
  { account_name: 'Stripe Adjustments', root_type: 'Expense', account_type: 'Expense Account' },
  { account_name: 'Exchange Gain/Loss', root_type: 'Expense' },
  { account_name: 'Round Off', root_type: 'Expense', account_type: 'Round Off' },
  { account_name: 'Write Off', root_type: 'Expense' },
];

/** Adds the seeded companies and their charts to a store that lacks them (a new store, or one written before they existed). */
export function seedChart(state: ErpState, stamp: string): void {
  const companies = (state.docs.Company ??= {});
  const accounts = (state.docs.Account ??= {});
  const meta = (doctype: string, name: string) => ({
    name,
    doctype,
    docstatus: 0 as const,
    creation: stamp,
    modified: stamp,
    owner: 'Administrator',
    modified_by: 'Administrator',
    idx: 0,
  });
  for (const company of seededCompanies) {
    const abbr = company.abbr;
    companies[company.company_name] ??= {
      ...meta('Company', company.company_name),
      ...company,
      default_receivable_account: `Debtors - ${abbr}`,
      default_payable_account: `Creditors - ${abbr}`,
      default_income_account: `Sales - ${abbr}`,
      default_bank_account: `Bank - ${abbr}`,
      default_cash_account: `Cash - ${abbr}`,
      exchange_gain_loss_account: `Exchange Gain/Loss - ${abbr}`,
      round_off_account: `Round Off - ${abbr}`,
      write_off_account: `Write Off - ${abbr}`,
      cost_center: `Main - ${abbr}`,
    };
    for (const a of standardAccounts) {
      const name = `${a.account_name} - ${abbr}`;
      accounts[name] ??= {
        ...meta('Account', name),
        account_name: a.account_name,
        company: company.company_name,
        root_type: a.root_type,
        report_type: a.root_type === 'Income' || a.root_type === 'Expense' ? 'Profit and Loss' : 'Balance Sheet',
        account_currency: company.default_currency,
        account_type: a.account_type ?? '',
        is_group: 0,
        disabled: 0,
      };
    }
  }
}

export interface CompanyBooks {
  name: string;
  abbr: string;
  currency: string;
  exchangeGainLossAccount: string;
  roundOffAccount: string;
  receivableAccount: string;
  incomeAccount: string;
}

type Find = (doctype: string, name: string) => ErpDoc | undefined;

export function companyBooks(find: Find, name: string): CompanyBooks {
  const company = find('Company', name);
  if (!company) throw linkValidationError('Company', name);
  return {
    name,
    abbr: String(company.abbr),
    currency: String(company.default_currency),
    exchangeGainLossAccount: String(company.exchange_gain_loss_account),
    roundOffAccount: String(company.round_off_account),
    receivableAccount: String(company.default_receivable_account),
    incomeAccount: String(company.default_income_account),
  };
}

export interface LedgerAccount {
  name: string;
  company: string;
  currency: string;
  rootType: RootType;
  accountType: string;
}

/** An account of the company, as the GL needs it; one that does not exist, or belongs to another company, is refused as ERPNext refuses it. */
export function ledgerAccount(find: Find, name: unknown, company: string): LedgerAccount {
  const account = find('Account', String(name ?? ''));
  if (!account) throw linkValidationError('Account', String(name ?? ''));
  if (account.company !== company)
    throw validationError(`Account ${account.name} does not belong to company ${company}`);
  if (Number(account.disabled ?? 0) === 1) throw validationError(`Account ${account.name} is disabled`);
  if (Number(account.is_group ?? 0) === 1)
    throw validationError(`Account ${account.name} is a group account: transactions cannot be made against it`);
  return {
    name: account.name,
    company,
    currency: String(account.account_currency),
    rootType: account.root_type as RootType,
    accountType: String(account.account_type ?? ''),
  };
}
