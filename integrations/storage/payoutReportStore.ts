import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { payoutIdPattern } from '../../domain/eventRouting';
import type { PayoutReportHead, PayoutReversal } from '../../domain/payoutReport';
import type { PayoutLine } from '../../domain/reconciliation';

/**
 * Where payout reconciliation reports live, outside Temporal: the worker's activities write a reading's lines page by
 * page while they read them from Stripe, then publish the report's head once the payout is booked; the API reads the
 * published report (head, lines by offset, every line in order for CSV). The file store below serves one machine,
 * where the worker and the API share `DATA_DIR`; a cluster deployment implements this port over shared storage (an
 * object store, a database table) and hands it to both.
 */
export interface PayoutReportStore {
  /** Stores one page of a reading; writing the same page again replaces it (a retried or resumed activity). */
  writePage(payoutId: string, readingId: string, pageIndex: number, lines: readonly PayoutLine[]): Promise<void>;
  /**
   * Makes a finished reading the payout's report, with its head, in one step a reader never sees half done. Refuses a
   * head whose reading the store does not hold whole. Publishing again (a re-run) replaces the report.
   */
  publish(head: PayoutReportHead): Promise<void>;
  /** Notes on the published report that its Journal Entry was reversed; false when there is no report to note it on. */
  recordReversal(payoutId: string, reversal: PayoutReversal): Promise<boolean>;
  /** The published report's head, or undefined. */
  getReport(payoutId: string): Promise<PayoutReportHead | undefined>;
  /** Lines `offset` … `offset + limit - 1` of the published report, in Stripe's order. */
  readLines(payoutId: string, offset: number, limit: number): Promise<PayoutLine[]>;
  /** Every line of the published report, in order, a stored page at a time (for streaming CSV). */
  pages(payoutId: string): AsyncIterable<PayoutLine[]>;
  /** How far the newest unpublished reading has got (for progress while a run reads), or undefined. */
  readingProgress(payoutId: string): Promise<{ readingId: string; pages: number; lines: number } | undefined>;
}

export class ReportStoreError extends Error {
  override name = 'ReportStoreError';
}

const readingIdPattern = /^[A-Za-z0-9_-]{1,100}$/;

/** What `report.json` holds: the head, and how many lines each page of its reading has (to find a line by offset). */
interface PublishedFile {
  head: PayoutReportHead;
  pageLineCounts: number[];
}

/**
 * The report store as files under one directory (`$DATA_DIR/payout-reports`):
 * `<po_…>/readings/<reading id>/<page>.jsonl` (one line per balance transaction), `…/index.json` (lines per page so
 * far), and `<po_…>/report.json`, the published head. Every file is written to a temporary name and renamed, so a
 * reader sees a whole file or the previous one. Publishing removes readings other than the new and the previous one.
 */
export class FilePayoutReportStore implements PayoutReportStore {
  constructor(readonly root: string) {}

  private payoutDir(payoutId: string): string {
    if (!payoutIdPattern.test(payoutId))
      throw new ReportStoreError(`not a Stripe payout id: ${JSON.stringify(payoutId)}`);
    return join(this.root, payoutId);
  }

  private readingDir(payoutId: string, readingId: string): string {
    if (!readingIdPattern.test(readingId)) throw new ReportStoreError(`not a reading id: ${JSON.stringify(readingId)}`);
    return join(this.payoutDir(payoutId), 'readings', readingId);
  }

  private pageFile(payoutId: string, readingId: string, pageIndex: number): string {
    return join(this.readingDir(payoutId, readingId), `${String(pageIndex).padStart(6, '0')}.jsonl`);
  }

  async writePage(payoutId: string, readingId: string, pageIndex: number, lines: readonly PayoutLine[]): Promise<void> {
    if (!Number.isSafeInteger(pageIndex) || pageIndex < 0) throw new ReportStoreError(`not a page index: ${pageIndex}`);
    const dir = this.readingDir(payoutId, readingId);
    await mkdir(dir, { recursive: true });
    await writeAtomically(
      this.pageFile(payoutId, readingId, pageIndex),
      lines.map((line) => `${JSON.stringify(line)}\n`).join(''),
    );
    // Pages come in order; a resumed reading starts again after its last checkpoint, so later pages are rewritten too.
    const counts = (await readJson<number[]>(join(dir, 'index.json'))) ?? [];
    if (pageIndex > counts.length)
      throw new ReportStoreError(
        `reading ${readingId} of ${payoutId}: page ${pageIndex} written before page ${counts.length}`,
      );
    counts.length = pageIndex;
    counts.push(lines.length);
    await writeAtomically(join(dir, 'index.json'), JSON.stringify(counts));
  }

