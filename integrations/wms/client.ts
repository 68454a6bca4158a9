import type { WmsOrderInput } from '../../domain/fulfilment';
import { createAxios, defaultResilience, ResilientHttp, type ResilienceOptions } from '../http/resilientHttp';
import { wmsFailureKind } from './failures';

/** ShipBob's dated API version every path starts with. */
export const wmsApiVersion = '2026-01';
const api = `/${wmsApiVersion}`;

export interface WmsClientOptions {
  /** API root, e.g. `https://api.shipbob.com` (the client adds `/2026-01/…`). */
  baseUrl: string;
  /** Personal access token, sent as `Authorization: Bearer …`. */
  token: string;
  /** The channel orders are created in, sent as the `shipbob_channel_id` header (required to create an order). */
  channelId: string;
  resilience?: ResilienceOptions;
}

/** `Orders.OrderStatus`. */
export type WmsOrderStatus =
  'Processing' | 'Exception' | 'PartiallyFulfilled' | 'Fulfilled' | 'Cancelled' | 'ImportReview' | (string & {});
/** `Orders.OrderStatusEnum`, a shipment's status. */
export type WmsShipmentStatus =
  | 'None'
  | 'Processing'
  | 'Completed'
  | 'Exception'
  | 'OnHold'
  | 'Cancelled'
  | 'CleanSweeped'
  | 'LabeledCreated'
  | 'ImportReview'
  | (string & {});

/** `Orders.TrackingViewModel` (nullable in the spec; the order run reads an absent carrier or URL as unknown). */
export interface WmsTracking {
  carrier?: string;
  carrier_service?: string | null;
  tracking_number?: string | null;
  tracking_url?: string;
  shipping_date?: string | null;
}

/** `Orders.StatusDetailViewModel`. */
export interface WmsStatusDetail {
  id: number;
  name?: string | null;
  description?: string | null;
  inventory_id?: number | null;
}

/** `Orders.ShipmentViewModel`, the fields the product reads. */
export interface WmsShipment {
  id: number;
  order_id: number;
  reference_id?: string | null;
  status: WmsShipmentStatus;
  status_details?: WmsStatusDetail[] | null;
  tracking?: WmsTracking | null;
  actual_fulfillment_date?: string | null;
  delivery_date?: string | null;
  products?: Array<{
    id: number;
    reference_id?: string | null;
    sku?: string | null;
    name?: string | null;
    quantity?: number | null;
  }> | null;
}

/** `Orders.OrderViewModel`, the fields the product reads. */
export interface WmsOrder {
  id: number;
  created_date: string;
  reference_id?: string | null;
  order_number?: string | null;
  status: WmsOrderStatus;
  shipping_method?: string | null;
  products?: Array<{ id?: number | null; reference_id?: string | null; sku?: string | null; quantity: number }> | null;
  shipments?: WmsShipment[] | null;
}

/** `Orders.CanceledOrderViewModel`. */
export interface WmsCancelResult {
  order_id: number;
  status: 'Success' | 'Failure' | 'PartialSuccess' | (string & {});
  order?: WmsOrder;
  canceled_shipment_results?: Array<{
    action: string;
    shipment_id: number;
    is_success: boolean;
    reason?: string | null;
  }> | null;
}

/** `Inventory.InventoryQuantityResponse`: one SKU's quantities across every fulfilment centre. */
export interface WmsInventoryLevel {
  inventory_id: number;
  sku?: string | null;
  name?: string | null;
  total_on_hand_quantity: number;
  total_committed_quantity: number;
  total_fulfillable_quantity: number;
  total_sellable_quantity: number;
  total_exception_quantity: number;
  total_awaiting_quantity: number;
  total_backordered_quantity?: number;
  total_internal_transfer_quantity?: number;
}

/** `Inventory.InventoryQuantityResponsePagedResponse`. */
interface InventoryLevelPage {
  items?: WmsInventoryLevel[] | null;
  next?: string | null;
}

