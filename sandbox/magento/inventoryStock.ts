import { badRequest, MagentoError } from './errors';
import { inventoryOf, type InventoryState, type MagentoContext, type SourceItem } from './types';

export const defaultStockId = 1;

/** Quantities are decimal(12,4) in Magento: sums are rounded there so 0.1 + 0.2 is 0.3. */
export function roundQty(qty: number): number {
  return Math.round(qty * 10_000) / 10_000;
}

/** Codes of the enabled sources linked to the stock (what Magento's stock index aggregates). */
export function stockSourceCodes(inventory: InventoryState, stockId: number): Set<string> {
  const enabled = new Set(inventory.sources.filter((s) => s.enabled).map((s) => s.source_code));
  return new Set(
    inventory.links.filter((l) => l.stock_id === stockId && enabled.has(l.source_code)).map((l) => l.source_code),
  );
}

function itemsOnStock(inventory: InventoryState, sku: string, stockId: number): SourceItem[] {
  const codes = stockSourceCodes(inventory, stockId);
  return inventory.sourceItems.filter((i) => i.sku === sku && codes.has(i.source_code));
}

/** A SKU with no source item on the stock is not stock-managed by the sandbox: any quantity can be ordered. */
export function isManaged(inventory: InventoryState, sku: string, stockId = defaultStockId): boolean {
  return itemsOnStock(inventory, sku, stockId).length > 0;
}

export function reservedQty(inventory: InventoryState, sku: string, stockId: number): number {
  return roundQty(
    inventory.reservations.filter((r) => r.sku === sku && r.stock_id === stockId).reduce((s, r) => s + r.quantity, 0),
  );
}

/**
 * Magento's GetProductSalableQty: the in-stock source quantity on the stock plus the reservations (min qty 0); 0 when
 * no source item on the stock is in stock. It may go below zero when sources were lowered under what is reserved.
 */
export function salableQty(inventory: InventoryState, sku: string, stockId: number): number {
  const inStock = itemsOnStock(inventory, sku, stockId).filter((i) => i.status === 1);
  if (inStock.length === 0) return 0;
  return roundQty(inStock.reduce((s, i) => s + i.quantity, 0) + reservedQty(inventory, sku, stockId));
}

export function knownStock(inventory: InventoryState, stockId: number): boolean {
  return inventory.stocks.some((s) => s.stock_id === stockId);
}

/** The salable-quantity routes' answer for a stock without an index table. */
export const noStockData = (): MagentoError => badRequest('Could not receive Stock Item data');

export const productNotFound = (): MagentoError =>
  new MagentoError(404, "The product that was requested doesn't exist. Verify the product and try again.");

/** The sandbox has no catalog: a product exists when some source item names its SKU. */
export function knownSku(inventory: InventoryState, sku: string): boolean {
  return inventory.sourceItems.some((i) => i.sku === sku);
}

export interface ReservationEvent {
  type: 'order_placed' | 'shipment_created' | 'order_canceled';
  orderId: number;
  incrementId: string;
}

/** Appends one reservation per SKU (quantities of the same SKU added up), as Magento's PlaceReservationsForSalesEvent. */
export function appendReservations(
  ctx: MagentoContext,
  quantities: Map<string, number>,
  event: ReservationEvent,
  stockId = defaultStockId,
): void {
  const inventory = inventoryOf(ctx);
  const metadata = JSON.stringify({
    event_type: event.type,
    object_type: 'order',
    object_id: String(event.orderId),
    object_increment_id: event.incrementId,
  });
  for (const [sku, quantity] of quantities) {
    if (quantity === 0) continue;
    inventory.lastReservationId += 1;
    inventory.reservations.push({
      reservation_id: inventory.lastReservationId,
      stock_id: stockId,
      sku,
      quantity: roundQty(quantity),
      metadata,
    });
  }
}
