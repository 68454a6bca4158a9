import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { dataConverterFrom } from '../../config/payloadCodec';
import { freePort } from '../../scripts/ports';
import { loadOrCreateSandboxSecrets } from '../../scripts/sandboxEnv';
import type { OrderOutcome } from '../../messages/order';
import { spawnApi, type ApiProcess } from '../harness/apiProcess';
import { eventually } from '../harness/eventually';
import { everyByteString } from '../harness/historyBytes';
import { startProductStack, type ProductStack } from '../harness/productStack';
import { devServerAddress } from '../harness/temporal';
import { spawnProductWorker, type WorkerProcess } from '../harness/workerProcess';
import { pay, placeOrder } from '../workflows/orderFlow';

jest.setTimeout(240_000);

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Every failure a history records (activity, workflow, child and update failures), however deeply caused. */
function failuresIn(value: unknown, out: temporal.api.failure.v1.IFailure[] = []) {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return out;
  for (const [key, v] of Object.entries(value)) {
    if ((key === 'failure' || key === 'cause') && v && typeof v === 'object' && 'message' in v)
      out.push(v as temporal.api.failure.v1.IFailure);
    failuresIn(v, out);
  }
  return out;
}

/**
 * The product as `npm start` runs it, with the secrets it generates (so PAYLOAD_ENCRYPTION_KEY too): the worker and the
 * API as their own processes at LOG_LEVEL=trace, the sandbox peers delivering real webhooks. One order paid and shipped,
 * one refused by the warehouse and reversed: no customer's e-mail, name or address in clear in any history (failure
 * messages included) or in any line either process logged.
 */
describe('customer data in an order run, as npm start runs it', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'o2c-order-privacy-'));
  const taskQueue = `order-privacy-${randomUUID()}`;
  let connection: Connection;
  let plain: Client;
  let encrypted: Client;
  let stack: ProductStack;
  let worker: WorkerProcess | undefined;
  let api: ApiProcess | undefined;
  let key: string;

  beforeAll(async () => {
    key = loadOrCreateSandboxSecrets(dataDir, {}).PAYLOAD_ENCRYPTION_KEY!;
    connection = await Connection.connect({ address: devServerAddress() });
    plain = new Client({ connection });
    encrypted = new Client({ connection, dataConverter: dataConverterFrom({ PAYLOAD_ENCRYPTION_KEY: key }) });
    const apiPort = await freePort();
    stack = await startProductStack({
      temporal: encrypted,
      taskQueue,
      stripeWebhookUrl: `http://127.0.0.1:${apiPort}/webhooks/stripe`,
      wmsWebhookUrl: `http://127.0.0.1:${apiPort}/webhooks/wms`,
      wmsShipDelayMs: 300,
    });
    const common = {
      TEMPORAL_TASK_QUEUE: taskQueue,
      PAYLOAD_ENCRYPTION_KEY: key,
      LOG_LEVEL: 'trace',
      DATA_DIR: dataDir,
    };
    [api, worker] = await Promise.all([
      spawnApi(common, apiPort),
      Promise.resolve(spawnProductWorker(stack, { ...common, WORKER_METRICS_PORT: '0' })),
    ]);
    await worker.ready(plain);
  });

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await stack?.close();
    await connection?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps them out of histories, failure messages included, and out of every log line', async () => {
    expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/); // generated with the other sandbox secrets
    const email = `Hedwig.Quantrill.${randomUUID().slice(0, 8)}@Example.org`;
    const customer = (firstname: string) => {
      const address = {
        firstname,
        lastname: 'Zwicky-Quantrill',
        street: ['77 Obscurity Lane'],
        city: 'Tintagel',
        postcode: 'PL34 0DB',
        country_id: 'GB',
        telephone: '+44 1840 770077',
        email,
      };
      return {
        customer_email: email,
        customer_firstname: firstname,
        customer_lastname: 'Zwicky-Quantrill',
        billing_address: { ...address, address_type: 'billing' },
        extension_attributes: {
          shipping_assignments: [
            { shipping: { address: { ...address, address_type: 'shipping' }, method: 'flatrate_flatrate' }, items: [] },
          ],
        },
      };
    };
    const shipped = await placeOrder(stack, customer('Hedwig'));
    await pay(stack, shipped, 'pm_card_visa');
    // The webhook reaches the API, whose intake run starts the order's run: wait for it to be there.
    const outcomeOf = async (incrementId: string) => {
      const handle = encrypted.workflow.getHandle(`order:${incrementId}`);
      await eventually(`order:${incrementId} started`, () => handle.describe().catch(() => undefined), 60_000);
      return (await handle.result()) as OrderOutcome;
    };
    const shippedOutcome = await outcomeOf(shipped.increment_id);
    expect(shippedOutcome.outcome).toBe('completed');

    await axios.put(`${stack.urls.wms}/__sandbox/stock`, { outOfStockSkus: ['MUG-1'] });
    const refused = await placeOrder(stack, customer('Ermengarde'));
    await pay(stack, refused, 'pm_card_visa');
    const refusedOutcome = await outcomeOf(refused.increment_id);
    expect(refusedOutcome.outcome).toBe('compensated');

    const secrets = [
      email,
      email.toLowerCase(),
      'Hedwig',
      'Ermengarde',
      'Zwicky',
      'Quantrill',
      '77 Obscurity Lane',
      'Tintagel',
      'PL34 0DB',
      '1840 770077',
    ];
    const runs: Array<{ workflowId: string; runId: string }> = [];
    for await (const wf of plain.workflow.list({ query: `TaskQueue = '${taskQueue}'` }))
      runs.push({ workflowId: wf.workflowId, runId: wf.runId });
    expect(runs.map((r) => r.workflowId)).toEqual(
      expect.arrayContaining([`order:${shipped.increment_id}`, `order:${refused.increment_id}`]),
    );
    let failures = 0;
    for (const r of runs) {
      expect(r.workflowId).not.toMatch(/@|hedwig|quantrill/i);
      const events: HistoryEvent[] =
        (await plain.workflow.getHandle(r.workflowId, r.runId).fetchHistory()).events ?? [];
      const text = `${everyByteString(events)}\n${JSON.stringify(events)}`;
      for (const s of secrets)
        expect({ run: r.workflowId, secret: s, inHistory: text.includes(s) }).toEqual({
          run: r.workflowId,
          secret: s,
          inHistory: false,
        });
      for (const failure of failuresIn(events)) {
        failures += 1;
        expect({ run: r.workflowId, message: failure.message, stack: failure.stackTrace }).toEqual({
          run: r.workflowId,
          message: 'Encoded failure',
          stack: '',
        });
        expect(Buffer.from(failure.encodedAttributes!.metadata!.encoding!).toString()).toBe('binary/encrypted');
      }
    }
    expect(failures).toBeGreaterThan(0); // the warehouse's refusal, at least

    const logs = `${worker!.output()}\n${api!.output()}`;
    expect(logs.split('\n').length).toBeGreaterThan(100); // trace: the SDK's lines and the product's
    for (const s of secrets) expect({ secret: s, inLogs: logs.includes(s) }).toEqual({ secret: s, inLogs: false });
    // Nor the key, as text or as the bytes of a serialized Buffer (the SDK's debug lines once carried its codec whole).
    const keyBytes = [...Buffer.from(key, 'base64').subarray(0, 4)].map((b, i) => `"${i}":${b}`).join(',');
    expect(logs).not.toContain(key);
    expect(logs).not.toContain(`{${keyBytes}`);
  });
});
