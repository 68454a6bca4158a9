/** `Orders.OrderStatus`, imputed from the order's shipments. */
export type OrderStatus = 'Processing' | 'Exception' | 'Fulfilled' | 'Cancelled';
/** `Orders.OrderStatusEnum`, a shipment's status (a delivered shipment stays Completed, with a Delivered detail). */
export type ShipmentStatus = 'Processing' | 'Completed' | 'Exception' | 'OnHold' | 'Cancelled';

export interface Address {
  address1: string;
  address2?: string | null;
  company_name?: string | null;
  city: string;
  state?: string | null;
  country: string;
  zip_code?: string | null;
}

export interface Recipient {
  name: string;
  address: Address;
  email?: string | null;
  phone_number?: string | null;
}

/** `Orders.ProductInfoViewModel` (no name: ShipBob keeps that on the product). */
export interface OrderProduct {
  /** ShipBob's product id for the SKU. */
  id: number;
  reference_id: string;
  sku: string;
  quantity: number;
  unit_price: number | null;
  external_line_id: number | null;
}

export interface Tracking {
  carrier: string;
  carrier_service: string;
  tracking_number: string;
  tracking_url: string;
  shipping_date: string;
}

/** `Orders.StatusDetailViewModel`. */
export interface StatusDetail {
  id: number;
  name: string;
  description: string;
}

/** `Orders.ShipmentProductViewModel`: the quantity is on its inventory items. */
export interface ShipmentProduct {
  id: number;
  reference_id: string;
  sku: string;
  name: string;
  inventory_items: { id: number; name: string; quantity: number; quantity_committed: number }[];
}

export interface Shipment {
  id: number;
  order_id: number;
  reference_id: string;
  recipient: Recipient & { full_name: string };
  created_date: string;
  last_update_at: string;
  status: ShipmentStatus;
  status_details: StatusDetail[];
  location: { id: number; name: string };
  ship_option: string;
  /** Absent until the label is bought (`Orders.TrackingViewModel` is not nullable). */
  tracking?: Tracking;
  is_tracking_uploaded: boolean;
  actual_fulfillment_date: string | null;
  delivery_date: string | null;
  require_signature: boolean;
  products: ShipmentProduct[];
}

export interface ShipBobOrder {
  id: number;
  created_date: string;
  purchase_date: string | null;
  reference_id: string;
  order_number: string;
  status: OrderStatus;
  type: 'DTC' | 'B2B' | 'DropShip';
  channel: { id: number; name: string };
  shipping_method: string;
  recipient: Recipient;
  products: OrderProduct[];
  tags: { name: string; value: string }[];
  gift_message: string | null;
  shipments: Shipment[];
}

/** One SKU's stock; committed, fulfillable and sellable are worked out from the orders (see `inventoryLevels`). */
export interface InventoryRecord {
  inventory_id: number;
  sku: string;
  name: string;
  on_hand: number;
  exception: number;
  awaiting: number;
}

export type WebhookTopic =
  | 'order.shipped'
  | 'order.shipment.delivered'
  | 'order.shipment.exception'
  | 'order.shipment.on_hold'
  | 'order.shipment.cancelled';

export interface DeliveryAttempt {
  at: string;
  /** HTTP status the receiver answered, or null when it could not be reached. */
  status: number | null;
  error?: string;
}

export interface WebhookDelivery {
  /** `webhook-id`, stable across retries (`msg_…`). */
  id: string;
  topic: WebhookTopic;
  order_id: number;
  url: string | null;
  /** The exact JSON text sent (and signed). */
  body: string;
  created_at: string;
  status: 'pending' | 'delivered' | 'failed' | 'no_endpoint';
  attempts: number;
  last_status: number | null;
  next_attempt_at: string | null;
  history: DeliveryAttempt[];
}

export interface WmsState {
  nextOrderId: number;
  nextShipmentId: number;
  nextProductId: number;
  nextInventoryId: number;
  /** Order id → order. */
  orders: Record<string, ShipBobOrder>;
  /** SKU → ShipBob product id. */
  productIds: Record<string, number>;
  /** SKU → its stock; a SKU without one is not tracked (always accepted, never listed). */
  inventory: Record<string, InventoryRecord>;
  outOfStockSkus: string[];
  webhookUrl: string | null;
  deliveries: WebhookDelivery[];
}

export function initialWmsState(options: { outOfStockSkus?: string[]; webhookUrl?: string }): WmsState {
  return {
    nextOrderId: 100_000_001,
    nextShipmentId: 200_000_001,
    nextProductId: 1_000_001,
    nextInventoryId: 3_000_001,
    orders: {},
    productIds: {},
    inventory: {},
    outOfStockSkus: [...(options.outOfStockSkus ?? [])],
    webhookUrl: options.webhookUrl ?? null,
    deliveries: [],
  };
}

export const sandboxChannel = { id: 100_101, name: 'Sandbox Store' } as const;
export const sandboxLocation = { id: 7, name: 'Cicero (IL)' } as const;

/**
 * A data file written by the sandbox before it spoke 2026-01: its shipments had no `delivery_date`, a null
 * `tracking` and the quantities on the products. Brought to today's shape in place, so its open orders still ship.
 */
export function upgradeWmsState(state: WmsState): void {
  state.inventory ??= {};
  state.nextInventoryId ??= 3_000_001;
  for (const order of Object.values(state.orders)) {
    const quantityOf = (sku: string) => order.products.find((p) => p.reference_id === sku)?.quantity ?? 0;
    for (const shipment of order.shipments as Array<Shipment & { tracking?: Tracking | null }>) {
      shipment.delivery_date ??= null;
      shipment.require_signature ??= false;
      if (shipment.tracking === null) delete shipment.tracking;
      for (const product of shipment.products as Array<ShipmentProduct & { quantity?: number }>) {
        product.inventory_items ??= [
          {
            id: product.id,
            name: product.name,
            quantity: product.quantity ?? quantityOf(product.reference_id),
            quantity_committed: 0,
          },
        ];
        delete product.quantity;
      }
    }
  }
}
