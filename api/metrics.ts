import type { Client } from '@temporalio/client';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Runs parked for a person (the review queue, docs/failure-policy.md), as `GET /admin/review-queue` lists them. */
export const reviewQueueQuery = `SyncState = 'needs_review' AND ExecutionStatus = 'Running'`;
const reviewQueueCountTimeoutMs = 2_000;

/** How often the review queue is counted when no interval is given: a scrape reads the last count, never Temporal. */
export const defaultCountRefreshMs = 30_000;

/**
 * The API's Prometheus metrics, on a registry of its own (so tests can run several apps in one process).
 * With a Temporal client, the review queue is counted every `refreshMs` (one visibility count, namespace-wide), so a
 * scrape costs Temporal nothing however often it comes; `stop()` ends the counting.
 */
export function createApiMetrics(temporal?: Client, refreshMs = defaultCountRefreshMs) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const temporalErrors = new Counter({
    name: 'o2c_temporal_errors_total',
    help: 'Calls to Temporal that failed',
    labelNames: ['kind'],
    registers: [registry],
  });
  let refresher: NodeJS.Timeout | undefined;
  if (temporal) {
    const reviewQueueSize = new Gauge({
      name: 'o2c_review_queue_size',
      help: `Running workflows parked for a person (${reviewQueueQuery}), namespace-wide, counted every ${refreshMs / 1000} s; NaN when Temporal did not answer`,
      registers: [registry],
    });
    reviewQueueSize.set(Number.NaN);
    let counting = false;
    const count = async () => {
      if (counting) return;
      counting = true;
      try {
        const { count: size } = await temporal.withDeadline(Date.now() + reviewQueueCountTimeoutMs, () =>
          temporal.workflow.count(reviewQueueQuery),
        );
        reviewQueueSize.set(size);
      } catch {
        // An unknown size, not a stale or zero one.
        reviewQueueSize.set(Number.NaN);
        temporalErrors.inc({ kind: 'review_queue_count' });
      } finally {
        counting = false;
      }
    };
    void count();
    refresher = setInterval(() => void count(), refreshMs);
    refresher.unref();
  }
  return {
    registry,
    webhookRequests: new Counter({
      name: 'o2c_webhook_requests_total',
      help: 'Webhook requests by source and outcome',
      labelNames: ['source', 'outcome'],
      registers: [registry],
    }),
    webhookAckSeconds: new Histogram({
      name: 'o2c_webhook_ack_seconds',
      help: 'Time to answer a webhook',
      labelNames: ['source'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    intakeStarted: new Counter({
      name: 'o2c_intake_started_total',
      help: 'Intake workflows started, by event type',
      labelNames: ['type'],
      registers: [registry],
    }),
    intakeDuplicates: new Counter({
      name: 'o2c_intake_duplicates_total',
      help: 'Events refused by Temporal as already started',
      labelNames: ['type'],
      registers: [registry],
    }),
    ignored: new Counter({
      name: 'o2c_webhook_ignored_total',
      help: 'Verified events of types nothing handles',
      labelNames: ['type'],
      registers: [registry],
    }),
    temporalErrors,
    stop: () => clearInterval(refresher),
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
