import { companyBooks, ledgerAccount } from '../chart';
import { fieldLabel, linkValidationError, validationError } from '../frappeErrors';
import type { GlLine } from '../ledger';
import { convertMinor, fromMinorUnits, toMinor, toNumber } from '../money';
import type { ChildRow, ErpDoc } from '../state';
import { isBlank, rowsOf, sandboxCompany, setDefault, type DocContext, type DocTypeDefinition } from './definition';
import { addAdvance, orderOutstandingMinor } from './salesOrder';
import { storedExchangeRate } from './ledgerMasters';

const referenceDoctypes = ['Sales Invoice', 'Sales Order'] as const;

/**
 * Payment Entry: money received from a customer, allocated to invoices (reducing their outstanding amount) or to
 * sales orders (as advances). Allocation beyond what is outstanding is refused, as ERPNext refuses it.
 */
export const paymentEntry: DocTypeDefinition = {
  doctype: 'Payment Entry',
  isSubmittable: true,
  namingSeries: 'ACC-PAY-',
  fields: [
    'naming_series',
    'payment_type',
    'posting_date',
    'company',
    'mode_of_payment',
    'party_type',
    'party',
    'party_name',
    'paid_from',
    'paid_from_account_currency',
    'paid_to',
    'paid_to_account_currency',
    'paid_amount',
    'source_exchange_rate',
    'base_paid_amount',
    'received_amount',
    'target_exchange_rate',
    'base_received_amount',
    'references',
    'deductions',
    'total_allocated_amount',
    'base_total_allocated_amount',
    'unallocated_amount',
    'difference_amount',
    'reference_no',
    'reference_date',
    'clearance_date',
    'remarks',
    'status',
    'title',
  ],
  selects: {
    naming_series: ['ACC-PAY-.YYYY.-'],
    payment_type: ['Receive', 'Pay', 'Internal Transfer'],
    status: ['', 'Draft', 'Submitted', 'Cancelled'],
  },
  mandatory: ['payment_type', 'company', 'posting_date', 'paid_from', 'paid_to', 'paid_amount', 'received_amount'],
  tables: [
    {
      fieldname: 'references',
      childDoctype: 'Payment Entry Reference',
      mandatory: ['reference_doctype', 'reference_name', 'allocated_amount'],
      isRequired: false,
      fields: [
        'reference_doctype',
        'reference_name',
        'due_date',
        'bill_no',
        'payment_term',
        'total_amount',
        'outstanding_amount',
        'allocated_amount',
        'exchange_rate',
      ],
    },
    {
      fieldname: 'deductions',
      childDoctype: 'Payment Entry Deduction',
      mandatory: ['account', 'cost_center', 'amount'],
      isRequired: false,
      fields: ['account', 'cost_center', 'amount', 'is_exchange_gain_loss', 'description'],
    },
  ],
  allowOnSubmit: ['remarks', 'clearance_date'],
  setDefaults(doc, ctx) {
    setDefault(doc, 'company', sandboxCompany.name);
    setDefault(doc, 'posting_date', ctx.today());
    if (!ctx.find('Company', String(doc.company))) return;
    const books = companyBooks(ctx.find, String(doc.company));
    // ERPNext fills in the party's own account (set_missing_values); the bank side is the caller's to name.
    if (doc.payment_type === 'Receive') setDefault(doc, 'paid_from', books.receivableAccount);
    if (doc.payment_type === 'Pay') setDefault(doc, 'paid_to', books.receivableAccount);
    // Each side's currency is its account's; an account in the company's currency is at rate 1.
    for (const [accountField, currencyField, rateField] of sides) {
      const found = ctx.find('Account', String(doc[accountField] ?? ''));
      if (!found) continue;
      setDefault(doc, currencyField, found.account_currency);
      if (found.account_currency === books.currency) doc[rateField] = 1;
    }
    if (doc.paid_from_account_currency === doc.paid_to_account_currency)
      setDefault(doc, 'received_amount', doc.paid_amount);
  },
  validate(doc, ctx) {
    validateParty(doc, ctx);
    if (
      (accountType(ctx, doc.paid_from) === 'Bank' || accountType(ctx, doc.paid_to) === 'Bank') &&
      (isBlank(doc.reference_no) || isBlank(doc.reference_date))
    ) {
      throw validationError('Reference No and Reference Date is mandatory for Bank transaction');
    }
    const books = companyBooks(ctx.find, String(doc.company));
    const company = books.currency;
    const from = side(doc, ctx, 'paid_from', 'paid_from_account_currency', 'source_exchange_rate', books.name);
    const to = side(doc, ctx, 'paid_to', 'paid_to_account_currency', 'target_exchange_rate', books.name);
    const partySide = doc.payment_type === 'Receive' ? from : doc.payment_type === 'Pay' ? to : undefined;
    if (partySide && partySide.currency !== company) {
      throw validationError(
        `Party account ${partySide.account} is in ${partySide.currency}: the sandbox keeps receivables in the company currency (${company}) only`,
      );
    }

    const paidMinor = toMinor(doc.paid_amount, from.currency);
    if (paidMinor <= 0) throw validationError('Paid Amount must be greater than zero');
    // ERPNext: between accounts of one currency what is received is what was paid.
    const receivedMinor = from.currency === to.currency ? paidMinor : toMinor(doc.received_amount, to.currency);
    if (receivedMinor <= 0) throw validationError('Received Amount must be greater than zero');
    const basePaidMinor = convertMinor(paidMinor, from.currency, from.rate, company);
    const baseReceivedMinor = convertMinor(receivedMinor, to.currency, to.rate, company);

    let allocatedMinor = 0;
    const allocatedByDoc = new Map<string, number>();
    rowsOf(doc, 'references').forEach((row, i) => {
      const target = referencedDoc(row, i + 1, doc, ctx);
      const rowMinor = toMinor(row.allocated_amount, company);
      const key = `${target.doctype}\u0000${target.name}`;
      const cumulative = (allocatedByDoc.get(key) ?? 0) + rowMinor;
      const outstandingMinor = outstandingOf(target, company);
      if (doc.payment_type === 'Receive' && cumulative > outstandingMinor) {
        throw validationError(`Row #${i + 1}: Allocated Amount cannot be greater than outstanding amount.`);
      }
      // Paying a customer back against a credit note: its outstanding is negative, and so is the allocation.
      if (doc.payment_type === 'Pay' && (rowMinor > 0 || cumulative < outstandingMinor)) {
        throw validationError(`Row #${i + 1}: Allocated Amount cannot be greater than outstanding amount.`);
      }
      allocatedByDoc.set(key, cumulative);
      allocatedMinor += rowMinor;
      Object.assign(row, {
        allocated_amount: fromMinorUnits(rowMinor, company),
        total_amount: target.base_grand_total,
        outstanding_amount: fromMinorUnits(outstandingMinor, company),
        due_date: target.due_date ?? target.delivery_date,
        exchange_rate: 1,
      });
    });
    allocatedMinor = Math.abs(allocatedMinor);

    const deductionsMinor = rowsOf(doc, 'deductions').reduce((sum, row, i) => {
      const account = ledgerAccount(ctx.find, row.account, books.name);
      if (account.currency !== company)
        throw validationError(
          `Row #${i + 1}: Deduction account ${account.name} must be in the company currency ${company}`,
        );
      const minor = toMinor(row.amount, company);
      row.amount = fromMinorUnits(minor, company);
      return sum + minor;
    }, 0);

    // ERPNext's set_unallocated_amount and set_difference_amount, in the company currency (the party's).
    let unallocatedMinor = 0;
    let differenceMinor: number;
    if (doc.payment_type === 'Receive') {
      if (allocatedMinor < baseReceivedMinor + deductionsMinor)
        unallocatedMinor = baseReceivedMinor + deductionsMinor - allocatedMinor;
      differenceMinor = allocatedMinor + unallocatedMinor - baseReceivedMinor - deductionsMinor;
    } else if (doc.payment_type === 'Pay') {
      if (allocatedMinor < basePaidMinor - deductionsMinor)
        unallocatedMinor = basePaidMinor - deductionsMinor - allocatedMinor;
      differenceMinor = basePaidMinor - (allocatedMinor + unallocatedMinor) - deductionsMinor;
    } else {
      differenceMinor = basePaidMinor - baseReceivedMinor - deductionsMinor;
    }
    Object.assign(doc, {
      paid_amount: fromMinorUnits(paidMinor, from.currency),
      received_amount: fromMinorUnits(receivedMinor, to.currency),
      base_paid_amount: fromMinorUnits(basePaidMinor, company),
      base_received_amount: fromMinorUnits(baseReceivedMinor, company),
      total_allocated_amount: fromMinorUnits(allocatedMinor, company),
      base_total_allocated_amount: fromMinorUnits(allocatedMinor, company),
      unallocated_amount: fromMinorUnits(unallocatedMinor, company),
      difference_amount: fromMinorUnits(differenceMinor, company),
    });
    // More allocated than the payment covers, or less, shows as a difference; ERPNext submits none.
    if (doc.docstatus === 1 && differenceMinor !== 0) throw validationError('Difference Amount must be zero');
  },
  glLines: paymentGlLines,
  onSubmit: (doc, ctx) => applyAllocations(doc, ctx, -1),
  onCancel: (doc, ctx) => applyAllocations(doc, ctx, 1),
  status(doc) {
    return ['Draft', 'Submitted', 'Cancelled'][doc.docstatus] ?? 'Draft';
  },
};

