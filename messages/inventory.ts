import type { Tracked } from './runs';
import { defineStatusQuery } from './runs';

/** The Schedule that runs `inventorySync` (worker/inventorySyncSchedule.ts), which a shipment asks for a run. */
export const inventorySyncScheduleId = 'inventory-sync';

/**
 * An `inventorySync` run's status, and its result: the next scheduled run starts from it (`lastResult`), so what
 * Magento holds per SKU is carried from run to run in the Schedule's own state, not read from Magento each time.
 */
export interface InventorySyncStatus extends Tracked {
  step: 'reading' | 'writing' | 'notifying' | 'done';
  /** When this run started; the next run looks at shipments from a little before it (a skipped run keeps the last one's). */
  startedAt: string;
  /** When Magento's whole source was last listed (at most a day ago; then every SKU there is known). */
  fullReadAt: string;
  /** What Magento holds per SKU on the source, as this run wrote it or read it. */
  magento: Record<string, number>;
  /** In the warehouse but not on the Magento source: reported, never created there. */
  warehouseOnly: string[];
  /** On the Magento source but not in the warehouse: reported, left as they are. */
  magentoOnly: string[];
  /** SKUs at or below their low-stock threshold after this run (a notice went out when each crossed). */
  low: string[];
  /** The SKUs this run wrote, and how many it left as they were. */
  written: string[];
  unchanged: number;
  /** Orders the warehouse shipped whose Magento shipment is still to come: their units are added back until then. */
  awaitingMagentoShipment: string[];
  /** Magento shipments since the last run deducted these SKUs itself: written again. */
  rewritten: string[];
  skipped?: string;
}

export const inventorySyncStatusQuery = defineStatusQuery<InventorySyncStatus>();
