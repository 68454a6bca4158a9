import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { benchReconciliation, type ReconciliationBenchResult } from './bench/reconciliation';
import { startBenchStack } from './bench/stack';
import { repoRoot } from './temporalBinaries';

/**
 * `npm run bench`: the benchmark suite of DESIGN §8, on this machine, against the product as `npm start` runs it
 * (Temporal dev server on a SQLite file, sandbox peers, worker and API as separate processes) in a throw-away
 * DATA_DIR. Prints a table and writes the figures as JSON to bench-results/. Measured so far: payout reconciliation.
 */
const integer = (min: number) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
  return n;
};

const program = new Command('bench').description('benchmark the order-to-cash product through the sandbox')
  .option('--transactions <n>', 'balance transactions in the payout', integer(1), 20_000)
  .option('--currency <code>', 'currency of the payout', 'usd')
  .option('--page-size <n>', 'lines per JSON page requested from the API', integer(1), 1_000)
  .option('--keep', 'keep the benchmark\'s DATA_DIR (Temporal database, reports) and print where it is')
  .option('--verbose', 'show the product\'s logs');

function row(measure: string, value: string): string {
  return `| ${measure.padEnd(64)} | ${value.padStart(22)} |`;
}

function table(r: ReconciliationBenchResult): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const n = (x: number) => x.toLocaleString('en-US');
  const memory = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(1)} MB`);
  return [
    `Payout reconciliation: ${n(r.transactions)} balance transactions (${r.currency.toUpperCase()}), payout ${r.payoutId}`,
    row('measure', 'value'),
    `|${'-'.repeat(66)}|${'-'.repeat(24)}|`,
    row(`seed ${n(r.transactions)} charges in the sandbox (not the product)`, s(r.seedMs)),
    row('payout -> report served (webhooks, intake, read, book, publish)', s(r.reconcileMs)),
    row('  of which the run read the transactions into the report store', s(r.readingMs)),
    row('  of which the run booked and published', s(r.bookingMs)),
    row(`JSON report: ${r.jsonPages} pages`, s(r.jsonMs)),
    row(`CSV report streamed (${(r.csvBytes / 1_048_576).toFixed(1)} MB)`, s(r.csvMs)),
    row('worker RSS before the payout', memory(r.workerRssBeforeMb)),
    row('worker peak RSS during reconciliation (VmHWM, reset at payout)', memory(r.workerPeakRssDuringMb)),
    row('worker peak RSS, whole life (process.resourceUsage().maxRSS)', memory(r.workerMaxRssLifetimeMb)),
    row('api peak RSS, whole life (process.resourceUsage().maxRSS)', memory(r.apiMaxRssLifetimeMb)),
    row('payout run: history events', n(r.historyEvents)),
    row('payout run: largest payload / all payloads', `${n(r.largestPayloadBytes)} B / ${n(r.allPayloadsBytes)} B`),
    row('Journal Entries balanced', `${r.journalEntriesBalanced} of ${r.journalEntries}`),
  ].join('\n');
}

async function main(): Promise<void> {
  const opts = program.parse().opts<{ transactions: number; currency: string; pageSize: number; keep?: boolean; verbose?: boolean }>();
  const dataDir = mkdtempSync(join(tmpdir(), 'o2c-bench-'));
  console.error(`starting Temporal, the sandbox, the worker and the API (DATA_DIR ${dataDir})…`);
  // Ctrl-C (or a kill) stops what the benchmark started, also while it is starting, so no server is left behind.
  let stopStack: (() => Promise<void>) | undefined;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => void (stopStack?.() ?? Promise.resolve()).finally(() => {
      if (!opts.keep) rmSync(dataDir, { recursive: true, force: true });
      process.exit(130);
    }));
  }
  const stack = await startBenchStack(dataDir, { verbose: opts.verbose, onStop: (stop) => void (stopStack = stop) });
  let result: ReconciliationBenchResult;
  try {
    console.error(`reconciling a payout of ${opts.transactions.toLocaleString('en-US')} balance transactions…`);
    result = await benchReconciliation(stack, { transactions: opts.transactions, currency: opts.currency, pageSize: opts.pageSize });
  } catch (err) {
    for (const p of Object.values(stack.processes)) if (p.tail.length > 0) console.error(p.tail.join('\n'));
    if (!opts.keep) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  } finally {
    await stack.stop();
  }
  // Each process wrote its own resourceUsage() as it exited.
  const lifetime = (kb: number | undefined) => (kb === undefined ? undefined : Math.round(kb / 102.4) / 10);
  result.workerMaxRssLifetimeMb = lifetime(stack.processes.worker.usage()?.maxRSS);
  result.apiMaxRssLifetimeMb = lifetime(stack.processes.api.usage()?.maxRSS);

  console.log(table(result));
  console.log(`checks: ${result.checks.join('; ')}`);
  const outDir = join(repoRoot, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `reconciliation-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), node: process.version, platform: `${process.platform} ${process.arch}`, reconciliation: result }, null, 2)}\n`);
  console.log(`written to ${file}`);
  if (opts.keep) console.log(`DATA_DIR kept at ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
