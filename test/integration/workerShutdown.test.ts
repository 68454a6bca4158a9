import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { Client, Connection } from '@temporalio/client';
import { orderWorkflowId } from '../../domain/eventRouting';
import { eventually } from '../harness/eventually';
import { startProductStack, type ProductStack } from '../harness/productStack';
import { spawnProductWorker, type WorkerProcess } from '../harness/workerProcess';
import { deliver, eventsAbout, pay, placeOrder, waitForStep } from '../workflows/orderFlow';

jest.setTimeout(180_000);

/**
 * `npm run worker` asked to stop (SIGTERM) while its order runs' local steps keep retrying against an ERP that is down:
 * it used to wait on them for good. It now stops within its force time (25 s), and the run goes on on the next worker.
 */
describe('a worker asked to stop while a system is down', () => {
  const taskQueue = `worker-shutdown-${randomUUID()}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'o2c-worker-shutdown-'));
  let connection: Connection;
  let client: Client;
  let stack: ProductStack;
  const workers: WorkerProcess[] = [];
  const startWorker = async () => {
    const worker = spawnProductWorker(
      stack,
      {
        TEMPORAL_TASK_QUEUE: taskQueue,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        WORKER_METRICS_PORT: '0',
        PAYLOAD_ENCRYPTION_KEY: undefined,
      },
      { keepLastChars: 20_000 },
    );
    workers.push(worker);
    await worker.ready(client);
    return worker;
  };
  const erpFaults = (outage: boolean) => axios.put(`${stack.urls.erp}/__sandbox/faults`, { outage });

  beforeAll(async () => {
    connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
    client = new Client({ connection });
    stack = await startProductStack({ temporal: client, taskQueue });
  });

  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    await stack?.close();
    await connection?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops within its force time, exit code 0, and the next worker carries the order on once the ERP is back', async () => {
    const worker = await startWorker();
    await erpFaults(true);
    const order = await placeOrder(stack);
    const pi = await pay(stack, order, 'pm_card_visa');
    await deliver(client, taskQueue, await eventsAbout(stack, pi.id, ['payment_intent.succeeded']));
    // The run is in its ERP steps, which the ERP refuses (503) and the worker retries in its workflow task.
    await eventually('the ERP refusing the order run', async () => {
      const log = (await axios.get<Array<{ status?: number }>>(`${stack.urls.erp}/__sandbox/requests`)).data;
      return log.some((r) => r.status === 503) ? true : undefined;
    });

    const asked = Date.now();
    const exited = new Promise<number | null>((resolve) => worker.child.once('exit', (code) => resolve(code)));
    worker.child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<string>((resolve) => setTimeout(() => resolve('still running after 60 s'), 60_000)),
    ]);
    const tookMs = Date.now() - asked;
    expect({ code, output: code === 0 ? '' : worker.output().slice(-3_000) }).toEqual({ code: 0, output: '' });
    expect(tookMs).toBeLessThan(40_000);

    await erpFaults(false);
    await startWorker();
    // Nothing was lost with the stopped worker: its unfinished task comes back after its timeout, and the steps run again.
    const status = await waitForStep(
      client.workflow.getHandle(orderWorkflowId(order.increment_id)),
      'awaiting_shipment',
      90_000,
    );
    expect(status.step).toBe('awaiting_shipment');
  });
});
