import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { cpus, totalmem } from 'node:os';
import type { ServerProfile } from './bench/diagnostics';
import { benchIntake, type IntakeBenchResult } from './bench/intake';
import {
  benchOrderToCash,
  benchRecovery,
  type OrderToCashBenchResult,
  type RecoveryBenchResult,
} from './bench/orderToCash';
import { benchReconciliation, type ReconciliationBenchResult } from './bench/reconciliation';
import { startBenchStack } from './bench/stack';
import { repoRoot } from './temporalBinaries';

/**
 * `npm run bench`: the benchmark suite of docs/benchmark-and-chaos.md, on this machine, against the product as `npm start` runs it
 * (Temporal dev server on a SQLite file, sandbox peers, worker and API as separate processes) in a throw-away
 * DATA_DIR. Prints a table per measurement and writes the figures as JSON to bench/results/<time>.json.
 */
const integer =
  (min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
    return n;
  };

const measurements = ['intake', 'orderToCash', 'reconciliation', 'recovery'] as const;
type Measurement = (typeof measurements)[number];

const program = new Command('bench')
  .description('benchmark the order-to-cash product through the sandbox')
  .option('--only <list>', `comma-separated measurements to run (${measurements.join(', ')})`, (v: string) => {
    const picked = v.split(',').map((x) => x.trim());
    const unknown = picked.filter((x) => !(measurements as readonly string[]).includes(x));
    if (unknown.length > 0)
      throw new InvalidArgumentError(`unknown measurement ${unknown.join(', ')}: use ${measurements.join(', ')}`);
    return picked as Measurement[];
  })
  .option('--quick', "smaller runs (about three minutes in all: a smoke run, its figures are not the full run's)")
  .option('--events <n>', 'signed webhooks (and bare starts) in the intake measurement', integer(1))
  .option('--connections <n>', 'concurrent senders in the intake measurement', integer(1), 32)
  .option('--orders <n>', 'orders in the order-to-cash measurement', integer(1))
  .option('--recovery-orders <n>', 'orders in flight in the recovery measurement', integer(3))
  .option('--transactions <n>', 'balance transactions in the payout', integer(1))
  .option('--currency <code>', 'currency of the payout', 'usd')
  .option('--page-size <n>', 'lines per JSON page requested from the API', integer(1), 1_000)
  .option(
    '--profile <dir>',
    'write a V8 CPU profile (node --cpu-prof) of the worker, the API and the sandbox into <dir> as they stop',
  )
  .option('--keep', "keep the benchmark's DATA_DIR (Temporal database, reports) and print where it is")
  .option('--verbose', "show the product's logs");

function row(measure: string, value: string): string {
  return `| ${measure.padEnd(64)} | ${value.padStart(22)} |`;
}

