import { join, resolve } from 'node:path';
import axios from 'axios';
import { loadEnv, resolveSecretFiles, temporalEnvSchema } from '../config/env';
import { startDevServer, type DevServer } from './devServer';
import { prefixLines, runTs, stopAll, type NamedProcess } from './processes';
import { openSandboxStock, sandboxOpeningStock } from './shop/stock';
import { defaultPorts, loadOrCreateSandboxSecrets, oneMachineDefaults, sandboxEndpointDefaults } from './sandboxEnv';
import { repoRoot } from './temporalBinaries';

/**
 * `npm start`: the whole product on one machine. The embedded Temporal dev server (state in $DATA_DIR/temporal.db)
 * unless TEMPORAL_ADDRESS is set, the sandbox peers, the worker and the API, each a child process.
 */
const processes: NamedProcess[] = [];
let temporal: DevServer | undefined;
let stopping = false;

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('stopping…');
  await stopAll(processes);
  await temporal?.stop();
  process.exit(code);
}

async function main(): Promise<void> {
  const dataDir = resolve(process.env.DATA_DIR ?? '.data');
  const useSandbox = (process.env.START_SANDBOX ?? 'true') !== 'false';
  const apiPort = Number(process.env.API_PORT ?? defaultPorts.api);
  const endpointDefaults = useSandbox ? sandboxEndpointDefaults(apiPort) : {};
  if (process.env.SMTP_URL_FILE) delete endpointDefaults.SMTP_URL; // a mail server given as a secret file wins over the sink
  const env: NodeJS.ProcessEnv = {
    ...endpointDefaults,
    ...oneMachineDefaults,
    ...process.env,
    ...loadOrCreateSandboxSecrets(dataDir),
    DATA_DIR: dataDir,
  };

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  // With payloads encrypted, the Web UI decodes them through the API's codec (it shows ciphertext otherwise).
  const isEncrypted = Boolean(resolveSecretFiles(env, ['PAYLOAD_ENCRYPTION_KEY']).PAYLOAD_ENCRYPTION_KEY?.trim());

  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  if (!process.env.TEMPORAL_ADDRESS) {
    const port = defaultPorts.temporal;
    console.log(`starting the Temporal dev server (state in ${join(dataDir, 'temporal.db')})`);
    temporal = await startDevServer({
      port,
      uiPort: Number(process.env.TEMPORAL_UI_PORT ?? defaultPorts.temporalUi),
      dbFile: join(dataDir, 'temporal.db'),
      uiCodecEndpoint: isEncrypted ? `${apiUrl}/codec` : undefined,
      onOutput: () => undefined,
    });
    prefixLines(temporal.process.stdout, 'temporal', process.stdout, 5);
    prefixLines(temporal.process.stderr, 'temporal', process.stderr, 5);
    env.TEMPORAL_ADDRESS = temporal.address;
    env.TEMPORAL_UI_URL ??= temporal.uiUrl; // the links on the operator's order pages
    temporal.process.once('exit', () => void shutdown(1));
  }
  loadEnv(temporalEnvSchema, env); // fail fast on a bad value, naming the variable

  const entries: Array<[string, string]> = [
    ...(useSandbox ? [['sandbox', 'sandbox/main.ts'] as [string, string]] : []),
    ['worker', 'worker/main.ts'],
    ['api', 'api/main.ts'],
  ];
  entries.forEach(([name, entry], i) => {
    const proc = runTs(name, join(repoRoot, entry), env, i);
    proc.child.once('exit', (code) => {
      if (!stopping) {
        console.error(`${name} exited (code ${code}); stopping everything`);
        void shutdown(code || 1);
      }
    });
    processes.push(proc);
  });

  await waitForReady(`${apiUrl}/readyz`, 60_000);
  if (useSandbox) {
    const opened = await openSandboxStock(env).catch((err: unknown) => {
      console.error(`the sandbox's opening stock was not set: ${err instanceof Error ? err.message : String(err)}`);
    });
    if (opened && (opened.warehouse > 0 || opened.magento > 0))
      console.log(`opening stock: ${sandboxOpeningStock} of each catalogue SKU in the sandbox warehouse and Magento`);
  }
  console.log(
    [
      '',
      'Everything is up:',
      `  API              ${apiUrl}   (POST /webhooks/stripe, GET /readyz, GET /metrics${isEncrypted ? ', POST /codec/decode' : ''})`,
      `  Operator page    ${apiUrl}/ops/   (log in with ADMIN_TOKEN)`,
      `  Temporal Web UI  ${temporal?.uiUrl ?? '(external cluster: see your Temporal UI)'}`,
      `  Temporal gRPC    ${env.TEMPORAL_ADDRESS}`,
      `  Worker metrics   ${workerMetricsUrl(env)}`,
      ...(useSandbox
        ? [
            `  Sandbox Magento  ${env.MAGENTO_BASE_URL}`,
            `  Sandbox ERP      ${env.ERP_BASE_URL}`,
            `  Sandbox WMS      ${env.WMS_BASE_URL}`,
            `  Sandbox Stripe   ${env.STRIPE_API_BASE}`,
            `  Sandbox mail     ${env.MAIL_SANDBOX_URL}/__sandbox/mail   (SMTP ${env.SMTP_URL ? new URL(env.SMTP_URL).host : 'from SMTP_URL_FILE'})`,
            `  Sandbox secrets  ${join(dataDir, 'secrets.json')}`,
          ]
        : []),
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

function workerMetricsUrl(env: NodeJS.ProcessEnv): string {
  const port = env.WORKER_METRICS_PORT ?? String(defaultPorts.workerMetrics);
  return port === '' || Number(port) === 0 ? 'off (WORKER_METRICS_PORT=0)' : `http://127.0.0.1:${port}/metrics`;
}

async function waitForReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await axios.get(url, { timeout: 2_000, validateStatus: () => true });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  void shutdown(1);
});
