import type { AxiosRequestConfig } from 'axios';
import type { MagentoSearchResult } from '../../domain/magento';
import { batchesOf } from '../../domain/inventory';
import { searchCriteriaQuery, type Filter } from './searchCriteria';

/** Quantities here are units of stock (decimal(12,4) in Magento), never money. */
export interface MagentoSourceItem {
  sku: string;
  source_code: string;
  quantity: number;
  /** 1 in stock, 0 out of stock. */
  status: 0 | 1;
}

export interface MagentoSource {
  source_code: string;
  name: string;
  enabled: boolean;
  country_id?: string;
  postcode?: string;
  [field: string]: unknown;
}

/** The legacy CatalogInventory stock item (with MSI, a view of the `default` source item). */
export interface MagentoStockItem {
  item_id: number;
  product_id: number;
  stock_id: number;
  qty: number;
  is_in_stock: boolean;
  manage_stock: boolean;
  [field: string]: unknown;
}

export type Send = <T>(config: AxiosRequestConfig) => Promise<T>;

const pageSize = 100;
/** SKUs per `in` filter, so a long list never makes a URL a proxy refuses. */
const skusPerQuery = 50;

/** Magento MSI through the client's HTTP (same auth, retries and breaker). */
export class MagentoInventory {
  constructor(private readonly send: Send) {}

  /**
   * Every page of a search: stops at `total_count`, and at the last page by count, since Magento answers a page
   * past the end with the last page again.
   */
  private async all<T>(url: string, groups: Filter[][]): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; ; page++) {
      const result = await this.send<MagentoSearchResult<T>>({
        method: 'GET',
        url: `${url}?${searchCriteriaQuery(groups, { pageSize, currentPage: page })}`,
      });
      items.push(...result.items);
      if (result.items.length === 0 || items.length >= result.total_count) return items;
      if (page >= Math.ceil(result.total_count / pageSize)) return items;
    }
  }

  /** The source items of one source, optionally only these SKUs (Magento's `in` splits on commas: SKUs have none). */
  async listSourceItems(query: { sourceCode: string; skus?: readonly string[] }): Promise<MagentoSourceItem[]> {
    const bySource: Filter = { field: 'source_code', value: query.sourceCode, conditionType: 'eq' };
    if (query.skus === undefined) return this.all('/V1/inventory/source-items', [[bySource]]);
    const found: MagentoSourceItem[] = [];
    for (const skus of batchesOf([...new Set(query.skus)], skusPerQuery)) {
      const bySku: Filter = { field: 'sku', value: skus.join(','), conditionType: 'in' };
      found.push(...(await this.all<MagentoSourceItem>('/V1/inventory/source-items', [[bySource], [bySku]])));
    }
    return found;
  }

  /**
   * Saves (creates or replaces) source items, `batchSize` per request. Magento validates each request whole: a
   * refused batch saved nothing, earlier batches stay saved.
   */
  async saveSourceItems(items: readonly MagentoSourceItem[], batchSize = 100): Promise<void> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer`);
    for (const batch of batchesOf(items, batchSize)) {
      const sourceItems = batch.map(({ sku, source_code, quantity, status }) => ({
        sku,
        source_code,
        quantity,
        status,
      }));
      await this.send({ method: 'POST', url: '/V1/inventory/source-items', data: { sourceItems } });
    }
  }

  salableQuantity(sku: string, stockId: number): Promise<number> {
    return this.send({
      method: 'GET',
      url: `/V1/inventory/get-product-salable-quantity/${encodeURIComponent(sku)}/${stockId}`,
    });
  }

  listSources(): Promise<MagentoSource[]> {
    return this.all('/V1/inventory/sources', []);
  }

  getStockItem(sku: string): Promise<MagentoStockItem> {
    return this.send({ method: 'GET', url: `/V1/stockItems/${encodeURIComponent(sku)}` });
  }

  /** Magento merges the given fields into the stock item and answers its item id. */
  updateStockItem(sku: string, itemId: number, change: { qty: number; isInStock: boolean }): Promise<number> {
    return this.send({
      method: 'PUT',
      url: `/V1/products/${encodeURIComponent(sku)}/stockItems/${itemId}`,
      data: { stockItem: { qty: change.qty, is_in_stock: change.isInStock } },
    });
  }
}
