import type { Request } from 'express';
import { badRequest } from './errors';
import { castField, listArgument, refuseUnknownFields, validSourceItems } from './inventoryInput';
import { knownSku, knownStock, noStockData, productNotFound, salableQty } from './inventoryStock';
import { applySearchCriteria, parseSearchCriteria } from './searchCriteria';
import { inventoryOf, type MagentoContext, type MagentoRoute } from './types';
import { clone, intParam } from './values';

/** SourceItemsSave: validated as a whole, then saved in one transaction (an unknown source fails the insert). */
function saveSourceItems(ctx: MagentoContext, body: unknown): void {
  const items = validSourceItems(body);
  const inventory = inventoryOf(ctx);
  if (items.some((item) => !inventory.sources.some((s) => s.source_code === item.source_code)))
    throw badRequest('Could not save Source Item');
  for (const item of items) {
    const existing = inventory.sourceItems.find((i) => i.sku === item.sku && i.source_code === item.source_code);
    if (existing) Object.assign(existing, item);
    else inventory.sourceItems.push(item);
  }
  ctx.store.changed();
}

function deleteSourceItems(ctx: MagentoContext, body: unknown): void {
  const keys = listArgument(body, 'sourceItems').map((given) => {
    refuseUnknownFields(
      given,
      ['sku', 'source_code', 'quantity', 'status', 'extension_attributes'],
      'Magento\\InventoryApi\\Api\\Data\\SourceItemInterface',
    );
    return { sku: castField(given, 'sku', 'string'), source_code: castField(given, 'source_code', 'string') };
  });
  const inventory = inventoryOf(ctx);
  inventory.sourceItems = inventory.sourceItems.filter(
    (i) => !keys.some((k) => k.sku === i.sku && k.source_code === i.source_code),
  );
  ctx.store.changed();
}

function skuAndStock(req: Request): { sku: string; stockId: number } {
  return { sku: String(req.params.sku), stockId: intParam(req, 'stockId') };
}

export function inventorySourceItemRoutes(ctx: MagentoContext): MagentoRoute[] {
  return [
    {
      method: 'get',
      path: '/V1/inventory/source-items',
      resource: 'Magento_InventoryApi::source',
      handle: (req, res) =>
        void res.json(
          clone(
            applySearchCriteria(
              inventoryOf(ctx).sourceItems as unknown as Record<string, unknown>[],
              parseSearchCriteria(req.query),
            ),
          ),
        ),
    },
    {
      // Void service methods: Magento's REST answer is an empty array.
      method: 'post',
      path: '/V1/inventory/source-items',
      resource: 'Magento_InventoryApi::source_item_save',
      handle: (req, res) => {
        saveSourceItems(ctx, req.body);
        res.json([]);
      },
    },
    {
      method: 'post',
      path: '/V1/inventory/source-items-delete',
      resource: 'Magento_InventoryApi::source_item_delete',
      handle: (req, res) => {
        deleteSourceItems(ctx, req.body);
        res.json([]);
      },
    },
    {
      method: 'get',
      path: '/V1/inventory/get-product-salable-quantity/:sku/:stockId',
      resource: 'Magento_InventorySalesApi::stock',
      handle: (req, res) => {
        const { sku, stockId } = skuAndStock(req);
        const inventory = inventoryOf(ctx);
        if (!knownSku(inventory, sku)) throw productNotFound();
        if (!knownStock(inventory, stockId)) throw noStockData();
        res.json(salableQty(inventory, sku, stockId));
      },
    },
    {
      // IsProductSalable swallows its lookups' errors: an unknown product or stock is just not salable.
      method: 'get',
      path: '/V1/inventory/is-product-salable/:sku/:stockId',
      resource: 'Magento_InventorySalesApi::stock',
      handle: (req, res) => {
        const { sku, stockId } = skuAndStock(req);
        const inventory = inventoryOf(ctx);
        res.json(knownStock(inventory, stockId) && salableQty(inventory, sku, stockId) > 0);
      },
    },
  ];
}
