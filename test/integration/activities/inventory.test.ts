import { randomBytes } from 'node:crypto';
import axios from 'axios';
import type { Connection } from '@temporalio/client';
import { createInventoryActivities, type InventoryActivities } from '../../../activities/inventory/activities';
import type { InventorySettings } from '../../../domain/settings';
import { MagentoClient } from '../../../integrations/magento/client';
import { WmsClient } from '../../../integrations/wms/client';
import { createMagentoSandbox } from '../../../sandbox/magento';
import { createWmsSandbox, type WmsSandbox } from '../../../sandbox/wms';
import { startPeer, type RunningPeer } from '../../harness/peers';
import { connectDevServer } from '../../harness/temporal';

const msi: InventorySettings = {
  api: 'msi',
  source: 'default',
  stockId: 1,
  batchSize: 2,
  lowStock: { threshold: 5, perSku: {} },
};
const legacy: InventorySettings = { ...msi, api: 'legacy' };

describe('the stock activities against the sandbox Magento and warehouse', () => {
  let magentoPeer: RunningPeer;
  let wmsPeer: RunningPeer;
  let wmsSandbox: WmsSandbox;
  let connection: Connection;
  let magento: MagentoClient;
  let inventory: InventoryActivities;
  beforeAll(async () => {
    magentoPeer = await startPeer(createMagentoSandbox({ token: 'm-token' }));
    wmsSandbox = createWmsSandbox({ token: 'w-token', webhookSecret: `whsec_${randomBytes(24).toString('base64')}` });
    wmsPeer = await startPeer(wmsSandbox);
    const temporal = await connectDevServer();
    connection = temporal.connection;
    magento = new MagentoClient({
      baseUrl: `${magentoPeer.url}/rest/default`,
      auth: { kind: 'token', token: 'm-token' },
    });
    const wms = new WmsClient({ baseUrl: wmsPeer.url, token: 'w-token', channelId: '100101' });
    inventory = createInventoryActivities({ magento, wms, temporal: temporal.client });
  });
  afterAll(async () => {
    wmsSandbox?.stop();
    await Promise.all([magentoPeer?.close(), wmsPeer?.close(), connection?.close()]);
  });

  it('reads the warehouse as on hand less exception, and writes MSI source items in batches', async () => {
    await axios.post(`${wmsPeer.url}/__sandbox/inventory`, {
      items: [
        { sku: 'A', quantity: 10, exception: 2 },
        { sku: 'B', quantity: 0 },
        { sku: 'C', quantity: 4 },
      ],
    });
    expect(await inventory.warehouseQuantities({ api: 'msi' })).toEqual({ A: 8, B: 0, C: 4 });
    expect(await inventory.warehouseQuantities({ api: 'legacy' })).toEqual({ A: 8, B: 0, C: 4 }); // nothing committed yet

    await inventory.writeMagentoStock({
      settings: msi,
      items: [
        { sku: 'A', quantity: 8, status: 1 },
        { sku: 'B', quantity: 0, status: 0 },
        { sku: 'C', quantity: 4, status: 1 },
      ],
    });
    const writes = (
      await axios.get<Array<{ method: string; path: string }>>(`${magentoPeer.url}/__sandbox/requests`)
    ).data.filter((r) => r.method === 'POST' && r.path.endsWith('/inventory/source-items'));
    expect(writes).toHaveLength(2); // batchSize 2
    expect(await inventory.magentoQuantities({ settings: msi })).toEqual({ A: 8, B: 0, C: 4 });
    expect(await inventory.magentoQuantities({ settings: msi, skus: ['C', 'NOPE'] })).toEqual({ C: 4 });
    expect(await magento.inventory.salableQuantity('B', 1)).toBe(0);
  });

  it('reads and writes the legacy stock item where the store has no MSI, and knows a SKU Magento lacks', async () => {
    expect(await inventory.magentoQuantities({ settings: legacy, skus: ['A', 'NOT-IN-MAGENTO'] })).toEqual({ A: 8 });
    await inventory.writeMagentoStock({ settings: legacy, items: [{ sku: 'A', quantity: 0, status: 0 }] });
    expect(await magento.inventory.getStockItem('A')).toMatchObject({ qty: 0, is_in_stock: false });
    await expect(
      inventory.writeMagentoStock({ settings: legacy, items: [{ sku: 'NOT-IN-MAGENTO', quantity: 1, status: 1 }] }),
    ).rejects.toThrow(/no stock item for SKU NOT-IN-MAGENTO/);
  });
});
