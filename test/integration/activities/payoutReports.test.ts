import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import axios from 'axios';
import type Stripe from 'stripe';
import {
  FilePayoutReportStore,
  ReportStoreError,
  type PayoutReportStore,
} from '../../../integrations/storage/payoutReportStore';
import {
  createPayoutTransactionActivities,
  type CollectedPayoutTransactions,
} from '../../../activities/stripe/payoutTransactions';
import type { PayoutReportHead, ReadingCheckpoint } from '../../../domain/payoutReport';
import { summarizePayout, summarizeTally, type PayoutLine } from '../../../domain/reconciliation';
import { startStripeSandbox, type StripeHarness } from '../sandbox/stripeHarness';

let sequence = 0;
const line = (grossMinor: number, feeMinor = 30): PayoutLine => {
  sequence += 1;
  return {
    id: `txn_${sequence}`,
    type: 'charge',
    reportingCategory: 'charge',
    grossMinor,
    feeMinor,
    netMinor: grossMinor - feeMinor,
    currency: 'USD',
    availableOn: 1_800_000_000,
  };
};

function headOf(payoutId: string, lines: PayoutLine[], reading: PayoutReportHead['reading']): PayoutReportHead {
  const payout = {
    id: payoutId,
    amountMinor: lines.reduce((s, l) => s + l.netMinor, 0),
    currency: 'USD',
    status: 'paid',
    automatic: true,
    arrivalDate: 0,
    reconciliationStatus: 'completed',
  };
  const summary = summarizePayout(lines, payout);
  return {
    outcome: 'reconciled',
    payout,
    summary,
    reading,
    notes: [],
    journalEntry: {
      name: 'ACC-JV-1',
      created: true,
      journal: { currency: 'USD', lines: [], totalDebitMinor: 0, totalCreditMinor: 0 },
    },
  };
}

describe('payout report store (files under DATA_DIR)', () => {
  let dir: string;
  let store: FilePayoutReportStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'payout-store-'));
    store = new FilePayoutReportStore(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('publishes a reading written page by page, and serves any range of its lines and every page in order', async () => {
    const pages = [[line(1_000), line(2_000), line(3_000)], [line(4_000)], [], [line(5_000), line(6_000)]];
    for (const [i, page] of pages.entries()) await store.writePage('po_A1', 'run1-1', i, page);
    expect(await store.getReport('po_A1')).toBeUndefined();
    expect(await store.readingProgress('po_A1')).toEqual({ readingId: 'run1-1', pages: 4, lines: 6 });
    const all = pages.flat();
    await store.publish(headOf('po_A1', all, { readingId: 'run1-1', pages: 4, lines: 6 }));

    expect((await store.getReport('po_A1'))?.reading).toEqual({ readingId: 'run1-1', pages: 4, lines: 6 });
    expect(await store.readLines('po_A1', 0, 100)).toEqual(all);
    expect(await store.readLines('po_A1', 2, 3)).toEqual(all.slice(2, 5));
    expect(await store.readLines('po_A1', 5, 10)).toEqual(all.slice(5));
    expect(await store.readLines('po_A1', 6, 10)).toEqual([]);
    const streamed: PayoutLine[][] = [];
    for await (const page of store.pages('po_A1')) streamed.push(page);
    expect(streamed).toEqual(pages);
    expect(await store.readingProgress('po_A1')).toBeUndefined();
  });

  it('rewrites later pages when a reading resumes from an earlier checkpoint, and refuses a head its pages do not add up to', async () => {
    for (let i = 0; i < 4; i++) await store.writePage('po_B1', 'run2-1', i, [line(100 * (i + 1))]);
    await store.writePage('po_B1', 'run2-1', 2, [line(7), line(8)]); // resumed after page 1: pages 2… are written again
    await expect(store.writePage('po_B1', 'run2-1', 5, [])).rejects.toThrow(ReportStoreError);
    await expect(store.publish(headOf('po_B1', [], { readingId: 'run2-1', pages: 4, lines: 4 }))).rejects.toThrow(
      'reading run2-1 of po_B1 holds 3 pages and 4 lines, not the 4 pages and 4 lines the report names',
    );
    await store.publish(headOf('po_B1', [], { readingId: 'run2-1', pages: 3, lines: 4 }));
    expect((await store.readLines('po_B1', 0, 10)).map((l) => l.grossMinor)).toEqual([100, 200, 7, 8]);
  });

  it('replaces a report on a re-run, keeps the previous reading for readers still on it, drops older ones, and notes a reversal', async () => {
    for (const reading of ['r-1', 'r-2', 'r-3']) {
      await store.writePage('po_C1', reading, 0, [line(1_000)]);
      await store.publish(headOf('po_C1', [], { readingId: reading, pages: 1, lines: 1 }));
    }
    expect(readdirSync(join(dir, 'po_C1', 'readings')).sort()).toEqual(['r-2', 'r-3']);
    expect(
      await store.recordReversal('po_C1', {
        status: 'failed',
        failureCode: 'account_closed',
        reversedEntry: 'ACC-JV-1',
        name: 'ACC-JV-2',
        created: true,
      }),
    ).toBe(true);
    expect((await store.getReport('po_C1'))?.reversal).toMatchObject({ name: 'ACC-JV-2', reversedEntry: 'ACC-JV-1' });
    expect(
      await store.recordReversal('po_None1', { status: 'failed', reversedEntry: 'x', name: 'y', created: true }),
    ).toBe(false);
  });

  it('takes only Stripe payout ids and plain reading ids as names, so nothing is written outside its directory', async () => {
    await expect(store.writePage('../etc', 'r-1', 0, [])).rejects.toThrow(ReportStoreError);
    await expect(store.writePage('po_D1', '../../x', 0, [])).rejects.toThrow(ReportStoreError);
    await expect(store.getReport('po_D1/../../x')).rejects.toThrow(ReportStoreError);
  });
});

