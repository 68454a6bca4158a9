import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What `npm start` sets when the whole product shares one machine (the benchmark runs it the same way): the worker's
 * backlog yields the CPU to the webhook door and the Temporal server (docs/benchmark-and-chaos.md, "Tuning"). The environment overrides it.
 */
export const oneMachineDefaults: Readonly<Record<string, string>> = { WORKER_NICE: '10' };

/** The sandbox warehouse's one channel (`shipbob_channel_id`), as ShipBob gives each store its own. */
export const sandboxWmsChannelId = '100101';

/** Default ports (docs/configuration.md, "Ports"). */
export const defaultPorts = {
  api: 3000,
  temporal: 7233,
  temporalUi: 8233,
  magento: 8081,
  erp: 8082,
  wms: 8083,
  stripe: 8084,
  mail: 8085,
  smtp: 2525,
  workerMetrics: 9464,
} as const;

const generators: Record<string, () => string> = {
  STRIPE_SECRET_KEY: () => `sk_test_sandbox_${randomBytes(16).toString('hex')}`,
  STRIPE_WEBHOOK_SECRET: () => `whsec_${randomBytes(24).toString('hex')}`,
  MAGENTO_TOKEN: () => randomBytes(16).toString('hex'),
  MAGENTO_OAUTH_CONSUMER_KEY: () => randomBytes(16).toString('hex'),
  MAGENTO_OAUTH_CONSUMER_SECRET: () => randomBytes(16).toString('hex'),
  MAGENTO_OAUTH_ACCESS_TOKEN: () => randomBytes(16).toString('hex'),
  MAGENTO_OAUTH_TOKEN_SECRET: () => randomBytes(16).toString('hex'),
  ERP_API_KEY: () => randomBytes(8).toString('hex'),
  ERP_API_SECRET: () => randomBytes(8).toString('hex'),
  WMS_TOKEN: () => randomBytes(16).toString('hex'),
  WMS_WEBHOOK_SECRET: () => `whsec_${randomBytes(24).toString('base64')}`,
  ADMIN_TOKEN: () => randomBytes(24).toString('base64url'),
  // Workflow history holds customers' names and addresses: encrypted at rest from the first start (docs/security.md).
  PAYLOAD_ENCRYPTION_KEY: () => randomBytes(32).toString('base64'),
  CUSTOMER_ID_KEY: () => randomBytes(32).toString('base64'),
};

/**
 * Secrets for the one-machine setup: generated once into `$DATA_DIR/secrets.json` (mode 0600) and reused,
 * so restarts keep talking to the same sandbox state. Values set in the environment (or `<NAME>_FILE`) win.
 */
export function loadOrCreateSandboxSecrets(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const file = join(dataDir, 'secrets.json');
  const stored: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  let changed = false;
  for (const [name, generate] of Object.entries(generators)) {
    if (!stored[name]) {
      stored[name] = generate();
      changed = true;
    }
  }
  if (changed) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  const secrets: Record<string, string> = {};
  for (const name of Object.keys(generators)) {
    if (!env[name] && !env[`${name}_FILE`]) secrets[name] = stored[name]!;
  }
  return secrets;
}

/** Where the product finds the sandbox peers, and where the peers deliver their webhooks, unless the env says otherwise. */
export function sandboxEndpointDefaults(apiPort: number = defaultPorts.api): Record<string, string> {
  return {
    STRIPE_API_BASE: `http://127.0.0.1:${defaultPorts.stripe}`,
    MAGENTO_BASE_URL: `http://127.0.0.1:${defaultPorts.magento}/rest/default`,
    ERP_BASE_URL: `http://127.0.0.1:${defaultPorts.erp}`,
    WMS_BASE_URL: `http://127.0.0.1:${defaultPorts.wms}`,
    WMS_CHANNEL_ID: sandboxWmsChannelId,
    SMTP_URL: `smtp://127.0.0.1:${defaultPorts.smtp}`,
    MAIL_SANDBOX_URL: `http://127.0.0.1:${defaultPorts.mail}`,
    STRIPE_SANDBOX_WEBHOOK_URL: `http://127.0.0.1:${apiPort}/webhooks/stripe`,
    WMS_SANDBOX_WEBHOOK_URL: `http://127.0.0.1:${apiPort}/webhooks/wms`,
    // The sandbox warehouse ships each order this long after it is created, so a demo run reaches `complete`.
    WMS_SANDBOX_SHIP_DELAY_MS: '20000',
    // …and reports it delivered this long after it shipped.
    WMS_SANDBOX_DELIVER_DELAY_MS: '20000',
  };
}
