import { join } from 'node:path';
import type { Logger } from '../config/logger';
import { createErpSandbox } from './erp';
import type { SandboxPeer } from './kit/peer';
import { createMailSandbox } from './mail';
import { createMagentoSandbox } from './magento';
import { sandboxSettlement } from './stripe/settlement';
import { createStripeSandbox } from './stripe';
import { createWmsSandbox } from './wms';

export interface RunningSandboxPeer {
  name: string;
  url: string;
  stop(): void;
}

const defaultPorts = { magento: 8081, erp: 8082, wms: 8083, stripe: 8084, mail: 8085, smtp: 2525 } as const;

function need(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is required by the sandbox (npm start generates it into .data/secrets.json)`);
  return value;
}

function portOf(env: NodeJS.ProcessEnv, baseUrlVar: string, fallback: number): number {
  const url = env[baseUrlVar];
  const port = url ? Number(new URL(url).port) : NaN;
  return Number.isInteger(port) && port > 0 ? port : fallback;
}

/** SMTP credentials in the product's `SMTP_URL`, which the sink then requires; none → anyone may send. */
function smtpAuth(env: NodeJS.ProcessEnv): { user: string; pass: string } | undefined {
  if (!env.SMTP_URL) return undefined;
  const url = new URL(env.SMTP_URL);
  return url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined;
}

/**
 * Starts the sandbox peers with exactly the credentials the product is configured with, state under $DATA_DIR/sandbox
 * (in memory only with `SANDBOX_PERSIST=false`, as the benchmark runs them: a data file is rewritten whole after changes).
 */
export async function startSandboxPeers(env: NodeJS.ProcessEnv, log: Logger): Promise<RunningSandboxPeer[]> {
  const persist = (env.SANDBOX_PERSIST ?? 'true') !== 'false';
  const dataDir = join(env.DATA_DIR ?? '.data', 'sandbox');
  const file = (name: string): string | undefined => (persist ? join(dataDir, name) : undefined);
  const oauth = env.MAGENTO_OAUTH_CONSUMER_KEY
    ? {
        consumerKey: env.MAGENTO_OAUTH_CONSUMER_KEY,
        consumerSecret: need(env, 'MAGENTO_OAUTH_CONSUMER_SECRET'),
        accessToken: need(env, 'MAGENTO_OAUTH_ACCESS_TOKEN'),
        tokenSecret: need(env, 'MAGENTO_OAUTH_TOKEN_SECRET'),
      }
    : undefined;
  const wms = createWmsSandbox({
    token: need(env, 'WMS_TOKEN'),
    // The product may accept several while a secret is rolled; the warehouse signs with the current one, the first.
    webhookSecret: need(env, 'WMS_WEBHOOK_SECRET').split(',')[0]!.trim(),
    webhookUrl: env.WMS_SANDBOX_WEBHOOK_URL,
    shipDelayMs: env.WMS_SANDBOX_SHIP_DELAY_MS ? Number(env.WMS_SANDBOX_SHIP_DELAY_MS) : undefined,
    deliverDelayMs: env.WMS_SANDBOX_DELIVER_DELAY_MS ? Number(env.WMS_SANDBOX_DELIVER_DELAY_MS) : undefined,
    dataFile: file('wms.json'),
  });
  const stripe = createStripeSandbox({
    secretKey: need(env, 'STRIPE_SECRET_KEY'),
    webhookSecret: need(env, 'STRIPE_WEBHOOK_SECRET').split(',')[0]!.trim(),
    webhookUrl: env.STRIPE_SANDBOX_WEBHOOK_URL,
    dataFile: file('stripe.json'),
    settlement: sandboxSettlement(env.STRIPE_SANDBOX_SETTLEMENT_CURRENCY),
  });
  const peers: Array<[SandboxPeer<unknown>, number, () => void]> = [
    [
      createMagentoSandbox({ token: env.MAGENTO_TOKEN, oauth, dataFile: file('magento.json') }) as SandboxPeer<unknown>,
      portOf(env, 'MAGENTO_BASE_URL', defaultPorts.magento),
      () => undefined,
    ],
    [
      createErpSandbox({
        apiKey: need(env, 'ERP_API_KEY'),
        apiSecret: need(env, 'ERP_API_SECRET'),
        dataFile: file('erp.json'),
      }) as SandboxPeer<unknown>,
      portOf(env, 'ERP_BASE_URL', defaultPorts.erp),
      () => undefined,
    ],
    [wms as SandboxPeer<unknown>, portOf(env, 'WMS_BASE_URL', defaultPorts.wms), () => wms.stop()],
    [stripe as SandboxPeer<unknown>, portOf(env, 'STRIPE_API_BASE', defaultPorts.stripe), () => stripe.stop()],
  ];
  const running: RunningSandboxPeer[] = [];
  for (const [peer, port, stopTimers] of peers) {
    const { server, url } = await peer.listen(port, env.SANDBOX_HOST ?? '127.0.0.1');
    log.info({ peer: peer.name, url }, 'sandbox peer listening');
    running.push({
      name: peer.name,
      url,
      stop: () => {
        stopTimers();
        peer.store.flush();
        server.close();
      },
    });
  }
  running.push(await startMailPeer(env, file('mail.json'), log));
  return running;
}

/** The mail sink: SMTP where the product's `SMTP_URL` points (2525), HTTP on `MAIL_SANDBOX_URL`'s port (8085). */
async function startMailPeer(
  env: NodeJS.ProcessEnv,
  dataFile: string | undefined,
  log: Logger,
): Promise<RunningSandboxPeer> {
  const host = env.SANDBOX_HOST ?? '127.0.0.1';
  const mail = createMailSandbox({ dataFile, auth: smtpAuth(env) });
  const http = await mail.listen(portOf(env, 'MAIL_SANDBOX_URL', defaultPorts.mail), host);
  const smtp = await mail.listenSmtp(portOf(env, 'SMTP_URL', defaultPorts.smtp), host);
  log.info({ peer: mail.name, url: http.url, smtpPort: smtp.port }, 'sandbox peer listening');
  return {
    name: mail.name,
    url: http.url,
    stop: () => {
      mail.store.flush();
      smtp.server.close();
      http.server.close();
    },
  };
}
