import Stripe from 'stripe';
import { z } from 'zod';
import type { Store } from '../kit/store';
import type { Delivery, StripeState } from './state';

export const deliverySettingsSchema = z
  .object({
    /** Probability that an event is delivered twice. */
    duplicateRate: z.number().min(0).max(1),
    /** Each delivery waits a random 0..window ms, so events arrive out of order. */
    shuffleWindowMs: z.number().int().min(0).max(600_000),
    /** Hold every delivery; unpausing releases them. */
    paused: z.boolean(),
  })
  .partial()
  .strict();

export type DeliverySettings = Required<z.infer<typeof deliverySettingsSchema>>;

export interface WebhookOptions {
  store: Store<StripeState>;
  url?: string;
  secret: string;
  retryBaseMs: number;
  maxAttempts?: number;
  random?: () => number;
  timeoutMs?: number;
  concurrency?: number;
}

interface Send {
  eventId: string;
  attempt: number;
}

const defaultSettings: DeliverySettings = { duplicateRate: 0, shuffleWindowMs: 0, paused: false };

/**
 * Delivers each event to the webhook endpoint as Stripe does: after the API response, signed with
 * `Stripe-Signature: t=…,v1=…`, retried with capped exponential backoff on non-2xx answers or network errors.
 */
export class WebhookDelivery {
  private settings: DeliverySettings = { ...defaultSettings };
  private readonly timers = new Set<NodeJS.Timeout>();
  private held: Send[] = [];
  private waiting: Send[] = [];
  private inFlight = 0;
  private stopped = false;
  private readonly maxAttempts: number;
  private readonly random: () => number;
  private readonly concurrency: number;

  constructor(private readonly options: WebhookOptions) {
    this.maxAttempts = options.maxAttempts ?? 8;
    this.random = options.random ?? Math.random;
    this.concurrency = options.concurrency ?? 16;
  }

  get hasEndpoint(): boolean {
    return Boolean(this.options.url);
  }

  current(): DeliverySettings {
    return { ...this.settings };
  }

  configure(update: Partial<DeliverySettings>): DeliverySettings {
    const wasPaused = this.settings.paused;
    this.settings = { ...this.settings, ...update };
    if (wasPaused && !this.settings.paused) {
      const released = this.held;
      this.held = [];
      for (const send of released) this.schedule(send, this.initialDelayMs());
    }
    return this.current();
  }

  /** Queues a new event for delivery (and maybe a duplicate); nothing happens without an endpoint. */
  enqueue(eventId: string, type: string): void {
    if (!this.options.url || this.stopped) return;
    const delivery: Delivery = {
      eventId,
      type,
      attempts: 0,
      lastStatus: null,
      lastError: null,
      delivered: false,
      duplicates: 0,
      failed: false,
    };
    this.options.store.data.deliveries[eventId] = delivery;
    this.schedule({ eventId, attempt: 1 }, this.initialDelayMs());
    if (this.random() < this.settings.duplicateRate) {
      delivery.duplicates += 1;
      this.schedule({ eventId, attempt: 1 }, this.initialDelayMs());
    }
  }

  /** After a restart from a data file: picks up deliveries that were still being retried. */
  resumePending(): void {
    for (const delivery of Object.values(this.options.store.data.deliveries)) {
      if (!delivery.delivered && !delivery.failed)
        this.schedule({ eventId: delivery.eventId, attempt: delivery.attempts + 1 }, 0);
    }
  }

  list(): Delivery[] {
    return Object.values(this.options.store.data.deliveries);
  }

  /** Forgets queued work (sandbox reset); settings go back to defaults. */
  reset(): void {
    this.clearTimers();
    this.held = [];
    this.waiting = [];
    this.settings = { ...defaultSettings };
  }

  stop(): void {
    this.stopped = true;
    this.reset();
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private initialDelayMs(): number {
    return this.settings.shuffleWindowMs > 0 ? Math.floor(this.random() * this.settings.shuffleWindowMs) : 0;
  }

  private backoffMs(attempt: number): number {
    const base = this.options.retryBaseMs;
    return Math.min(base * 2 ** (attempt - 1), base * 64, 3_600_000);
  }

  private schedule(send: Send, delayMs: number): void {
    if (this.stopped) return;
    if (this.settings.paused) {
      this.held.push(send);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.start(send);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private start(send: Send): void {
    if (this.stopped) return;
    if (this.settings.paused) return void this.held.push(send);
    if (this.inFlight >= this.concurrency) return void this.waiting.push(send);
    this.inFlight += 1;
    void this.attempt(send).finally(() => {
      this.inFlight -= 1;
      const next = this.waiting.shift();
      if (next) this.start(next);
    });
  }

  private async attempt(send: Send): Promise<void> {
    const { store, url, secret } = this.options;
    const event = store.data.events[send.eventId];
    if (!event || !url) return;
    const payload = JSON.stringify(event, null, 2);
    // Signed with the wall clock of the attempt, as receivers verify against their own clock.
    const header = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret,
      timestamp: Math.floor(Date.now() / 1000),
    });
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'Stripe-Signature': header,
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        body: payload,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    if (this.stopped) return;
    const delivery = store.data.deliveries[send.eventId];
    if (!delivery) return;
    delivery.attempts += 1;
    delivery.lastStatus = status;
    delivery.lastError = error;
    if (status !== null && status >= 200 && status < 300) {
      delivery.delivered = true;
      delivery.failed = false;
      event.pending_webhooks = 0;
    } else if (send.attempt < this.maxAttempts) {
      this.schedule({ eventId: send.eventId, attempt: send.attempt + 1 }, this.backoffMs(send.attempt));
    } else if (!delivery.delivered) {
      delivery.failed = true;
    }
    store.changed();
  }
}
