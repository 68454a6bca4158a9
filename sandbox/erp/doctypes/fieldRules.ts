import { fieldLabel, validationError } from '../frappeErrors';
import type { ChildRow, ErpDoc } from '../state';

/**
 * Which fields of a DocType the sandbox takes, written out by hand from ERPNext v15's doctype JSON (the sandbox must
 * run where those files are not, and behave the same there): the fieldnames it stores, reads or computes, and each
 * Select field's options. Frappe itself drops an unknown field silently, so a misspelt field would be data lost
 * without an error; the sandbox refuses it instead, to make the mistake visible in tests.
 */
export interface FieldRules {
  fields: readonly string[];
  /** Select field → its options, in the JSON's order (`''` where the JSON allows an empty value). */
  selects?: Readonly<Record<string, readonly string[]>>;
}

/** `417 ValidationError` for a field the DocType (or a row's child DocType) does not have. */
export function refuseUnknownFields(
  doctype: string,
  rules: FieldRules,
  values: Record<string, unknown>,
  rowIdx?: number,
): void {
  const unknown = Object.keys(values).filter((key) => !rules.fields.includes(key));
  if (unknown.length === 0) return;
  const prefix = rowIdx === undefined ? '' : `Row #${rowIdx}: `;
  throw validationError(
    `${prefix}${doctype} has no field ${unknown.map((f) => `"${f}"`).join(', ')}; ERPNext would drop it without saving it`,
  );
}

/** Frappe's `_validate_selects`: `Customer Type cannot be "Person". It should be one of "Company", "Individual", "Partnership"`. */
export function refuseBadSelects(rules: FieldRules, values: ErpDoc | ChildRow, rowIdx?: number): void {
  for (const [field, options] of Object.entries(rules.selects ?? {})) {
    const value = values[field];
    if (value === undefined || value === null || value === '' || options.includes(String(value))) continue;
    const prefix = rowIdx === undefined ? '' : `Row #${rowIdx}: `;
    throw validationError(
      `${prefix}${fieldLabel(field)} cannot be "${String(value)}". It should be one of "${options.filter(Boolean).join('", "')}"`,
    );
  }
}
