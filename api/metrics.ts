import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The API's Prometheus metrics, on a registry of its own (so tests can run several apps in one process). */
export function createApiMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    webhookRequests: new Counter({ name: 'o2c_webhook_requests_total', help: 'Webhook requests by source and outcome', labelNames: ['source', 'outcome'], registers: [registry] }),
    webhookAckSeconds: new Histogram({ name: 'o2c_webhook_ack_seconds', help: 'Time to answer a webhook', labelNames: ['source'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] }),
    intakeStarted: new Counter({ name: 'o2c_intake_started_total', help: 'Intake workflows started, by event type', labelNames: ['type'], registers: [registry] }),
    intakeDuplicates: new Counter({ name: 'o2c_intake_duplicates_total', help: 'Events refused by Temporal as already started', labelNames: ['type'], registers: [registry] }),
    ignored: new Counter({ name: 'o2c_webhook_ignored_total', help: 'Verified events of types nothing handles', labelNames: ['type'], registers: [registry] }),
    temporalErrors: new Counter({ name: 'o2c_temporal_errors_total', help: 'Calls to Temporal that failed', labelNames: ['kind'], registers: [registry] }),
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
