import type { WmsOrderInput } from '../../domain/fulfilment';
import { createAxios, defaultResilience, ResilientHttp, type ResilienceOptions } from '../http/resilientHttp';
import { wmsFailureKind } from './failures';

export interface WmsClientOptions {
  /** API root, e.g. `https://api.shipbob.com` (the client adds `/2.0/…`). */
  baseUrl: string;
  /** Personal access token, sent as `Authorization: Bearer …`. */
  token: string;
  resilience?: ResilienceOptions;
}

export type WmsOrderStatus = 'Processing' | 'Fulfilled' | 'Cancelled' | (string & {});
export type WmsShipmentStatus = 'Processing' | 'Completed' | 'Cancelled' | (string & {});

export interface WmsTracking {
  carrier: string;
  carrier_service?: string;
  tracking_number: string;
  tracking_url?: string;
  shipping_date?: string;
}

export interface WmsShipment {
  id: number;
  order_id: number;
  reference_id: string;
  status: WmsShipmentStatus;
  tracking: WmsTracking | null;
  actual_fulfillment_date: string | null;
  products: Array<{ id: number; reference_id: string; sku?: string; name?: string; quantity: number }>;
}

/** A ShipBob API 2.0 order, in ShipBob's field names. */
export interface WmsOrder {
  id: number;
  created_date: string;
  reference_id: string;
  order_number: string;
  status: WmsOrderStatus;
  shipping_method: string;
  products: Array<{ id: number; reference_id: string; sku?: string; name?: string; quantity: number }>;
  shipments: WmsShipment[];
}

export interface WmsCancelResult {
  order_id: number;
  reference_id: string;
  status: string;
  order?: WmsOrder;
  canceled_shipment_results?: Array<{ action: string; shipment_id: number; is_success: boolean; reason: string }>;
}

/** ShipBob error bodies: `{field: [messages]}` for validation (400/422), `{message}` otherwise. */
export function shipBobMessage(body: unknown): string {
  if (typeof body === 'string') return body.includes('<html') ? 'HTML error page' : body.slice(0, 200) || 'no message';
  if (!body || typeof body !== 'object') return 'no message';
  const { message, ...fields } = body as Record<string, unknown>;
  const parts = Object.entries(fields).map(([field, messages]) => {
    const text = Array.isArray(messages) ? messages.map(String).join(' ') : String(messages);
    return `${field}: ${text}`;
  });
  if (typeof message === 'string' && message) parts.unshift(message);
  return parts.join('; ') || 'no message';
}

/** Typed client for ShipBob's API 2.0 orders, bearer token auth. */
export class WmsClient {
  private readonly rest: ResilientHttp;

  constructor(options: WmsClientOptions) {
    const http = createAxios(options.baseUrl.replace(/\/+$/, ''), {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${options.token}`,
    });
    this.rest = new ResilientHttp(
      'Wms',
      http,
      { messageOf: shipBobMessage, kindOf: wmsFailureKind },
      options.resilience ?? defaultResilience,
    );
  }

  get breakerState() {
    return this.rest.breakerState;
  }

  /** 422 when an order with the same `reference_id` exists, or when a SKU is out of stock. */
  createOrder(input: WmsOrderInput): Promise<WmsOrder> {
    return this.rest.request({ method: 'POST', url: '/2.0/order', data: input });
  }

  getOrder(id: number): Promise<WmsOrder> {
    return this.rest.request({ method: 'GET', url: `/2.0/order/${id}` });
  }

  /** The order with exactly this `reference_id`, or undefined. */
  async findByReferenceId(referenceId: string): Promise<WmsOrder | undefined> {
    const orders = await this.rest.request<WmsOrder[]>({
      method: 'GET',
      url: '/2.0/order',
      params: { ReferenceIds: referenceId },
    });
    return orders.find((order) => order.reference_id === referenceId);
  }

  /** Cancels every unshipped shipment; 422 once one has shipped. */
  cancelOrder(id: number): Promise<WmsCancelResult> {
    return this.rest.request({ method: 'POST', url: `/2.0/order/${id}/cancel` });
  }
}
