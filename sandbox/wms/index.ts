import { createPeer, type SandboxPeer } from '../kit/peer';
import { Store } from '../kit/store';
import { bearerAuth } from './auth';
import { wmsControls } from './controls';
import { WmsInventory } from './inventory';
import { WmsOrders } from './orders';
import { wmsRoutes } from './routes';
import { initialWmsState, upgradeWmsState, type ShipBobOrder, type WmsState } from './state';
import { Timers } from './timers';
import { shipmentEvent, WebhookDispatcher } from './webhooks';

export interface WmsSandboxOptions {
  /** ShipBob personal access token the product must present as `Authorization: Bearer …`. */
  token: string;
  /** Standard Webhooks secret (`whsec_…`) webhooks are signed with. */
  webhookSecret: string;
  /** Where webhooks go (the product's `/webhooks/wms`); without one they are recorded, not sent. */
  webhookUrl?: string;
  /** Ship every order automatically this long after it is created; unset: only `POST /__sandbox/orders/{id}/ship` ships. */
  shipDelayMs?: number;
  /** Deliver every shipment automatically this long after it ships; unset: only `POST /__sandbox/orders/{id}/deliver`. */
  deliverDelayMs?: number;
  outOfStockSkus?: string[];
  dataFile?: string;
  /** First webhook retry delay; doubles per attempt (default 1000). */
  retryBaseMs?: number;
}

export type WmsSandbox = SandboxPeer<WmsState> & { stop(): void };

const maxWebhookAttempts = 8;

/**
 * Sandbox ShipBob: the 2026-01 API's orders and inventory levels with bearer auth and ShipBob's error bodies,
 * out-of-stock SKUs and stock levels, and signed webhooks as a shipment ships (after `shipDelayMs`, or on
 * `POST /__sandbox/orders/{id}/ship`), is delivered (after `deliverDelayMs`, or on `…/deliver`), hits an exception,
 * is held or is cancelled by the warehouse.
 */
export function createWmsSandbox(options: WmsSandboxOptions): WmsSandbox {
  const store = new Store<WmsState>(() => initialWmsState(options), options.dataFile);
  upgradeWmsState(store.data);
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
      // A held order, or one in exception, waits for the warehouse.
      if (store.data.orders[String(order.id)]?.status === 'Processing') orders.ship(order.id);
    });
  };
  const scheduleDelivery = (order: ShipBobOrder): void => {
    const shippedAt = order.shipments[0]?.actual_fulfillment_date;
    if (options.deliverDelayMs === undefined || !shippedAt) return;
    timers.schedule(`deliver:${order.id}`, Date.parse(shippedAt) + options.deliverDelayMs - Date.now(), () => {
      const shipment = store.data.orders[String(order.id)]?.shipments[0];
      // A delivery exception, or a delivery already reported by hand, ends the carrier's part.
      if (shipment?.status === 'Completed' && shipment.delivery_date === null) orders.deliver(order.id);
    });
  };
  const inventory = new WmsInventory(store);
  const orders: WmsOrders = new WmsOrders(store, inventory, {
    created: scheduleShipping,
    cancelled: (order) => timers.cancel(`ship:${order.id}`),
    news: (topic, order, shipment) => {
      void webhooks.enqueue(topic, order.id, shipmentEvent(topic, order, shipment));
      if (topic === 'order.shipped') scheduleDelivery(order);
    },
  });

  const peer = createPeer({
    name: 'wms',
    store,
    auth: bearerAuth(options.token),
    routes: wmsRoutes(orders, inventory),
    controls: wmsControls(orders, inventory, store),
    onReset: () => timers.clear(),
  });

  orders.processingOrders().forEach(scheduleShipping);
  orders.inTransitOrders().forEach(scheduleDelivery);
  webhooks.resumePending();

  return { ...peer, stop: () => timers.stop() };
}

export type { InventoryRecord, ShipBobOrder, WebhookDelivery, WebhookTopic, WmsState } from './state';
export type { InventoryLevel } from './inventory';