const sides = [
  ['paid_from', 'paid_from_account_currency', 'source_exchange_rate'],
  ['paid_to', 'paid_to_account_currency', 'target_exchange_rate'],
] as const;

/**
 * One side of the payment: its account (of the company), the currency it is booked in (which must be the account's, or
 * ERPNext's GL refuses it) and the rate to the company's currency (1 for the company's own; otherwise required, as
 * ERPNext requires it when it finds no Currency Exchange record).
 */
function side(
  doc: ErpDoc,
  ctx: DocContext,
  accountField: string,
  currencyField: string,
  rateField: string,
  company: string,
): { account: string; currency: string; rate: number } {
  const account = ledgerAccount(ctx.find, doc[accountField], company);
  const stated = isBlank(doc[currencyField]) ? account.currency : String(doc[currencyField]).toUpperCase();
  if (stated !== account.currency) {
    throw validationError(
      `Payment Entry: Accounting Entry for ${account.name} can only be made in currency: ${account.currency}`,
      'InvalidAccountCurrency',
    );
  }
  doc[currencyField] = account.currency;
  const companyCurrency = companyBooks(ctx.find, company).currency;
  const stored = () =>
    storedExchangeRate(ctx.all, account.currency, companyCurrency, String(doc.posting_date ?? ctx.today()));
  const rate =
    account.currency === companyCurrency ? 1 : isBlank(doc[rateField]) ? (stored() ?? 0) : toNumber(doc[rateField]);
  if (!(rate > 0)) {
    throw validationError(
      `${fieldLabel(rateField)} is mandatory. Maybe Currency Exchange record is not created for ${account.currency} to ${companyCurrency}.`,
    );
  }
  doc[rateField] = rate;
  return { account: account.name, currency: account.currency, rate };
}

