import { linkValidationError, validationError } from '../frappeErrors';
import { fromCents, toCents } from '../money';
import type { ChildRow, ErpDoc } from '../state';
import {
  account,
  isBlank,
  rowsOf,
  sandboxCompany,
  setDefault,
  type DocContext,
  type DocTypeDefinition,
} from './definition';
import { addAdvance } from './salesOrder';

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
  ],
  allowOnSubmit: ['remarks', 'clearance_date'],
  setDefaults(doc, ctx) {
    setDefault(doc, 'company', sandboxCompany.name);
    setDefault(doc, 'posting_date', ctx.today());
    // ERPNext fills in the party's own account (set_missing_values); the bank side is the caller's to name.
    if (doc.payment_type === 'Receive') setDefault(doc, 'paid_from', account('Debtors'));
    if (doc.payment_type === 'Pay') setDefault(doc, 'paid_to', account('Debtors'));
    setDefault(doc, 'paid_from_account_currency', sandboxCompany.currency);
    setDefault(doc, 'paid_to_account_currency', sandboxCompany.currency);
    setDefault(doc, 'source_exchange_rate', 1);
    setDefault(doc, 'target_exchange_rate', 1);
    setDefault(doc, 'received_amount', doc.paid_amount);
  },
  validate(doc, ctx) {
    validateParty(doc, ctx);
    if (
      (accountType(doc.paid_from) === 'Bank' || accountType(doc.paid_to) === 'Bank') &&
      (isBlank(doc.reference_no) || isBlank(doc.reference_date))
    ) {
      throw validationError('Reference No and Reference Date is mandatory for Bank transaction');
    }
    const paidCents = toCents(doc.paid_amount);
    if (paidCents <= 0) throw validationError('Paid Amount must be greater than zero');

    let allocatedCents = 0;
    const allocatedByDoc = new Map<string, number>();
    rowsOf(doc, 'references').forEach((row, i) => {
      const target = referencedDoc(row, i + 1, doc, ctx);
      const rowCents = toCents(row.allocated_amount);
      const key = `${target.doctype}\u0000${target.name}`;
      const cumulative = (allocatedByDoc.get(key) ?? 0) + rowCents;
      const outstandingCents = outstandingOf(target);
      if (doc.payment_type === 'Receive' && cumulative > outstandingCents) {
        throw validationError(`Row #${i + 1}: Allocated Amount cannot be greater than outstanding amount.`);
      }
      // Paying a customer back against a credit note: its outstanding is negative, and so is the allocation.
      if (doc.payment_type === 'Pay' && (rowCents > 0 || cumulative < outstandingCents)) {
        throw validationError(`Row #${i + 1}: Allocated Amount cannot be greater than outstanding amount.`);
      }
      allocatedByDoc.set(key, cumulative);
      allocatedCents += rowCents;
      Object.assign(row, {
        allocated_amount: fromCents(rowCents),
        total_amount: target.grand_total,
        outstanding_amount: fromCents(outstandingCents),
        due_date: target.due_date ?? target.delivery_date,
        exchange_rate: 1,
      });
    });

    allocatedCents = Math.abs(allocatedCents);
    if (allocatedCents > paidCents) {
      throw validationError(
        `Total Allocated Amount (${fromCents(allocatedCents)}) cannot be greater than Paid Amount (${fromCents(paidCents)})`,
      );
    }
    Object.assign(doc, {
      paid_amount: fromCents(paidCents),
      received_amount: fromCents(toCents(doc.received_amount)),
      base_paid_amount: fromCents(paidCents),
      base_received_amount: fromCents(toCents(doc.received_amount)),
      total_allocated_amount: fromCents(allocatedCents),
      base_total_allocated_amount: fromCents(allocatedCents),
      unallocated_amount: fromCents(paidCents - allocatedCents),
      difference_amount: 0,
    });
  },
  onSubmit: (doc, ctx) => applyAllocations(doc, ctx, -1),
  onCancel: (doc, ctx) => applyAllocations(doc, ctx, 1),
  status(doc) {
    return ['Draft', 'Submitted', 'Cancelled'][doc.docstatus] ?? 'Draft';
  },
};

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

/** The sandbox's chart of accounts has no Account documents: an account's type is read from its name (`Bank - SC`, `Stripe Clearing - SS`). */
export function accountType(name: unknown): 'Bank' | 'Cash' | 'Receivable' | 'Payable' | undefined {
  const base = String(name ?? '').replace(/ - [^-]+$/, '');
  if (/^cash\b/i.test(base)) return 'Cash';
  if (/debtors|receivable/i.test(base)) return 'Receivable';
  if (/creditors|payable/i.test(base)) return 'Payable';
  if (/bank|clearing/i.test(base)) return 'Bank';
  return undefined;
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

function outstandingOf(target: ErpDoc): number {
  if (target.doctype === 'Sales Order') return toCents(target.grand_total) - toCents(target.advance_paid);
  return toCents(target.outstanding_amount);
}

/** Submit reduces each referenced document's outstanding amount (sign -1); cancel gives it back (sign +1). */
function applyAllocations(doc: ErpDoc, ctx: DocContext, sign: 1 | -1): void {
  if (doc.payment_type !== 'Receive' && doc.payment_type !== 'Pay') return;
  for (const row of rowsOf(doc, 'references')) {
    const target = ctx.find(String(row.reference_doctype), String(row.reference_name));
    if (!target) continue;
    const cents = toCents(row.allocated_amount);
    if (target.doctype === 'Sales Order') addAdvance(target, -sign * cents);
    else target.outstanding_amount = fromCents(toCents(target.outstanding_amount) + sign * cents);
    ctx.touch(target);
  }
}