function reconciliationTable(r: ReconciliationBenchResult): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const n = (x: number) => x.toLocaleString('en-US');
  const memory = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(1)} MB`);
  return [
    `Payout reconciliation: ${n(r.transactions)} balance transactions (${r.currency.toUpperCase()}), payout ${r.payoutId}`,
    row('measure', 'value'),
    `|${'-'.repeat(66)}|${'-'.repeat(24)}|`,
    row(`seed ${n(r.transactions)} charges in the sandbox (not the product)`, s(r.seedMs)),
    row('payout -> report served (webhooks, intake, read, book, publish)', s(r.seconds * 1000)),
    row('  of which the run read the transactions into the report store', s(r.readingMs)),
    row('  of which the run booked and published', s(r.bookingMs)),
    row(`JSON report: ${r.jsonPages} pages`, s(r.jsonMs)),
    row(`CSV report streamed (${(r.csvBytes / 1_048_576).toFixed(1)} MB)`, s(r.csvMs)),
    row('worker RSS before the payout', memory(r.workerRssBeforeMb)),
    row('worker peak RSS during reconciliation (VmHWM, reset at payout)', memory(r.peakRssMb)),
    row('worker peak RSS, whole life (process.resourceUsage().maxRSS)', memory(r.workerMaxRssLifetimeMb)),
    row('api peak RSS, whole life (process.resourceUsage().maxRSS)', memory(r.apiMaxRssLifetimeMb)),
    row('payout run: history events', n(r.maxHistoryEvents)),
    row('payout run: largest payload / all payloads', `${n(r.largestPayloadBytes)} B / ${n(r.allPayloadsBytes)} B`),
    row('Journal Entries balanced', `${r.journalEntriesBalanced} of ${r.journalEntries}`),
  ].join('\n');
}

function orderToCashTable(r: OrderToCashBenchResult): string {
  return [
    `Order to cash: ${r.orders} orders placed and paid in the sandbox, ${r.concurrency} at a time; each run ${r.shape.activities} steps (activities or local activities), ${r.shape.timers} timers`,
    row('measure', 'value'),
    `|${'-'.repeat(66)}|${'-'.repeat(24)}|`,
    row('orders completed end to end per second', `${r.rate}/s`),
    row('same-shape runs doing nothing, per second (same server, same run)', `${r.baselineRate}/s`),
    row('ratio (target ≥ 0.7)', String(r.ratio)),
    row('the same runs with their steps as local activities, per second', `${r.localBaselineRate}/s`),
    row('ratio against those', String(r.localRatio)),
    row('order run start -> invoiced, p50 / p99', `${r.p50Ms} ms / ${r.p99Ms} ms`),
    ...diagnosticsRows(r),
  ].join('\n');
}

function diagnosticsRows({ diagnostics: d, waits, baselineCpuSeconds }: OrderToCashBenchResult): string[] {
  const ms = (x: number | undefined) => (x === undefined ? 'n/a' : `${x} ms`);
  return [
    row(
      `task waits in history, orders (${waits.orders.runs} runs): workflow / activity`,
      `${ms(waits.orders.workflowTaskMs)} / ${ms(waits.orders.activityTaskMs)}`,
    ),
    row(
      `task waits in history, baseline (${waits.baseline.runs} runs): workflow / activity`,
      `${ms(waits.baseline.workflowTaskMs)} / ${ms(waits.baseline.activityTaskMs)}`,
    ),
    row('worker: workflow task wait (schedule-to-start), mean', ms(d.workflowTaskScheduleToStartMs)),
    row(
      `worker: workflow task execution, mean of ${d.workflowTasks} (${d.stickyCacheMisses} cache misses)`,
      ms(d.workflowTaskExecutionMs),
    ),
    row('worker: activity task wait (schedule-to-start), mean', ms(d.activityScheduleToStartMs)),
    ...d.activityExecutionMs
      .slice(0, 5)
      .map((a) => row(`  activity ${a.activityType} (${a.count}), mean`, ms(a.meanMs))),
    row('CPU seconds: ' + Object.keys(d.cpuSeconds).join(' / '), Object.values(d.cpuSeconds).join(' / ')),
    row('  the same for the baseline runs', Object.values(baselineCpuSeconds).join(' / ')),
    row(
      'HTTP requests per order: Magento / ERP / WMS / Stripe',
      (['magento', 'erp', 'wms', 'stripe'] as const).map((s) => d.requestsPerOrder[s] ?? '?').join(' / '),
    ),
  ];
}

function recoveryTable(r: RecoveryBenchResult): string {
  return [
    `Recovery: ${r.orders} orders in flight; the worker SIGKILLed and restarted after ${r.completedAtKill} had completed`,
    row('measure', 'value'),
    `|${'-'.repeat(66)}|${'-'.repeat(24)}|`,
    row('all completed, without a kill', `${r.baselineSeconds} s`),
    row('all completed, with the worker SIGKILLed once', `${r.seconds} s`),
    row('ratio (target ≤ 2)', String(r.ratio)),
  ].join('\n');
}

/** What the Temporal server's own metrics said of a paced run (see `serverProfile`). */
function serverRows(label: string, p: ServerProfile): string[] {
  const upTo = (ms: number | undefined) => (ms === undefined ? 'over 1 s' : `≤ ${ms} ms`);
  return [
    row(
      `${label}: start mean / 99% / share over 100 ms`,
      `${p.startMeanMs} ms / ${upTo(p.startP99UpToMs)} / ${(p.startsOver100MsShare * 100).toFixed(1)}%`,
    ),
    row(
      `${label}: start mean in history / its SQLite write, mean / 99%`,
      `${p.historyStartMeanMs} ms / ${p.createMeanMs} ms / ${upTo(p.createP99UpToMs)}`,
    ),
    row(
      `${label}: writes per start, tasks sync-matched`,
      `${p.writesPerStart} / ${Math.round(p.syncMatchedShare * 100)}%`,
    ),
  ];
}

function intakeTable(r: IntakeBenchResult): string {
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  return [
    `Intake: ${r.events.toLocaleString('en-US')} signed webhooks, ${r.connections} concurrent senders (autocannon), beside bare starts of the same workflow`,
    row('measure', 'value'),
    `|${'-'.repeat(66)}|${'-'.repeat(24)}|`,
    row('signed webhooks accepted (200) per second', `${r.rate}/s`),
    row('bare client.workflow.start per second (same server, same run)', `${r.baselineRate}/s`),
    row('ratio (target ≥ 0.9)', String(r.ratio)),
    row("bare starts per second with no worker polling (the server's ceiling)", `${r.ceilingRate}/s`),
    row('ratio against that ceiling', String(r.ceilingRatio)),
    row('ack p50 / p99 at full load', `${ms(r.p50Ms)} / ${ms(r.p99Ms)}`),
    row(
      `ack p50 / p99 at half that rate (${r.paced.rate}/s; target p99 ≤ 100 ms)`,
      `${ms(r.paced.p50Ms)} / ${ms(r.paced.p99Ms)}`,
    ),
    row(
      'bare client.workflow.start p50 / p99 at that rate (same server)',
      `${ms(r.paced.bareP50Ms)} / ${ms(r.paced.bareP99Ms)}`,
    ),
    ...serverRows('  server, webhooks at half rate', r.paced.server),
    ...serverRows('  server, bare starts at half rate', r.paced.bareServer),
    row(
      '  CPU cores used through the paced webhooks, by process',
      Object.entries(r.paced.cores)
        .map(([k, v]) => `${k} ${v}`)
        .join(' / '),
    ),
    row('answers other than 2xx', String(r.non2xx)),
  ].join('\n');
}

interface BenchOptions {
  only?: Measurement[];
  quick?: boolean;
  events?: number;
  connections: number;
  orders?: number;
  recoveryOrders?: number;
  transactions?: number;
  currency: string;
  pageSize: number;
  keep?: boolean;
  verbose?: boolean;
  profile?: string;
}

async function main(): Promise<void> {
  const opts = program.parse().opts<BenchOptions>();
  // The baseline worker of the order-to-cash measurement runs in this process: its logs only when they matter.
  Runtime.install({ logger: new DefaultLogger(opts.verbose ? 'INFO' : 'WARN') });
  const selected = new Set<Measurement>(opts.only ?? measurements);
  const dataDir = mkdtempSync(join(tmpdir(), 'o2c-bench-'));
  console.error(`starting Temporal, the sandbox, the worker and the API (DATA_DIR ${dataDir})…`);
  // Ctrl-C (or a kill) stops what the benchmark started, also while it is starting, so no server is left behind.
  let stopStack: (() => Promise<void>) | undefined;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(
      signal,
      () =>
        void (stopStack?.() ?? Promise.resolve()).finally(() => {
          if (!opts.keep) rmSync(dataDir, { recursive: true, force: true });
          process.exit(130);
        }),
    );
  }
  if (opts.profile) mkdirSync(opts.profile, { recursive: true });
  const stack = await startBenchStack(dataDir, {
    verbose: opts.verbose,
    profileDir: opts.profile,
    onStop: (stop) => void (stopStack = stop),
  });
  let intake: IntakeBenchResult | undefined;
  let reconciliation: ReconciliationBenchResult | undefined;
  let orderToCash: OrderToCashBenchResult | undefined;
  let recovery: RecoveryBenchResult | undefined;
  try {
    if (selected.has('intake')) {
      const events = opts.events ?? (opts.quick ? 1_000 : 5_000);
      console.error(
        `intake: ${events.toLocaleString('en-US')} signed webhooks and as many bare starts, ${opts.connections} at a time…`,
      );
      intake = await benchIntake(stack, { events, connections: opts.connections, pacedSeconds: opts.quick ? 5 : 15 });
      console.error(intakeTable(intake));
    }
    // The payout sweeps every available charge: reconciled before the storefront orders add theirs.
    if (selected.has('reconciliation')) {
      const transactions = opts.transactions ?? (opts.quick ? 2_000 : 20_000);
      console.error(`reconciling a payout of ${transactions.toLocaleString('en-US')} balance transactions…`);
      reconciliation = await benchReconciliation(stack, {
        transactions,
        currency: opts.currency,
        pageSize: opts.pageSize,
      });
      console.error(reconciliationTable(reconciliation));
    }
    if (selected.has('orderToCash')) {
      const orders = opts.orders ?? (opts.quick ? 50 : 300);
      console.error(`order to cash: ${orders} orders through the sandbox storefront, then as many same-shape runs…`);
      orderToCash = await benchOrderToCash(stack, { orders, concurrency: 8 });
      console.error(orderToCashTable(orderToCash));
    }
    if (selected.has('recovery')) {
      const orders = opts.recoveryOrders ?? (opts.quick ? 60 : 1_000);
      console.error(`recovery: ${orders} orders without, then with, a worker SIGKILL…`);
      recovery = await benchRecovery(stack, { orders, concurrency: 8 });
      console.error(recoveryTable(recovery));
    }
  } catch (err) {
    for (const p of Object.values(stack.processes)) if (p.tail.length > 0) console.error(p.tail.join('\n'));
    if (!opts.keep) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  } finally {
    await stack.stop();
  }
  // Each process wrote its own resourceUsage() as it exited.
  const lifetime = (kb: number | undefined) => (kb === undefined ? undefined : Math.round(kb / 102.4) / 10);
  if (reconciliation) {
    reconciliation.workerMaxRssLifetimeMb = lifetime(stack.processes.worker.usage()?.maxRSS);
    reconciliation.apiMaxRssLifetimeMb = lifetime(stack.processes.api.usage()?.maxRSS);
  }

  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
  console.log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, node ${machine.node}`);
  if (intake) console.log(`\n${intakeTable(intake)}`);
  if (orderToCash) console.log(`\n${orderToCashTable(orderToCash)}`);
  if (recovery) console.log(`\n${recoveryTable(recovery)}`);
  if (reconciliation) {
    console.log(`\n${reconciliationTable(reconciliation)}`);
    console.log(`checks: ${reconciliation.checks.join('; ')}`);
  }
  const outDir = join(repoRoot, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        machine,
        ...(intake ? { intake } : {}),
        ...(orderToCash ? { orderToCash } : {}),
        ...(reconciliation ? { reconciliation } : {}),
        ...(recovery ? { recovery } : {}),
      },
      null,
      2,
    )}\n`,
  );
  console.log(`written to ${file}`);
  if (opts.keep) console.log(`DATA_DIR kept at ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
