import { writeFileSync } from 'node:fs';
import { dataConverterFrom } from '../../config/payloadCodec';
import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import axios from 'axios';
import { ErpClient } from '../../integrations/erp/client';
import { payoutWorkflowId } from '../../domain/eventRouting';
import { toMinor } from '../../domain/money';
import type { PayoutReportHead } from '../../domain/payoutReport';
import { csvHeader, type PayoutLine } from '../../domain/reconciliation';
import type { PayoutStatus } from '../../workflows/payoutReconciliation';
import { waitForPollers } from '../taskQueuePollers';
import { memoryOf, type BenchStack } from './stack';

export interface ReconciliationBenchOptions {
  transactions: number;
  currency: string;
  /** Lines per JSON page the benchmark asks the API for. */
  pageSize: number;
}

export interface ReconciliationBenchResult {
  transactions: number;
  currency: string;
  payoutId: string;
  payoutAmountMinor: number;
  seedMs: number;
  /** Seconds from the sandbox's payout to the report answering 200: webhooks, intake, the run reading, booking, publishing. */
  seconds: number;
  /** The run's own steps, from its status timestamps. */
  readingMs: number;
  bookingMs: number;
  jsonPages: number;
  jsonMs: number;
  csvBytes: number;
  csvMs: number;
  /** The worker's peak resident set from the payout to the report served (VmHWM, reset at the payout). */
  peakRssMb?: number;
  workerRssBeforeMb?: number;
  workerMaxRssLifetimeMb?: number;
  apiMaxRssLifetimeMb?: number;
  /** Events in the payout run's history, the largest of the runs a payout makes (its intake runs have fewer). */
  maxHistoryEvents: number;
  largestPayloadBytes: number;
  allPayloadsBytes: number;
  journalEntries: number;
  journalEntriesBalanced: number;
  checks: string[];
}

const mb = (kb: number | undefined) => (kb === undefined || Number.isNaN(kb) ? undefined : Math.round(kb / 102.4) / 10);

