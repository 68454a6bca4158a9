import { SingleBar } from 'cli-progress';
import { formatMoney } from '../../domain/money';
import type { OrderOutcome, ProgressListener, ShopSummary } from './placeOrders';

export interface ProgressReporter {
  onProgress: ProgressListener;
  stop(): void;
}

function describe(o: OrderOutcome): string {
  const order = o.incrementId ? `#${o.incrementId}` : '(not placed)';
  const amount = formatMoney(o.grandTotalMinor, o.currency);
  if (o.result === 'paid')
    return `${order} ${amount} paid ${o.paymentIntentId ?? ''}${o.riskLevel && o.riskLevel !== 'normal' ? ` (risk ${o.riskLevel})` : ''}`;
  if (o.result === 'declined')
    return `${order} ${amount} declined (${o.declineCode ?? 'card_declined'}) ${o.paymentIntentId ?? ''}`;
  return `${order} ${amount} FAILED: ${o.error ?? 'unknown error'}`;
}

/** A progress bar on an interactive terminal; one plain line per order when stdout is piped or in CI. */
export function progressReporter(
  total: number,
  interactive: boolean,
  out: NodeJS.WritableStream = process.stdout,
): ProgressReporter {
  if (!interactive) {
    const width = String(total).length;
    return {
      onProgress: (o, done) => void out.write(`[${String(done).padStart(width)}/${total}] ${describe(o)}\n`),
      stop: () => undefined,
    };
  }
  const counts = { paid: 0, declined: 0, failed: 0 };
  const failures: string[] = [];
  const bar = new SingleBar({
    format: 'orders {bar} {value}/{total} | paid {paid} · declined {declined} · failed {failed} | {duration_formatted}',
    hideCursor: true,
  });
  bar.start(total, 0, counts);
  return {
    onProgress: (o, done) => {
      counts[o.result] += 1;
      if (o.error) failures.push(o.error);
      bar.update(done, counts);
    },
    stop: () => {
      bar.stop();
      for (const failure of failures) out.write(`FAILED: ${failure}\n`);
    },
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '))
    .join('\n');
}

export function formatSummary(summary: ShopSummary): string {
  const counts = table([
    ['orders requested', String(summary.requested)],
    ['placed in Magento', String(summary.placed)],
    ['paid', String(summary.paid)],
    ['declined', String(summary.declined)],
    ['flagged elevated', String(summary.flaggedElevated)],
    ['unexpected errors', String(summary.failed)],
    ['elapsed', `${(summary.elapsedMs / 1000).toFixed(1)} s`],
    ['seed', String(summary.seed)],
  ]);
  const perCurrency = table([
    ['currency', 'orders', 'placed (minor)', 'paid (minor)', 'declined (minor)', 'paid (decimal)'],
    ...Object.entries(summary.perCurrency).map(([currency, t]) => [
      currency,
      String(t.orders),
      String(t.placedMinor),
      String(t.paidMinor),
      String(t.declinedMinor),
      formatMoney(t.paidMinor, currency),
    ]),
  ]);
  return `\n${counts}\n\n${perCurrency}\n`;
}
