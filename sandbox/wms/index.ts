import { createPeer, type SandboxPeer } from '../kit/peer';
import { Store } from '../kit/store';
import { bearerAuth } from './auth';
import { wmsControls } from './controls';
import { WmsOrders } from './orders';
import { wmsRoutes } from './routes';
import { initialWmsState, type ShipBobOrder, type WmsState } from './state';
import { Timers } from './timers';
import { orderShippedEvent, WebhookDispatcher } from './webhooks';

export interface WmsSandboxOptions {
  /** ShipBob personal access token the product must present as `Authorization: Bearer …`. */
  token: string;
  /** Standard Webhooks secret (`whsec_…`) webhooks are signed with. */
  webhookSecret: string;
  /** Where `order.shipped` webhooks go (the product's `/webhooks/wms`); without one they are recorded, not sent. */
  webhookUrl?: string;
  /** Ship every order automatically this long after it is created; unset: only `POST /__sandbox/ship/{id}` ships. */
  shipDelayMs?: number;
  outOfStockSkus?: string[];
  dataFile?: string;
  /** First webhook retry delay; doubles per attempt (default 1000). */
  retryBaseMs?: number;
}

export type WmsSandbox = SandboxPeer<WmsState> & { stop(): void };

const maxWebhookAttempts = 8;

/**
 * Sandbox ShipBob: API 2.0 orders with bearer auth and ShipBob's field → messages errors, out-of-stock SKUs,
 * and signed `order.shipped` webhooks when an order ships (after `shipDelayMs`, or on `POST /__sandbox/ship/{id}`).
 */
export function createWmsSandbox(options: WmsSandboxOptions): WmsSandbox {
  const store = new Store<WmsState>(() => initialWmsState(options), options.dataFile);
  // Explicit options win over what a data file remembers.
  if (options.webhookUrl !== undefined) store.data.webhookUrl = options.webhookUrl;
  if (options.outOfStockSkus !== undefined) store.data.outOfStockSkus = [...options.outOfStockSkus];

  const timers = new Timers();
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const webhooks = new WebhookDispatcher(store, timers, {
    secret: options.webhookSecret,
    retryBaseMs,
    maxAttempts: maxWebhookAttempts,
    maxDelayMs: Math.max(retryBaseMs, 300_000),
    timeoutMs: 15_000,
  });

  const scheduleShipping = (order: ShipBobOrder): void => {
    if (options.shipDelayMs === undefined) return;
    const dueInMs = Date.parse(order.created_date) + options.shipDelayMs - Date.now();
    timers.schedule(`ship:${order.id}`, dueInMs, () => {
      if (store.data.orders[String(order.id)]?.status === 'Processing') orders.ship(order.id);
    });
  };
  const orders: WmsOrders = new WmsOrders(store, {
    created: scheduleShipping,
    shipped: (order, shipment) => void webhooks.enqueue('order.shipped', order.id, orderShippedEvent(order, shipment)),
    cancelled: (order) => timers.cancel(`ship:${order.id}`),
  });

  const peer = createPeer({
    name: 'wms',
    store,
    auth: bearerAuth(options.token),
    routes: wmsRoutes(orders),
    controls: wmsControls(orders, store),
    onReset: () => timers.clear(),
  });

  orders.processingOrders().forEach(scheduleShipping);
  webhooks.resumePending();

  return { ...peer, stop: () => timers.stop() };
}

export type { ShipBobOrder, WebhookDelivery, WmsState } from './state';
