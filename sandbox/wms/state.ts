/** ShipBob order status, imputed from its shipments. */
export type OrderStatus = 'Processing' | 'Fulfilled' | 'Cancelled';
/** ShipBob shipment status. */
export type ShipmentStatus = 'Processing' | 'Completed' | 'Cancelled';

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

export interface OrderProduct {
  /** ShipBob's inventory product id for the SKU. */
  id: number;
  reference_id: string;
  sku: string;
  name: string;
  quantity: number;
  unit_price: number | null;
  external_line_id: number | string | null;
}

export interface Tracking {
  carrier: string;
  carrier_service: string;
  tracking_number: string;
  tracking_url: string;
  shipping_date: string;
}

export interface StatusDetail {
  id: number;
  name: string;
  description: string;
}

export interface Shipment {
  id: number;
  order_id: number;
  reference_id: string;
  recipient: Recipient;
  created_date: string;
  last_update_at: string;
  status: ShipmentStatus;
  status_details: StatusDetail[];
  location: { id: number; name: string };
  ship_option: string;
  tracking: Tracking | null;
  is_tracking_uploaded: boolean;
  actual_fulfillment_date: string | null;
  products: { id: number; reference_id: string; sku: string; name: string; quantity: number }[];
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

export interface DeliveryAttempt {
  at: string;
  /** HTTP status the receiver answered, or null when it could not be reached. */
  status: number | null;
  error?: string;
}

export interface WebhookDelivery {
  /** `webhook-id`, stable across retries (`msg_…`). */
  id: string;
  topic: 'order.shipped';
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
  /** Order id → order. */
  orders: Record<string, ShipBobOrder>;
  /** SKU → ShipBob inventory product id. */
  productIds: Record<string, number>;
  outOfStockSkus: string[];
  webhookUrl: string | null;
  deliveries: WebhookDelivery[];
}

export function initialWmsState(options: { outOfStockSkus?: string[]; webhookUrl?: string }): WmsState {
  return {
    nextOrderId: 100_000_001,
    nextShipmentId: 200_000_001,
    nextProductId: 1_000_001,
    orders: {},
    productIds: {},
    outOfStockSkus: [...(options.outOfStockSkus ?? [])],
    webhookUrl: options.webhookUrl ?? null,
    deliveries: [],
  };
}

export const sandboxChannel = { id: 100_101, name: 'Sandbox Store' } as const;
export const sandboxLocation = { id: 7, name: 'Cicero (IL)' } as const;
