import axios from 'axios';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initialMagentoState } from '../../../sandbox/magento/types';
import { createOrder, getOrder, orderEntity, searchParams, startMagento, type RunningMagento } from './magentoHelpers';

interface InventoryView {
  source_items: { sku: string; source_code: string; quantity: number; status: number }[];
  reservations: { sku: string; stock_id: number; quantity: number; metadata: string }[];
  skus: { sku: string; managed: boolean; reserved: number; salable: number }[];
}

/** One MUG order line of `qty`, nothing else. */
const mugOrder = (qty: number) =>
  orderEntity({
    subtotal: 10 * qty,
    base_subtotal: 10 * qty,
    grand_total: 10 * qty + 5,
    base_grand_total: 10 * qty + 5,
    items: [{ sku: 'MUG-1', name: 'Mug', qty_ordered: qty, price: 10, base_price: 10, product_type: 'simple' }],
  });

describe('Magento sandbox: MSI inventory', () => {
  let magento: RunningMagento;

  const inventory = async (): Promise<InventoryView> =>
    (await axios.get<InventoryView>(`${magento.url}/__sandbox/inventory`)).data;
  const salable = async (sku: string) =>
    (await magento.api.get(`/inventory/get-product-salable-quantity/${sku}/1`)).data;
  const sourceQty = async (sku: string, source = 'default') =>
    (await inventory()).source_items.find((i) => i.sku === sku && i.source_code === source)?.quantity;
  const stockMugs = (quantity: number, status = 1) =>
    magento.api.post('/inventory/source-items', {
      sourceItems: [{ sku: 'MUG-1', source_code: 'default', quantity, status }],
    });

  beforeAll(async () => {
    magento = await startMagento();
  });
  afterAll(() => magento.close());
  beforeEach(() => magento.reset());

  it('starts as Magento does: the default source on stock 1 Default Stock', async () => {
    const all = searchParams({ '[pageSize]': 20 });
    const sources = await magento.api.get('/inventory/sources', { params: all });
    expect(sources.data).toMatchObject({ total_count: 1, items: [{ source_code: 'default', enabled: true }] });
    const stocks = await magento.api.get('/inventory/stocks', { params: all });
    expect(stocks.data.items).toEqual([expect.objectContaining({ stock_id: 1, name: 'Default Stock' })]);
    const links = await magento.api.get('/inventory/stock-source-links', { params: all });
    expect(links.data.items).toEqual([{ stock_id: 1, source_code: 'default', priority: 1 }]);
    expect((await magento.api.get('/inventory/sources/default')).data.name).toBe('Default Source');
    expect((await magento.api.get('/inventory/sources/nowhere')).status).toBe(404);
  });

  it('creates a source, assigns it to stock 1, and counts its quantity in what stock 1 can sell', async () => {
    const created = await magento.api.post('/inventory/sources', {
      source: { source_code: 'eu-1', name: 'EU warehouse', enabled: true, country_id: 'DE', postcode: '10115' },
    });
    expect(created.status).toBe(200);
    expect(created.data).toEqual([]);
    const again = await magento.api.post('/inventory/sources', {
      source: { source_code: 'eu-1', name: 'EU warehouse', country_id: 'DE', postcode: '10115' },
    });
    expect(again.status).toBe(400);
    const blank = await magento.api.post('/inventory/sources', { source: { source_code: 'x y', country_id: 'DE' } });
    expect(blank.status).toBe(400);
    expect(blank.data.message).toBe('Validation Failed');
    expect(blank.data.errors.map((e: { parameters: { field: string } }) => e.parameters.field)).toEqual([
      'source_code',
      'name',
      'postcode',
    ]);

    await magento.api.post('/inventory/source-items', {
      sourceItems: [
        { sku: 'MUG-1', source_code: 'default', quantity: 4, status: 1 },
        { sku: 'MUG-1', source_code: 'eu-1', quantity: 6, status: 1 },
      ],
    });
    expect(await salable('MUG-1')).toBe(4);
    const linked = await magento.api.post('/inventory/stock-source-links', {
      links: [{ stock_id: 1, source_code: 'eu-1', priority: 2 }],
    });
    expect(linked.status).toBe(200);
    expect(await salable('MUG-1')).toBe(10);
    const dangling = await magento.api.post('/inventory/stock-source-links', {
      links: [{ stock_id: 1, source_code: 'nowhere', priority: 3 }],
    });
    expect(dangling.status).toBe(400);
  });

  it('refuses an invalid batch whole, with every item’s error, and saves nothing', async () => {
    const res = await magento.api.post('/inventory/source-items', {
      sourceItems: [
        { sku: 'MUG-1', source_code: 'default', quantity: 5, status: 1 },
        { sku: ' ', source_code: 'default', quantity: 5, status: 1 },
        { sku: 'TEE-1', source_code: 'default', status: 7 },
        { sku: 'CAP-1', source_code: 'default', quantity: 0, status: 1 },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.data).toEqual({
      message: 'Validation Failed',
      errors: [
        { message: '"%field" can not be empty.', parameters: { field: 'sku' } },
        { message: '"%field" should be numeric.', parameters: { field: 'quantity' } },
        { message: '"%field" should a known status.', parameters: { field: 'status' } },
        {
          message: 'Product cannot have "%status" "%in_stock" while product "%quantity" equals or below zero',
          parameters: { status: 'status', in_stock: 'In Stock', quantity: 'quantity' },
        },
      ],
    });
    expect((await inventory()).source_items).toEqual([]);
  });

  it('refuses what Magento’s input processor refuses: unknown fields, wrong types, an unknown source, no items', async () => {
    const unknownField = await magento.api.post('/inventory/source-items', {
      sourceItems: [{ sku: 'MUG-1', source_code: 'default', quantity: 5, status: 1, qty: 5 }],
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.data.message).toBe(
      'Property "Qty" does not have accessor method "getQty" in class "Magento\\InventoryApi\\Api\\Data\\SourceItemInterface".',
    );
    const wrongType = await magento.api.post('/inventory/source-items', {
      sourceItems: [{ sku: 'MUG-1', source_code: 'default', quantity: 'five', status: 1 }],
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.data.message).toBe(
      'Error occurred during "quantity" processing. Invalid type for value: "five". Expected Type: "float".',
    );
    const unknownSource = await magento.api.post('/inventory/source-items', {
      sourceItems: [
        { sku: 'MUG-1', source_code: 'default', quantity: 5, status: 1 },
        { sku: 'MUG-1', source_code: 'nowhere', quantity: 5, status: 1 },
      ],
    });
    expect(unknownSource.status).toBe(400);
    expect(unknownSource.data).toEqual({ message: 'Could not save Source Item' });
    const empty = await magento.api.post('/inventory/source-items', { sourceItems: [] });
    expect(empty.data).toEqual({ message: 'Input data is empty' });
    const misnamed = await magento.api.post('/inventory/source-items', { items: [] });
    expect(misnamed.data).toEqual({
      message: '"%fieldName" is required. Enter and try again.',
      parameters: { fieldName: 'sourceItems' },
    });
    expect((await inventory()).source_items).toEqual([]);
  });

  it('saves, searches (sku in, source eq, paging) and deletes source items; the request log shows which SKUs were written', async () => {
    const skus = ['A-1', 'A-2', 'A-3', 'A-4', 'A-5'];
    const saved = await magento.api.post('/inventory/source-items', {
      sourceItems: skus.map((sku, i) => ({ sku, source_code: 'default', quantity: i + 1, status: 1 })),
    });
    expect(saved.status).toBe(200);
    await magento.api.post('/inventory/source-items', {
      sourceItems: [{ sku: 'A-2', source_code: 'default', quantity: '7.5', status: '1' }],
    });
    const page = await magento.api.get('/inventory/source-items', {
      params: searchParams({
        '[filter_groups][0][filters][0][field]': 'sku',
        '[filter_groups][0][filters][0][value]': 'A-1,A-2,A-3,A-9',
        '[filter_groups][0][filters][0][condition_type]': 'in',
        '[filter_groups][1][filters][0][field]': 'source_code',
        '[filter_groups][1][filters][0][value]': 'default',
        '[filter_groups][1][filters][0][condition_type]': 'eq',
        '[pageSize]': 2,
        '[currentPage]': 1,
      }),
    });
    expect(page.data.total_count).toBe(3);
    expect(page.data.items).toEqual([
      { sku: 'A-1', source_code: 'default', quantity: 1, status: 1 },
      { sku: 'A-2', source_code: 'default', quantity: 7.5, status: 1 },
    ]);
    const deleted = await magento.api.post('/inventory/source-items-delete', {
      sourceItems: [{ sku: 'A-5', source_code: 'default' }],
    });
    expect(deleted.status).toBe(200);
    expect((await inventory()).source_items.map((i) => i.sku)).toEqual(['A-1', 'A-2', 'A-3', 'A-4']);

    const log = (await axios.get(`${magento.url}/__sandbox/requests`)).data as {
      method: string;
      path: string;
      status: number;
      body: { sourceItems?: { sku: string }[] };
    }[];
    const written = log
      .filter((r) => r.method === 'POST' && r.path === '/rest/default/V1/inventory/source-items' && r.status === 200)
      .flatMap((r) => r.body.sourceItems?.map((i) => i.sku) ?? []);
    expect(written).toEqual([...skus, 'A-2']);
  });

  it('reserves on order placement, deducts the source and releases on shipment: 10 in source, 3 ordered → 7; 2 shipped → 8 in source, 7 salable', async () => {
    await stockMugs(10);
    expect(await salable('MUG-1')).toBe(10);
    const order = (await magento.api.post('/orders', { entity: mugOrder(3) })).data as { entity_id: number };
    expect(await salable('MUG-1')).toBe(7);
    expect(await sourceQty('MUG-1')).toBe(10);

    const [line] = (await getOrder(magento.api, order.entity_id)).items;
    const shipped = await magento.api.post(`/order/${order.entity_id}/ship`, {
      items: [{ order_item_id: line?.item_id, qty: 2 }],
    });
    expect(shipped.status).toBe(200);
    expect(await sourceQty('MUG-1')).toBe(8);
    expect(await salable('MUG-1')).toBe(7);

    const view = await inventory();
    expect(view.reservations.map((r) => [r.sku, r.quantity, JSON.parse(r.metadata).event_type])).toEqual([
      ['MUG-1', -3, 'order_placed'],
      ['MUG-1', 2, 'shipment_created'],
    ]);
    expect(view.skus).toEqual([{ sku: 'MUG-1', stock_id: 1, managed: true, reserved: -1, salable: 7 }]);
  });

  it('releases what a cancellation cancels, not what was shipped', async () => {
    await stockMugs(10);
    const order = (await magento.api.post('/orders', { entity: mugOrder(3) })).data as { entity_id: number };
    const [line] = (await getOrder(magento.api, order.entity_id)).items;
    await magento.api.post(`/order/${order.entity_id}/ship`, { items: [{ order_item_id: line?.item_id, qty: 1 }] });
    expect(await salable('MUG-1')).toBe(7);
    expect((await magento.api.post(`/orders/${order.entity_id}/cancel`)).data).toBe(true);
    expect(await sourceQty('MUG-1')).toBe(9);
    expect(await salable('MUG-1')).toBe(9);
    expect((await inventory()).skus[0]?.reserved).toBe(0);
  });

  it('refuses an order above the salable quantity of a stocked SKU, and takes any quantity of an unstocked one', async () => {
    await stockMugs(2);
    const refused = await magento.api.post('/orders', { entity: mugOrder(3) });
    expect(refused.status).toBe(400);
    expect(refused.data).toEqual({ message: 'The requested qty is not available' });
    expect((await inventory()).reservations).toEqual([]);
    await magento.api.post('/orders', { entity: mugOrder(2) });
    expect((await magento.api.post('/orders', { entity: mugOrder(1) })).status).toBe(400);

    // TEE-1 has no source item: not managed, as every order before MSI.
    const unmanaged = await createOrder(magento.api, {
      items: [{ sku: 'TEE-1', name: 'T-shirt', qty_ordered: 500, price: 25, product_type: 'simple' }],
    });
    expect(unmanaged.items.map((i) => [i.sku, i.qty_ordered])).toEqual([['TEE-1', 500]]);
  });

  it('moves the stock of a configurable’s simple product once, not of its parent row as well', async () => {
    await magento.api.post('/inventory/source-items', {
      sourceItems: [{ sku: 'TEE-M', source_code: 'default', quantity: 5, status: 1 }],
    });
    const order = await createOrder(magento.api, {
      items: [
        { item_id: 1, sku: 'TEE-M', name: 'Tee', qty_ordered: 2, price: 25, product_type: 'configurable' },
        {
          item_id: 2,
          sku: 'TEE-M',
          name: 'Tee M',
          qty_ordered: 2,
          price: 0,
          product_type: 'simple',
          parent_item_id: 1,
        },
      ],
    });
    expect(await salable('TEE-M')).toBe(3);
    await magento.api.post(`/order/${order.entity_id}/ship`, {});
    expect(await sourceQty('TEE-M')).toBe(3);
    expect(await salable('TEE-M')).toBe(3);
  });

  it('deducts shipments from the configured shipmentSource', async () => {
    const other = await startMagento({ token: 'magento-sandbox-test-token', shipmentSource: 'eu-1' });
    try {
      await other.api.post('/inventory/sources', {
        source: { source_code: 'eu-1', name: 'EU', country_id: 'DE', postcode: '10115' },
      });
      await other.api.post('/inventory/stock-source-links', {
        links: [{ stock_id: 1, source_code: 'eu-1', priority: 1 }],
      });
      await other.api.post('/inventory/source-items', {
        sourceItems: [
          { sku: 'MUG-1', source_code: 'default', quantity: 5, status: 1 },
          { sku: 'MUG-1', source_code: 'eu-1', quantity: 1, status: 1 },
        ],
      });
      const order = (await other.api.post('/orders', { entity: mugOrder(1) })).data as { entity_id: number };
      expect((await other.api.post(`/order/${order.entity_id}/ship`, {})).status).toBe(200);
      const view = (await axios.get<InventoryView>(`${other.url}/__sandbox/inventory`)).data;
      expect(view.source_items).toEqual([
        { sku: 'MUG-1', source_code: 'default', quantity: 5, status: 1 },
        { sku: 'MUG-1', source_code: 'eu-1', quantity: 0, status: 0 },
      ]);
      expect(view.skus[0]?.salable).toBe(5);
    } finally {
      await other.close();
    }
  });

  it('answers salable quantity as Magento does for out-of-stock, unknown products and unknown stocks', async () => {
    await stockMugs(4, 0);
    expect(await salable('MUG-1')).toBe(0);
    expect((await magento.api.get('/inventory/is-product-salable/MUG-1/1')).data).toBe(false);
    await stockMugs(4, 1);
    expect((await magento.api.get('/inventory/is-product-salable/MUG-1/1')).data).toBe(true);
    const unknownSku = await magento.api.get('/inventory/get-product-salable-quantity/NOPE/1');
    expect(unknownSku.status).toBe(404);
    const unknownStock = await magento.api.get('/inventory/get-product-salable-quantity/MUG-1/9');
    expect(unknownStock.status).toBe(400);
    expect(unknownStock.data).toEqual({ message: 'Could not receive Stock Item data' });
  });

  it('shows and writes the default source item through the legacy stock item', async () => {
    expect((await magento.api.get('/stockItems/MUG-1')).status).toBe(404);
    const put = await magento.api.put('/products/MUG-1/stockItems/1', { stockItem: { qty: 12, is_in_stock: true } });
    expect(put.status).toBe(200);
    const itemId = put.data as number;
    expect(await sourceQty('MUG-1')).toBe(12);
    expect(await salable('MUG-1')).toBe(12);

    await stockMugs(9);
    const read = await magento.api.get('/stockItems/MUG-1');
    expect(read.data).toMatchObject({ item_id: itemId, stock_id: 1, qty: 9, is_in_stock: true, manage_stock: true });
    await magento.api.put(`/products/MUG-1/stockItems/${itemId}`, { stockItem: { qty: 0 } });
    expect((await magento.api.get('/stockItems/MUG-1')).data).toMatchObject({ qty: 0, is_in_stock: false });
    const wrong = await magento.api.put(`/products/MUG-1/stockItems/${itemId}`, { stockItem: { quantity: 3 } });
    expect(wrong.status).toBe(400);
  });

  it('loads a data file written before MSI with the default inventory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'magento-msi-'));
    const dataFile = path.join(dir, 'magento.json');
    const { inventory: _none, ...before } = initialMagentoState();
    writeFileSync(dataFile, JSON.stringify(before));
    const old = await startMagento({ token: 'magento-sandbox-test-token', dataFile });
    try {
      const view = (await axios.get(`${old.url}/__sandbox/inventory`)).data as { sources: { source_code: string }[] };
      expect(view.sources.map((s) => s.source_code)).toEqual(['default']);
      await old.api.post('/inventory/source-items', {
        sourceItems: [{ sku: 'MUG-1', source_code: 'default', quantity: 1, status: 1 }],
      });
      expect((await old.api.get('/inventory/get-product-salable-quantity/MUG-1/1')).data).toBe(1);
    } finally {
      await old.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
