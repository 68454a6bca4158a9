import type { MissingField } from '../frappeErrors';
import type { ChildRow, ErpDoc } from '../state';
import type { GlLine } from '../ledger';
import type { FieldRules } from './fieldRules';

/** A child table of a DocType (`items` of Sales Order holds `Sales Order Item` rows), with the child DocType's fields. */
export interface TableField extends FieldRules {
  fieldname: string;
  childDoctype: string;
  /** Fields every row must carry. */
  mandatory: readonly string[];
  /** The table itself must have at least one row. */
  isRequired: boolean;
}

/** What a DocType's rules may look at and change besides the document itself. */
export interface DocContext {
  find(doctype: string, name: string): ErpDoc | undefined;
  all(doctype: string): ErpDoc[];
  today(): string;
  /** Records a change to another document (an invoice's outstanding amount): bumps `modified`, recomputes `status`. */
  touch(doc: ErpDoc): void;
  /** Stores a document only the server writes (a GL Entry), named by its DocType's series, without a client's checks. */
  insertSystemDoc(doctype: string, fields: Record<string, unknown>): ErpDoc;
}

/**
 * One DocType's rules, in the order Frappe runs them on save: defaults, mandatory check, validate; then on submit
 * and cancel the side effects on other documents. `validate` may throw and must not change other documents;
 * `onSubmit`/`onCancel` must not throw.
 */
export interface DocTypeDefinition extends FieldRules {
  doctype: string;
  isSubmittable: boolean;
  /** Written by the server alone (GL Entry): the API reads it and refuses to insert, change or delete it. */
  isSystemOnly?: boolean;
  /** Naming-series prefix: `SAL-ORD-` gives `SAL-ORD-2026-00001`. */
  namingSeries?: string;
  /** Name taken from the document's own fields (Customer); undefined while those fields are missing. */
  autoname?(doc: ErpDoc, ctx: DocContext): string | undefined;
  mandatory: readonly string[];
  tables: readonly TableField[];
  /** Fields that may still change on a submitted document. */
  allowOnSubmit: readonly string[];
  setDefaults(doc: ErpDoc, ctx: DocContext): void;
  validate(doc: ErpDoc, ctx: DocContext): void;
  /** The general-ledger lines the document posts when submitted; checked before it is saved, posted once it is. */
  glLines?(doc: ErpDoc, ctx: DocContext): GlLine[];
  onSubmit?(doc: ErpDoc, ctx: DocContext): void;
  onCancel?(doc: ErpDoc, ctx: DocContext): void;
  /** Frappe's back-link check before a cancel: the first submitted document still linking this one, if any. */
  linkedFrom?(doc: ErpDoc, ctx: DocContext): { doctype: string; name: string } | undefined;
  status?(doc: ErpDoc): string;
}

export function rowsOf(doc: ErpDoc, fieldname: string): ChildRow[] {
  const rows = doc[fieldname];
  return Array.isArray(rows) ? (rows as ChildRow[]) : [];
}

export function isBlank(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  return false;
}

/** Frappe's `_validate_mandatory`: header fields first, then required tables, then each row's fields. */
export function missingMandatory(definition: DocTypeDefinition, doc: ErpDoc): MissingField[] {
  const missing: MissingField[] = definition.mandatory
    .filter((f) => isBlank(doc[f]))
    .map((fieldname) => ({ fieldname }));
  for (const table of definition.tables) {
    const rows = rowsOf(doc, table.fieldname);
    if (table.isRequired && rows.length === 0) missing.push({ fieldname: table.fieldname });
    rows.forEach((row, i) => {
      for (const fieldname of table.mandatory) {
        if (isBlank(row[fieldname])) missing.push({ fieldname, row: { doctype: table.childDoctype, idx: i + 1 } });
      }
    });
  }
  return missing;
}

/** Sets a field only when the caller left it empty. */
export function setDefault(doc: ErpDoc | ChildRow, field: string, value: unknown): void {
  if (isBlank(doc[field])) doc[field] = value;
}

export function flag(value: unknown): 0 | 1 {
  return value === true || value === 1 || value === '1' ? 1 : 0;
}

/** Default company of the sandbox, and its account-name suffix. */
export const sandboxCompany = { name: 'Sandbox Company', abbr: 'SC', currency: 'USD' } as const;

export function account(name: string): string {
  return `${name} - ${sandboxCompany.abbr}`;
}
