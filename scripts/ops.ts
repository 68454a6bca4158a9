import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { formatMoney } from '../domain/money';
import { AdminClient } from './ops/adminClient';
import { customerSyncSummaryLine } from './ops/customerSync';
import { orderPageLines } from './ops/orderPage';
import { parseSince } from './ops/since';
import { inventorySyncLines } from './ops/inventorySync';
import { versionLines } from './ops/versions';

/** `npm run ops -- …`: the operator API from a terminal (order pages, fraud holds, review queue, catch-up from Stripe, payout reports). */
function adminToken(): string {
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  const secrets = join(process.env.DATA_DIR ?? '.data', 'secrets.json');
  if (existsSync(secrets)) {
    const token = (JSON.parse(readFileSync(secrets, 'utf8')) as { ADMIN_TOKEN?: string }).ADMIN_TOKEN;
    if (token) return token;
  }
  throw new Error('ADMIN_TOKEN is not set (and .data/secrets.json has none: is this the folder you ran npm start in?)');
}

const client = () =>
  new AdminClient(process.env.API_URL ?? `http://127.0.0.1:${process.env.API_PORT ?? 3000}`, adminToken());
const print = (json: boolean, value: unknown, table: () => void) =>
  json ? console.log(JSON.stringify(value, null, 2)) : table();

const program = new Command('ops')
  .description('Operate the order-to-cash orchestrator through its admin API')
  .option('--json', 'print JSON');

program
  .command('order <incrementId>')
  .description('one order: every run with its Web UI link, its documents in each system, its money and balances')
  .action(async (incrementId: string) => {
    const page = await client().orderPage(incrementId);
    print(program.opts().json, page, () => console.log(orderPageLines(page).join('\n')));
  });

program
  .command('refund <incrementId>')
  .description(
    'refund an order in Stripe (all that is left, or --amount); its refund run records the credit memo and ERP credit note',
  )
  .option('--amount <decimal>', "an amount in the order's currency, e.g. 12.50 (default: all that is left)")
  .option('--reason <reason>', 'requested_by_customer, fraudulent or duplicate', 'requested_by_customer')
  .option('--operator <name>', 'who refunds', process.env.USER ?? 'operator')
  .option('--note <text>', 'why')
  .option('--request-id <id>', 'the same id twice refunds once (default: a new one)')
  .action(
    async (
      incrementId: string,
      opts: { amount?: string; reason: string; operator: string; note?: string; requestId?: string },
    ) => {
      const result = await client().refundOrder(incrementId, {
        amount: opts.amount,
        reason: opts.reason,
        operator: opts.operator,
        note: opts.note,
        requestId: opts.requestId,
      });
      print(program.opts().json, result, () =>
        console.log(
          result.refundId
            ? `${incrementId}: ${formatMoney(result.amountMinor!, result.currency!)} refunded in Stripe (${result.refundId}); run ${result.workflowId}`
            : `${incrementId}: ${result.status ?? result.reason} (${result.workflowId})`,
        ),
      );
    },
  );

const fraud = program.command('fraud').description('fraud holds');
fraud
  .command('list')
  .description('orders held for a fraud decision')
  .action(async () => {
    const { holds } = await client().fraudHolds();
    print(program.opts().json, holds, () => {
      if (holds.length === 0) return console.log('no orders on hold');
      for (const h of holds)
        console.log(
          `${h.incrementId}  score ${h.score ?? '?'}  held until ${h.heldUntil ?? '?'}\n    ${h.reasons.join('\n    ')}`,
        );
    });
  });
for (const decision of ['approve', 'reject'] as const) {
  fraud
    .command(`${decision} <incrementId>`)
    .description(`${decision} a held order`)
    .option('--reviewer <name>', 'who decides', process.env.USER ?? 'operator')
    .option('--note <text>', 'why')
    .action(async (incrementId: string, opts: { reviewer: string; note?: string }) => {
      const result = await client().fraudDecision(incrementId, decision, opts.reviewer, opts.note);
      print(program.opts().json, result, () => console.log(`${result.workflowId}: ${decision} sent`));
    });
}

program
  .command('versions')
  .description('per workflow type: open runs per patch (and whether it may be deprecated or deleted) and per build')
  .action(async () => {
    const { workflowTypes } = await client().versions();
    print(program.opts().json, workflowTypes, () => console.log(versionLines(workflowTypes).join('\n')));
  });

const inventory = program.command('inventory').description("the stock sync (the warehouse's stock into Magento)");
inventory
  .command('status', { isDefault: true })
  .description('the Schedule and its newest run: SKUs written, SKUs on one side only, low stock')
  .action(async () => {
    const report = await client().inventorySync();
    print(program.opts().json, report, () => console.log(inventorySyncLines(report).join('\n')));
  });
inventory
  .command('run')
  .description('a sync now, buffered behind one already running')
  .action(async () => {
    await client().requestInventorySync();
    console.log('inventory-sync: a run was requested');
  });

const review = program.command('review').description('the review queue (runs parked on an error no retry can fix)');
review.command('list').action(async () => {
  const { items } = await client().reviewQueue();
  print(program.opts().json, items, () => {
    if (items.length === 0) return console.log('the review queue is empty');
    for (const i of items) console.log(`${i.workflowId}  (${i.workflowType}, since ${i.since})\n    ${i.reason ?? ''}`);
  });
});
for (const action of ['retry', 'skip'] as const) {
  review.command(`${action} <workflowId>`).action(async (workflowId: string) => {
    const result = await client().reviewAction(workflowId, action);
    print(program.opts().json, result, () => console.log(`${result.workflowId}: ${action} sent`));
  });
}

