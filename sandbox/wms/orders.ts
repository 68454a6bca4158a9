import { randomInt } from 'node:crypto';
import type { Store } from '../kit/store';
import { fieldErrors, notFound } from './errors';
import type { CreateOrderRequest } from './schemas';
import {
  sandboxChannel,
  sandboxLocation,
  type ShipBobOrder,
  type Shipment,
  type Tracking,
  type WmsState,
} from './state';

export interface OrderEvents {
  created(order: ShipBobOrder): void;
  shipped(order: ShipBobOrder, shipment: Shipment): void;
  cancelled(order: ShipBobOrder): void;
}

export interface OrderListQuery {
  referenceIds: string[];
  ids: number[];
  page: number;
  limit: number;
  isNewestFirst: boolean;
}

export interface CancelResult {
  order_id: number;
  reference_id: string;
  order: ShipBobOrder;
  status: 'Success';
  canceled_shipment_results: { action: 'Cancel'; shipment_id: number; is_success: boolean; reason: string }[];
}

/** ShipBob orders: one shipment each, Processing until the warehouse ships it (or it is cancelled first). */
export class WmsOrders {
  constructor(
    private readonly store: Store<WmsState>,
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
    const outOfStock: Record<string, string[]> = {};
    request.products.forEach((p, i) => {
      if (this.state.outOfStockSkus.includes(p.reference_id)) {
        outOfStock[`products[${i}].reference_id`] = [
          `Product with ReferenceId ${p.reference_id} is out of stock: no inventory available to fulfil ${p.quantity}`,
        ];
      }
    });
    if (Object.keys(outOfStock).length > 0) throw fieldErrors(422, outOfStock);

    const now = new Date().toISOString();
    const id = this.state.nextOrderId++;
    const products = request.products.map((p) => ({
      id: this.productId(p.reference_id),
      reference_id: p.reference_id,
      sku: p.reference_id,
      name: p.name ?? p.reference_id,
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
          recipient,
          created_date: now,
          last_update_at: now,
          status: 'Processing',
          status_details: [],
          location: { ...sandboxLocation },
          ship_option: request.shipping_method,
          tracking: null,
          is_tracking_uploaded: false,
          actual_fulfillment_date: null,
          products: products.map(({ id: productId, reference_id, sku, name, quantity }) => ({
            id: productId,
            reference_id,
            sku,
            name,
            quantity,
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
    const order = this.state.orders[String(id)];
    if (!order) throw notFound(`Order ${String(id)}`);
    return order;
  }

  list(query: OrderListQuery): { orders: ShipBobOrder[]; total: number } {
    const matching = Object.values(this.state.orders)
      .filter((o) => query.referenceIds.length === 0 || query.referenceIds.includes(o.reference_id))
      .filter((o) => query.ids.length === 0 || query.ids.includes(o.id))
      .sort((a, b) => (query.isNewestFirst ? b.id - a.id : a.id - b.id));
    return { orders: matching.slice((query.page - 1) * query.limit, query.page * query.limit), total: matching.length };
  }

  /** Cancels every unshipped shipment; refused once a shipment has left the warehouse. Cancelling twice is harmless. */
  cancel(id: string | number): CancelResult {
    const order = this.get(id);
    const shipped = order.shipments.find((s) => s.status === 'Completed');
    if (shipped) {
      throw fieldErrors(422, {
        order: [`Order ${order.id} cannot be cancelled: shipment ${shipped.id} has already shipped`],
      });
    }
    const wasCancelled = order.status === 'Cancelled';
    const now = new Date().toISOString();
    for (const shipment of order.shipments)
      Object.assign(shipment, { status: 'Cancelled', last_update_at: now, status_details: [] });
    order.status = 'Cancelled';
    this.store.changed();
    if (!wasCancelled) this.events.cancelled(order);
    return {
      order_id: order.id,
      reference_id: order.reference_id,
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

  /** The warehouse ships the order: label bought, tracking uploaded, shipment Completed, order Fulfilled. */
  ship(id: string | number, given: { carrier?: string; tracking_number?: string } = {}): ShipBobOrder {
    const order = this.get(id);
    if (order.status === 'Cancelled')
      throw fieldErrors(422, { order: [`Order ${order.id} is cancelled and cannot ship`] });
    if (order.status === 'Fulfilled') throw fieldErrors(422, { order: [`Order ${order.id} has already shipped`] });
    const now = new Date().toISOString();
    for (const shipment of order.shipments) {
      Object.assign(shipment, {
        status: 'Completed',
        last_update_at: now,
        actual_fulfillment_date: now,
        is_tracking_uploaded: true,
        status_details: [{ id: 200, name: 'Processing', description: 'Waiting For Carrier Pickup' }],
        tracking: trackingFor(now, given),
      });
    }
    order.status = 'Fulfilled';
    this.store.changed();
    for (const shipment of order.shipments) this.events.shipped(order, shipment);
    return order;
  }

  setOutOfStock(skus: string[]): void {
    this.state.outOfStockSkus = [...new Set(skus)];
    this.store.changed();
  }

  processingOrders(): ShipBobOrder[] {
    return Object.values(this.state.orders).filter((o) => o.status === 'Processing');
  }

  private findByReferenceId(referenceId: string): ShipBobOrder | undefined {
    return Object.values(this.state.orders).find((o) => o.reference_id === referenceId);
  }

  private productId(sku: string): number {
    return (this.state.productIds[sku] ??= this.state.nextProductId++);
  }
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