function check(checks: string[], ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark check failed: ${what}`);
  checks.push(what);
}

/** Linux only: resets the process's peak RSS to its current RSS (`/proc/<pid>/clear_refs`, value 5), so the peak that follows is this run's. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function payloadSizes(history: proto.api.history.v1.IHistory): number[] {
  const sizes: number[] = [];
  const walk = (value: unknown): void => {
    if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return;
    if (Array.isArray(value)) return value.forEach(walk);
    const record = value as Record<string, unknown>;
    if (Array.isArray(record.payloads)) {
      for (const p of record.payloads as proto.api.common.v1.IPayload[]) {
        sizes.push((p.data?.length ?? 0) + Object.values(p.metadata ?? {}).reduce((s, m) => s + (m?.length ?? 0), 0));
      }
    }
    Object.entries(record)
      .filter(([key]) => key !== 'payloads')
      .forEach(([, child]) => walk(child));
  };
  walk(history.events ?? []);
  return sizes;
}

/**
 * Reconciliation (docs/benchmark-and-chaos.md): a payout of N balance transactions through the sandbox, end to end: seeded charges, the sandbox's
 * automatic payout and its signed webhooks, the product's intake and payout run, the report served as JSON pages
 * and CSV, every Journal Entry balanced. Reports wall times, the worker's peak RSS and the run's history size.
 */
export async function benchReconciliation(
  stack: BenchStack,
  options: ReconciliationBenchOptions,
): Promise<ReconciliationBenchResult> {
  const checks: string[] = [];
  const admin = { Authorization: `Bearer ${stack.env.ADMIN_TOKEN}` };
  const connection = await Connection.connect({ address: stack.temporal.address });
  const client = new Client({ connection, dataConverter: dataConverterFrom(stack.env) });
  try {
    await waitForPollers(client, stack.env.TEMPORAL_TASK_QUEUE ?? 'order-to-cash');
    const currency = options.currency.toLowerCase();

    let started = Date.now();
    const seeded = (
      await axios.post<{ count: number; net: number }>(`${stack.urls.stripe}/__sandbox/balance/seed`, {
        count: options.transactions,
        currency,
      })
    ).data;
    const seedMs = Date.now() - started;

    const workerPid = stack.processes.worker.child.pid!;
    const before = memoryOf(workerPid);
    const peakReset = resetPeak(workerPid);
    started = Date.now();
    const { data: made } = await axios.post<{ data: Array<{ id: string; amount: number }> }>(
      `${stack.urls.stripe}/__sandbox/payouts`,
      { currency },
    );
    const payout = made.data[0];
    if (!payout || made.data.length !== 1)
      throw new Error(`expected one ${currency} payout, the sandbox made ${made.data.length}`);
    const reportUrl = `${stack.urls.api}/admin/payouts/${payout.id}/reconciliation`;
    let head: PayoutReportHead & { lines: PayoutLine[]; paging: { pageCount: number; nextPage: number | null } };
    for (;;) {
      const res = await axios.get(`${reportUrl}?pageSize=${options.pageSize}`, {
        headers: admin,
        validateStatus: () => true,
      });
      if (res.status === 200) {
        head = res.data;
        break;
      }
      if (res.status !== 404 && res.status !== 202)
        throw new Error(`the report of ${payout.id} answered ${res.status}: ${JSON.stringify(res.data)}`);
      if (Date.now() - started > 30 * 60_000)
        throw new Error(`the report of ${payout.id} was not ready after 30 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const reconcileMs = Date.now() - started;
    const during = memoryOf(workerPid);

    // The JSON report, a page at a time.
    started = Date.now();
    const lines: PayoutLine[] = [...head.lines];
    let pages = 1;
    for (let page = head.paging.nextPage; page !== null; pages++) {
      const { data } = await axios.get(`${reportUrl}?page=${page}&pageSize=${options.pageSize}`, { headers: admin });
      lines.push(...data.lines);
      page = data.paging.nextPage;
    }
    const jsonMs = Date.now() - started;
    check(
      checks,
      lines.length === options.transactions && new Set(lines.map((l) => l.id)).size === options.transactions,
      `JSON: ${options.transactions} distinct lines in ${pages} pages`,
    );
    check(
      checks,
      lines.reduce((s, l) => s + l.netMinor, 0) === payout.amount && seeded.net === payout.amount,
      'JSON: the lines net to the payout amount',
    );

    // The CSV report, streamed.
    started = Date.now();
    const csv = (
      await axios.get<string>(`${reportUrl}?format=csv`, {
        headers: admin,
        responseType: 'text',
        transformResponse: (b) => b,
      })
    ).data;
    const csvMs = Date.now() - started;
    const rows = csv.trimEnd().split('\r\n');
    check(
      checks,
      rows[0] === csvHeader.join(',') && rows.length === options.transactions + 1,
      `CSV: a header and ${options.transactions} rows`,
    );
    check(
      checks,
      rows.slice(1).reduce((s, row) => s + toMinor(row.split(',')[9]!, currency), 0) === payout.amount,
      'CSV: the rows net to the payout amount',
    );

    // Every Journal Entry the ERP holds is balanced, and the payout has exactly one.
    const erp = new ErpClient({
      baseUrl: stack.urls.erp,
      apiKey: stack.env.ERP_API_KEY!,
      apiSecret: stack.env.ERP_API_SECRET!,
    });
    const entries = await erp.listDocs<{ name: string; cheque_no: string; total_debit: number; total_credit: number }>(
      'Journal Entry',
      { fields: ['name', 'cheque_no', 'total_debit', 'total_credit'], limit: 0 },
    );
    const balanced = entries.filter(
      (e) => toMinor(e.total_debit, currency) === toMinor(e.total_credit, currency),
    ).length;
    check(
      checks,
      entries.filter((e) => e.cheque_no === payout.id).length === 1,
      'ERP: one Journal Entry for the payout',
    );
    check(checks, balanced === entries.length, `ERP: ${balanced} of ${entries.length} Journal Entries balanced`);

    // What Temporal holds for the run: its history, whatever the payout's size.
    const handle = client.workflow.getHandle(payoutWorkflowId(payout.id));
    const history = await handle.fetchHistory();
    const sizes = payloadSizes(history);
    const status = await handle.query<PayoutStatus>('status');
    const at = (step: string) => Date.parse(status.timestamps[step] ?? '');
    check(checks, status.lines === options.transactions, `the run read ${status.lines} lines`);

    return {
      transactions: options.transactions,
      currency,
      payoutId: payout.id,
      payoutAmountMinor: payout.amount,
      seedMs,
      seconds: reconcileMs / 1000,
      readingMs: at('booking') - at('reading_transactions'),
      bookingMs: at('completed') - at('booking'),
      jsonPages: pages,
      jsonMs,
      csvBytes: Buffer.byteLength(csv),
      csvMs,
      peakRssMb: peakReset ? mb(during?.peakKb) : undefined,
      workerRssBeforeMb: mb(before?.rssKb),
      maxHistoryEvents: history.events?.length ?? 0,
      largestPayloadBytes: Math.max(0, ...sizes),
      allPayloadsBytes: sizes.reduce((s, n) => s + n, 0),
      journalEntries: entries.length,
      journalEntriesBalanced: balanced,
      checks,
    };
  } finally {
    await connection.close();
  }
}
