import { requiredField } from './errors';
import { isObject } from './values';

/** Magento's `searchCriteria` as echoed back in `search_criteria` (snake_case, values as strings). */
export interface Filter {
  field: string;
  value: string;
  condition_type?: string;
}

export interface SearchCriteria {
  filter_groups: { filters: Filter[] }[];
  sort_orders?: { field: string; direction: string }[];
  page_size?: number;
  current_page?: number;
}

export interface SearchResult<T> {
  items: T[];
  search_criteria: SearchCriteria;
  total_count: number;
}

/** The query parser is qs: `a[0][b]` arrives as arrays (or as objects past qs's array limit). */
function list(value: unknown): Record<string, unknown>[] {
  const entries = Array.isArray(value) ? value : isObject(value) ? Object.values(value) : [];
  return entries.filter(isObject);
}

/** Magento maps snake_case and camelCase keys alike onto its data interfaces. */
function pick(source: Record<string, unknown>, snake: string, camel: string): unknown {
  return source[snake] ?? source[camel];
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function positiveInt(value: unknown): number | undefined {
  const raw = text(value);
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/** Reads `req.query.searchCriteria`; Magento refuses a list request without one. */
export function parseSearchCriteria(query: Record<string, unknown>): SearchCriteria {
  const raw = query.searchCriteria ?? query.search_criteria;
  if (raw === undefined) throw requiredField('searchCriteria');
  const source = isObject(raw) ? raw : {};
  const criteria: SearchCriteria = {
    filter_groups: list(pick(source, 'filter_groups', 'filterGroups')).map((group) => ({
      filters: list(group.filters).flatMap((f) => {
        const field = text(f.field);
        if (!field) return [];
        const filter: Filter = { field, value: text(f.value) ?? '' };
        const condition = text(pick(f, 'condition_type', 'conditionType'));
        if (condition) filter.condition_type = condition;
        return [filter];
      }),
    })),
  };
  const sorts = list(pick(source, 'sort_orders', 'sortOrders')).flatMap((s) => {
    const field = text(s.field);
    return field ? [{ field, direction: (text(s.direction) ?? 'ASC').toUpperCase() === 'DESC' ? 'DESC' : 'ASC' }] : [];
  });
  if (sorts.length > 0) criteria.sort_orders = sorts;
  const pageSize = positiveInt(pick(source, 'page_size', 'pageSize'));
  if (pageSize !== undefined) criteria.page_size = pageSize;
  const currentPage = positiveInt(pick(source, 'current_page', 'currentPage'));
  if (currentPage !== undefined) criteria.current_page = currentPage;
  return criteria;
}

const numeric = /^-?\d+(\.\d+)?$/;

function scalar(value: unknown): string | undefined {
  if (value === undefined || value === null || typeof value === 'object') return undefined;
  return String(value);
}

const dateTime = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2})(:\d{2})?(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * A date or date-time as MySQL reads it against a DATETIME column, written as Magento stores them
 * (`YYYY-MM-DD HH:MM:SS`, UTC): a bare date is midnight, `T` may separate the time, a zone is converted to UTC.
 * Fractional seconds stay, so `10:00:00` sorts before `10:00:00.5` as it does in MySQL.
 */
function asDateTime(text: string): string | undefined {
  const match = dateTime.exec(text.trim());
  if (!match) return undefined;
  const [, date, hoursMinutes, seconds, fraction, zone] = match;
  // `.500` is `.5` and `.000` nothing, so equal instants compare equal.
  const significant = (digits: string | undefined) => (digits ?? '').replace(/\.?0+$/, '');
  if (zone && hoursMinutes) {
    const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
    const instant = new Date(`${date}T${hoursMinutes}${seconds ?? ':00'}${fraction ?? ''}${offset}`);
    if (Number.isNaN(instant.getTime())) return undefined;
    const iso = instant.toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${significant(iso.slice(19, 23))}`;
  }
  return `${date} ${hoursMinutes ?? '00:00'}${seconds ?? ':00'}${significant(fraction)}`;
}

/** MySQL-like comparison: numbers when both sides are numeric, date-times when both are dates, otherwise case-insensitive text. */
function compare(actual: string, expected: string): number {
  if (numeric.test(actual) && numeric.test(expected)) return Number(actual) - Number(expected);
  const actualDate = asDateTime(actual);
  const expectedDate = actualDate === undefined ? undefined : asDateTime(expected);
  if (actualDate !== undefined && expectedDate !== undefined)
    return actualDate < expectedDate ? -1 : actualDate > expectedDate ? 1 : 0;
  const a = actual.toLowerCase();
  const b = expected.toLowerCase();
  return a < b ? -1 : a > b ? 1 : 0;
}

function likePattern(pattern: string): RegExp {
  const body = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${body}$`, 'is');
}

export function matchesFilter(record: Record<string, unknown>, filter: Filter): boolean {
  const actual = scalar(record[filter.field]);
  const condition = (filter.condition_type ?? 'eq').toLowerCase();
  if (condition === 'null') return actual === undefined;
  if (condition === 'notnull') return actual !== undefined;
  // SQL: any comparison with NULL is not true.
  if (actual === undefined) return false;
  const values = () => filter.value.split(',').map((v) => v.trim());
  switch (condition) {
    case 'neq':
      return compare(actual, filter.value) !== 0;
    case 'in':
      return values().some((v) => compare(actual, v) === 0);
    case 'nin':
      return values().every((v) => compare(actual, v) !== 0);
    case 'like':
      return likePattern(filter.value).test(actual);
    case 'nlike':
      return !likePattern(filter.value).test(actual);
    case 'gt':
      return compare(actual, filter.value) > 0;
    case 'lt':
      return compare(actual, filter.value) < 0;
    case 'gteq':
    case 'from':
    case 'moreq':
      return compare(actual, filter.value) >= 0;
    case 'lteq':
    case 'to':
      return compare(actual, filter.value) <= 0;
    case 'finset':
      return actual.split(',').includes(filter.value);
    default:
      return compare(actual, filter.value) === 0;
  }
}

function sortBy<T extends Record<string, unknown>>(items: T[], orders: { field: string; direction: string }[]): T[] {
  return [...items].sort((x, y) => {
    for (const { field, direction } of orders) {
      const a = scalar(x[field]);
      const b = scalar(y[field]);
      // MySQL puts NULLs first when ascending.
      const diff = a === undefined ? (b === undefined ? 0 : -1) : b === undefined ? 1 : compare(a, b);
      if (diff !== 0) return direction === 'DESC' ? -diff : diff;
    }
    return 0;
  });
}

/** Filters within a group are OR'd, groups AND'd; then sort, then page (1-based, an empty page past the end). */
export function applySearchCriteria<T extends Record<string, unknown>>(
  records: T[],
  criteria: SearchCriteria,
): SearchResult<T> {
  const matching = records.filter((record) =>
    criteria.filter_groups.every(
      (group) => group.filters.length === 0 || group.filters.some((f) => matchesFilter(record, f)),
    ),
  );
  const sorted = criteria.sort_orders ? sortBy(matching, criteria.sort_orders) : matching;
  let page = sorted;
  if (criteria.page_size !== undefined && criteria.page_size > 0) {
    const current = Math.max(criteria.current_page ?? 1, 1);
    page = sorted.slice((current - 1) * criteria.page_size, current * criteria.page_size);
  }
  return { items: page, search_criteria: criteria, total_count: matching.length };
}
