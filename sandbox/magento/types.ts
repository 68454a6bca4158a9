import type { Request, Response } from 'express';
import type { Store } from '../kit/store';

/**
 * Stored records are kept in the shape Magento's admin REST API returns them (snake_case, decimals as
 * numbers, nulls omitted), so presenting one is a copy. Fields the sandbox reads are typed; everything
 * else a caller sent is kept as given.
 */
type Passthrough = { [field: string]: unknown };

export interface OrderAddress extends Passthrough {
  entity_id: number;
  parent_id: number;
  address_type: string;
}

export interface OrderItem extends Passthrough {
  item_id: number;
  order_id: number;
  sku: string;
  product_type: string;
  is_virtual: number;
  qty_ordered: number;
  qty_invoiced: number;
  qty_shipped: number;
  qty_refunded: number;
  qty_canceled: number;
}

export interface StatusHistory extends Passthrough {
  entity_id: number;
  parent_id: number;
  comment: string;
  is_visible_on_front: number;
  created_at: string;
}

export interface OrderPayment extends Passthrough {
  entity_id: number;
  parent_id: number;
  method: string;
  additional_information: string[];
}

export interface ShippingAssignment extends Passthrough {
  shipping: Passthrough & { address?: OrderAddress };
}

export interface Order extends Passthrough {
  entity_id: number;
  increment_id: string;
  state: string;
  status: string;
  grand_total: number;
  base_grand_total: number;
  order_currency_code: string;
  base_currency_code: string;
  items: OrderItem[];
  billing_address?: OrderAddress;
  payment: OrderPayment;
  status_histories: StatusHistory[];
  extension_attributes: Passthrough & { shipping_assignments: ShippingAssignment[] };
  hold_before_state?: string;
  hold_before_status?: string;
  created_at: string;
  updated_at: string;
}

export interface DocumentComment extends Passthrough {
  entity_id: number;
  parent_id: number;
  comment: string;
  is_visible_on_front: number;
  is_customer_notified: number;
  created_at: string;
}

export interface DocumentItem extends Passthrough {
  entity_id: number;
  parent_id: number;
  order_item_id: number;
  sku: string;
  qty: number;
}

/** What every sales document copies from its order when it is created. */
export interface DocumentBase extends Passthrough {
  entity_id: number;
  order_id: number;
  increment_id: string;
  created_at: string;
  updated_at: string;
}

/** Invoices, shipments and credit memos share this core. */
export interface SalesDocument extends DocumentBase {
  items: DocumentItem[];
  comments: DocumentComment[];
}

export interface Shipment extends SalesDocument {
  tracks: Passthrough[];
}

export interface CustomerAddress extends Passthrough {
  id: number;
  customer_id: number;
}

export interface Customer extends Passthrough {
  id: number;
  email: string;
  firstname: string;
  lastname: string;
  website_id: number;
  addresses: CustomerAddress[];
}

/** An MSI source (`inventory_source`): where stock physically is. */
export interface InventorySource extends Passthrough {
  source_code: string;
  name: string;
  enabled: boolean;
}

export interface InventoryStock extends Passthrough {
  stock_id: number;
  name: string;
}

export interface StockSourceLink {
  stock_id: number;
  source_code: string;
  priority: number;
}

/** `inventory_source_item`: the quantity of one SKU at one source; status 1 is in stock. */
export interface SourceItem {
  sku: string;
  source_code: string;
  quantity: number;
  status: number;
}

/**
 * `inventory_reservation`: an append-only ledger of quantity held back from (negative) or given back to (positive)
 * a stock; salable quantity is the stock's source quantity plus the sum of its reservations.
 */
export interface Reservation {
  reservation_id: number;
  stock_id: number;
  sku: string;
  quantity: number;
  /** Magento's JSON metadata: the event (order_placed, shipment_created, order_canceled) and the order. */
  metadata: string;
}

