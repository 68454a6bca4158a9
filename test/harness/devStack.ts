import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import pino from 'pino';
import { FilePayoutReportStore } from '../../integrations/storage/payoutReportStore';
import { createApp } from '../../api/app';
import type { OrderSystems } from '../../api/orderPage';
import { temporalEnvSchema } from '../../config/env';
import { createWorker } from '../../worker/worker';
import { sandboxSettlement } from '../../sandbox/stripe/settlement';
import { startProductStack, testSecrets, type ProductStack } from './productStack';
import { connectDevServer, devServerAddress, uniqueTaskQueue } from './temporal';

export interface DevStack {
  client: Client;
  /** Authorization header of the operator API. */
  admin: { Authorization: string };
  taskQueue: string;
  apiUrl: string;
  /** The Web UI the order pages link to (the test server runs headless: nothing answers there). */
  webUiUrl: string;
  stack: ProductStack;
  close(): Promise<void>;
}

/**
 * The product as `npm start` runs it, in one test process: the API (real HTTP) and a worker on the dev server started
 * by the global setup, and the four sandbox peers, whose webhooks go to the API.
 */
export async function startDevStack(
  options: { stripeWebhooks?: boolean; wmsShipDelayMs?: number; wmsDeliverDelayMs?: number | null } = {},
): Promise<DevStack> {
  const taskQueue = uniqueTaskQueue('dev-stack');
  const { client, connection }: { client: Client; connection: Connection } = await connectDevServer();
  // The order pages read the sandbox peers, which start once the API's URL (their webhook target) is known.
  const systems: OrderSystems = {};
  const webUiUrl = 'http://127.0.0.1:8233';
  // The API and the worker share one report store, as they share $DATA_DIR/payout-reports under npm start.
  const reportsDir = mkdtempSync(join(tmpdir(), 'o2c-dev-payout-reports-'));
  const payoutReports = new FilePayoutReportStore(reportsDir);
  const app = createApp({
    temporal: client,
    taskQueue,
    stripeWebhookSecrets: [testSecrets.stripeWebhookSecret],
    wmsWebhookSecret: testSecrets.wmsWebhookSecret,
    adminToken: testSecrets.adminToken,
    orderPage: { systems, webUiUrl },
    payoutReports,
    log: pino({ level: 'silent' }),
    metricsRefreshMs: 250,
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stack = await startProductStack({
    temporal: client,
    taskQueue,
    stripeWebhookUrl: options.stripeWebhooks ? `${apiUrl}/webhooks/stripe` : undefined,
    wmsWebhookUrl: `${apiUrl}/webhooks/wms`,
    wmsShipDelayMs: options.wmsShipDelayMs,
    wmsDeliverDelayMs: options.wmsDeliverDelayMs,
    payoutReports,
    // As `npm start` runs it: a USD-settled account selling in the storefront's other currencies.
    stripeSettlement: sandboxSettlement('USD'),
  });
  Object.assign(systems, {
    magento: stack.clients.magento,
    erp: stack.clients.erp,
    wms: stack.clients.wms,
    stripe: stack.clients.stripe,
  });
  const env = temporalEnvSchema.parse({ TEMPORAL_ADDRESS: devServerAddress(), TEMPORAL_TASK_QUEUE: taskQueue });
  const { worker, connection: native }: { worker: Worker; connection: { close(): Promise<void> } } = await createWorker(
    { env, activities: stack.activities },
  );
  const running = worker.run();
  return {
    client,
    taskQueue,
    apiUrl,
    webUiUrl,
    stack,
    admin: { Authorization: `Bearer ${testSecrets.adminToken}` },
    close: async () => {
      server.closeAllConnections();
      server.close();
      // The worker before the peers it calls: an order run's local activities in flight finish against live systems,
      // instead of retrying against closed ports while the worker's shutdown waits for them.
      worker.shutdown();
      await running;
      await stack.close();
      await native.close();
      await connection.close();
      rmSync(reportsDir, { recursive: true, force: true });
    },
  };
}
