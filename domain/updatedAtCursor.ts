import { MappingError } from './fulfilment';
import { magentoDateTime, magentoDateTimeMs } from './magento';

/**
 * Reading a Magento collection by `updated_at` from one scheduled run to the next (the credit memo poll, the customer
 * poll). Magento's `updated_at` has whole seconds and a save can commit a little after the time it carries, so each
 * run reads again from a window before its cursor and skips the entities it already handled there (`recent`). Pages
 * are keyset pages by (`updated_at`, `entity_id`): `updated_at >= since` less the ids already read at exactly `since`,
 * so an entity changing while a run reads cannot shift the pages and hide another.
 *
 * One scheme, one id field per collection (`creditMemoId`, `customerId`): the field names are part of the results a
 * Schedule hands its next run, so each collection keeps its own.
 */

export type Handled<K extends string> = { [P in K]: number } & { updatedAt: string };

export interface UpdatedAtCursor<K extends string> {
  /** The newest `updated_at` handled, Magento's UTC `YYYY-MM-DD HH:MM:SS`. */
  updatedAt: string;
  /** Entities handled whose `updated_at` lies in the overlap window before `updatedAt`. */
  recent: Array<Handled<K>>;
}

export interface PagePosition {
  since: string;
  excludeIds: number[];
}

/** Where a run's cursor came from: an operator's `since`, its input, the Schedule's last run, or now (a first run). */
export type CursorFrom = 'since' | 'input' | 'last_run' | 'first_run';

/** Magento's `updated_at` has whole seconds and commits lag their timestamps: read again from this far back. */
export const defaultOverlapMs = 2 * 60_000;

/** The cursor functions of one collection, keyed by its id field. */
export function updatedAtCursor<K extends string>(idField: K, overlapMs = defaultOverlapMs) {
  const idOf = (h: Handled<K>): number => h[idField];
  const handled = (id: number, updatedAt: string): Handled<K> => ({ [idField]: id, updatedAt }) as Handled<K>;

  /** Where a run starts reading: the overlap window before the cursor. */
  const windowStart = (cursor: { updatedAt: string; recent?: readonly unknown[] }, overlap = overlapMs): string =>
    magentoDateTime(magentoDateTimeMs(cursor.updatedAt) - overlap);

  /** A cursor at a time (a first run, or an operator's `since`: Magento's UTC date-time, or ISO 8601 with a zone), nothing handled yet. */
  const at = (time: string): UpdatedAtCursor<K> => {
    const withZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(time.trim());
    const ms = withZone ? Date.parse(time.trim()) : magentoDateTimeMs(time);
    if (Number.isNaN(ms))
      throw new MappingError(
        `not a date-time: ${JSON.stringify(time)} (expected Magento's UTC YYYY-MM-DD HH:MM:SS, or ISO 8601 with a zone)`,
      );
    return { updatedAt: magentoDateTime(ms), recent: [] };
  };

  /**
   * The cursor once `done` entities are handled: at the newest `updated_at` seen (never back), keeping those inside
   * the window before it. An entity seen again with a newer `updated_at` is kept once, at its newest.
   */
  const advance = (
    cursor: UpdatedAtCursor<K>,
    done: ReadonlyArray<Handled<K>>,
    overlap = overlapMs,
  ): UpdatedAtCursor<K> => {
    const updatedAt = [cursor.updatedAt, ...done.map((d) => d.updatedAt)].reduce((a, b) => (b > a ? b : a));
    const from = windowStart({ updatedAt }, overlap);
    const latest = new Map<number, string>();
    for (const d of [...cursor.recent, ...done]) {
      const known = latest.get(idOf(d));
      if (known === undefined || d.updatedAt > known) latest.set(idOf(d), d.updatedAt);
    }
    const recent = [...latest]
      .filter(([, time]) => time >= from)
      .sort(([idA, a], [idB, b]) => (a < b ? -1 : a > b ? 1 : idA - idB))
      .map(([id, time]) => handled(id, time));
    return { updatedAt, recent };
  };

  /** The position after a page sorted by (`updated_at`, id). */
  const nextPosition = (position: PagePosition, page: ReadonlyArray<Handled<K>>): PagePosition => {
    const last = page.at(-1);
    if (!last) return position;
    if (last.updatedAt === position.since)
      return { since: position.since, excludeIds: [...position.excludeIds, ...page.map(idOf)] };
    return { since: last.updatedAt, excludeIds: page.filter((d) => d.updatedAt === last.updatedAt).map(idOf) };
  };

  /** The cursor a previous run returned (a Schedule hands each run the last completed run's result), if it holds one. */
  const fromResult = (result: unknown): UpdatedAtCursor<K> | undefined => {
    const cursor = (result as { cursor?: unknown } | null | undefined)?.cursor as
      { updatedAt?: unknown; recent?: unknown } | undefined;
    if (
      !cursor ||
      typeof cursor.updatedAt !== 'string' ||
      Number.isNaN(magentoDateTimeMs(cursor.updatedAt)) ||
      !Array.isArray(cursor.recent)
    )
      return undefined;
    const recent = (cursor.recent as unknown[]).filter(
      (r): r is Handled<K> =>
        typeof (r as Record<string, unknown> | null)?.[idField] === 'number' &&
        typeof (r as { updatedAt?: unknown }).updatedAt === 'string',
    );
    return { updatedAt: cursor.updatedAt, recent };
  };

  /** The cursor a run starts from: `since` first, then the one given, then the last run's result (`lastResult`), else now. */
  const starting = (
    input: { since?: string; cursor?: unknown },
    lastResult: unknown,
    nowMs: number,
  ): { cursor: UpdatedAtCursor<K>; cursorFrom: CursorFrom } => {
    if (input.since) return { cursor: at(input.since), cursorFrom: 'since' };
    const given = fromResult({ cursor: input.cursor });
    if (given) return { cursor: given, cursorFrom: 'input' };
    const last = fromResult(lastResult);
    if (last) return { cursor: last, cursorFrom: 'last_run' };
    return { cursor: at(magentoDateTime(nowMs)), cursorFrom: 'first_run' };
  };

  return { windowStart, at, advance, nextPosition, fromResult, starting };
}
