import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { startBenchStack } from './bench/stack';
import { runChaos, type ChaosReport } from './chaos/run';

/**
 * `npm run chaos`: the product as separate processes (Temporal dev server on a SQLite file, the sandbox, the API, two
 * workers), storefront traffic through a Stripe that duplicates and shuffles its webhooks, and meanwhile Magento
 * faults, an ERP outage, workers, the Temporal server and the API killed and restarted. Then the sandboxes' own
 * records are checked. Exits 1 when anything was lost, duplicated, booked without a cause, or a run failed.
 */
const integer =
  (min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
    return n;
  };

const program = new Command('chaos')
  .description("order to cash under faults, kills and duplicated webhooks, checked from the sandboxes' records")
  .option('--quick', 'a shorter run (about two minutes), as `npm test` runs it')
  .option('--orders <n>', 'storefront orders', integer(1))
  .option('--seed <n>', 'seed of the storefront traffic', integer(0), 7)
  .option('--keep', 'keep the DATA_DIR (Temporal database) and print where it is')
  .option('--verbose', "show the product's logs");

export function chaosTable(r: ChaosReport): string {
  const row = (a: string, b: string) => `| ${a.padEnd(76)} | ${b.padStart(12)} |`;
  const rule = `|${'-'.repeat(78)}|${'-'.repeat(14)}|`;
  return [
    'Injected',
    row('what', 'at'),
    rule,
    ...r.injected.map((i) => row(i.what, `${i.atSeconds} s`)),
    '',
    "Found (from the sandboxes' own records)",
    row('check', 'result'),
    rule,
    row(`orders placed / paid / declined`, `${r.orders.placed} / ${r.orders.paid} / ${r.orders.declined}`),
    row(
      'paid orders completed / compensated / held for a fraud decision / parked',
      `${r.orders.completed}/${r.orders.compensated}/${r.orders.held}/${r.orders.parked}`,
    ),
    row('webhook events / extra copies Stripe sent', `${r.deliveries.events} / ${r.deliveries.duplicatesSent}`),
    row('completed orders missing a document (lost)', String(r.lost.length)),
    row('orders with a document twice (duplicated)', String(r.duplicated.length)),
    row('documents of an order never paid (without cause)', String(r.withoutCause.length)),
    row('partial refunds / with exactly one equal credit memo', `${r.refunds.made} / ${r.refunds.memosMatching}`),
    row('runs Failed, TimedOut or Terminated', String(r.failedRuns)),
    row('seconds', String(r.seconds)),
    ...[...r.lost, ...r.duplicated, ...r.withoutCause, ...r.refunds.mismatched, ...r.parkedReasons].map(
      (line) => `  ${line}`,
    ),
  ].join('\n');
}

export function chaosPassed(r: ChaosReport): boolean {
  return (
    r.lost.length === 0 &&
    r.duplicated.length === 0 &&
    r.withoutCause.length === 0 &&
    r.refunds.mismatched.length === 0 &&
    r.failedRuns === 0
  );
}

async function main(): Promise<void> {
  const opts = program
    .parse()
    .opts<{ quick?: boolean; orders?: number; seed: number; keep?: boolean; verbose?: boolean }>();
  const dataDir = mkdtempSync(join(tmpdir(), 'o2c-chaos-'));
  let stopStack: (() => Promise<void>) | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void (stopStack?.() ?? Promise.resolve()).finally(() => process.exit(130)));
  }
  console.error(`starting Temporal, the sandbox, the API and two workers (DATA_DIR ${dataDir})…`);
  const stack = await startBenchStack(dataDir, {
    verbose: opts.verbose,
    workers: 2,
    onStop: (stop) => void (stopStack = stop),
  });
  let report: ChaosReport;
  try {
    report = await runChaos(
      stack,
      opts.quick
        ? {
            orders: opts.orders ?? 16,
            erpOutageSeconds: 20,
            stepSeconds: 3,
            refunds: 2,
            seed: opts.seed,
            log: (l) => console.error(l),
          }
        : {
            orders: opts.orders ?? 60,
            erpOutageSeconds: 60,
            stepSeconds: 8,
            refunds: 5,
            seed: opts.seed,
            log: (l) => console.error(l),
          },
    );
  } finally {
    await stack.stop();
    if (opts.keep) console.error(`DATA_DIR kept at ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(chaosTable(report));
  process.exitCode = chaosPassed(report) ? 0 : 1;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}
