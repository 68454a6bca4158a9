import type { AxiosRequestConfig, InternalAxiosRequestConfig } from 'axios';
import type {
  MagentoCreditMemo,
  MagentoCustomer,
  MagentoInvoice,
  MagentoOrder,
  MagentoSearchResult,
  MagentoShipment,
} from '../../domain/magento';
import { createAxios, defaultResilience, ResilientHttp, type ResilienceOptions } from '../http/resilientHttp';
import { MagentoInventory } from './inventory';
import { authorizationHeader } from './oauth1';
import { searchCriteriaQuery, type Filter, type SearchOptions } from './searchCriteria';
import { magentoFailureKind } from './failures';

export type MagentoAuth =
  | { kind: 'token'; token: string }
  | { kind: 'oauth'; consumerKey: string; consumerSecret: string; accessToken: string; tokenSecret: string };

export interface MagentoClientOptions {
  /** Ends in `/rest/<store>`, e.g. `https://shop.example/rest/default`. */
  baseUrl: string;
  auth: MagentoAuth;
  resilience?: ResilienceOptions;
}

export interface CommentInput {
  comment: string;
  status?: string;
  isCustomerNotified?: boolean;
  isVisibleOnFront?: boolean;
}

export interface TrackInput {
  track_number: string;
  title: string;
  carrier_code: string;
}

/** Magento error bodies are `{message, parameters}` with `%1`/`%name` placeholders. */
function magentoMessage(body: unknown): string {
  if (typeof body === 'string') return body.includes('<html') ? 'HTML error page' : body.slice(0, 200);
  const { message, parameters } = (body ?? {}) as { message?: string; parameters?: unknown };
  if (!message) return 'no message';
  if (Array.isArray(parameters))
    return parameters.reduce<string>((m, p, i) => m.replaceAll(`%${i + 1}`, String(p)), message);
  if (parameters && typeof parameters === 'object') {
    return Object.entries(parameters).reduce((m, [k, v]) => m.replaceAll(`%${k}`, String(v)), message);
  }
  return message;
}

/** Typed client for the Magento 2.4 admin REST API (integration token or OAuth 1.0a). */
export class MagentoClient {
  private readonly rest: ResilientHttp;
  /** MSI: source items, sources, salable quantity and the legacy stock item. */
  readonly inventory: MagentoInventory;

  constructor(options: MagentoClientOptions) {
    const baseUrl = options.baseUrl.replace(/\/+$/, '');
    const http = createAxios(baseUrl, { 'Content-Type': 'application/json' });
    if (options.auth.kind === 'token') {
      http.defaults.headers.common.Authorization = `Bearer ${options.auth.token}`;
    } else {
      const credentials = options.auth;
      // Signs the URL exactly as axios sends it (base URL joined and parsed), so Magento rebuilds the same base string.
      http.interceptors.request.use((config: InternalAxiosRequestConfig) => {
        const url = new URL(http.getUri(config));
        config.headers.set('Authorization', authorizationHeader({ method: config.method ?? 'get', url, credentials }));
        return config;
      });
    }
    this.rest = new ResilientHttp(
      'Magento',
      http,
      { messageOf: magentoMessage, kindOf: magentoFailureKind },
      options.resilience ?? defaultResilience,
    );
    this.inventory = new MagentoInventory(<T>(config: AxiosRequestConfig) => this.rest.request<T>(config));
  }

  get breakerState() {
    return this.rest.breakerState;
  }

  getOrder(entityId: number): Promise<MagentoOrder> {
    return this.rest.request({ method: 'GET', url: `/V1/orders/${entityId}` });
  }

  async findOrderByIncrementId(incrementId: string): Promise<MagentoOrder | undefined> {
    const result = await this.searchOrders([[{ field: 'increment_id', value: incrementId }]], { pageSize: 1 });
    return result.items[0];
  }

  searchOrders(groups: Filter[][], options: SearchOptions = {}): Promise<MagentoSearchResult<MagentoOrder>> {
    return this.rest.request({ method: 'GET', url: `/V1/orders?${searchCriteriaQuery(groups, options)}` });
  }

  searchCustomers(groups: Filter[][], options: SearchOptions = {}): Promise<MagentoSearchResult<MagentoCustomer>> {
    return this.rest.request({ method: 'GET', url: `/V1/customers/search?${searchCriteriaQuery(groups, options)}` });
  }

  getCustomer(customerId: number): Promise<MagentoCustomer> {
    return this.rest.request({ method: 'GET', url: `/V1/customers/${customerId}` });
  }

  createCustomer(customer: Omit<MagentoCustomer, 'id'>): Promise<MagentoCustomer> {
    return this.rest.request({ method: 'POST', url: '/V1/customers', data: { customer } });
  }

  /** Magento's customer save replaces what it is given: send the whole customer as read, changed. */
  saveCustomer(customer: MagentoCustomer): Promise<MagentoCustomer> {
    return this.rest.request({ method: 'PUT', url: `/V1/customers/${customer.id}`, data: { customer } });
  }

