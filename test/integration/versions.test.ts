import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { join } from 'node:path';
import axios from 'axios';
import { Client, type Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import pino from 'pino';
import { createApp } from '../../api/app';
import type { WorkflowTypeVersions } from '../../domain/versions';
import { patches } from '../../workflows/patches';
import { repoRoot } from '../../scripts/temporalBinaries';
import { eventually } from '../harness/eventually';
import { startProductStack, testSecrets, type ProductStack } from '../harness/productStack';
import { connectDevServer, devServerAddress, registerEmptyNamespace, uniqueTaskQueue } from '../harness/temporal';
import { spawnProductWorker, type WorkerProcess } from '../harness/workerProcess';

describe('npm run ops -- versions: the open runs per workflow type, per patch and per build', () => {
  const taskQueue = uniqueTaskQueue('versions');
  let connection: Connection;
  let client: Client;
  let namespace: string;
  let stack: ProductStack;
  let worker: WorkerProcess;
  let oldBuild: { worker: Worker; running: Promise<void>; native: NativeConnection };
  let server: Server;
  let apiUrl: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'o2c-versions-'));

  beforeAll(async () => {
    ({ connection } = await connectDevServer());
    namespace = await registerEmptyNamespace(connection, 'versions');
    client = new Client({ connection, namespace });
    stack = await startProductStack({ temporal: client, taskQueue });
    worker = spawnProductWorker(
      stack,
      {
        TEMPORAL_NAMESPACE: namespace,
        TEMPORAL_TASK_QUEUE: taskQueue,
        BUILD_ID: '1.2.0+versions-test',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        WORKER_METRICS_PORT: '0',
      },
      { keepLastChars: 20_000 },
    );
    await worker.ready(client).catch((err: Error) => {
      throw new Error(`${err.message}\n${worker.output()}`);
    });
    // A worker of an older build, whose runs took a patch the code no longer lists.
    const native = await NativeConnection.connect({ address: devServerAddress() });
    const old = await Worker.create({
      connection: native,
      namespace,
      taskQueue: `${taskQueue}-old`,
      workflowsPath: require.resolve('./fixtures/patchProbe'),
      workerDeploymentOptions: {
        useWorkerVersioning: false,
        version: { deploymentName: 'stripe-magento-o2c', buildId: '0.9.0+old' },
      },
    });
    oldBuild = { worker: old, running: old.run(), native };
    const app = createApp({
      temporal: client,
      taskQueue,
      stripeWebhookSecrets: [testSecrets.stripeWebhookSecret],
      wmsWebhookSecret: testSecrets.wmsWebhookSecret,
      adminToken: testSecrets.adminToken,
      orderPage: { systems: {}, webUiUrl: 'http://127.0.0.1:8233' },
      payoutReports: stack.clients.payoutReports,
      log: pino({ level: 'silent' }),
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    server?.close();
    oldBuild?.worker.shutdown();
    await oldBuild?.running;
    await oldBuild?.native.close();
    await worker?.stop();
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts an open order run under the build that ran it, and flags a patch an older build took that the code does not list', async () => {
    const order = await client.workflow.start('orderToCash', {
      taskQueue,
      workflowId: 'order:VERSIONS1',
      args: [{ incrementId: 'VERSIONS1' }],
    });
    const probe = await client.workflow.start('patchProbe', { taskQueue: `${taskQueue}-old`, workflowId: 'probe-1' });

    const report = await eventually('both runs in the report', async () => {
      const res = await axios.get<{ workflowTypes: WorkflowTypeVersions[] }>(`${apiUrl}/admin/versions`, {
        headers: { Authorization: `Bearer ${testSecrets.adminToken}` },
      });
      const types = res.data.workflowTypes;
      const ofType = (type: string) => types.find((t) => t.workflowType === type);
      const built = (type: string) => Object.keys(ofType(type)?.builds ?? {}).some((b) => !b.startsWith('('));
      return built('orderToCash') && built('patchProbe') && ofType('patchProbe')!.patches.length > 0
        ? types
        : undefined;
    });
    expect(report).toEqual([
      {
        workflowType: 'orderToCash',
        openRuns: 1,
        patches: [
          {
            id: '1.1:reversals-before-fulfilment',
            withPatch: 1,
            withoutPatch: 0,
            stage: 'patched',
            changed: patches['1.1:reversals-before-fulfilment']!.changed,
            advice: 'no open run lacks it: may move to deprecatePatch',
          },
          {
            id: '1.2:invoice-what-was-captured',
            withPatch: 1,
            withoutPatch: 0,
            stage: 'patched',
            changed: patches['1.2:invoice-what-was-captured']!.changed,
            advice: 'no open run lacks it: may move to deprecatePatch',
          },
          {
            id: '1.2:order-books-refunds-before-shipment',
            withPatch: 1,
            withoutPatch: 0,
            stage: 'patched',
            changed: patches['1.2:order-books-refunds-before-shipment']!.changed,
            advice: 'no open run lacks it: may move to deprecatePatch',
          },
          {
            id: '1.4:shipment-life-after-shipped',
            withPatch: 1,
            withoutPatch: 0,
            stage: 'patched',
            changed: patches['1.4:shipment-life-after-shipped']!.changed,
            advice: 'no open run lacks it: may move to deprecatePatch',
          },
        ],
        builds: { '1.2.0+versions-test': 1 },
      },
      {
        workflowType: 'patchProbe',
        openRuns: 1,
        patches: [
          {
            id: '0.9:probe-branch',
            withPatch: 1,
            withoutPatch: 0,
            stage: 'not registered',
            advice: 'a patch the code no longer lists: its runs need a worker of an older build',
          },
        ],
        builds: { '0.9.0+old': 1 },
      },
      {
        // A registered patch is listed even while its workflow type has no open run.
        workflowType: 'subscription',
        openRuns: 0,
        patches: [
          {
            id: '1.1:renewal-orders-from-invoices',
            withPatch: 0,
            withoutPatch: 0,
            stage: 'patched',
            changed: patches['1.1:renewal-orders-from-invoices']!.changed,
            advice: 'no open run lacks it: may move to deprecatePatch',
          },
        ],
        builds: {},
      },
    ]);

    const cli = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/ops.ts'), 'versions'], {
        env: { ...process.env, API_URL: apiUrl, ADMIN_TOKEN: testSecrets.adminToken },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.once('exit', (code) => resolve({ code, out }));
    });
    expect(cli.code).toBe(0);
    expect(cli.out.split('\n')).toEqual(
      expect.arrayContaining([
        'orderToCash: 1 open run(s)',
        '  patch 1.1:reversals-before-fulfilment (patched): 1 with, 0 without; no open run lacks it: may move to deprecatePatch',
        '  patch 1.2:invoice-what-was-captured (patched): 1 with, 0 without; no open run lacks it: may move to deprecatePatch',
        '  patch 1.2:order-books-refunds-before-shipment (patched): 1 with, 0 without; no open run lacks it: may move to deprecatePatch',
        '  build 1.2.0+versions-test: 1',
        'patchProbe: 1 open run(s)',
        '  patch 0.9:probe-branch (not registered): 1 with, 0 without; a patch the code no longer lists: its runs need a worker of an older build',
        '  build 0.9.0+old: 1',
      ]),
    );

    await probe.signal('finish');
    expect(await probe.result()).toBe(true);
    await order.cancel();
  });
});
