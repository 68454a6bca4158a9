import type { TableField } from './doctypes';
import { validationError } from './frappeErrors';
import type { ErpDoc } from './state';

const operators = ['=', '!=', '>', '<', '>=', '<=', 'in', 'not in', 'like', 'not like', 'is', 'between'] as const;
type Operator = (typeof operators)[number];

export interface Filter {
  /** Set when the filter names a child table's DocType (`["Sales Order Item", "item_code", "=", "SKU-1"]`). */
  doctype?: string;
  field: string;
  operator: Operator;
  value: unknown;
}

export interface ListQuery {
  filters: Filter[];
  orFilters: Filter[];
  fields: { field: string; alias: string }[] | '*';
  orderBy: { field: string; isDescending: boolean }[];
  start: number;
  /** 0 returns every match. */
  pageLength: number;
}

/**
 * `GET /api/resource/{DocType}` parameters as Frappe reads them: `filters` and `or_filters` as JSON (a list of
 * `[field, op, value]` / `[doctype, field, op, value]`, or an object `{field: value | [op, value]}`), `fields`
 * (JSON list, default `["name"]`), `order_by` (default `modified desc`), `limit_start`, `limit_page_length` (or `limit`).
 */
export function parseListQuery(query: Record<string, unknown>): ListQuery {
  const fields = parseFields(query.fields);
  return {
    filters: parseFilters(query.filters, 'filters'),
    orFilters: parseFilters(query.or_filters, 'or_filters'),
    fields,
    orderBy: parseOrderBy(typeof query.order_by === 'string' ? query.order_by : 'modified desc'),
    start: nonNegativeInt(query.limit_start, 0, 'limit_start'),
    pageLength: nonNegativeInt(query.limit_page_length ?? query.limit, 20, 'limit_page_length'),
  };
}

export function runListQuery(
  docs: readonly ErpDoc[],
  query: ListQuery,
  doctype: string,
  tables: readonly TableField[],
): Record<string, unknown>[] {
  const matches = docs.filter(
    (doc) =>
      query.filters.every((f) => matchesFilter(doc, f, doctype, tables)) &&
      (query.orFilters.length === 0 || query.orFilters.some((f) => matchesFilter(doc, f, doctype, tables))),
  );
  const sorted = [...matches].sort((a, b) => {
    for (const { field, isDescending } of query.orderBy) {
      const c = compareValues(a[field], b[field]);
      if (c !== 0) return isDescending ? -c : c;
    }
    return 0;
  });
  const page =
    query.pageLength === 0 ? sorted.slice(query.start) : sorted.slice(query.start, query.start + query.pageLength);
  return page.map((doc) => project(doc, query.fields));
}

function project(doc: ErpDoc, fields: ListQuery['fields']): Record<string, unknown> {
  if (fields === '*') return Object.fromEntries(Object.entries(doc).filter(([, v]) => !Array.isArray(v)));
  return Object.fromEntries(fields.map(({ field, alias }) => [alias, doc[field] ?? null]));
}

function matchesFilter(doc: ErpDoc, filter: Filter, doctype: string, tables: readonly TableField[]): boolean {
  if (!filter.doctype || filter.doctype === doctype) return matchesValue(doc[filter.field], filter);
  const table = tables.find((t) => t.childDoctype === filter.doctype);
  if (!table)
    throw validationError(`Invalid filter: ${filter.doctype} is not a child table of ${doctype}`, 'DataError');
  const rows = doc[table.fieldname];
  return Array.isArray(rows) && rows.some((row: Record<string, unknown>) => matchesValue(row[filter.field], filter));
}

function matchesValue(actual: unknown, { operator, value }: Filter): boolean {
  switch (operator) {
    case '=':
      return compareValues(actual, value) === 0;
    case '!=':
      return compareValues(actual, value) !== 0;
    case '>':
      return compareValues(actual, value) > 0;
    case '<':
      return compareValues(actual, value) < 0;
    case '>=':
      return compareValues(actual, value) >= 0;
    case '<=':
      return compareValues(actual, value) <= 0;
    case 'in':
      return listValue(value).some((v) => compareValues(actual, v) === 0);
    case 'not in':
      return !listValue(value).some((v) => compareValues(actual, v) === 0);
    case 'like':
      return likePattern(value).test(String(actual ?? ''));
    case 'not like':
      return !likePattern(value).test(String(actual ?? ''));
    case 'is':
      return (value === 'set') === !(actual === undefined || actual === null || actual === '');
    case 'between': {
      const [from, to] = listValue(value);
      return compareValues(actual, from) >= 0 && compareValues(actual, to) <= 0;
    }
  }
}

