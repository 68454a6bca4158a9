import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { historiesDir } from '../harness/recordHistories';
import { workflowsPath } from '../../worker/worker';

const files = readdirSync(historiesDir)
  .filter((f) => f.endsWith('.binpb'))
  .sort();

describe('recorded workflow histories replay on the current workflow code', () => {
  it('has histories to replay, from every order path, refunds, disputes, payout reconciliation (before and after the report store) and the customer sync: before the failure policy (v1), before order snapshots (v2), before invoices from the Sales Order (v3), before runs started with their search attributes (v4), before order steps were local activities (v5), and now', () => {
    const paths = [
      'order-completed.binpb',
      'order-fraud-approved.binpb',
      'order-fraud-timeout.binpb',
      'order-out-of-stock.binpb',
      'order-declined-then-paid.binpb',
      'order-declined-canceled.binpb',
      'order-shipment-found-in-wms.binpb',
      'order-review-skipped.binpb',
      'intake-delivered.binpb',
    ];
    expect(files).toEqual(
      expect.arrayContaining([
        ...paths,
        ...paths.map((f) => `v1-${f}`),
        'order-parked-misconfigured-skipped.binpb',
        'order-parked-mapping-error.binpb',
        'order-manual-capture-approved.binpb',
        'order-manual-capture-rejected.binpb',
        'order-late-fraud-warning-rejected.binpb',
        'order-payment-canceled.binpb',
        'order-declined-paid-again.binpb',
        'intake-parked-resource-missing.binpb',
        'intake-parked-local-activity.binpb',
        'order-waited-for-late-order.binpb',
        'payout-reconciled.binpb',
        'payout-reconciled-after-24h.binpb',
        'payout-parked-then-retried.binpb',
        'payout-store-reconciled.binpb',
        'payout-store-reconciled-after-24h.binpb',
        'payout-store-parked-then-retried.binpb',
        'payout-failed-reversed.binpb',
        'payout-manual-reconciled.binpb',
        'refund-recorded.binpb',
        'refund-pending-then-failed.binpb',
        'dispute-lost-before-shipment.binpb',
        'dispute-won-after-shipment.binpb',
        'refund-before-invoice.binpb',
        'v3-refund-recorded.binpb',
        'v3-refund-pending-then-failed.binpb',
        'subscription-renewed.binpb',
        'subscription-dunning-recovered.binpb',
        'subscription-retries-exhausted.binpb',
        'subscription-trial-converted.binpb',
        // Before the ERP invoice was made from the (possibly amended) Sales Order.
        'v3-order-completed.binpb',
        'v3-order-shipment-found-in-wms.binpb',
        'v3-order-fraud-approved.binpb',
        // A guest's Stripe customer made by the order run (patched 'guest-stripe-customer'), and the warning when Stripe is down.
        'guest-order-stripe-customer.binpb',
        'guest-order-stripe-customer-failed.binpb',
        // A customer backfill summed up from its customers' answers (patched 'backfill-outcomes'), and a customer run that answered.
        'customer-backfill-summed-up.binpb',
        'customer-sync-conflict-answered-backfill.binpb',
        // Before intake and order runs were started with their search attributes (intake steps as activity tasks, every
        // attribute written by the run, the order's patches asked): each workflow type as it ran then.
        ...[
          'intake-delivered',
          'intake-parked-resource-missing',
          'order-completed',
          'order-fraud-approved',
          'order-shipment-found-in-wms',
          'guest-order-stripe-customer',
          'subscription-renewed',
          'customer-sync-conflict-answered-backfill',
          'customer-backfill-summed-up',
          'refund-recorded',
          'dispute-lost-before-shipment',
          'payout-reconciled',
        ].map((name) => `v4-${name}.binpb`),
        // Before an order run's steps were local activities (input `localSteps`), and a Radar review closed during a hold
        // was read as the hold began: every order path as it ran then.
        'order-radar-review-approved.binpb',
      ]),
    );
    const v2OrderPaths = files.filter((f) => /^v2-order-/.test(f));
    expect(v2OrderPaths.length).toBeGreaterThanOrEqual(16);
    const v5OrderPaths = files.filter((f) => /^v5-(guest-)?order-/.test(f));
    expect(v5OrderPaths.length).toBeGreaterThanOrEqual(18);
    expect(files).toEqual(expect.arrayContaining(v5OrderPaths.map((f) => f.slice(3))));
  });

  it('replays every recorded history without nondeterminism (one replay worker for all of them)', async () => {
    const histories = files.map((file) => ({
      workflowId: file.replace(/\.binpb$/, ''),
      history: temporal.api.history.v1.History.decode(readFileSync(join(historiesDir, file))),
    }));
    const replayed: string[] = [];
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowsPath, replayName: 'recorded-histories' },
      histories,
    )) {
      replayed.push(result.workflowId);
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed.sort()).toEqual(histories.map((h) => h.workflowId).sort());
  });
});
