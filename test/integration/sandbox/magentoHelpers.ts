import axios, { type AxiosInstance } from 'axios';
import { createMagentoSandbox, type MagentoSandboxOptions, type MagentoState } from '../../../sandbox/magento';
import type { SandboxPeer } from '../../../sandbox/kit/peer';
import { startPeer, type RunningPeer } from '../../harness/peers';

export const bearerToken = 'magento-sandbox-test-token';

export interface RunningMagento {
  peer: SandboxPeer<MagentoState>;
  url: string;
  /** Admin REST client on `/rest/default/V1` with the bearer token; never throws on a status. */
  api: AxiosInstance;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export function magentoClient(url: string, options: { prefix?: string; token?: string | null } = {}): AxiosInstance {
  const token = options.token === undefined ? bearerToken : options.token;
  return axios.create({
    baseURL: `${url}${options.prefix ?? '/rest/default/V1'}`,
    headers: token === null ? {} : { Authorization: `Bearer ${token}` },
    validateStatus: () => true,
  });
}

export async function startMagento(options: MagentoSandboxOptions = { token: bearerToken }): Promise<RunningMagento> {
  const peer = createMagentoSandbox(options);
  const running: RunningPeer = await startPeer(peer);
  return {
    peer,
    url: running.url,
    api: magentoClient(running.url),
    reset: async () => void (await axios.post(`${running.url}/__sandbox/reset`)),
    close: () => running.close(),
  };
}

/**
 * An order as a storefront integration would post it: 2 × MUG-1 at 10.00 and 1 × TEE-1 at 25.00,
 * 5.00 shipping, grand total 50.00 USD.
 */
export function orderEntity(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const address = {
    firstname: 'Ada',
    lastname: 'Lovelace',
    street: ['12 Analytical Row'],
    city: 'London',
    postcode: 'N1 9GU',
    country_id: 'GB',
    telephone: '+44 20 7946 0000',
    email: 'ada@example.com',
  };
  return {
    customer_email: 'ada@example.com',
    customer_firstname: 'Ada',
    customer_lastname: 'Lovelace',
    order_currency_code: 'USD',
    base_currency_code: 'USD',
    subtotal: 45,
    base_subtotal: 45,
    shipping_amount: 5,
    base_shipping_amount: 5,
    tax_amount: 0,
    base_tax_amount: 0,
    discount_amount: 0,
    base_discount_amount: 0,
    grand_total: 50,
    base_grand_total: 50,
    items: [
      {
        sku: 'MUG-1',
        name: 'Mug',
        qty_ordered: 2,
        price: 10,
        base_price: 10,
        row_total: 20,
        base_row_total: 20,
        product_type: 'simple',
      },
      {
        sku: 'TEE-1',
        name: 'T-shirt',
        qty_ordered: 1,
        price: 25,
        base_price: 25,
        row_total: 25,
        base_row_total: 25,
        product_type: 'simple',
      },
    ],
    billing_address: { ...address, address_type: 'billing' },
    payment: { method: 'stripe_payments', additional_information: [] },
    extension_attributes: {
      shipping_assignments: [
        { shipping: { address: { ...address, address_type: 'shipping' }, method: 'flatrate_flatrate' }, items: [] },
      ],
    },
    ...overrides,
  };
}

export interface CreatedOrder {
  entity_id: number;
  increment_id: string;
  state: string;
  status: string;
  items: {
    item_id: number;
    sku: string;
    qty_ordered: number;
    qty_invoiced: number;
    qty_shipped: number;
    qty_refunded: number;
    qty_canceled: number;
  }[];
  [field: string]: unknown;
}

export async function createOrder(api: AxiosInstance, overrides: Record<string, unknown> = {}): Promise<CreatedOrder> {
  const res = await api.post('/orders', { entity: orderEntity(overrides) });
  if (res.status !== 200) throw new Error(`POST /V1/orders answered ${res.status}: ${JSON.stringify(res.data)}`);
  return res.data as CreatedOrder;
}

export async function getOrder(api: AxiosInstance, id: number): Promise<CreatedOrder> {
  const res = await api.get(`/orders/${id}`);
  if (res.status !== 200) throw new Error(`GET /V1/orders/${id} answered ${res.status}: ${JSON.stringify(res.data)}`);
  return res.data as CreatedOrder;
}

/** `searchCriteria[...]` query parameters from a flat map, as a PHP client would build them. */
export function searchParams(entries: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).map(([k, v]) => [`searchCriteria${k}`, String(v)]));
}
