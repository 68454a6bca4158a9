import {
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { ErpActivities } from '../activities/erp/activities';
import type { ErpCustomerSyncActivities } from '../activities/erp/customerSync';
import type { InventoryActivities } from '../activities/inventory/activities';
import type { IntakeActivities } from '../activities/intake/activities';
import type { MagentoActivities } from '../activities/magento/activities';
import type { CreditMemoSyncActivities } from '../activities/magento/creditMemoSync';
import type { MagentoCustomerSyncActivities } from '../activities/magento/customerSync';
import type { NotifyActivities } from '../activities/notify/activities';
import type { ReportActivities } from '../activities/reports/activities';
import type { SettingsActivities } from '../activities/settings';
import type { StripeActivities } from '../activities/stripe/activities';
import type { CreditMemoRefundActivities } from '../activities/stripe/creditMemoRefunds';
import type { StripeCustomerSyncActivities } from '../activities/stripe/customerSync';
import type { GuestCustomerActivities } from '../activities/stripe/guestCustomers';
import type { PayoutTransactionActivities } from '../activities/stripe/payoutTransactions';
import type { WmsActivities } from '../activities/wms/activities';

// ── Budgets ─────────────────────────────────────────────────────────────────────────────────────────

/**
 * A call to an external system: each attempt gets 30 s (an activity makes a few requests, each timing out at 15 s);
 * the worker heartbeats while it runs (worker/livenessHeartbeat.ts), so an attempt on a worker that died is retried
 * after 10 s, not 30. Transient failures are retried with backoff up to 10 s apart, so a system back from an outage
 * is used again within seconds, for 15 minutes at most. Then the run parks with the last error instead of retrying
 * silently forever (docs/failure-policy.md). docs/benchmark-and-chaos.md ("Tuning") has the measurements behind these.
 */
export const externalCall: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '10 seconds',
  scheduleToCloseTimeout: '15 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
};

/** Reading the worker's own configuration: no network, so a short budget. */
export const localCall: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
};

/**
 * A step off the money path (a guest's Stripe customer): a few tries inside two minutes, then the run goes on without
 * it and says so on its status, instead of parking an order over something its money does not need.
 */
export const nonEssentialCall: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
};

/** Long reads (a payout's transactions, a catch-up's pages), retried up to a minute apart with no overall limit. */
const slowRetry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;

/**
 * The same budgets for a local activity, for the short steps of an intake run and of an order run: the worker runs the
 * step inside the workflow task and records its result with the task's completion, so a step costs Temporal no activity
 * task and no second workflow task. Past 10 s of retrying, the backoff waits on a durable timer. A worker that dies
 * mid-task loses the task's unrecorded steps, which the next worker runs again: every step looks before it writes.
 */
function asLocal(options: ActivityOptions): LocalActivityOptions {
  return {
    startToCloseTimeout: options.startToCloseTimeout,
    scheduleToCloseTimeout: options.scheduleToCloseTimeout,
    localRetryThreshold: '10 seconds',
    retry: options.retry,
  };
}

// ── The systems ─────────────────────────────────────────────────────────────────────────────────────

/** Every activity, by the system it talks to. */
export interface Systems {
  magento: MagentoActivities & CreditMemoSyncActivities & MagentoCustomerSyncActivities;
  erp: ErpActivities & ErpCustomerSyncActivities;
  wms: WmsActivities;
  stripe: StripeActivities & CreditMemoRefundActivities & StripeCustomerSyncActivities;
  notify: NotifyActivities;
  /** Temporal itself: hand-overs between runs, the intake's look-ups. */
  intake: IntakeActivities;
  /** The worker's own settings (config/mappings.yaml). */
  config: SettingsActivities;
}

/** Each call an activity task: for runs whose steps are far apart (refunds, disputes, subscriptions, syncs). */
export const systems: Systems = {
  magento: proxyActivities(externalCall),
  erp: proxyActivities(externalCall),
  wms: proxyActivities(externalCall),
  stripe: proxyActivities(externalCall),
  notify: proxyActivities(externalCall),
  intake: proxyActivities(externalCall),
  config: proxyActivities(localCall),
};

/**
 * The same calls as local activities, for the order run and the intake run (docs/order-to-cash.md): the steps between
 * two waits run in one workflow task, instead of a workflow task and an activity task each.
 */
export const localSystems: Systems = {
  magento: proxyLocalActivities(asLocal(externalCall)),
  erp: proxyLocalActivities(asLocal(externalCall)),
  wms: proxyLocalActivities(asLocal(externalCall)),
  stripe: proxyLocalActivities(asLocal(externalCall)),
  notify: proxyLocalActivities(asLocal(externalCall)),
  intake: proxyLocalActivities(asLocal(externalCall)),
  config: proxyLocalActivities(asLocal(localCall)),
};

/** Steps the order goes on without (a guest's Stripe customer, a stock sync after shipping), as local activities. */
export const offMoneyPath = proxyLocalActivities<
  GuestCustomerActivities & Pick<InventoryActivities, 'requestInventorySync'>
>(asLocal(nonEssentialCall));

/**
 * A payout is read by one activity that writes each page to the report store and heartbeats its checkpoint (cursor and
 * running totals). One activity per page would put three events per 100 lines in the run's history (600 for 20,000
 * lines, past Temporal's 50,000-event limit at about 1.7 million) and need continue-as-new to carry the review queue and
 * status across runs; one heartbeating activity keeps the history the same few events at any size, and a retried
 * attempt resumes from its last heartbeat instead of starting over. A page must arrive within the heartbeat timeout;
 * the whole reading gets two hours per attempt.
 */
export const payoutSystems = {
  reading: proxyActivities<PayoutTransactionActivities>({
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '1 minute',
    retry: slowRetry,
  }),
  stripe: proxyActivities<StripeActivities>({ startToCloseTimeout: '1 minute', retry: slowRetry }),
  erp: proxyActivities<ErpActivities>({ startToCloseTimeout: '1 minute', retry: slowRetry }),
  reports: proxyActivities<ReportActivities>({ startToCloseTimeout: '1 minute', retry: slowRetry }),
  config: proxyActivities<SettingsActivities>({ startToCloseTimeout: '10 seconds', retry: slowRetry }),
};

/**
 * The stock sync's reads and writes: a whole catalogue's levels, a source's items, a day of warehouse orders. Each
 * attempt gets 10 minutes while the worker heartbeats for it (worker/livenessHeartbeat.ts), so a worker that dies is
 * noticed in 15 s; retried up to a minute apart for an hour, then the run parks.
 */
export const inventorySystems = proxyActivities<InventoryActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '15 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: slowRetry,
});

/** A catch-up's page of Stripe events, with the intake runs it starts: two minutes an attempt. */
export const catchUpIntake = proxyActivities<IntakeActivities>({ startToCloseTimeout: '2 minutes', retry: slowRetry });
