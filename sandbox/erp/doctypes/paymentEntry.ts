import { linkValidationError, validationError } from '../frappeErrors';
import { fromCents, toCents } from '../money';
import type { ChildRow, ErpDoc } from '../state';
import { account, rowsOf, sandboxCompany, setDefault, type DocContext, type DocTypeDefinition } from './definition';
import { addAdvance } from './salesOrder';

const referenceDoctypes = ['Sales Invoice', 'Sales Order'] as const;
const paymentTypes = ['Receive', 'Pay', 'Internal Transfer'];

/**
 * Payment Entry: money received from a customer, allocated to invoices (reducing their outstanding amount) or to
 * sales orders (as advances). Allocation beyond what is outstanding is refused, as ERPNext refuses it.
 */
export const paymentEntry: DocTypeDefinition = {
  doctype: 'Payment Entry',
  isSubmittable: true,
  namingSeries: 'ACC-PAY-',
  mandatory: ['payment_type', 'company', 'posting_date', 'party_type', 'party', 'paid_from', 'paid_to', 'paid_amount', 'received_amount'],
  tables: [{ fieldname: 'references', childDoctype: 'Payment Entry Reference', mandatory: ['reference_doctype', 'reference_name', 'allocated_amount'], isRequired: false }],
  allowOnSubmit: ['remarks', 'clearance_date'],
  setDefaults(doc, ctx) {
    setDefault(doc, 'payment_type', 'Receive');
    setDefault(doc, 'company', sandboxCompany.name);
    setDefault(doc, 'posting_date', ctx.today());
    setDefault(doc, 'party_type', 'Customer');
    setDefault(doc, 'paid_from', doc.payment_type === 'Pay' ? account('Cash') : account('Debtors'));
    setDefault(doc, 'paid_to', doc.payment_type === 'Pay' ? account('Debtors') : account('Cash'));
    setDefault(doc, 'paid_from_account_currency', sandboxCompany.currency);
    setDefault(doc, 'paid_to_account_currency', sandboxCompany.currency);
    setDefault(doc, 'source_exchange_rate', 1);
    setDefault(doc, 'target_exchange_rate', 1);
    setDefault(doc, 'received_amount', doc.paid_amount);
  },
  validate(doc, ctx) {
    if (!paymentTypes.includes(String(doc.payment_type))) throw validationError(`Payment Type must be one of ${paymentTypes.join(', ')}`);
    if (doc.party_type === 'Customer' && !ctx.find('Customer', String(doc.party))) throw linkValidationError('Customer', String(doc.party));
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
      allocatedByDoc.set(key, cumulative);
      allocatedCents += rowCents;
      Object.assign(row, {
        allocated_amount: fromCents(rowCents), total_amount: target.grand_total, outstanding_amount: fromCents(outstandingCents),
        due_date: target.due_date ?? target.delivery_date, exchange_rate: 1,
      });
    });

    if (allocatedCents > paidCents) {
      throw validationError(`Total Allocated Amount (${fromCents(allocatedCents)}) cannot be greater than Paid Amount (${fromCents(paidCents)})`);
    }
    Object.assign(doc, {
      paid_amount: fromCents(paidCents), received_amount: fromCents(toCents(doc.received_amount)),
      base_paid_amount: fromCents(paidCents), base_received_amount: fromCents(toCents(doc.received_amount)),
      total_allocated_amount: fromCents(allocatedCents), base_total_allocated_amount: fromCents(allocatedCents),
      unallocated_amount: fromCents(paidCents - allocatedCents), difference_amount: 0,
    });
  },
  onSubmit: (doc, ctx) => applyAllocations(doc, ctx, -1),
  onCancel: (doc, ctx) => applyAllocations(doc, ctx, 1),
  status(doc) {
    return ['Draft', 'Submitted', 'Cancelled'][doc.docstatus] ?? 'Draft';
  },
};

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
  if (doc.payment_type !== 'Receive') return;
  for (const row of rowsOf(doc, 'references')) {
    const target = ctx.find(String(row.reference_doctype), String(row.reference_name));
    if (!target) continue;
    const cents = toCents(row.allocated_amount);
    if (target.doctype === 'Sales Order') addAdvance(target, -sign * cents);
    else target.outstanding_amount = fromCents(toCents(target.outstanding_amount) + sign * cents);
    ctx.touch(target);
  }
}
