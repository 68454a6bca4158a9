import { randomInt } from 'node:crypto';
import type { Store } from '../kit/store';
import { fieldErrors, notFound } from './errors';
import type { WmsInventory } from './inventory';
import type { CreateOrderRequest } from './schemas';
import {
  sandboxChannel,
  sandboxLocation,
  type ShipBobOrder,
  type Shipment,
  type StatusDetail,
  type Tracking,
  type WebhookTopic,
  type WmsState,
} from './state';

export interface OrderEvents {
  created(order: ShipBobOrder): void;
  /** Cancelled, by the merchant (`:cancel`) or by the warehouse: nothing more will ship. */
  cancelled(order: ShipBobOrder): void;
  /** The shipment moved on in a way ShipBob sends a webhook for. */
  news(topic: WebhookTopic, order: ShipBobOrder, shipment: Shipment): void;
}

export interface OrderListQuery {
  referenceIds: string[];
  ids: number[];
  page: number;
  limit: number;
  isNewestFirst: boolean;
  /** `LastUpdateStartDate`: orders with a shipment updated at or after this (epoch ms). */
  lastUpdateStartMs?: number;
}

/** `Orders.CanceledOrderViewModel`. */
export interface CancelResult {
  order_id: number;
  order: ShipBobOrder;
  status: 'Success';
  canceled_shipment_results: { action: 'Cancel'; shipment_id: number; is_success: boolean; reason: string }[];
}

/** The status details the sandbox warehouse writes (ShipBob's names; the ids are the sandbox's own). */
const details = {
  shipped: { id: 200, name: 'Processing', description: 'Waiting For Carrier Pickup' },
  delivered: { id: 210, name: 'Delivered', description: 'Delivered to the recipient' },
  exception: { id: 310, name: 'Exception', description: 'The warehouse cannot fulfil the shipment as it is' },
  deliveryException: { id: 311, name: 'DeliveryException', description: 'The carrier could not deliver the parcel' },
  onHold: { id: 320, name: 'OnHold', description: 'The warehouse is holding the shipment' },
  cancelled: { id: 330, name: 'Cancelled', description: 'The warehouse cancelled the shipment' },
} as const satisfies Record<string, StatusDetail>;

const isShipped = (shipment: Shipment): boolean => shipment.actual_fulfillment_date !== null;
const isDelivered = (shipment: Shipment): boolean => shipment.delivery_date !== null;

/**
 * ShipBob orders: one shipment each, Processing until the warehouse ships it (or it is cancelled first). Before
 * shipping the warehouse may hold it (OnHold) or raise an exception (both make the order Exception); after shipping
 * the carrier delivers it or reports a delivery exception.
 */
export class WmsOrders {
  constructor(
    private readonly store: Store<WmsState>,
    private readonly inventory: WmsInventory,
    private readonly events: OrderEvents,
  ) {}

  private get state(): WmsState {
    return this.store.data;
  }

  create(request: CreateOrderRequest): ShipBobOrder {
    const existing = this.findByReferenceId(request.reference_id);
    if (existing) {
      throw fieldErrors(422, {
        reference_id: [`Cannot insert order with existing ReferenceId ${request.reference_id} (order ${existing.id})`],
      });
    }
    const lines = request.products.map((p, i) => {
      if ('reference_id' in p) return { ...p, name: p.name ?? p.reference_id };
      const sku = Object.entries(this.state.productIds).find(([, id]) => id === p.id)?.[0];
      if (!sku) throw fieldErrors(422, { [`products[${i}].id`]: [`Product with Id ${p.id} does not exist`] });
      return { ...p, reference_id: sku, name: this.state.inventory[sku]?.name ?? sku, unit_price: null };
    });
    const refused: Record<string, string[]> = this.inventory.shortages(lines);
    lines.forEach((p, i) => {
      if (this.state.outOfStockSkus.includes(p.reference_id)) {
        refused[`products[${i}].reference_id`] = [
          `Product with ReferenceId ${p.reference_id} is out of stock: no inventory available to fulfil ${p.quantity}`,
        ];
      }
    });
    if (Object.keys(refused).length > 0) throw fieldErrors(422, refused);

    const now = new Date().toISOString();
    const id = this.state.nextOrderId++;
    const products = lines.map((p) => ({
      id: this.productId(p.reference_id),
      reference_id: p.reference_id,
      sku: p.reference_id,
      quantity: p.quantity,
      unit_price: p.unit_price ?? null,
      external_line_id: p.external_line_id ?? null,
    }));
    const recipient = structuredClone(request.recipient);
    const order: ShipBobOrder = {
      id,
      created_date: now,
      purchase_date: request.purchase_date ?? null,
      reference_id: request.reference_id,
      order_number: request.order_number ?? request.reference_id,
      status: 'Processing',
      type: request.type,
      channel: { ...sandboxChannel },
      shipping_method: request.shipping_method,
      recipient,
      products,
      tags: request.tags ?? [],
      gift_message: request.gift_message ?? null,
      shipments: [
        {
          id: this.state.nextShipmentId++,
          order_id: id,
          reference_id: request.reference_id,
          recipient: { ...recipient, full_name: recipient.name },
          created_date: now,
          last_update_at: now,
          status: 'Processing',
          status_details: [],
          location: { ...sandboxLocation },
          ship_option: request.shipping_method,
          is_tracking_uploaded: false,
          actual_fulfillment_date: null,
          delivery_date: null,
          require_signature: false,
          products: products.map(({ id: productId, reference_id, sku, quantity }, i) => ({
            id: productId,
            reference_id,
            sku,
            name: lines[i]!.name,
            inventory_items: [{ id: productId, name: lines[i]!.name, quantity, quantity_committed: quantity }],
          })),
        },
      ],
    };
    this.state.orders[String(id)] = order;
    this.store.changed();
    this.events.created(order);
    return order;
  }

