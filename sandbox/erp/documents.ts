import { randomBytes } from 'node:crypto';
import type { Store } from '../kit/store';
import { docTypes, type DocContext, type DocTypeDefinition } from './doctypes';
import { missingMandatory, rowsOf } from './doctypes/definition';
import { refuseBadSelects, refuseUnknownFields } from './doctypes/fieldRules';
import {
  docstatusTransitionError,
  FrappeError,
  permissionError,
  doesNotExist,
  fieldLabel,
  linkExistsError,
  linkValidationError,
  mandatoryError,
  validationError,
} from './frappeErrors';
import { seedChart } from './chart';
import { checkGl, postGl, reverseGl } from './ledger';
import { NamingSeries, seriesPattern } from './naming';
import { apiUser, type ChildRow, type DocStatus, type ErpDoc, type ErpState, type FrappeClock } from './state';

/** Fields a client never sets directly: Frappe fills them itself. */
const metaFields = new Set([
  'name',
  'doctype',
  'docstatus',
  'creation',
  'modified',
  'owner',
  'modified_by',
  'idx',
  'parent',
  'parentfield',
  'parenttype',
]);

/**
 * Frappe's document lifecycle over the sandbox store: insert, save, submit, cancel and delete, each running the
 * DocType's defaults, mandatory check and validation first, and touching the store only once they pass.
 */
export class ErpDocuments {
  private readonly naming: NamingSeries;
  private readonly ctx: DocContext;

  constructor(
    private readonly store: Store<ErpState>,
    private readonly clock: FrappeClock,
  ) {
    this.naming = new NamingSeries(() => store.data);
    seedChart(store.data, clock.now());
    this.ctx = {
      find: (doctype, name) => this.table(doctype)[name],
      all: (doctype) => Object.values(this.table(doctype)),
      today: () => clock.today(),
      touch: (doc) => {
        doc.modified = clock.now();
        doc.modified_by = apiUser;
        this.refreshStatus(this.definition(doc.doctype), doc);
      },
      insertSystemDoc: (doctype, fields) => {
        const definition = this.definition(doctype);
        const now = clock.now();
        const doc: ErpDoc = {
          ...fields,
          name: this.naming.take(definition.namingSeries ?? `${doctype.toUpperCase()}-`, clock.today()),
          doctype,
          docstatus: 0,
          creation: now,
          modified: now,
          owner: apiUser,
          modified_by: apiUser,
          idx: 0,
        };
        this.table(doctype)[doc.name] = doc;
        return doc;
      },
    };
  }

  get(doctype: string, name: string): ErpDoc {
    this.definition(doctype);
    const doc = this.table(doctype)[name];
    if (!doc) throw doesNotExist(doctype, name);
    return doc;
  }

  list(doctype: string): ErpDoc[] {
    this.definition(doctype);
    return Object.values(this.table(doctype));
  }

  insert(doctype: string, body: Record<string, unknown>): ErpDoc {
    const definition = this.writable(doctype);
    const docstatus = requestedDocstatus(body.docstatus, 0);
    if (docstatus === 2 || (docstatus === 1 && !definition.isSubmittable)) throw docstatusTransitionError(0, docstatus);
    refuseUnknown(definition, body);
    const now = this.clock.now();
    const doc: ErpDoc = {
      ...clientFields(body),
      name: '',
      doctype,
      docstatus,
      creation: now,
      modified: now,
      owner: apiUser,
      modified_by: apiUser,
      idx: 0,
    };
    if (definition.namingSeries) doc.naming_series = seriesPattern(definition.namingSeries);
    this.check(definition, doc, () => this.nameFor(definition, doc, 'peek'), docstatus === 1);
    doc.name = this.nameFor(definition, doc, 'take');
    return this.save(definition, doc, docstatus === 1);
  }