  createOrder(entity: Record<string, unknown>): Promise<MagentoOrder> {
    return this.rest.request({ method: 'POST', url: '/V1/orders', data: { entity } });
  }

  addComment(entityId: number, input: CommentInput): Promise<boolean> {
    return this.rest.request({
      method: 'POST',
      url: `/V1/orders/${entityId}/comments`,
      data: {
        statusHistory: {
          comment: input.comment,
          status: input.status,
          parent_id: entityId,
          is_customer_notified: input.isCustomerNotified ? 1 : 0,
          is_visible_on_front: input.isVisibleOnFront ? 1 : 0,
        },
      },
    });
  }

  hold(entityId: number): Promise<boolean> {
    return this.rest.request({ method: 'POST', url: `/V1/orders/${entityId}/hold` });
  }

  unhold(entityId: number): Promise<boolean> {
    return this.rest.request({ method: 'POST', url: `/V1/orders/${entityId}/unhold` });
  }

  cancel(entityId: number): Promise<boolean> {
    return this.rest.request({ method: 'POST', url: `/V1/orders/${entityId}/cancel` });
  }

  /** Offline invoice of the whole order (the money was captured in Stripe); returns the invoice entity_id. */
  invoice(entityId: number, comment: string, notify: boolean): Promise<number> {
    return this.rest.request({
      method: 'POST',
      url: `/V1/order/${entityId}/invoice`,
      data: {
        capture: false,
        notify,
        appendComment: true,
        comment: { comment, is_visible_on_front: 0 },
      },
    });
  }

  ship(entityId: number, tracks: TrackInput[], comment: string, notify: boolean): Promise<number> {
    return this.rest.request({
      method: 'POST',
      url: `/V1/order/${entityId}/ship`,
      data: {
        notify,
        appendComment: true,
        comment: { comment, is_visible_on_front: 0 },
        tracks,
      },
    });
  }

  /** Offline credit memo; `items` empty refunds the whole order. */
  refundOffline(
    entityId: number,
    input: {
      items?: Array<{ order_item_id: number; qty: number }>;
      shippingAmount?: number;
      adjustmentPositive?: number;
      adjustmentNegative?: number;
      returnToStockItems?: number[];
      comment: string;
      notify: boolean;
    },
  ): Promise<number> {
    return this.rest.request({
      method: 'POST',
      url: `/V1/order/${entityId}/refund`,
      data: {
        items: input.items ?? [],
        notify: input.notify,
        appendComment: true,
        comment: { comment: input.comment, is_visible_on_front: 0 },
        arguments: {
          shipping_amount: input.shippingAmount,
          adjustment_positive: input.adjustmentPositive,
          adjustment_negative: input.adjustmentNegative,
          ...(input.returnToStockItems
            ? { extension_attributes: { return_to_stock_items: input.returnToStockItems } }
            : {}),
        },
      },
    });
  }

  getCreditMemo(creditMemoId: number): Promise<MagentoCreditMemo> {
    return this.rest.request({ method: 'GET', url: `/V1/creditmemo/${creditMemoId}` });
  }

  listInvoices(orderEntityId: number): Promise<MagentoSearchResult<MagentoInvoice>> {
    return this.rest.request({
      method: 'GET',
      url: `/V1/invoices?${searchCriteriaQuery([[{ field: 'order_id', value: orderEntityId }]])}`,
    });
  }

  listShipments(orderEntityId: number): Promise<MagentoSearchResult<MagentoShipment>> {
    return this.rest.request({
      method: 'GET',
      url: `/V1/shipments?${searchCriteriaQuery([[{ field: 'order_id', value: orderEntityId }]])}`,
    });
  }

  searchShipments(groups: Filter[][], options: SearchOptions = {}): Promise<MagentoSearchResult<MagentoShipment>> {
    return this.rest.request({ method: 'GET', url: `/V1/shipments?${searchCriteriaQuery(groups, options)}` });
  }

  listCreditMemos(orderEntityId: number): Promise<MagentoSearchResult<MagentoCreditMemo>> {
    return this.searchCreditMemos([[{ field: 'order_id', value: orderEntityId }]]);
  }

  searchCreditMemos(groups: Filter[][], options: SearchOptions = {}): Promise<MagentoSearchResult<MagentoCreditMemo>> {
    return this.rest.request({ method: 'GET', url: `/V1/creditmemos?${searchCriteriaQuery(groups, options)}` });
  }

  /** CreditmemoCommentRepository::save: `parent_id` names the memo; the memo's `updated_at` moves to now. */
  addCreditMemoComment(creditMemoId: number, comment: string): Promise<unknown> {
    return this.rest.request({
      method: 'POST',
      url: `/V1/creditmemo/${creditMemoId}/comments`,
      data: {
        entity: {
          parent_id: creditMemoId,
          comment,
          is_customer_notified: 0,
          is_visible_on_front: 0,
        },
      },
    });
  }
}