describe('collectPayoutTransactions against the Stripe sandbox', () => {
  let h: StripeHarness;
  let dir: string;
  let store: FilePayoutReportStore;
  beforeAll(async () => {
    h = await startStripeSandbox();
  });
  afterAll(async () => h.close());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'payout-collect-'));
    store = new FilePayoutReportStore(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function seededPayout(count: number, currency: string): Promise<Stripe.Payout> {
    await axios.post(`${h.baseUrl}/__sandbox/balance/seed`, { count, currency });
    return (await axios.post<{ data: Stripe.Payout[] }>(`${h.baseUrl}/__sandbox/payouts`, { currency })).data.data[0]!;
  }

  const input = (payout: Stripe.Payout, readingId: string) => ({
    payoutId: payout.id,
    currency: payout.currency.toUpperCase(),
    automatic: payout.automatic,
    created: payout.created,
    readingId,
  });

  it('writes 250 transactions to the store in three pages and returns only the totals, which match the payout', async () => {
    const payout = await seededPayout(250, 'usd');
    const { collectPayoutTransactions } = createPayoutTransactionActivities(h.stripe, store);
    const heartbeats: ReadingCheckpoint[] = [];
    const env = new MockActivityEnvironment();
    env.on('heartbeat', (d: ReadingCheckpoint) => heartbeats.push(d));
    const collected: CollectedPayoutTransactions = await env.run(collectPayoutTransactions, input(payout, 'run-1'));

    expect(collected).toMatchObject({ readingId: 'run-1', pages: 3, lines: 250 });
    expect(
      summarizeTally(collected.tally, { id: payout.id, amountMinor: payout.amount, currency: 'USD' }),
    ).toMatchObject({ matches: true });
    expect(heartbeats.map((b) => [b.pages, b.lines])).toEqual([
      [1, 100],
      [2, 200],
      [3, 250],
    ]);
    expect(JSON.stringify(collected).length).toBeLessThan(1_000);
    const lines = [0, 1, 2]
      .map((i) => readFileSync(join(dir, payout.id, 'readings', 'run-1', `00000${i}.jsonl`), 'utf8'))
      .join('')
      .trim()
      .split('\n')
      .map((row) => JSON.parse(row) as PayoutLine);
    expect(lines).toHaveLength(250);
    expect(lines.every((l) => l.magentoOrderId?.startsWith('SEED-') && l.reportingCategory === 'charge')).toBe(true);
  });

  it('resumes a failed attempt from its last heartbeat: the pages before it are not read from Stripe again, and the totals are those of one reading', async () => {
    const payout = await seededPayout(420, 'jpy');
    let failOnPage: number | undefined = 3;
    const flaky: PayoutReportStore = Object.assign(Object.create(store) as PayoutReportStore, {
      writePage: async (payoutId: string, readingId: string, pageIndex: number, lines: readonly PayoutLine[]) => {
        if (pageIndex === failOnPage) throw new Error('disk full');
        return store.writePage(payoutId, readingId, pageIndex, lines);
      },
    });
    const { collectPayoutTransactions } = createPayoutTransactionActivities(h.stripe, flaky);
    let last: ReadingCheckpoint | undefined;
    const first = new MockActivityEnvironment();
    first.on('heartbeat', (d: ReadingCheckpoint) => void (last = d));
    await expect(first.run(collectPayoutTransactions, input(payout, 'run-2'))).rejects.toThrow('disk full');
    expect(last).toMatchObject({ pages: 3, lines: 300 });

    failOnPage = undefined;
    const requestsBefore = (
      await axios.get<Array<{ path: string; query: Record<string, unknown> }>>(`${h.baseUrl}/__sandbox/requests`)
    ).data.length;
    const again = new MockActivityEnvironment({ heartbeatDetails: last });
    const resumed: CollectedPayoutTransactions = await again.run(collectPayoutTransactions, input(payout, 'run-2'));
    const requests = (
      await axios.get<Array<{ path: string; query: Record<string, unknown> }>>(`${h.baseUrl}/__sandbox/requests`)
    ).data
      .slice(requestsBefore)
      .filter((r) => r.path === '/v1/balance_transactions');
    expect(requests).toHaveLength(2);
    expect(requests[0]!.query.starting_after).toBe(last!.startingAfter);

    const fresh: CollectedPayoutTransactions = await new MockActivityEnvironment().run(
      createPayoutTransactionActivities(h.stripe, store).collectPayoutTransactions,
      input(payout, 'run-3'),
    );
    expect(resumed).toEqual({ ...fresh, readingId: 'run-2' });
    expect(resumed).toMatchObject({ pages: 5, lines: 420 });
    await store.publish(headOf(payout.id, [], { readingId: 'run-2', pages: 5, lines: 420 }));
    expect(new Set((await store.readLines(payout.id, 0, 1_000)).map((l) => l.id)).size).toBe(420);
  });
});