  async publish(head: PayoutReportHead): Promise<void> {
    const payoutId = head.payout.id;
    const { readingId, pages, lines } = head.reading;
    const counts = await readJson<number[]>(join(this.readingDir(payoutId, readingId), 'index.json'));
    const stored = counts?.reduce((sum, n) => sum + n, 0);
    if (!counts || counts.length !== pages || stored !== lines) {
      throw new ReportStoreError(
        `reading ${readingId} of ${payoutId} holds ${counts?.length ?? 0} pages and ${stored ?? 0} lines, ` +
          `not the ${pages} pages and ${lines} lines the report names`,
      );
    }
    const previous = (await this.published(payoutId))?.head.reading.readingId;
    const file: PublishedFile = { head, pageLineCounts: counts };
    await writeAtomically(join(this.payoutDir(payoutId), 'report.json'), JSON.stringify(file));
    const keep = new Set([readingId, previous]);
    const readings = await readdir(join(this.payoutDir(payoutId), 'readings')).catch(() => [] as string[]);
    await Promise.all(
      readings
        .filter((r) => !keep.has(r))
        .map((r) => rm(this.readingDir(payoutId, r), { recursive: true, force: true })),
    );
  }

  async recordReversal(payoutId: string, reversal: PayoutReversal): Promise<boolean> {
    const published = await this.published(payoutId);
    if (!published) return false;
    published.head.reversal = reversal;
    await writeAtomically(join(this.payoutDir(payoutId), 'report.json'), JSON.stringify(published));
    return true;
  }

  async getReport(payoutId: string): Promise<PayoutReportHead | undefined> {
    return (await this.published(payoutId))?.head;
  }

  async readLines(payoutId: string, offset: number, limit: number): Promise<PayoutLine[]> {
    const published = await this.published(payoutId);
    if (!published || limit <= 0) return [];
    const { head, pageLineCounts } = published;
    const found: PayoutLine[] = [];
    let first = 0;
    for (const [pageIndex, count] of pageLineCounts.entries()) {
      if (found.length >= limit) break;
      if (first + count > offset) {
        const lines = await this.readPage(payoutId, head.reading.readingId, pageIndex);
        found.push(...lines.slice(Math.max(0, offset - first), Math.max(0, offset - first) + limit - found.length));
      }
      first += count;
    }
    return found;
  }

  async *pages(payoutId: string): AsyncIterable<PayoutLine[]> {
    const published = await this.published(payoutId);
    if (!published) return;
    for (let pageIndex = 0; pageIndex < published.pageLineCounts.length; pageIndex++) {
      yield await this.readPage(payoutId, published.head.reading.readingId, pageIndex);
    }
  }

  async readingProgress(payoutId: string): Promise<{ readingId: string; pages: number; lines: number } | undefined> {
    const published = (await this.published(payoutId))?.head.reading.readingId;
    const readings = await readdir(join(this.payoutDir(payoutId), 'readings')).catch(() => [] as string[]);
    let newest: { readingId: string; pages: number; lines: number; at: number } | undefined;
    for (const readingId of readings.filter((r) => r !== published && readingIdPattern.test(r))) {
      const file = join(this.readingDir(payoutId, readingId), 'index.json');
      const counts = await readJson<number[]>(file);
      if (!counts) continue;
      const mtime = await stat(file).then(
        (s) => s.mtimeMs,
        () => 0,
      );
      if (!newest || mtime > newest.at)
        newest = { readingId, pages: counts.length, lines: counts.reduce((s, n) => s + n, 0), at: mtime };
    }
    return newest && { readingId: newest.readingId, pages: newest.pages, lines: newest.lines };
  }

  private async published(payoutId: string): Promise<PublishedFile | undefined> {
    return readJson<PublishedFile>(join(this.payoutDir(payoutId), 'report.json'));
  }

  private async readPage(payoutId: string, readingId: string, pageIndex: number): Promise<PayoutLine[]> {
    const text = await readFile(this.pageFile(payoutId, readingId, pageIndex), 'utf8');
    return text
      .split('\n')
      .filter(Boolean)
      .map((row) => JSON.parse(row) as PayoutLine);
  }
}

let tmpSequence = 0;

async function writeAtomically(file: string, content: string): Promise<void> {
  tmpSequence += 1;
  const tmp = `${file}.${process.pid}.${tmpSequence}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