/**
 * MariaDB-like comparison: numbers numerically, everything else as text the way ERPNext's `utf8mb4_unicode_ci`
 * collation compares it (case-insensitive, trailing spaces ignored); a missing value is `''` (or 0 against a number).
 */
function compareValues(a: unknown, b: unknown): number {
  if (isNumeric(a) && isNumeric(b)) return Number(a) - Number(b);
  const left = a === undefined || a === null ? (typeof b === 'number' ? 0 : '') : a;
  const right = b === undefined || b === null ? (typeof a === 'number' ? 0 : '') : b;
  if (isNumeric(left) && isNumeric(right)) return Number(left) - Number(right);
  const l = String(left).replace(/ +$/, '').toLowerCase();
  const r = String(right).replace(/ +$/, '').toLowerCase();
  return l < r ? -1 : l > r ? 1 : 0;
}

function isNumeric(v: unknown): boolean {
  return (
    typeof v === 'number' ||
    typeof v === 'boolean' ||
    (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)))
  );
}

function listValue(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  return [value];
}

/** MariaDB's `LIKE` as Frappe runs it: `%` any run, `_` one character, a backslash makes the next character literal. */
function likePattern(value: unknown): RegExp {
  const text = String(value ?? '');
  let source = '';
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) source += escapeRegExp(text[++i]!);
    else if (c === '%') source += '.*';
    else if (c === '_') source += '.';
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, 'is');
}

const escapeRegExp = (c: string): string => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function parseJsonParam(raw: unknown, param: string): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw validationError(`Invalid ${param}: not valid JSON`);
  }
}

function parseFilters(raw: unknown, param: string): Filter[] {
  if (raw === undefined || raw === '') return [];
  const parsed = parseJsonParam(raw, param);
  if (Array.isArray(parsed)) return parsed.map((entry) => filterFromList(entry, param));
  if (parsed && typeof parsed === 'object') {
    return Object.entries(parsed).map(([field, v]) =>
      Array.isArray(v) && typeof v[0] === 'string' && isOperator(v[0].toLowerCase())
        ? filter(undefined, field, v[0], v[1], param)
        : filter(undefined, field, '=', v, param),
    );
  }
  throw validationError(`Invalid ${param}: expected a list or an object`);
}

function filterFromList(entry: unknown, param: string): Filter {
  if (!Array.isArray(entry)) throw validationError(`Invalid ${param}: each filter must be a list`);
  if (entry.length === 3) return filter(undefined, entry[0], entry[1], entry[2], param);
  if (entry.length >= 4) return filter(entry[0], entry[1], entry[2], entry[3], param);
  throw validationError(`Invalid ${param}: ${JSON.stringify(entry)}`);
}

function filter(doctype: unknown, field: unknown, operator: unknown, value: unknown, param: string): Filter {
  const op = String(operator).toLowerCase();
  if (!isOperator(op)) throw validationError(`Operator must be one of ${operators.join(', ')}`, 'DataError');
  if (typeof field !== 'string') throw validationError(`Invalid ${param}: field must be text`);
  return { doctype: typeof doctype === 'string' ? doctype : undefined, field: columnName(field), operator: op, value };
}

function isOperator(op: string): op is Operator {
  return (operators as readonly string[]).includes(op);
}

function parseFields(raw: unknown): ListQuery['fields'] {
  if (raw === undefined || raw === '') return [{ field: 'name', alias: 'name' }];
  let parsed: unknown;
  try {
    parsed = typeof raw === 'string' ? JSON.parse(raw) : raw;
  } catch {
    parsed = String(raw).split(',');
  }
  const list = (Array.isArray(parsed) ? parsed : [parsed]).map((f) => String(f).trim());
  if (list.includes('*')) return '*';
  return list.map((spec) => {
    const [column, alias] = spec.split(/\s+as\s+/i);
    const field = columnName(column ?? spec);
    return { field, alias: alias?.trim() || field };
  });
}

function parseOrderBy(raw: string): ListQuery['orderBy'] {
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [column = 'modified', direction = 'asc'] = part.split(/\s+/);
      return { field: columnName(column), isDescending: direction.toLowerCase() === 'desc' };
    });
}

/** `` `tabSales Order`.`po_no` `` → `po_no`. */
function columnName(spec: string): string {
  const last = spec.split('.').pop() ?? spec;
  return last.replace(/`/g, '').trim();
}

function nonNegativeInt(raw: unknown, fallback: number, param: string): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw validationError(`Invalid ${param}: ${String(raw)}`);
  return n;
}