/** ShipBob error bodies: `{field: [messages]}` for validation (400/422), `{message}` or a problem (`{title, detail}`) otherwise. */
export function shipBobMessage(body: unknown): string {
  if (typeof body === 'string') return body.includes('<html') ? 'HTML error page' : body.slice(0, 200) || 'no message';
  if (!body || typeof body !== 'object') return 'no message';
  const {
    message,
    title,
    detail,
    type: _type,
    status: _status,
    instance: _instance,
    ...fields
  } = body as Record<string, unknown>;
  const parts = Object.entries(fields).map(([field, messages]) => {
    const text = Array.isArray(messages) ? messages.map(String).join(' ') : String(messages);
    return `${field}: ${text}`;
  });
  for (const said of [detail, title, message]) if (typeof said === 'string' && said) parts.unshift(said);
  return parts.join('; ') || 'no message';
}

/** At most this many pages of inventory levels: a `next` link that never ends is the warehouse's bug, not a loop of ours. */
const maxInventoryPages = 1_000;

/** Typed client for ShipBob's 2026-01 API (orders, shipments, inventory levels), bearer token auth. */
const ordersPageSize = 250;

export class WmsClient {
  private readonly rest: ResilientHttp;
  private readonly origin: string;

  constructor(options: WmsClientOptions) {
    const baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.origin = new URL(baseUrl).origin;
    const http = createAxios(baseUrl, {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${options.token}`,
      shipbob_channel_id: options.channelId,
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
    return this.rest.request({ method: 'POST', url: `${api}/order`, data: input });
  }

  getOrder(id: number): Promise<WmsOrder> {
    return this.rest.request({ method: 'GET', url: `${api}/order/${id}` });
  }

  /** The order with exactly this `reference_id`, or undefined. */
  async findByReferenceId(referenceId: string): Promise<WmsOrder | undefined> {
    const orders = await this.rest.request<WmsOrder[]>({
      method: 'GET',
      url: `${api}/order`,
      params: { ReferenceIds: referenceId },
    });
    return orders.find((order) => order.reference_id === referenceId);
  }

  /** Every order with a shipment updated at or after this instant (`LastUpdateStartDate`), page by page. */
  async listOrdersUpdatedSince(sinceIso: string): Promise<WmsOrder[]> {
    const orders: WmsOrder[] = [];
    for (let page = 1; ; page++) {
      const batch = await this.rest.request<WmsOrder[]>({
        method: 'GET',
        url: `${api}/order`,
        params: { LastUpdateStartDate: sinceIso, Page: page, Limit: ordersPageSize, SortOrder: 'Oldest' },
      });
      orders.push(...batch);
      if (batch.length < ordersPageSize || page >= maxInventoryPages) return orders;
    }
  }

  listShipments(orderId: number): Promise<WmsShipment[]> {
    return this.rest.request({ method: 'GET', url: `${api}/order/${orderId}/shipment` });
  }

  /** Cancels every unshipped shipment; 422 once one has shipped. */
  cancelOrder(id: number): Promise<WmsCancelResult> {
    return this.rest.request({ method: 'POST', url: `${api}/order/${id}:cancel` });
  }

  /** Every SKU's inventory level, following the `next` links page by page. */
  async listInventoryLevels(options: { pageSize?: number } = {}): Promise<WmsInventoryLevel[]> {
    const levels: WmsInventoryLevel[] = [];
    let url: string | undefined = `${api}/inventory-level`;
    let params: Record<string, string> | undefined = { PageSize: String(options.pageSize ?? 250) };
    for (let page = 0; url; page++) {
      if (page >= maxInventoryPages) throw new Error(`inventory levels: more than ${maxInventoryPages} pages`);
      const body: InventoryLevelPage = await this.rest.request<InventoryLevelPage>({ method: 'GET', url, params });
      levels.push(...(body.items ?? []));
      url = body.next ? this.sameOrigin(body.next) : undefined;
      params = undefined;
    }
    return levels;
  }

  /** A `next` link as a path of this API, so the token never goes to a host the warehouse's answer names. */
  private sameOrigin(link: string): string {
    const resolved = new URL(link, this.origin);
    if (resolved.origin !== this.origin) throw new Error('inventory levels: a next link to another host');
    return /^https?:/i.test(link) ? resolved.href : `${resolved.pathname}${resolved.search}`;
  }
}
