/**
 * Stock from the warehouse into Magento (workflows/inventorySync.ts, docs/inventory.md). Quantities are units of a
 * product, whole numbers.
 */

/** What the warehouse says of one SKU (ShipBob 2026-01 `Inventory.InventoryQuantityResponse`, the fields used). */
export interface WarehouseLevel {
  sku: string;
  onHand: number;
  exception: number;
  /** On hand less what the warehouse has committed to orders it was sent (and, here, less exception). */
  fulfillable: number;
}

/**
 * The quantity Magento's source item must hold: what the warehouse physically holds and can sell, its on-hand less
 * what is damaged or lost (exception). Not its fulfillable quantity: that already subtracts the orders the warehouse
 * has committed, which Magento still reserves itself (its salable quantity is the source quantity less its open
 * orders' reservations), so writing it would count those orders twice.
 */
export function quantityForMagento(level: WarehouseLevel, api: 'msi' | 'legacy' = 'msi'): number {
  // A store without MSI keeps no reservations: its stock item's quantity drops as each order is placed, so the orders
  // the warehouse has committed must come off what is written, which is what fulfillable does.
  if (api === 'legacy') return Math.max(0, Math.trunc(level.fulfillable));
  return Math.max(0, Math.trunc(level.onHand) - Math.max(0, Math.trunc(level.exception)));
}

export interface StockWrite {
  sku: string;
  quantity: number;
  /** Magento's source item status: 1 in stock, 0 out of stock (at zero). */
  status: 0 | 1;
}

export interface InventoryPlanInput {
  /** The warehouse's quantity per SKU, as quantityForMagento gives it. */
  warehouse: Record<string, number>;
  /** What the product last wrote to (or read from) Magento per SKU: the SKUs Magento has on the source. */
  magento: Record<string, number>;
  /** SKUs Magento changed itself since the last sync (its shipments deduct the source): written again whatever they were. */
  rewrite?: readonly string[];
}

export interface InventoryPlan {
  writes: StockWrite[];
  /** In the warehouse, not on the Magento source: reported, never created. */
  warehouseOnly: string[];
  /** On the Magento source, not in the warehouse: reported, left as they are. */
  magentoOnly: string[];
  unchanged: number;
}

/** Only the SKUs whose quantity changed are written; a SKU on one side only is reported, never invented. */
export function planInventoryWrites(input: InventoryPlanInput): InventoryPlan {
  const rewrite = new Set(input.rewrite ?? []);
  const writes: StockWrite[] = [];
  const warehouseOnly: string[] = [];
  let unchanged = 0;
  for (const sku of Object.keys(input.warehouse).sort()) {
    const quantity = input.warehouse[sku]!;
    if (!Object.hasOwn(input.magento, sku)) {
      warehouseOnly.push(sku);
      continue;
    }
    if (input.magento[sku] === quantity && !rewrite.has(sku)) {
      unchanged += 1;
      continue;
    }
    writes.push({ sku, quantity, status: quantity > 0 ? 1 : 0 });
  }
  const magentoOnly = Object.keys(input.magento)
    .filter((sku) => !Object.hasOwn(input.warehouse, sku))
    .sort();
  return { writes, warehouseOnly, magentoOnly, unchanged };
}

export interface LowStockSettings {
  /** At or below this many units a SKU is low (default for every SKU). */
  threshold: number;
  /** Per-SKU thresholds that win over the default. */
  perSku: Record<string, number>;
}

export function thresholdOf(settings: LowStockSettings, sku: string): number {
  return Object.hasOwn(settings.perSku, sku) ? settings.perSku[sku]! : settings.threshold;
}

/**
 * The SKUs that went low in this sync: at or below their threshold now, and not already low after the last one. A SKU
 * is told about once per crossing; it is told again only after it has been above its threshold in between.
 */
export function lowStockCrossings(
  quantities: Record<string, number>,
  alreadyLow: readonly string[],
  settings: LowStockSettings,
): { crossed: string[]; low: string[] } {
  const before = new Set(alreadyLow);
  const low = Object.keys(quantities)
    .filter((sku) => quantities[sku]! <= thresholdOf(settings, sku))
    .sort();
  return { crossed: low.filter((sku) => !before.has(sku)), low };
}

/** Batches of at most `size`, in order. */
export function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}