  /** `PUT /api/resource/…`: saves a draft (submitting it with `docstatus: 1`), or on a submitted document changes only what may change after submit, or cancels it with `docstatus: 2`. */
  update(doctype: string, name: string, body: Record<string, unknown>): ErpDoc {
    const definition = this.writable(doctype);
    const current = this.get(doctype, name);
    const docstatus = requestedDocstatus(body.docstatus, current.docstatus);
    refuseUnknown(definition, body);
    if (current.docstatus === 2) throw validationError('Cannot edit cancelled document');
    if (current.docstatus === 1) {
      if (docstatus === 2) return this.cancel(doctype, name);
      if (docstatus === 0) throw docstatusTransitionError(1, 0);
      return this.updateAfterSubmit(definition, current, body);
    }
    if (docstatus === 2 || (docstatus === 1 && !definition.isSubmittable)) throw docstatusTransitionError(0, docstatus);
    const doc: ErpDoc = {
      ...structuredClone(current),
      ...clientFields(body),
      docstatus,
      modified: this.clock.now(),
      modified_by: apiUser,
    };
    this.check(definition, doc, () => name, docstatus === 1);
    return this.save(definition, doc, docstatus === 1);
  }

  submit(doctype: string, name: string): ErpDoc {
    return this.update(doctype, name, { docstatus: 1 });
  }

  cancel(doctype: string, name: string): ErpDoc {
    const definition = this.definition(doctype);
    const doc = this.get(doctype, name);
    if (doc.docstatus !== 1) throw docstatusTransitionError(doc.docstatus, 2);
    const linked = definition.linkedFrom?.(doc, this.ctx);
    if (linked) throw linkExistsError(doctype, name, linked.doctype, linked.name);
    doc.docstatus = 2;
    for (const table of definition.tables) for (const row of rowsOf(doc, table.fieldname)) row.docstatus = 2;
    if (definition.glLines) reverseGl(this.ctx, doc);
    definition.onCancel?.(doc, this.ctx);
    this.ctx.touch(doc);
    this.store.changed();
    return doc;
  }

  delete(doctype: string, name: string): void {
    this.writable(doctype);
    const doc = this.get(doctype, name);
    if (doc.docstatus === 1) throw validationError('Submitted Record cannot be deleted. You must Cancel it first.');
    delete this.table(doctype)[name];
    this.store.changed();
  }

  /** Defaults, rows, mandatory fields, Select options and the DocType's own validation. */
  private check(
    definition: DocTypeDefinition,
    doc: ErpDoc,
    nameForMessages: () => string,
    isSubmitting: boolean,
  ): void {
    this.prepareRows(definition, doc);
    definition.setDefaults(doc, this.ctx);
    const missing = missingMandatory(definition, doc);
    if (missing.length > 0) throw mandatoryError(definition.doctype, nameForMessages(), missing);
    refuseBadSelects(definition, doc);
    for (const table of definition.tables)
      for (const row of rowsOf(doc, table.fieldname)) refuseBadSelects(table, row, row.idx);
    definition.validate(doc, this.ctx);
    if (isSubmitting && definition.glLines) {
      const named = { ...doc, name: doc.name || nameForMessages() };
      checkGl(this.ctx, named, definition.glLines(named, this.ctx));
    }
  }

  private save(definition: DocTypeDefinition, doc: ErpDoc, isSubmitting: boolean): ErpDoc {
    for (const table of definition.tables) {
      for (const row of rowsOf(doc, table.fieldname))
        Object.assign(row, { parent: doc.name, docstatus: doc.docstatus });
    }
    this.table(definition.doctype)[doc.name] = doc;
    if (isSubmitting && definition.glLines) postGl(this.ctx, doc, definition.glLines(doc, this.ctx));
    if (isSubmitting) definition.onSubmit?.(doc, this.ctx);
    this.refreshStatus(definition, doc);
    this.store.changed();
    return doc;
  }

  private updateAfterSubmit(definition: DocTypeDefinition, doc: ErpDoc, body: Record<string, unknown>): ErpDoc {
    const changes = Object.entries(clientFields(body)).filter(
      ([field, value]) => JSON.stringify(value) !== JSON.stringify(doc[field]),
    );
    const refused = changes.find(([field]) => !definition.allowOnSubmit.includes(field));
    if (refused)
      throw validationError(
        `Not allowed to change ${fieldLabel(refused[0])} after submission`,
        'UpdateAfterSubmitError',
      );
    if (changes.length === 0) return doc;
    Object.assign(doc, Object.fromEntries(changes));
    this.ctx.touch(doc);
    this.store.changed();
    return doc;
  }