/**
 * The payment's GL, as ERPNext's `make_gl_entries` posts it: the bank side at its own amount (in its account's
 * currency and, at its rate, in the company's), the party side per allocation against the document it settles plus
 * any unallocated rest, and each deduction (an exchange difference, a write-off) debited to its account.
 */
function paymentGlLines(doc: ErpDoc, ctx: DocContext): GlLine[] {
  const company = companyBooks(ctx.find, String(doc.company)).currency;
  const minor = (value: unknown, currency = company) => toMinor(value, currency);
  const party = { party_type: String(doc.party_type ?? ''), party: String(doc.party ?? '') };
  const receive = doc.payment_type === 'Receive';
  const sign = receive ? -1 : 1;
  const partyAccount = String(receive ? doc.paid_from : doc.paid_to);
  const lines: GlLine[] = [];
  if (doc.payment_type === 'Internal Transfer') {
    lines.push(
      {
        account: String(doc.paid_from),
        companyMinor: -minor(doc.base_paid_amount),
        accountMinor: -minor(doc.paid_amount, String(doc.paid_from_account_currency)),
      },
      {
        account: String(doc.paid_to),
        companyMinor: minor(doc.base_received_amount),
        accountMinor: minor(doc.received_amount, String(doc.paid_to_account_currency)),
      },
    );
  } else {
    if (receive)
      lines.push({
        account: String(doc.paid_to),
        companyMinor: minor(doc.base_received_amount),
        accountMinor: minor(doc.received_amount, String(doc.paid_to_account_currency)),
      });
    else
      lines.push({
        account: String(doc.paid_from),
        companyMinor: -minor(doc.base_paid_amount),
        accountMinor: -minor(doc.paid_amount, String(doc.paid_from_account_currency)),
      });
    for (const row of rowsOf(doc, 'references')) {
      const amount = sign * Math.abs(minor(row.allocated_amount));
      lines.push({
        account: partyAccount,
        companyMinor: amount,
        accountMinor: amount,
        ...party,
        against_voucher_type: String(row.reference_doctype),
        against_voucher: String(row.reference_name),
      });
    }
    const unallocated = sign * minor(doc.unallocated_amount);
    if (unallocated !== 0)
      lines.push({ account: partyAccount, companyMinor: unallocated, accountMinor: unallocated, ...party });
  }
  for (const row of rowsOf(doc, 'deductions')) {
    const amount = minor(row.amount);
    lines.push({ account: String(row.account), companyMinor: amount, accountMinor: amount });
  }
  return lines;
}

