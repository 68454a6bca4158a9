import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Store } from '../kit/store';
import type { ShipBobOrder, Shipment, WebhookDelivery, WebhookTopic, WmsState } from './state';
import type { Timers } from './timers';

const maxKeptDeliveries = 10_000;

export interface WebhookDispatcherOptions {
  /** `whsec_` + base64 key, as Standard Webhooks secrets are written. */
  secret: string;
  retryBaseMs: number;
  maxAttempts: number;
  maxDelayMs: number;
  timeoutMs: number;
}

/**
 * ShipBob's webhook for one shipment: `order.shipped` carries the tracking and products; the later topics
 * (`order.shipment.delivered|exception|on_hold|cancelled`) the shipment's status and status details, and
 * `delivered_at` once delivered.
 */
export function shipmentEvent(topic: WebhookTopic, order: ShipBobOrder, shipment: Shipment): Record<string, unknown> {
  const tracking = shipment.tracking;
  const trackingData = tracking && {
    carrier: tracking.carrier,
    tracking_number: tracking.tracking_number,
    tracking_url: tracking.tracking_url,
    carrier_service: tracking.carrier_service,
  };
  const common = {
    order_id: order.id,
    reference_id: order.reference_id,
    order_number: order.order_number,
    shipment_id: shipment.id,
    status: shipment.status,
    status_details: shipment.status_details,
  };
  if (topic === 'order.shipped') {
    return {
      type: topic,
      timestamp: shipment.last_update_at,
      data: {
        ...common,
        tracking: trackingData ?? null,
        shipped_at: shipment.actual_fulfillment_date,
        location: shipment.location,
        products: shipment.products.map(({ reference_id, sku, inventory_items }) => ({
          reference_id,
          sku,
          quantity: inventory_items.reduce((sum, item) => sum + item.quantity, 0),
        })),
      },
    };
  }
  return {
    type: topic,
    timestamp: shipment.last_update_at,
    data: {
      ...common,
      ...(trackingData ? { tracking: trackingData } : {}),
      ...(shipment.actual_fulfillment_date ? { shipped_at: shipment.actual_fulfillment_date } : {}),
      ...(shipment.delivery_date ? { delivered_at: shipment.delivery_date } : {}),
      location: shipment.location,
    },
  };
}

/**
 * Delivers signed webhooks like ShipBob: Standard Webhooks headers (`webhook-id` stable across retries, a fresh
 * `webhook-timestamp` and `webhook-signature` per attempt), retried with exponential backoff until a 2xx answer
 * or `maxAttempts`. Every attempt is recorded in the store for `GET /__sandbox/webhooks`.
 */
export class WebhookDispatcher {
  private readonly signer: Webhook;
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly store: Store<WmsState>,
    private readonly timers: Timers,
    private readonly options: WebhookDispatcherOptions,
  ) {
    this.signer = signerFor(options.secret);
  }

  enqueue(topic: WebhookDelivery['topic'], orderId: number, payload: Record<string, unknown>): WebhookDelivery {
    const url = this.store.data.webhookUrl;
    const delivery: WebhookDelivery = {
      id: `msg_${randomBytes(16).toString('hex')}`,
      topic,
      order_id: orderId,
      url,
      body: JSON.stringify(payload),
      created_at: new Date().toISOString(),
      status: url ? 'pending' : 'no_endpoint',
      attempts: 0,
      last_status: null,
      next_attempt_at: url ? new Date().toISOString() : null,
      history: [],
    };
    const deliveries = this.store.data.deliveries;
    deliveries.push(delivery);
    if (deliveries.length > maxKeptDeliveries) {
      const settled = deliveries.findIndex((d) => d.status !== 'pending');
      if (settled >= 0) deliveries.splice(settled, 1);
    }
    this.store.changed();
    if (url) this.timers.schedule(timerKey(delivery.id), 0, () => void this.attempt(delivery.id));
    return delivery;
  }

  /** After a restart: picks pending deliveries up where they left off. */
  resumePending(): void {
    for (const delivery of this.store.data.deliveries.filter((d) => d.status === 'pending')) {
      const dueInMs = delivery.next_attempt_at ? Date.parse(delivery.next_attempt_at) - Date.now() : 0;
      this.timers.schedule(timerKey(delivery.id), dueInMs, () => void this.attempt(delivery.id));
    }
  }

  private async attempt(id: string): Promise<void> {
    const delivery = this.find(id);
    if (!delivery || delivery.status !== 'pending' || !delivery.url || this.inFlight.has(id)) return;
    this.inFlight.add(id);
    const at = new Date();
    let status: number | null = null;
    let error: string | undefined;
    try {
      const res = await fetch(delivery.url, {
        method: 'POST',
        body: delivery.body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'ShipBob-Webhooks (sandbox)',
          'x-webhook-topic': delivery.topic,
          'webhook-id': delivery.id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': this.signer.sign(delivery.id, at, delivery.body),
        },
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    } finally {
      this.inFlight.delete(id);
    }
    // The sandbox may have been reset while the request was out; then this delivery no longer exists.
    if (this.find(id) !== delivery) return;
    this.record(delivery, { at: at.toISOString(), status, ...(error ? { error } : {}) });
  }

  private record(delivery: WebhookDelivery, attempt: WebhookDelivery['history'][number]): void {
    delivery.attempts += 1;
    delivery.last_status = attempt.status;
    delivery.history.push(attempt);
    if (attempt.status !== null && attempt.status >= 200 && attempt.status < 300) {
      Object.assign(delivery, { status: 'delivered', next_attempt_at: null });
    } else if (delivery.attempts >= this.options.maxAttempts) {
      Object.assign(delivery, { status: 'failed', next_attempt_at: null });
    } else {
      const delayMs = Math.min(this.options.retryBaseMs * 2 ** (delivery.attempts - 1), this.options.maxDelayMs);
      delivery.next_attempt_at = new Date(Date.now() + delayMs).toISOString();
      this.timers.schedule(timerKey(delivery.id), delayMs, () => void this.attempt(delivery.id));
    }
    this.store.changed();
  }

  private find(id: string): WebhookDelivery | undefined {
    return this.store.data.deliveries.find((d) => d.id === id);
  }
}

/** Fails at start-up, naming the problem, rather than at the first shipment. */
function signerFor(secret: string): Webhook {
  try {
    return new Webhook(secret);
  } catch (e) {
    throw new Error(
      `WMS webhook secret must be "whsec_" followed by a base64 key (${e instanceof Error ? e.message : String(e)})`,
      { cause: e },
    );
  }
}

function timerKey(deliveryId: string): string {
  return `delivery:${deliveryId}`;
}
