import axios from 'axios';
import type { ScheduleHandle } from '@temporalio/client';
import type { InventorySyncStatus } from '../../messages/inventory';
import type { OrderOutcome } from '../../messages/order';
import { ensureInventorySyncSchedule, inventorySyncScheduleId } from '../../worker/inventorySyncSchedule';
import { startDevStack, type DevStack } from '../harness/devStack';
import { eventually } from '../harness/eventually';
import { merchantEmail } from '../harness/productStack';
import { recordHistories } from '../harness/recordHistories';
import { pay, placeOrder, waitForStep } from '../workflows/orderFlow';

jest.setTimeout(180_000);

interface Logged {
  method: string;
  path: string;
  body: { sourceItems?: Array<{ sku: string; quantity: number; status: number }> } | null;
}

describe('inventorySync: the warehouse stock into Magento MSI, on the dev server with the sandbox peers', () => {
  let dev: DevStack;
  let schedule: ScheduleHandle;
  const recorded: Array<{ name: string; workflowId: string; runId?: string }> = [];
  beforeAll(async () => {
    dev = await startDevStack({ stripeWebhooks: true });
    expect(await ensureInventorySyncSchedule(dev.client, dev.taskQueue, '1h')).toBe('created');
    schedule = dev.client.schedule.getHandle(inventorySyncScheduleId);
    await schedule.pause('only the test’s triggers run');
  });
  afterAll(async () => {
    if (!dev) return;
    await recordHistories(dev.client, recorded);
    await schedule?.delete().catch(() => undefined);
    await dev.close();
  });

  const wms = () => dev.stack.urls.wms;
  const magentoUrl = () => dev.stack.urls.magento;
  const setWarehouse = (items: Array<{ sku: string; quantity: number }>) =>
    axios.post(`${wms()}/__sandbox/inventory`, { items });

  /** The source-items writes Magento received since `from` (an index into its request log), SKU by SKU. */
  async function writesSince(from: number): Promise<Array<{ sku: string; quantity: number; status: number }>> {
    const log = (await axios.get<Logged[]>(`${magentoUrl()}/__sandbox/requests`)).data.slice(from);
    return log
      .filter((r) => r.method === 'POST' && r.path.endsWith('/V1/inventory/source-items'))
      .flatMap((r) => r.body?.sourceItems ?? []);
  }
  const logLength = async () => (await axios.get<Logged[]>(`${magentoUrl()}/__sandbox/requests`)).data.length;

  /** One run of the Schedule (under its own overlap policy, so its result is the next run's lastResult). */
  async function syncNow(name?: string): Promise<InventorySyncStatus> {
    const taken = await eventually('the schedule to be idle', async () => {
      const { info } = await schedule.describe();
      return info.runningActions.length === 0 ? info.numActionsTaken : undefined;
    });
    await schedule.trigger('SKIP');
    const action = await eventually('the scheduled run', async () => {
      const { info } = await schedule.describe();
      return info.numActionsTaken > taken ? info.recentActions.at(-1)?.action : undefined;
    });
    const { workflowId, firstExecutionRunId: runId } = action.workflow;
    if (name) recorded.push({ name, workflowId, runId });
    return dev.client.workflow.getHandle(workflowId, runId).result();
  }

  /** Settles whatever the order runs asked for (a run after each shipment) before the test's own run. */
  async function settled(): Promise<void> {
    await eventually('no inventory sync running', async () => {
      const { info } = await schedule.describe();
      return info.runningActions.length === 0 ? true : undefined;
    });
  }

  const salable = async (sku: string) => dev.stack.clients.magento.inventory.salableQuantity(sku, 1);

  it('writes exactly the SKUs whose quantity changed, nothing on a second run, and puts a SKU at zero out of stock', async () => {
    const skus = Array.from({ length: 500 }, (_, i) => `BULK-${String(i).padStart(3, '0')}`);
    await setWarehouse(skus.map((sku) => ({ sku, quantity: 40 })));
    await dev.stack.clients.magento.inventory.saveSourceItems(
      skus.map((sku) => ({ sku, source_code: 'default', quantity: 40, status: 1 as const })),
    );
    // One SKU on each side only.
    await setWarehouse([{ sku: 'WAREHOUSE-ONLY-1', quantity: 3 }]);
    await dev.stack.clients.magento.inventory.saveSourceItems([
      { sku: 'MAGENTO-ONLY-1', source_code: 'default', quantity: 9, status: 1 },
    ]);

    let from = await logLength();
    const first = await syncNow('inventory-sync-first');
    expect(first.written).toEqual([]); // Magento already held what the warehouse holds
    expect(await writesSince(from)).toEqual([]);
    expect(first.warehouseOnly).toContain('WAREHOUSE-ONLY-1');
    expect(first.magentoOnly).toContain('MAGENTO-ONLY-1');

    const changed = skus.filter((_, i) => i % 10 === 3); // 50 SKUs
    expect(changed).toHaveLength(50);
    await setWarehouse(changed.map((sku, i) => ({ sku, quantity: i === 0 ? 0 : 17 })));
    from = await logLength();
    const second = await syncNow('inventory-sync-changed');
    const written = await writesSince(from);
    expect(written.map((w) => w.sku).sort()).toEqual([...changed].sort());
    expect(written.find((w) => w.sku === changed[0])).toEqual({
      sku: changed[0],
      source_code: 'default',
      quantity: 0,
      status: 0,
    });
    expect(second.written.sort()).toEqual([...changed].sort());
    expect(second.unchanged).toBe(450);
    // The operator API (and page) show the newest run, with the SKUs on one side only.
    const report = (await axios.get(`${dev.apiUrl}/admin/inventory-sync`, { headers: dev.admin })).data;
    expect(report).toMatchObject({
      scheduleId: 'inventory-sync',
      scheduled: true,
      paused: true,
      lastRun: { state: 'COMPLETED', status: { warehouseOnly: ['WAREHOUSE-ONLY-1'], magentoOnly: ['MAGENTO-ONLY-1'] } },
    });
    expect(await salable(changed[0]!)).toBe(0);
    expect(await salable(changed[1]!)).toBe(17);
    const [atZero] = await dev.stack.clients.magento.inventory.listSourceItems({
      sourceCode: 'default',
      skus: [changed[0]!],
    });
    expect(atZero).toMatchObject({ quantity: 0, status: 0 });
    // The SKU at zero fell below the low-stock threshold: one notice, once.
    const lowNotices = async () =>
      (await dev.stack.mail.messages({ to: merchantEmail })).filter((m) => m.subject.includes(changed[0]!));
    await eventually('the low-stock notice', async () => ((await lowNotices()).length === 1 ? true : undefined));

    from = await logLength();
    const third = await syncNow();
    expect(third.written).toEqual([]);
    expect(await writesSince(from)).toEqual([]);
    expect(await lowNotices()).toHaveLength(1);
    expect(third.low).toContain(changed[0]);
  });

  /** An order of one unit of `sku`, 45.00 + 5.00 shipping. */
  const oneOf = (sku: string): Record<string, unknown> => ({
    subtotal: 45,
    grand_total: 50,
    base_grand_total: 50,
    items: [{ sku, name: 'Lamp', qty_ordered: 1, price: 45, row_total: 45, product_type: 'simple' }],
  });

  async function shipInWarehouse(incrementId: string): Promise<void> {
    const order = await eventually(`the WMS order of ${incrementId}`, () =>
      dev.stack.clients.wms.findByReferenceId(incrementId),
    );
    await axios.post(`${wms()}/__sandbox/orders/${order.id}/ship`, {});
  }

  const runOf = (incrementId: string) => dev.client.workflow.getHandle(`order:${incrementId}`);

  it('keeps Magento salable at 7 for 10 on hand and 3 open orders (1 held for fraud, 2 at the warehouse), and after they ship', async () => {
    const sku = 'LAMP-10';
    await setWarehouse([{ sku, quantity: 10 }]);
    await dev.stack.clients.magento.inventory.saveSourceItems([
      { sku, source_code: 'default', quantity: 10, status: 1 },
    ]);

    const held = await placeOrder(dev.stack, oneOf(sku));
    const sent = [await placeOrder(dev.stack, oneOf(sku)), await placeOrder(dev.stack, oneOf(sku))];
    await pay(dev.stack, held, 'pm_card_riskLevelElevated');
    for (const order of sent) await pay(dev.stack, order, 'pm_card_visa');
    await waitForStep(runOf(held.increment_id), 'fraud_hold', 30_000);
    for (const order of sent) await waitForStep(runOf(order.increment_id), 'awaiting_shipment', 30_000);
    const level = (
      await axios.get<{
        items: Array<{ sku: string; total_committed_quantity: number; total_fulfillable_quantity: number }>;
      }>(`${wms()}/__sandbox/inventory`)
    ).data.items.find((i) => i.sku === sku);
    expect(level).toMatchObject({ total_committed_quantity: 2, total_fulfillable_quantity: 8 });

    await settled();
    const afterOrders = await syncNow();
    expect(afterOrders.magento[sku]).toBe(10); // on hand, not fulfillable (8), which would count the 2 twice
    expect(await salable(sku)).toBe(7);

    for (const order of sent) await shipInWarehouse(order.increment_id);
    for (const order of sent) {
      const outcome = (await runOf(order.increment_id).result()) as OrderOutcome;
      expect(outcome).toMatchObject({ outcome: 'completed' });
      expect(outcome.status.timestamps).toHaveProperty('delivered');
    }
    await settled();
    const afterShipping = await syncNow();
    expect(afterShipping.magento[sku]).toBe(8);
    expect(await salable(sku)).toBe(7);

    await axios.post(
      `${dev.apiUrl}/admin/orders/${held.increment_id}/fraud-decision`,
      { decision: 'approve', reviewer: 'test' },
      { headers: dev.admin },
    );
    await waitForStep(runOf(held.increment_id), 'awaiting_shipment', 30_000);
    await shipInWarehouse(held.increment_id);
    expect(((await runOf(held.increment_id).result()) as OrderOutcome).outcome).toBe('completed');
    await settled();
    for (let i = 0; i < 2; i++) {
      const later = await syncNow();
      expect(later.magento[sku]).toBe(7);
      expect(await salable(sku)).toBe(7);
    }
  });
});