  get(id: string | number): ShipBobOrder {
    const order = /^\d{1,10}$/.test(String(id)) ? this.state.orders[String(id)] : undefined;
    if (!order) throw notFound(`Order ${String(id)}`);
    return order;
  }

  list(query: OrderListQuery): { orders: ShipBobOrder[]; total: number } {
    const matching = Object.values(this.state.orders)
      .filter((o) => query.referenceIds.length === 0 || query.referenceIds.includes(o.reference_id))
      .filter((o) => query.ids.length === 0 || query.ids.includes(o.id))
      .filter(
        (o) =>
          query.lastUpdateStartMs === undefined ||
          o.shipments.some((s) => Date.parse(s.last_update_at) >= query.lastUpdateStartMs!),
      )
      .sort((a, b) => (query.isNewestFirst ? b.id - a.id : a.id - b.id));
    return { orders: matching.slice((query.page - 1) * query.limit, query.page * query.limit), total: matching.length };
  }

  /** The merchant cancels: every unshipped shipment; refused once one has left the warehouse. Twice is harmless. */
  cancel(id: string | number): CancelResult {
    const order = this.get(id);
    const shipped = order.shipments.find(isShipped);
    if (shipped) {
      throw fieldErrors(422, {
        order: [`Order ${order.id} cannot be cancelled: shipment ${shipped.id} has already shipped`],
      });
    }
    const wasCancelled = order.status === 'Cancelled';
    this.update(order, { status: 'Cancelled', status_details: [] }, 'Cancelled');
    if (!wasCancelled) this.events.cancelled(order);
    return {
      order_id: order.id,
      order,
      status: 'Success',
      canceled_shipment_results: order.shipments.map((s) => ({
        action: 'Cancel',
        shipment_id: s.id,
        is_success: true,
        reason: '',
      })),
    };
  }

  /** The warehouse ships the order (from Processing, OnHold or Exception): tracking uploaded, order Fulfilled. */
  ship(id: string | number, given: { carrier?: string; tracking_number?: string } = {}): ShipBobOrder {
    const order = this.get(id);
    this.refuseUnless(order, order.status !== 'Cancelled', 'is cancelled and cannot ship');
    this.refuseUnless(order, order.status !== 'Fulfilled', 'has already shipped');
    const now = new Date().toISOString();
    for (const shipment of order.shipments) {
      Object.assign(shipment, {
        status: 'Completed',
        last_update_at: now,
        actual_fulfillment_date: now,
        is_tracking_uploaded: true,
        status_details: [{ ...details.shipped }],
        tracking: trackingFor(now, given),
      });
    }
    order.status = 'Fulfilled';
    this.inventory.shipped(order);
    this.store.changed();
    for (const shipment of order.shipments) this.events.news('order.shipped', order, shipment);
    return order;
  }

  /** The carrier delivered the parcel: only after it shipped, once. */
  deliver(id: string | number): ShipBobOrder {
    const order = this.get(id);
    const shipment = order.shipments[0]!;
    this.refuseUnless(order, isShipped(shipment), 'has not shipped, so it cannot be delivered');
    this.refuseUnless(order, !isDelivered(shipment), 'has already been delivered');
    const now = new Date().toISOString();
    this.update(order, { status: 'Completed', status_details: [{ ...details.delivered }], delivery_date: now });
    this.events.news('order.shipment.delivered', order, shipment);
    return order;
  }

