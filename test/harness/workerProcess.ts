import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { stopProcess } from '../../scripts/devServer';
import { waitForPollers } from '../../scripts/taskQueuePollers';
import { repoRoot } from '../../scripts/temporalBinaries';
import { testSecrets, type ProductStack } from './productStack';

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far (the last `keepLastChars` when that is set). */
  output(): string;
  /** Resolves once it polls its task queue (it loads, bundles its workflows and connects first: seconds on a busy machine). */
  ready(client: Client): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `worker/main.ts` as its own process, as `npm start` runs it, against the product stack's sandboxes; its Schedules off.
 * `env` adds to (or, with `undefined`, removes from) the environment: task queue, data dir, log level, metrics port….
 * `nodeArgs` runs another entry instead (e.g. the compiled `dist/worker/main.js`), from `cwd` (default: the repository).
 */
export function spawnProductWorker(
  stack: ProductStack,
  env: Record<string, string | undefined>,
  options: { keepLastChars?: number; nodeArgs?: string[]; cwd?: string } = {},
): WorkerProcess {
  const merged: NodeJS.ProcessEnv = {
    ...process.env,
    STRIPE_CATCH_UP_INTERVAL: 'off',
    MAGENTO_CREDITMEMO_SYNC_INTERVAL: 'off',
    MAGENTO_CUSTOMER_SYNC_INTERVAL: 'off',
    INVENTORY_SYNC_INTERVAL: 'off',
    MAPPINGS_FILE: join(repoRoot, 'config/mappings.yaml'),
    MAGENTO_BASE_URL: `${stack.urls.magento}/rest/default`,
    MAGENTO_TOKEN: testSecrets.magentoToken,
    ERP_BASE_URL: stack.urls.erp,
    ERP_API_KEY: testSecrets.erpKey,
    ERP_API_SECRET: testSecrets.erpSecret,
    WMS_BASE_URL: stack.urls.wms,
    WMS_TOKEN: testSecrets.wmsToken,
    WMS_CHANNEL_ID: testSecrets.wmsChannelId,
    STRIPE_API_BASE: stack.urls.stripe,
    STRIPE_SECRET_KEY: testSecrets.stripeKey,
    SMTP_URL: stack.mail.smtpUrl,
    CUSTOMER_ID_KEY: testSecrets.customerIdKey,
    ...env,
  };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  const child = spawn(process.execPath, options.nodeArgs ?? ['--import', 'tsx', join(repoRoot, 'worker/main.ts')], {
    env: merged,
    cwd: options.cwd ?? repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (options.keepLastChars !== undefined) output = output.slice(-options.keepLastChars);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const taskQueue = merged.TEMPORAL_TASK_QUEUE ?? 'order-to-cash';
  const ready = (client: Client) =>
    waitForPollers(client, taskQueue, {
      namespace: merged.TEMPORAL_NAMESPACE ?? 'default',
      timeoutMs: 90_000,
      stillWorth: () =>
        child.exitCode === null && child.signalCode === null
          ? undefined
          : `the worker exited (${child.exitCode ?? child.signalCode}): ${output.slice(-2000)}`,
    });
  return { child, output: () => output, ready, stop: () => stopProcess(child, 10_000) };
}
