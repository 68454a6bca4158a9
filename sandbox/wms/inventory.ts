import type { Store } from '../kit/store';
import { ShipBobError } from './errors';
import type { InventoryItemRequest } from './schemas';
import type { InventoryRecord, ShipBobOrder, WmsState } from './state';

/** `Inventory.InventoryQuantityResponse`. */
export interface InventoryLevel {
  inventory_id: number;
  sku: string;
  name: string;
  total_on_hand_quantity: number;
  total_committed_quantity: number;
  total_fulfillable_quantity: number;
  total_sellable_quantity: number;
  total_exception_quantity: number;
  total_awaiting_quantity: number;
  total_backordered_quantity: number;
  total_internal_transfer_quantity: number;
}

export interface InventoryPage {
  items: InventoryLevel[];
  /** The `Cursor` of the next page, or undefined on the last one. */
  nextCursor?: string;
}

export const defaultPageSize = 50;
export const maxPageSize = 250;

/** Orders whose goods are still reserved in the warehouse: neither shipped nor cancelled. */
function commitsStock(order: ShipBobOrder): boolean {
  return order.status === 'Processing' || order.status === 'Exception';
}

/**
 * Stock per SKU. The arithmetic, per tracked SKU (every quantity an integer ≥ 0):
 * - on hand: what the control set, less every quantity shipped since (never below 0);
 * - committed: the SKU's quantities in orders neither shipped nor cancelled;
 * - fulfillable: max(0, on hand − exception − committed): the spec's "on-hand minus committed", where stock in
 *   exception (damaged, lost, under investigation) is on hand but cannot be picked;
 * - backordered: max(0, committed − (on hand − exception)), what is committed beyond the pickable stock;
 * - sellable: fulfillable + awaiting (the spec's "fulfillable plus awaiting"); internal transfer is always 0.
 * A new order is refused (422, out of stock) when it asks a tracked SKU for more than its fulfillable quantity.
 */
export class WmsInventory {
  constructor(private readonly store: Store<WmsState>) {}

  private get records(): Record<string, InventoryRecord> {
    return this.store.data.inventory;
  }

  set(items: readonly InventoryItemRequest[]): InventoryLevel[] {
    const state = this.store.data;
    for (const item of items) {
      const known = this.records[item.sku];
      this.records[item.sku] = {
        inventory_id: known?.inventory_id ?? state.nextInventoryId++,
        sku: item.sku,
        name: item.name ?? known?.name ?? item.sku,
        on_hand: item.quantity,
        exception: item.exception ?? known?.exception ?? 0,
        awaiting: item.awaiting ?? known?.awaiting ?? 0,
      };
    }
    this.store.changed();
    const skus = new Set(items.map((i) => i.sku));
    return this.levels().filter((level) => skus.has(level.sku));
  }

  /** Every tracked SKU's level, by inventory id. */
  levels(): InventoryLevel[] {
    const committed = this.committed();
    return Object.values(this.records)
      .sort((a, b) => a.inventory_id - b.inventory_id)
      .map((record) => levelOf(record, committed.get(record.sku) ?? 0));
  }

  /** A page of at most `pageSize` levels after the cursor (an inventory id, opaque to the caller). */
  page(query: { pageSize: number; cursor?: string; inventoryIds: number[] }): InventoryPage {
    const after = query.cursor === undefined ? 0 : decodeCursor(query.cursor);
    const matching = this.levels().filter(
      (l) => l.inventory_id > after && (query.inventoryIds.length === 0 || query.inventoryIds.includes(l.inventory_id)),
    );
    const items = matching.slice(0, query.pageSize);
    const last = items.at(-1);
    return {
      items,
      ...(matching.length > items.length && last ? { nextCursor: encodeCursor(last.inventory_id) } : {}),
    };
  }

  /** `{field: [message]}` for each tracked SKU the products ask more of than is fulfillable. */
  shortages(products: readonly { reference_id: string; quantity: number }[]): Record<string, string[]> {
    const wanted = new Map<string, { quantity: number; index: number }>();
    products.forEach((p, index) => {
      const seen = wanted.get(p.reference_id);
      wanted.set(p.reference_id, { quantity: (seen?.quantity ?? 0) + p.quantity, index: seen?.index ?? index });
    });
    const committed = this.committed();
    const errors: Record<string, string[]> = {};
    for (const [sku, { quantity, index }] of wanted) {
      const record = this.records[sku];
      if (!record) continue;
      const fulfillable = levelOf(record, committed.get(sku) ?? 0).total_fulfillable_quantity;
      if (quantity > fulfillable) {
        errors[`products[${index}].reference_id`] = [
          `Product with ReferenceId ${sku} is out of stock: ${fulfillable} fulfillable, ${quantity} ordered`,
        ];
      }
    }
    return errors;
  }

  /** The goods left the warehouse: on hand drops by what shipped (its commitment ends with the order's status). */
  shipped(order: ShipBobOrder): void {
    for (const product of order.products) {
      const record = this.records[product.reference_id];
      if (record) record.on_hand = Math.max(0, record.on_hand - product.quantity);
    }
    this.store.changed();
  }

  private committed(): Map<string, number> {
    const committed = new Map<string, number>();
    for (const order of Object.values(this.store.data.orders)) {
      if (!commitsStock(order)) continue;
      for (const p of order.products) committed.set(p.reference_id, (committed.get(p.reference_id) ?? 0) + p.quantity);
    }
    return committed;
  }
}

function levelOf(record: InventoryRecord, committed: number): InventoryLevel {
  const pickable = Math.max(0, record.on_hand - record.exception);
  const fulfillable = Math.max(0, pickable - committed);
  return {
    inventory_id: record.inventory_id,
    sku: record.sku,
    name: record.name,
    total_on_hand_quantity: record.on_hand,
    total_committed_quantity: committed,
    total_fulfillable_quantity: fulfillable,
    total_sellable_quantity: fulfillable + record.awaiting,
    total_exception_quantity: record.exception,
    total_awaiting_quantity: record.awaiting,
    total_backordered_quantity: Math.max(0, committed - pickable),
    total_internal_transfer_quantity: 0,
  };
}

function encodeCursor(inventoryId: number): string {
  return Buffer.from(`after:${inventoryId}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^after:(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw problem(400, 'Bad Request', 'The Cursor is not one this API gave out.');
  return Number(match[1]);
}

/** `Inventory.ProblemDetails`, as the inventory API answers its errors. */
export function problem(status: number, title: string, detail: string): ShipBobError {
  return new ShipBobError(status, {
    type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
    title,
    status,
    detail,
  });
}
