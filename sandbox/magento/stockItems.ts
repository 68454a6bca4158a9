import { castField, refuseUnknownFields } from './inventoryInput';
import { defaultStockId, productNotFound, roundQty } from './inventoryStock';
import { inventoryOf, type InventoryState, type MagentoContext, type MagentoRoute, type SourceItem } from './types';
import { requireObject } from './values';

/**
 * The legacy CatalogInventory stock item. With MSI it is a view of the `default` source item (Magento keeps the two
 * in step both ways); the configuration fields are the store defaults, which the sandbox does not vary.
 */
const stockItemFields = [
  'item_id',
  'product_id',
  'stock_id',
  'qty',
  'is_in_stock',
  'is_qty_decimal',
  'show_default_notification_message',
  'use_config_min_qty',
  'min_qty',
  'use_config_min_sale_qty',
  'min_sale_qty',
  'use_config_max_sale_qty',
  'max_sale_qty',
  'use_config_backorders',
  'backorders',
  'use_config_notify_stock_qty',
  'notify_stock_qty',
  'use_config_qty_increments',
  'qty_increments',
  'use_config_enable_qty_inc',
  'enable_qty_increments',
  'use_config_manage_stock',
  'manage_stock',
  'low_stock_date',
  'is_decimal_divided',
  'stock_status_changed_auto',
  'extension_attributes',
];

function itemIdOf(inventory: InventoryState, sku: string): number {
  const known = inventory.stockItemIds[sku];
  if (known !== undefined) return known;
  const next = Math.max(0, ...Object.values(inventory.stockItemIds)) + 1;
  inventory.stockItemIds[sku] = next;
  return next;
}

function presentStockItem(inventory: InventoryState, sku: string, item: SourceItem): Record<string, unknown> {
  const id = itemIdOf(inventory, sku);
  return {
    item_id: id,
    product_id: id,
    stock_id: defaultStockId,
    qty: item.quantity,
    is_in_stock: item.status === 1,
    is_qty_decimal: false,
    show_default_notification_message: false,
    use_config_min_qty: true,
    min_qty: 0,
    use_config_min_sale_qty: 1,
    min_sale_qty: 1,
    use_config_max_sale_qty: true,
    max_sale_qty: 10000,
    use_config_backorders: true,
    backorders: 0,
    use_config_notify_stock_qty: true,
    notify_stock_qty: 1,
    use_config_qty_increments: true,
    qty_increments: 0,
    use_config_enable_qty_inc: true,
    enable_qty_increments: false,
    use_config_manage_stock: true,
    manage_stock: true,
    is_decimal_divided: false,
    stock_status_changed_auto: 0,
  };
}

const defaultItem = (inventory: InventoryState, sku: string): SourceItem | undefined =>
  inventory.sourceItems.find((i) => i.sku === sku && i.source_code === 'default');

/**
 * StockRegistry::updateStockItemBySku: merges the given fields into the stock item (the path's item id is not
 * used) and writes the default source item. The sandbox has no catalog, so a SKU without one gets it created.
 */
function updateStockItem(ctx: MagentoContext, sku: string, body: unknown): number {
  const given = requireObject(requireObject(body, 'stockItem').stockItem, 'stockItem');
  refuseUnknownFields(given, stockItemFields, 'Magento\\CatalogInventory\\Api\\Data\\StockItemInterface');
  const qty = castField(given, 'qty', 'float') as number | undefined;
  const inStock = castField(given, 'is_in_stock', 'bool') as boolean | undefined;
  const inventory = inventoryOf(ctx);
  let item = defaultItem(inventory, sku);
  if (!item) {
    item = { sku, source_code: 'default', quantity: 0, status: 0 };
    inventory.sourceItems.push(item);
  }
  if (qty !== undefined) item.quantity = roundQty(qty);
  if (inStock !== undefined) item.status = inStock ? 1 : 0;
  else if (qty !== undefined) item.status = item.quantity > 0 ? 1 : 0;
  // As StockStateProvider::verifyStock: nothing left (no backorders) is out of stock whatever was asked.
  if (item.quantity <= 0) item.status = 0;
  ctx.store.changed();
  return itemIdOf(inventory, sku);
}

export function stockItemRoutes(ctx: MagentoContext): MagentoRoute[] {
  return [
    {
      method: 'get',
      path: '/V1/stockItems/:productSku',
      resource: 'Magento_CatalogInventory::cataloginventory',
      handle: (req, res) => {
        const sku = String(req.params.productSku);
        const inventory = inventoryOf(ctx);
        const item = defaultItem(inventory, sku);
        if (!item) throw productNotFound();
        const presented = presentStockItem(inventory, sku, item);
        ctx.store.changed();
        res.json(presented);
      },
    },
    {
      method: 'put',
      path: '/V1/products/:productSku/stockItems/:itemId',
      resource: 'Magento_CatalogInventory::cataloginventory',
      handle: (req, res) => void res.json(updateStockItem(ctx, String(req.params.productSku), req.body)),
    },
  ];
}