program
  .command('replay')
  .description('catch up on Stripe events since a time (webhooks that never arrived)')
  .requiredOption('--since <when>', '2d, 36h, 90m, epoch seconds or ISO 8601 (Stripe keeps 30 days)')
  .action(async (opts: { since: string }) => {
    const admin = client();
    const started = await admin.startReplay(parseSince(opts.since));
    const bar =
      process.stdout.isTTY && !program.opts().json
        ? new SingleBar(
            {
              format: 'replay |{bar}| {seen} events · {started} started · {duplicates} known · {ignored} ignored',
              hideCursor: true,
            },
            Presets.shades_classic,
          )
        : undefined;
    bar?.start(1, 0, { seen: 0, started: 0, duplicates: 0, ignored: 0 });
    for (;;) {
      const { status, progress } = await admin.replayStatus(started.status);
      bar?.setTotal(Math.max(1, progress.seen));
      bar?.update(progress.seen, progress);
      if (status !== 'RUNNING') {
        bar?.stop();
        print(program.opts().json, { workflowId: started.workflowId, status, ...progress }, () =>
          console.log(
            `${status.toLowerCase()}: ${progress.seen} events seen, ${progress.started} started, ${progress.duplicates} already known, ${progress.ignored} ignored`,
          ),
        );
        if (status !== 'COMPLETED') process.exitCode = 1;
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  });

const customers = program.command('customers').description('the customer sync (Magento ⇄ Stripe ⇄ ERP)');
customers
  .command('sync')
  .description(
    'backfill: hand every Magento customer changed since a time to its sync run, and sum up what the runs did',
  )
  .requiredOption('--since <when>', '30d, 36h, 90m, epoch seconds or ISO 8601')
  .action(async (opts: { since: string }) => {
    const admin = client();
    const started = await admin.startCustomerSync(parseSince(opts.since));
    const bar =
      process.stdout.isTTY && !program.opts().json
        ? new SingleBar(
            {
              format:
                'customers |{bar}| {read} read · {created} created · {updated} updated · {unchanged} unchanged · {conflicts} conflicts',
              hideCursor: true,
            },
            Presets.shades_classic,
          )
        : undefined;
    bar?.start(1, 0, { read: 0, created: 0, updated: 0, unchanged: 0, conflicts: 0 });
    for (;;) {
      const { status, progress, summary } = await admin.customerSyncStatus(started.status);
      bar?.setTotal(Math.max(1, progress.read + (progress.more ? 1000 : 0)));
      bar?.update(progress.read, { created: 0, updated: 0, conflicts: 0, ...progress, ...summary });
      if (status !== 'RUNNING') {
        bar?.stop();
        print(
          program.opts().json,
          { workflowId: started.workflowId, status, ...progress, ...(summary ? { summary } : {}) },
          () => console.log(`${status.toLowerCase()}: ${customerSyncSummaryLine(progress, summary)}`),
        );
        if (status !== 'COMPLETED') process.exitCode = 1;
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  });

program
  .command('payout <payoutId>')
  .description('the reconciliation report of a Stripe payout (po_…)')
  .option('--csv', 'print every balance transaction as CSV (streamed)')
  .action(async (payoutId: string, opts: { csv?: boolean }) => {
    const admin = client();
    const stillRunning = (p?: { step: string; pages: number; lines: number }) => {
      console.error(
        `${payoutId} is still being reconciled${p ? ` (${p.step}: ${p.pages} pages, ${p.lines} transactions so far)` : ''}; try again shortly`,
      );
      process.exitCode = 2;
    };
    if (opts.csv) {
      const answer = await admin.payoutReconciliationCsv(payoutId);
      if (answer.status === 'running') return stillRunning(answer.progress);
      await pipeline(answer.csv, process.stdout, { end: false });
      return;
    }
    const json = program.opts().json;
    // The table needs only the head; --json prints every line, fetched a page (10,000) at a time.
    const first = await admin.payoutReconciliation(payoutId, 1, json ? 10_000 : 1);
    if (first.status === 'running') return stillRunning(first.progress);
    const report = first.report;
    for (let page = report.paging.nextPage; json && page !== null;) {
      const next = await admin.payoutReconciliation(payoutId, page, 10_000);
      if (next.status !== 'reconciled')
        throw new Error(`${payoutId}: the report changed while it was read; run the command again`);
      report.lines.push(...next.report.lines);
      page = next.report.paging.nextPage;
    }
    const { paging: _paging, ...whole } = report;
    print(json, whole, () => {
      const { payout, summary, journalEntry } = report;
      const money = (minor: number) => formatMoney(minor, payout.currency);
      console.log(
        `${payout.id}  ${money(payout.amountMinor)}  ${summary.matches ? 'reconciled' : 'NOT reconciled'}  ` +
          `(${summary.totals.count} transactions; journal entry ${journalEntry.name})`,
      );
      for (const [category, t] of Object.entries(summary.byCategory)) {
        console.log(
          `  ${category.padEnd(18)} ${String(t.count).padStart(6)}  gross ${money(t.grossMinor)}  fee ${money(t.feeMinor)}  net ${money(t.netMinor)}`,
        );
      }
      console.log(
        `  ${'total'.padEnd(18)} ${String(summary.totals.count).padStart(6)}  gross ${money(summary.totals.grossMinor)}  ` +
          `fee ${money(summary.totals.feeMinor)}  net ${money(summary.totals.netMinor)}`,
      );
      if (report.reversal)
        console.log(
          `  REVERSED: payout ${report.reversal.status}${report.reversal.failureCode ? ` (${report.reversal.failureCode})` : ''}; journal entry ${report.reversal.name} reverses ${report.reversal.reversedEntry}`,
        );
      for (const note of report.notes) console.log(`  note: ${note}`);
    });
  });

program.parseAsync().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
