import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/**
 * A call to an external system: each attempt gets 30 s (an activity makes a few requests, each timing out at 15 s);
 * the worker heartbeats while it runs (worker/livenessHeartbeat.ts), so an attempt on a worker that died is retried
 * after 10 s, not 30. Transient failures are retried with backoff up to 10 s apart, so a system back from an outage
 * is used again within seconds, for 15 minutes at most. Then the run parks with the last error instead of retrying
 * silently forever (DESIGN §9). README "Tuning" has the measurements behind these.
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

/**
 * The same budgets for a local activity, for the short steps of an intake run and of an order run: the worker runs the
 * step inside the workflow task and records its result with the task's completion, so a step costs Temporal no activity
 * task and no second workflow task. Past 10 s of retrying, the backoff waits on a durable timer. A worker that dies
 * mid-task loses the task's unrecorded steps, which the next worker runs again: every step looks before it writes.
 */
export function asLocal(options: ActivityOptions): LocalActivityOptions {
  return {
    startToCloseTimeout: options.startToCloseTimeout,
    scheduleToCloseTimeout: options.scheduleToCloseTimeout,
    localRetryThreshold: '10 seconds',
    retry: options.retry,
  };
}

export const localExternalCall = asLocal(externalCall);