  /** Child rows get Frappe's bookkeeping fields; rows sent back from a GET keep their names. */
  private prepareRows(definition: DocTypeDefinition, doc: ErpDoc): void {
    for (const table of definition.tables) {
      const given = Array.isArray(doc[table.fieldname]) ? (doc[table.fieldname] as unknown[]) : [];
      doc[table.fieldname] = given.filter(isRecord).map((row, i): ChildRow => ({
        ...clientFields(row),
        name: typeof row.name === 'string' && row.name ? row.name : randomBytes(5).toString('hex'),
        idx: i + 1,
        doctype: table.childDoctype,
        parent: doc.name,
        parentfield: table.fieldname,
        parenttype: definition.doctype,
        docstatus: doc.docstatus,
      }));
    }
  }

  private nameFor(definition: DocTypeDefinition, doc: ErpDoc, mode: 'peek' | 'take'): string {
    if (typeof doc.amended_from === 'string' && doc.amended_from !== '')
      return this.amendedName(definition, doc.amended_from);
    if (definition.autoname) {
      return definition.autoname(doc, this.ctx) ?? `new-${definition.doctype.toLowerCase().replace(/ /g, '-')}-1`;
    }
    const series = definition.namingSeries ?? `${definition.doctype.toUpperCase()}-`;
    return mode === 'peek'
      ? this.naming.peek(series, this.clock.today())
      : this.naming.take(series, this.clock.today());
  }

  /**
   * Frappe's amendment naming: the cancelled original `SAL-ORD-2026-00001` is amended as `SAL-ORD-2026-00001-1`,
   * that one as `…-00001-2`. The original must exist and be cancelled.
   */
  private amendedName(definition: DocTypeDefinition, amendedFrom: string): string {
    const original = this.table(definition.doctype)[amendedFrom];
    if (!original) throw linkValidationError(definition.doctype, amendedFrom);
    if (original.docstatus !== 2)
      throw validationError(
        `Cannot amend ${definition.doctype} ${amendedFrom}: only a cancelled document can be amended`,
      );
    const isAmendment = typeof original.amended_from === 'string' && original.amended_from !== '';
    const parts = amendedFrom.split('-');
    const [prefix, n] = isAmendment
      ? [parts.slice(0, -1).join('-'), Number(parts[parts.length - 1]) + 1]
      : [amendedFrom, 1];
    const name = `${prefix}-${n}`;
    if (this.table(definition.doctype)[name]) {
      throw new FrappeError(409, 'DuplicateEntryError', `${definition.doctype} ${name} already exists`, [
        `${definition.doctype} ${amendedFrom} has already been amended as ${name}`,
      ]);
    }
    return name;
  }

  private refreshStatus(definition: DocTypeDefinition, doc: ErpDoc): void {
    if (definition.status) doc.status = definition.status(doc);
  }

  /** A DocType the API may write: every one but those only the server writes (GL Entry). */
  private writable(doctype: string): DocTypeDefinition {
    const definition = this.definition(doctype);
    if (definition.isSystemOnly) throw permissionError(doctype);
    return definition;
  }

  private definition(doctype: string): DocTypeDefinition {
    const definition = docTypes.get(doctype);
    if (!definition) throw doesNotExist(doctype);
    return definition;
  }

  private table(doctype: string): Record<string, ErpDoc> {
    return (this.store.data.docs[doctype] ??= {});
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Refuses a field the DocType, or a row's child DocType, does not have: Frappe would drop it silently. */
function refuseUnknown(definition: DocTypeDefinition, body: Record<string, unknown>): void {
  refuseUnknownFields(definition.doctype, definition, clientFields(body));
  for (const table of definition.tables) {
    const rows = body[table.fieldname];
    if (!Array.isArray(rows)) continue;
    rows.forEach((row, i) => {
      if (isRecord(row)) refuseUnknownFields(table.childDoctype, table, clientFields(row), i + 1);
    });
  }
}

function clientFields(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([key]) => !metaFields.has(key) && !key.startsWith('__')));
}

function requestedDocstatus(value: unknown, fallback: DocStatus): DocStatus {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (n === 0 || n === 1 || n === 2) return n;
  throw validationError(`Invalid docstatus ${String(value)}`);
}