  /** An exception: before shipping the warehouse's (order Exception), after it the carrier's (order stays Fulfilled). */
  exception(id: string | number, reason?: string): ShipBobOrder {
    const order = this.get(id);
    const shipment = order.shipments[0]!;
    this.refuseUnless(order, order.status !== 'Cancelled', 'is cancelled');
    this.refuseUnless(order, !isDelivered(shipment), 'has already been delivered');
    const detail = isShipped(shipment) ? details.deliveryException : details.exception;
    this.update(
      order,
      { status: 'Exception', status_details: [withReason(detail, reason)] },
      isShipped(shipment) ? 'Fulfilled' : 'Exception',
    );
    this.events.news('order.shipment.exception', order, shipment);
    return order;
  }

  /** The warehouse holds the shipment: only before it ships. */
  hold(id: string | number, reason?: string): ShipBobOrder {
    const order = this.get(id);
    const shipment = order.shipments[0]!;
    this.refuseUnless(order, order.status !== 'Cancelled', 'is cancelled');
    this.refuseUnless(order, !isShipped(shipment), 'has already shipped and cannot be held');
    this.update(order, { status: 'OnHold', status_details: [withReason(details.onHold, reason)] }, 'Exception');
    this.events.news('order.shipment.on_hold', order, shipment);
    return order;
  }

  /** The warehouse cancels the shipment: only before it ships. */
  cancelByWarehouse(id: string | number, reason?: string): ShipBobOrder {
    const order = this.get(id);
    const shipment = order.shipments[0]!;
    this.refuseUnless(order, order.status !== 'Cancelled', 'is already cancelled');
    this.refuseUnless(order, !isShipped(shipment), 'has already shipped and cannot be cancelled');
    this.update(order, { status: 'Cancelled', status_details: [withReason(details.cancelled, reason)] }, 'Cancelled');
    this.events.cancelled(order);
    this.events.news('order.shipment.cancelled', order, shipment);
    return order;
  }

  setOutOfStock(skus: string[]): void {
    this.state.outOfStockSkus = [...new Set(skus)];
    this.store.changed();
  }

  processingOrders(): ShipBobOrder[] {
    return Object.values(this.state.orders).filter((o) => o.status === 'Processing');
  }

  /** Shipped, not yet delivered, and not in a delivery exception: the carrier has it. */
  inTransitOrders(): ShipBobOrder[] {
    return Object.values(this.state.orders).filter((o) =>
      o.shipments.some((s) => isShipped(s) && !isDelivered(s) && s.status === 'Completed'),
    );
  }

  private update(
    order: ShipBobOrder,
    change: Partial<Pick<Shipment, 'status' | 'status_details' | 'delivery_date'>>,
    orderStatus?: ShipBobOrder['status'],
  ): void {
    const now = new Date().toISOString();
    for (const shipment of order.shipments) Object.assign(shipment, change, { last_update_at: now });
    if (orderStatus) order.status = orderStatus;
    this.store.changed();
  }

  private refuseUnless(order: ShipBobOrder, condition: boolean, what: string): void {
    if (!condition) throw fieldErrors(422, { order: [`Order ${order.id} ${what}`] });
  }

  private findByReferenceId(referenceId: string): ShipBobOrder | undefined {
    return Object.values(this.state.orders).find((o) => o.reference_id === referenceId);
  }

  private productId(sku: string): number {
    return (this.state.productIds[sku] ??= this.state.nextProductId++);
  }
}

function withReason(detail: StatusDetail, reason: string | undefined): StatusDetail {
  return { ...detail, ...(reason ? { description: reason } : {}) };
}

function trackingFor(now: string, given: { carrier?: string; tracking_number?: string }): Tracking {
  const trackingNumber = given.tracking_number ?? `9400${Array.from({ length: 18 }, () => randomInt(10)).join('')}`;
  const carrier = given.carrier ?? 'USPS';
  return {
    carrier,
    carrier_service: carrier === 'USPS' ? 'GroundAdvantage' : 'Ground',
    tracking_number: trackingNumber,
    tracking_url:
      carrier === 'USPS'
        ? `https://tools.usps.com/go/TrackConfirmAction?tLabels=${trackingNumber}`
        : `https://www.shipbob.com/tracking/?carrier=${encodeURIComponent(carrier)}&number=${trackingNumber}`,
    shipping_date: now,
  };
}