export interface InventoryState {
  sources: InventorySource[];
  stocks: InventoryStock[];
  links: StockSourceLink[];
  sourceItems: SourceItem[];
  reservations: Reservation[];
  lastReservationId: number;
  /** The legacy `cataloginventory_stock_item.item_id` handed out per SKU (there is no catalog to own it). */
  stockItemIds: Record<string, number>;
}

export type Sequence =
  | 'order'
  | 'orderItem'
  | 'address'
  | 'payment'
  | 'history'
  | 'invoice'
  | 'invoiceItem'
  | 'shipment'
  | 'shipmentItem'
  | 'track'
  | 'creditmemo'
  | 'creditmemoItem'
  | 'comment'
  | 'customer'
  | 'customerAddress';

export interface MagentoState {
  /** Last id handed out per kind of entity; increment ids count separately per document type, as in Magento. */
  seq: Record<Sequence, number>;
  orders: Order[];
  invoices: SalesDocument[];
  shipments: Shipment[];
  creditmemos: SalesDocument[];
  customers: Customer[];
  /** Absent in data files written before MSI: read it through `inventoryOf`, which fills the default in. */
  inventory?: InventoryState;
}

export function initialMagentoState(): MagentoState {
  return {
    seq: {
      order: 0,
      orderItem: 0,
      address: 0,
      payment: 0,
      history: 0,
      invoice: 0,
      invoiceItem: 0,
      shipment: 0,
      shipmentItem: 0,
      track: 0,
      creditmemo: 0,
      creditmemoItem: 0,
      comment: 0,
      customer: 0,
      customerAddress: 0,
    },
    orders: [],
    invoices: [],
    shipments: [],
    creditmemos: [],
    customers: [],
    inventory: initialInventory(),
  };
}

/** As a fresh Magento with MSI: the `default` source on stock 1 `Default Stock` (website `base`). */
export function initialInventory(): InventoryState {
  return {
    sources: [
      {
        source_code: 'default',
        name: 'Default Source',
        enabled: true,
        description: 'Default Source',
        latitude: 0,
        longitude: 0,
        country_id: 'US',
        postcode: '00000',
        use_default_carrier_config: true,
        carrier_links: [],
      },
    ],
    stocks: [
      {
        stock_id: 1,
        name: 'Default Stock',
        extension_attributes: { sales_channels: [{ type: 'website', code: 'base' }] },
      },
    ],
    links: [{ stock_id: 1, source_code: 'default', priority: 1 }],
    sourceItems: [],
    reservations: [],
    lastReservationId: 0,
    stockItemIds: {},
  };
}

export function inventoryOf(ctx: MagentoContext): InventoryState {
  return (ctx.store.data.inventory ??= initialInventory());
}

/** What every route module needs: the state and the clock. */
export interface MagentoContext {
  store: Store<MagentoState>;
  now: () => Date;
  /** Prepended to order increment ids, as Magento's per-store sequence prefix does (e.g. `2` → `2000000001`). */
  incrementIdPrefix: string;
  /** The source a shipment deducts from (Magento's source selection, reduced to one configured source). */
  shipmentSource: string;
}

export interface MagentoRoute {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Relative to `/rest/<store>`, e.g. `/V1/orders/:id`. */
  path: string;
  /** The ACL resource Magento names in its 401 answer. */
  resource: string;
  handle: (req: Request, res: Response) => void;
}

export function nextId(ctx: MagentoContext, kind: Sequence): number {
  const seq = ctx.store.data.seq;
  seq[kind] += 1;
  return seq[kind];
}

/** Magento's increment ids: nine digits, zero-padded. */
export function incrementId(n: number): string {
  return String(n).padStart(9, '0');
}

/** Magento's timestamps: `YYYY-MM-DD HH:MM:SS` in UTC. */
export function magentoDate(date: Date): string {
  return date.toISOString().replace('T', ' ').slice(0, 19);
}
