import { workflowInfo } from '@temporalio/workflow';
import { batchesOf, lowStockCrossings, planInventoryWrites } from '../domain/inventory';
import { inventorySyncStatusQuery, type InventorySyncStatus } from '../messages/inventory';
import { setSyncState, SkippedByOperator } from './reviewQueue';
import { trackRun } from './runStatus';
import { inventorySystems as inventory, systems } from './systems';

const { notify, config } = systems;

/** Past this, Magento's whole source is listed again, so SKUs added there since are known (reported or written). */
const fullReadEveryMs = 24 * 3600_000;
/**
 * How far before the last run's start the warehouse's and Magento's shipments are looked at again (clocks and writes
 * in flight); a day back on the first run.
 */
const lookBackMs = 5 * 60_000;
/** A source never read: the first run reads it whole. */
const neverRead = new Date(0).toISOString();

/**
 * Stock from the warehouse into Magento: started by the Schedule `inventory-sync` (every INVENTORY_SYNC_INTERVAL,
 * overlaps skipped) and after each shipment (the order run asks the Schedule for a run). It reads every level from
 * ShipBob and writes to Magento's source only the SKUs whose quantity differs from what Magento holds, which this run
 * knows from the last one's result (`workflowInfo().lastResult`), plus the SKUs Magento's own shipments deducted since.
 * A SKU on one side only is reported, never invented; a SKU falling to its low-stock threshold tells the merchant once
 * per crossing.
 */
export async function inventorySync(): Promise<InventorySyncStatus> {
  const last = previousRun(workflowInfo().lastResult);
  const startedAt = new Date().toISOString();
  const status: InventorySyncStatus = {
    syncState: 'running',
    step: 'reading',
    startedAt,
    fullReadAt: last?.fullReadAt ?? neverRead,
    magento: { ...(last?.magento ?? {}) },
    warehouseOnly: [],
    magentoOnly: [],
    low: last?.low ?? [],
    written: [],
    unchanged: 0,
    rewritten: [],
    awaitingMagentoShipment: [],
  };
  const { review } = trackRun(status, inventorySyncStatusQuery);
  setSyncState(status, 'running');
  try {
    const { inventory: settings } = await review.step(() => config.orderSettings());
    const msi = settings.api === 'msi';
    const warehouse = await review.step(() => inventory.warehouseQuantities({ api: settings.api }));
    if (msi) {
      const inFlight = await review.step(() =>
        inventory.shippedNotYetInMagento({
          sinceIso: new Date(
            last ? Date.parse(last.startedAt) - lookBackMs : Date.parse(startedAt) - fullReadEveryMs,
          ).toISOString(),
          waiting: last?.awaitingMagentoShipment ?? [],
        }),
      );
      for (const [sku, units] of Object.entries(inFlight.addBack))
        if (Object.hasOwn(warehouse, sku)) warehouse[sku]! += units;
      status.awaitingMagentoShipment = inFlight.waiting;
    }
    const fullRead = Date.now() - Date.parse(status.fullReadAt) >= fullReadEveryMs;
    if (fullRead) {
      // Without MSI a source's items cannot be listed: the stock item of each warehouse SKU is read instead.
      const skus = msi ? undefined : Object.keys(warehouse);
      status.magento = await review.step(() => inventory.magentoQuantities({ settings, ...(skus ? { skus } : {}) }));
      status.fullReadAt = startedAt;
    } else {
      // SKUs new in the warehouse since the last run: does Magento have them on the source?
      const known = new Set([...Object.keys(status.magento), ...(last?.warehouseOnly ?? [])]);
      const unknown = Object.keys(warehouse).filter((sku) => !known.has(sku));
      if (unknown.length > 0)
        Object.assign(
          status.magento,
          await review.step(() => inventory.magentoQuantities({ settings, skus: unknown })),
        );
    }
    const since = last && new Date(Date.parse(last.startedAt) - lookBackMs).toISOString();
    const rewrite = msi && since ? await review.step(() => inventory.skusShippedInMagentoSince(since)) : [];
    const plan = planInventoryWrites({ warehouse, magento: status.magento, rewrite });
    Object.assign(status, {
      warehouseOnly: plan.warehouseOnly,
      magentoOnly: plan.magentoOnly,
      unchanged: plan.unchanged,
      rewritten: rewrite.filter((sku) => plan.writes.some((w) => w.sku === sku)),
      step: 'writing',
    });
    for (const items of batchesOf(plan.writes, settings.batchSize)) {
      await review.step(() => inventory.writeMagentoStock({ settings, items }));
      for (const { sku, quantity } of items) {
        status.magento[sku] = quantity;
        status.written.push(sku);
      }
    }

    status.step = 'notifying';
    const onBothSides = Object.fromEntries(
      Object.entries(warehouse).filter(([sku]) => Object.hasOwn(status.magento, sku)),
    );
    const { crossed, low } = lowStockCrossings(onBothSides, last?.low ?? [], settings.lowStock);
    // Each SKU joins `low` as its notice goes out, so a run skipped partway does not tell it again next time.
    status.low = low.filter((sku) => !crossed.includes(sku));
    for (const sku of crossed) {
      await review.step(() =>
        notify.notifyMerchant({
          key: `low_stock:${sku}:${startedAt}`,
          template: 'low_stock',
          subject: `Low stock: ${sku} has ${onBothSides[sku]} left`,
          detail: `${sku}: ${onBothSides[sku]} units for sale`,
        }),
      );
      status.low.push(sku);
    }
  } catch (err) {
    if (!(err instanceof SkippedByOperator)) throw err;
    status.skipped = err.message;
    // The next run's windows start where the last completed run's did, and its waiting orders stay waiting.
    if (last) {
      status.startedAt = last.startedAt;
      status.awaitingMagentoShipment = [
        ...new Set([...last.awaitingMagentoShipment, ...status.awaitingMagentoShipment]),
      ].sort();
    }
  }
  status.step = 'done';
  setSyncState(status, 'completed');
  return status;
}

/** The last completed run's result, when it is one (a Schedule made again, or the first run, has none). */
function previousRun(value: unknown): InventorySyncStatus | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const last = value as Partial<InventorySyncStatus>;
  if (typeof last.startedAt !== 'string' || typeof last.fullReadAt !== 'string') return undefined;
  if (!last.magento || typeof last.magento !== 'object') return undefined;
  return last as InventorySyncStatus;
}
