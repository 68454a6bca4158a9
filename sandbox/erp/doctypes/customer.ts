import type { ErpDoc } from '../state';
import { setDefault, type DocContext, type DocTypeDefinition } from './definition';

/** ERPNext names a customer after `customer_name`, adding ` - 1`, ` - 2`… when that name is taken. */
function customerName(doc: ErpDoc, ctx: DocContext): string | undefined {
  if (typeof doc.customer_name !== 'string' || doc.customer_name.trim() === '') return undefined;
  const base = doc.customer_name.trim();
  if (!ctx.find('Customer', base)) return base;
  const prefix = `${base} - `;
  const taken = ctx
    .all('Customer')
    .map((c) => (c.name.startsWith(prefix) ? Number(c.name.slice(prefix.length)) : 0))
    .filter((n) => Number.isInteger(n));
  return `${prefix}${Math.max(0, ...taken) + 1}`;
}

export const customer: DocTypeDefinition = {
  doctype: 'Customer',
  isSubmittable: false,
  autoname: customerName,
  fields: [
    'salutation',
    'customer_name',
    'gender',
    'customer_type',
    'customer_group',
    'territory',
    'tax_id',
    'disabled',
    'default_currency',
    'language',
    'website',
    'mobile_no',
    'email_id',
    'customer_details',
  ],
  selects: { customer_type: ['Company', 'Individual', 'Partnership'] },
  mandatory: ['customer_name', 'customer_type'],
  tables: [],
  allowOnSubmit: [],
  setDefaults(doc) {
    setDefault(doc, 'customer_type', 'Company');
    setDefault(doc, 'customer_group', 'All Customer Groups');
    setDefault(doc, 'territory', 'All Territories');
    setDefault(doc, 'disabled', 0);
  },
  validate(doc) {
    if (typeof doc.customer_name === 'string') doc.customer_name = doc.customer_name.trim();
  },
};
