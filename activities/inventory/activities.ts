import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { quantityForMagento, type StockWrite } from '../../domain/inventory';
import { ExternalSystemError } from '../../integrations/http/errors';
import { magentoDateTime } from '../../domain/magento';
import type { InventorySettings } from '../../domain/settings';
import { inventorySyncScheduleId } from '../../messages/inventory';
import type { MagentoClient } from '../../integrations/magento/client';
import type { WmsClient, WmsOrder, WmsShipment } from '../../integrations/wms/client';

const grpcUnimplemented = 12;

/**
 * Stock from the warehouse into Magento. Each activity is one read or one write of absolute quantities, so a retry or
 * a second run writes the same numbers again and counts nothing twice.
 */
export function createInventoryActivities(clients: { magento: MagentoClient; wms: WmsClient; temporal: Client }) {
  const { magento, wms, temporal } = clients;
  /** The legacy stock item, or undefined where Magento has no product of that SKU (404). */
  const stockItemOf = (sku: string) =>
    magento.inventory.getStockItem(sku).catch((err: unknown) => {
      if (err instanceof ExternalSystemError && err.status === 404) return undefined;
      throw err;
    });
  return {
    /** Every SKU the warehouse stocks, with the quantity Magento's source must hold (domain/inventory.ts). */
    async warehouseQuantities(input: { api: 'msi' | 'legacy' }): Promise<Record<string, number>> {
      const quantities: Record<string, number> = {};
      for (const level of await wms.listInventoryLevels()) {
        if (!level.sku) continue;
        const counts = {
          sku: level.sku,
          onHand: level.total_on_hand_quantity ?? 0,
          exception: level.total_exception_quantity ?? 0,
          fulfillable: level.total_fulfillable_quantity ?? 0,
        };
        quantities[level.sku] = quantityForMagento(counts, input.api);
      }
      return quantities;
    },

    /**
     * The quantity Magento holds per SKU on the configured source: every source item there, or only these SKUs. A SKU
     * Magento does not have on the source is absent from the answer.
     */
    async magentoQuantities(input: { settings: InventorySettings; skus?: string[] }): Promise<Record<string, number>> {
      const { settings, skus } = input;
      const quantities: Record<string, number> = {};
      if (settings.api === 'legacy') {
        for (const sku of skus ?? []) {
          const item = await stockItemOf(sku);
          if (item) quantities[sku] = item.qty;
        }
        return quantities;
      }
      const query = { sourceCode: settings.source, ...(skus ? { skus } : {}) };
      for (const item of await magento.inventory.listSourceItems(query)) quantities[item.sku] = item.quantity;
      return quantities;
    },

    /**
     * Goods the warehouse has shipped that Magento has not deducted yet: their order's run has the shipment but has not
     * written it to Magento (it is seconds away, or parked). Magento deducts them from its source when it does, so
     * until then they are added back to what is written, or Magento would count them out twice (and refuse the
     * shipment, its source being too low). Looks at the warehouse orders updated since then and at those still
     * waiting from the last run.
     */
    async shippedNotYetInMagento(input: {
      sinceIso: string;
      waiting: string[];
    }): Promise<{ addBack: Record<string, number>; waiting: string[] }> {
      const orders = new Map<string, WmsOrder>();
      for (const order of await wms.listOrdersUpdatedSince(input.sinceIso))
        if (order.reference_id) orders.set(order.reference_id, order);
      for (const referenceId of input.waiting) {
        if (orders.has(referenceId)) continue;
        const order = await wms.findByReferenceId(referenceId);
        if (order) orders.set(referenceId, order);
      }
      const addBack: Record<string, number> = {};
      const waiting: string[] = [];
      for (const [referenceId, order] of orders) {
        if (order.status === 'Cancelled') continue;
        const shipped = (order.shipments ?? []).filter((s) => s.actual_fulfillment_date);
        if (shipped.length === 0) continue;
        const magentoOrder = await magento.findOrderByIncrementId(referenceId);
        // Canceled or closed in Magento without its shipment: Magento will deduct nothing for it.
        if (!magentoOrder || magentoOrder.state === 'canceled' || magentoOrder.state === 'closed') continue;
        if ((await magento.listShipments(magentoOrder.entity_id)).total_count > 0) continue;
        waiting.push(referenceId);
        for (const [sku, units] of Object.entries(unitsShipped(order, shipped)))
          addBack[sku] = (addBack[sku] ?? 0) + units;
      }
      return { addBack, waiting: waiting.sort() };
    },

    /** SKUs of the Magento shipments made since then: Magento deducted them from its source itself. */
    async skusShippedInMagentoSince(sinceIso: string): Promise<string[]> {
      const skus = new Set<string>();
      const since = magentoDateTime(Date.parse(sinceIso));
      for (let page = 1; ; page += 1) {
        const found = await magento.searchShipments([[{ field: 'created_at', value: since, conditionType: 'gteq' }]], {
          pageSize: 100,
          currentPage: page,
        });
        for (const shipment of found.items) for (const item of shipment.items ?? []) if (item.sku) skus.add(item.sku);
        if (page * 100 >= found.total_count || found.items.length === 0) break;
      }
      return [...skus].sort();
    },

    /** Writes absolute quantities: one MSI source-items request, or (legacy) each SKU's stock item. */
    async writeMagentoStock(input: { settings: InventorySettings; items: StockWrite[] }): Promise<{ written: number }> {
      const { settings, items } = input;
      if (settings.api === 'legacy') {
        for (const { sku, quantity, status } of items) {
          const item = await stockItemOf(sku);
          if (!item) throw new Error(`Magento has no stock item for SKU ${sku}`);
          await magento.inventory.updateStockItem(sku, item.item_id, { qty: quantity, isInStock: status === 1 });
        }
      } else {
        await magento.inventory.saveSourceItems(
          items.map(({ sku, quantity, status }) => ({ sku, source_code: settings.source, quantity, status })),
          settings.batchSize,
        );
      }
      return { written: items.length };
    },

    /**
     * Asks the `inventory-sync` Schedule for a run now (after a shipment), buffered behind one already running. Where
     * the Schedule does not exist (INVENTORY_SYNC_INTERVAL=off) nothing happens, and the answer says so.
     */
    async requestInventorySync(): Promise<{ requested: boolean; reason?: string }> {
      try {
        await temporal.schedule.getHandle(inventorySyncScheduleId).trigger(ScheduleOverlapPolicy.BUFFER_ONE);
        return { requested: true };
      } catch (err) {
        if (err instanceof ScheduleNotFoundError) return { requested: false, reason: 'no inventory-sync schedule' };
        // Temporal's time-skipping test server has no Schedules at all.
        if ((err as { cause?: { code?: unknown } }).cause?.code === grpcUnimplemented)
          return { requested: false, reason: 'this Temporal server has no Schedules' };
        throw err;
      }
    },
  };
}

/** The units per SKU the order's shipped shipments carried (the order's own lines when a shipment does not list them). */
function unitsShipped(order: WmsOrder, shipped: readonly WmsShipment[]): Record<string, number> {
  const units: Record<string, number> = {};
  const lines = shipped.flatMap((s) => s.products ?? []);
  const counted = lines.length > 0 && lines.every((p) => typeof p.quantity === 'number');
  for (const line of counted ? lines : (order.products ?? [])) {
    const sku = line.sku ?? line.reference_id;
    if (sku) units[sku] = (units[sku] ?? 0) + (line.quantity ?? 0);
  }
  return units;
}

export type InventoryActivities = ReturnType<typeof createInventoryActivities>;
