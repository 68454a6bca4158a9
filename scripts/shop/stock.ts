import axios from 'axios';
import { MagentoClient } from '../../integrations/magento/client';
import { catalogue } from './catalogue';
import { shopConnections } from './config';

/** What `npm start` puts in the sandbox warehouse and on Magento's default source for each catalogue SKU. */
export const sandboxOpeningStock = 1000;

/**
 * The sandbox's opening stock, once: each catalogue SKU the sandbox warehouse does not track gets `sandboxOpeningStock`
 * units there, and a source item on Magento's `default` source (a catalogue's product assigned to its source), so the
 * stock sync has both sides to keep equal from the first order. SKUs already stocked are left as they are.
 */
export async function openSandboxStock(env: NodeJS.ProcessEnv): Promise<{ warehouse: number; magento: number }> {
  const skus = catalogue.map((p) => p.sku);
  const wmsUrl = env.WMS_BASE_URL!;
  const tracked = new Set(
    (await axios.get<{ items: Array<{ sku: string }> }>(`${wmsUrl}/__sandbox/inventory`)).data.items.map((i) => i.sku),
  );
  const toWarehouse = catalogue.filter((p) => !tracked.has(p.sku));
  if (toWarehouse.length > 0)
    await axios.post(`${wmsUrl}/__sandbox/inventory`, {
      items: toWarehouse.map((p) => ({ sku: p.sku, name: p.name, quantity: sandboxOpeningStock })),
    });
  const magento = new MagentoClient(shopConnections(env).magento);
  const onSource = new Set(
    (await magento.inventory.listSourceItems({ sourceCode: 'default', skus })).map((item) => item.sku),
  );
  const toMagento = skus.filter((sku) => !onSource.has(sku));
  if (toMagento.length > 0)
    await magento.inventory.saveSourceItems(
      toMagento.map((sku) => ({ sku, source_code: 'default', quantity: sandboxOpeningStock, status: 1 as const })),
    );
  return { warehouse: toWarehouse.length, magento: toMagento.length };
}
