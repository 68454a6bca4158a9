import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { historiesDir } from '../harness/recordHistories';
import { workflowsPath } from '../../worker/worker';

type History = temporal.api.history.v1.IHistory;

const files = readdirSync(historiesDir)
  .filter((f) => f.endsWith('.binpb'))
  .sort();

function load(file: string): History {
  return temporal.api.history.v1.History.decode(readFileSync(join(historiesDir, file)));
}

async function replay(histories: Array<{ workflowId: string; history: History }>) {
  const results: Array<{ workflowId: string; error?: Error }> = [];
  for await (const result of Worker.runReplayHistories(
    { workflowsPath, replayName: 'recorded-histories' },
    histories,
  )) {
    results.push({ workflowId: result.workflowId, ...(result.error ? { error: result.error } : {}) });
  }
  return results;
}

/** The activity type of each ActivityTaskScheduled event, in order. */
function scheduledActivities(history: History): string[] {
  return (history.events ?? []).flatMap((e) =>
    e.activityTaskScheduledEventAttributes?.activityType?.name
      ? [e.activityTaskScheduledEventAttributes.activityType.name]
      : [],
  );
}

describe('recorded workflow histories replay on the current workflow code', () => {
  it('has a history of every path: orders, intake, refunds, disputes, subscriptions, payouts and the customer sync', () => {
    expect(files).toEqual(
      expect.arrayContaining(
        [
          'order-completed',
          'order-declined-then-paid',
          'order-declined-paid-again',
          'order-declined-canceled',
          'order-payment-canceled',
          'order-fraud-approved',
          'order-fraud-timeout',
          'order-late-fraud-warning-rejected',
          'order-manual-capture-approved',
          'order-manual-capture-rejected',
          'order-radar-review-approved',
          'order-out-of-stock',
          'order-shipment-found-in-wms',
          'order-refunded-before-shipment',
          'order-review-skipped',
          'order-parked-mapping-error',
          'order-parked-misconfigured-skipped',
          'order-waited-for-late-order',
          'guest-order-stripe-customer',
          'guest-order-stripe-customer-failed',
          'intake-delivered',
          'intake-parked-resource-missing',
          'refund-recorded',
          'refund-before-invoice',
          'refund-reversed-by-order',
          'refund-pending-then-failed',
          'dispute-won-after-shipment',
          'dispute-lost-before-shipment',
          'subscription-renewed',
          'subscription-trial-converted',
          'subscription-dunning-recovered',
          'subscription-retries-exhausted',
          // 1.1: renewal orders paid by their invoice, and plan changes that make none (1.1:renewal-orders-from-invoices).
          'subscription-renewal-from-balance',
          'subscription-plan-change-no-order',
          'order-renewal-paid-from-balance',
          'order-renewal-partly-from-balance',
          'order-renewal-paid-out-of-band',
          'payout-reconciled',
          'payout-reconciled-after-24h',
          'payout-parked-then-retried',
          'payout-failed-reversed',
          'payout-manual-reconciled',
          'customer-sync-conflict-answered-backfill',
          'customer-backfill-summed-up',
          // 1.3: a run under 1.2's customer id handing over to its keyed id; operator page sessions.
          'customer-sync-handed-over',
          'operator-session-idle',
          'operator-session-logged-out',
          // New workflow types: a verified Stripe event that cannot be processed, and a warehouse message's run.
          'stripe-event-unusable-skipped',
          'wms-shipment-delivered',
          'wms-shipment-no-order',
        ].map((name) => `${name}.binpb`),
      ),
    );
  });

  it('replays every recorded history without nondeterminism (one replay worker for all of them)', async () => {
    const histories = files.map((file) => ({ workflowId: file.replace(/\.binpb$/, ''), history: load(file) }));
    const results = await replay(histories);
    expect(results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error!.name}: ${r.error!.message}`)).toEqual(
      [],
    );
    expect(results.map((r) => r.workflowId).sort()).toEqual(histories.map((h) => h.workflowId).sort());
  });

  it('fails the replay of a history whose two steps ran in the other order than the code runs them', async () => {
    const history = load('refund-recorded.binpb');
    const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);
    const first = scheduled[0]!.activityTaskScheduledEventAttributes!;
    const second = scheduled.find(
      (e) => e.activityTaskScheduledEventAttributes!.activityType?.name !== first.activityType?.name,
    )!.activityTaskScheduledEventAttributes!;
    const [a, b] = [first.activityType!.name!, second.activityType!.name!];
    [first.activityType!.name, second.activityType!.name] = [b, a];
    expect(scheduledActivities(history).indexOf(b)).toBeLessThan(scheduledActivities(history).indexOf(a));

    const [result] = await replay([{ workflowId: 'refund-recorded-steps-swapped', history }]);
    expect(result?.error?.name).toBe('DeterminismViolationError');
    expect(result?.error?.message).toContain(a);
  });
});
