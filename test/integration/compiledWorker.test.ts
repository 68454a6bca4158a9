import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import axios from 'axios';
import { Client, Connection } from '@temporalio/client';
import { orderWorkflowId } from '../../domain/eventRouting';
import { stopProcess } from '../../scripts/devServer';
import { freePort } from '../../scripts/ports';
import { repoRoot } from '../../scripts/temporalBinaries';
import { eventually } from '../harness/eventually';
import { startProductStack, testSecrets, type ProductStack } from '../harness/productStack';
import { devServerAddress, uniqueTaskQueue } from '../harness/temporal';
import { spawnProductWorker, type WorkerProcess } from '../harness/workerProcess';
import { pay, placeOrder } from '../workflows/orderFlow';

jest.setTimeout(120_000);

/** What this test reads of an order run's result (the workflow's OrderOutcome). */
interface OrderResult {
  outcome: string;
  status: { step: string; syncState: string; ids: Record<string, string | number | undefined> };
}

/** pino's JSON lines in a process's output; other lines (none expected) are skipped. */
function logLines(output: string): Array<{ msg?: string; [field: string]: unknown }> {
  return output.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line)];
    } catch {
      return [];
    }
  });
}

/**
 * What the image runs (Dockerfile, docker-compose.yml): `npm run build`, then plain node on dist/, no tsx. The worker
 * loads the bundle the build wrote instead of bundling at start, and an order paid in the Stripe sandbox goes from its
 * webhook, through the compiled API and the compiled worker, to `completed`. Both start outside the repository, with
 * MAPPINGS_FILE unset: config/mappings.yaml resolves from the package root, not from dist/ or the working directory.
 */
describe('npm run build, then node dist/worker/main.js and node dist/api/main.js', () => {
  const taskQueue = uniqueTaskQueue('compiled-worker');
  const dataDir = mkdtempSync(join(tmpdir(), 'o2c-compiled-worker-'));
  let connection: Connection;
  let client: Client;
  let stack: ProductStack;
  let worker: WorkerProcess;
  let api: ChildProcess;
  let apiOutput = '';
  let apiUrl: string;

  beforeAll(async () => {
    await promisify(execFile)('npm', ['run', '--silent', 'build'], { cwd: repoRoot, maxBuffer: 16 << 20 }).catch(
      (err: Error & { stdout?: string; stderr?: string }) => {
        throw new Error(`npm run build failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`.slice(0, 6_000), {
          cause: err,
        });
      },
    );

    connection = await Connection.connect({ address: devServerAddress() });
    client = new Client({ connection });
    const apiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    stack = await startProductStack({
      temporal: client,
      taskQueue,
      stripeWebhookUrl: `${apiUrl}/webhooks/stripe`,
      wmsWebhookUrl: `${apiUrl}/webhooks/wms`,
      wmsShipDelayMs: 200,
    });
    const common = {
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATA_DIR: dataDir,
      PAYLOAD_ENCRYPTION_KEY: undefined,
      MAPPINGS_FILE: undefined,
      WORKFLOW_BUNDLE_PATH: undefined,
    };
    const apiEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...common,
      LOG_LEVEL: 'warn',
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      STRIPE_WEBHOOK_SECRET: testSecrets.stripeWebhookSecret,
      WMS_WEBHOOK_SECRET: testSecrets.wmsWebhookSecret,
      ADMIN_TOKEN: testSecrets.adminToken,
    };
    for (const [name, value] of Object.entries(apiEnv)) if (value === undefined) delete apiEnv[name];
    api = spawn(process.execPath, [join(repoRoot, 'dist/api/main.js')], {
      env: apiEnv,
      cwd: dataDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [api.stdout!, api.stderr!]) stream.on('data', (chunk: Buffer) => (apiOutput += chunk));
    worker = spawnProductWorker(
      stack,
      { ...common, LOG_LEVEL: 'info', WORKER_METRICS_PORT: '0' },
      { nodeArgs: [join(repoRoot, 'dist/worker/main.js')], cwd: dataDir },
    );
    await Promise.all([
      worker.ready(client),
      eventually(
        'the compiled API ready',
        async () => {
          if (api.exitCode !== null) throw new Error(`the API exited (${api.exitCode}): ${apiOutput.slice(-2_000)}`);
          const res = await axios.get(`${apiUrl}/readyz`, { validateStatus: () => true }).catch(() => undefined);
          return res?.status === 200 ? true : undefined;
        },
        30_000,
      ),
    ]);
  }, 240_000);

  afterAll(async () => {
    await worker?.stop();
    if (api) await stopProcess(api, 10_000);
    await stack?.close();
    await connection?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loads the prebuilt workflow bundle, and takes a paid order through webhooks to completed', async () => {
    const bundleLines = logLines(worker.output()).filter((l) => l.msg?.startsWith('workflow bundle'));
    expect(bundleLines).toEqual([
      expect.objectContaining({
        msg: 'workflow bundle: prebuilt',
        workflowBundle: 'prebuilt',
        codePath: join(repoRoot, 'dist/workflow-bundle.js'),
      }),
    ]);

    const order = await placeOrder(stack);
    const pi = await pay(stack, order, 'pm_card_visa'); // the Stripe sandbox posts its events to the compiled API
    expect(pi.status).toBe('succeeded');
    const handle = client.workflow.getHandle(orderWorkflowId(order.increment_id));
    const started = await eventually('the order run started by the webhook', () =>
      handle.describe().catch(() => undefined),
    );
    expect(started.taskQueue).toBe(taskQueue);
    let timer: NodeJS.Timeout | undefined;
    const outcome = (await Promise.race([
      handle.result(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no result in 60 s; worker:\n${worker.output().slice(-3_000)}`)),
          60_000,
        );
      }),
    ]).finally(() => clearTimeout(timer))) as OrderResult;
    expect(outcome).toMatchObject({ outcome: 'completed', status: { step: 'completed', syncState: 'completed' } });

    const { magento, erp } = stack.clients;
    const { ids } = outcome.status;
    expect((await magento.getOrder(order.entity_id)).state).toBe('complete');
    const invoices = (await magento.listInvoices(order.entity_id)).items.map((i) => String(i.entity_id));
    const shipments = (await magento.listShipments(order.entity_id)).items.map((s) => String(s.entity_id));
    expect({ invoices, shipments }).toEqual({
      invoices: [String(ids.magentoInvoiceId)],
      shipments: [String(ids.magentoShipmentId)],
    });
    const ofOrder = (doctype: string) =>
      erp.listDocs(doctype, {
        filters: [['po_no', '=', order.increment_id]],
        fields: ['name', 'docstatus', 'grand_total'],
      });
    expect(await ofOrder('Sales Order')).toEqual([{ name: ids.erpSalesOrder, docstatus: 1, grand_total: 50 }]);
    expect(await ofOrder('Sales Invoice')).toEqual([{ name: ids.erpSalesInvoice, docstatus: 1, grand_total: 50 }]);
    const payments = await erp.listDocs('Payment Entry', {
      filters: [['reference_no', '=', String(ids.chargeId)]],
      fields: ['name', 'docstatus', 'paid_amount'],
    });
    expect(payments).toEqual([{ name: ids.erpPaymentEntry, docstatus: 1, paid_amount: 50 }]);
  });
});
