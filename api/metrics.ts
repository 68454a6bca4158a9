import type { Client } from '@temporalio/client';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Runs parked for a person (the review queue, docs/failure-policy.md), as `GET /admin/review-queue` lists them. */
export const reviewQueueQuery = `SyncState = 'needs_review' AND ExecutionStatus = 'Running'`;
const reviewQueueCountTimeoutMs = 2_000;

/**
 * The API's Prometheus metrics, on a registry of its own (so tests can run several apps in one process).
 * With a Temporal client, each scrape also counts the review queue (one visibility count, namespace-wide).
 */
export function createApiMetrics(temporal?: Client) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const temporalErrors = new Counter({
    name: 'o2c_temporal_errors_total',
    help: 'Calls to Temporal that failed',
    labelNames: ['kind'],
    registers: [registry],
  });
  if (temporal) {
    new Gauge({
      name: 'o2c_review_queue_size',
      help: `Running workflows parked for a person (${reviewQueueQuery}), namespace-wide; NaN when Temporal did not answer`,
      registers: [registry],
      async collect() {
        try {
          const { count } = await temporal.withDeadline(Date.now() + reviewQueueCountTimeoutMs, () =>
            temporal.workflow.count(reviewQueueQuery),
          );
          this.set(count);
        } catch {
          // An unknown size, not a stale or zero one; the rest of the scrape still answers (the error counts from the next one).
          this.set(Number.NaN);
          temporalErrors.inc({ kind: 'review_queue_count' });
        }
      },
    });
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
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