/** ERPNext's `set_missing_values`: a party for money received or paid, none for an internal transfer. */
function validateParty(doc: ErpDoc, ctx: DocContext): void {
  if (doc.payment_type === 'Internal Transfer') {
    Object.assign(doc, { party_type: undefined, party: undefined, references: [] });
    return;
  }
  if (isBlank(doc.party_type)) throw validationError('Party Type is mandatory');
  if (isBlank(doc.party)) throw validationError('Party is mandatory');
  if (doc.party_type === 'Customer' && !ctx.find('Customer', String(doc.party)))
    throw linkValidationError('Customer', String(doc.party));
}

/** An account's type, from its Account document (`Bank` for a bank or clearing account). */
export function accountType(ctx: DocContext, name: unknown): string | undefined {
  const found = ctx.find('Account', String(name ?? ''));
  return found ? String(found.account_type ?? '') : undefined;
}

function referencedDoc(row: ChildRow, idx: number, payment: ErpDoc, ctx: DocContext): ErpDoc {
  const doctype = String(row.reference_doctype);
  const name = String(row.reference_name);
  if (!(referenceDoctypes as readonly string[]).includes(doctype)) {
    throw validationError(`Row #${idx}: Reference Doctype must be one of ${referenceDoctypes.join(', ')}`);
  }
  const target = ctx.find(doctype, name);
  if (!target) throw linkValidationError(doctype, name);
  if (target.docstatus !== 1) throw validationError(`Row #${idx}: ${doctype} ${name} must be submitted`);
  if (payment.party_type === 'Customer' && target.customer !== payment.party) {
    throw validationError(`Row #${idx}: ${doctype} ${name} is not associated with Customer ${String(payment.party)}`);
  }
  return target;
}

/** What is still owed on an invoice or order, in the receivable's currency (the company's). */
function outstandingOf(target: ErpDoc, company: string): number {
  if (target.doctype === 'Sales Order') return orderOutstandingMinor(target);
  return toMinor(target.outstanding_amount, String(target.party_account_currency ?? company));
}

/** Submit reduces each referenced document's outstanding amount (sign -1); cancel gives it back (sign +1). */
function applyAllocations(doc: ErpDoc, ctx: DocContext, sign: 1 | -1): void {
  if (doc.payment_type !== 'Receive' && doc.payment_type !== 'Pay') return;
  for (const row of rowsOf(doc, 'references')) {
    const target = ctx.find(String(row.reference_doctype), String(row.reference_name));
    if (!target) continue;
    const currency = String(target.party_account_currency ?? doc.paid_from_account_currency);
    const allocated = toMinor(row.allocated_amount, currency);
    if (target.doctype === 'Sales Order') addAdvance(target, -sign * allocated);
    else
      target.outstanding_amount = fromMinorUnits(
        toMinor(target.outstanding_amount, currency) + sign * allocated,
        currency,
      );
    ctx.touch(target);
  }
}
