import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type Stripe from 'stripe';
import { createProductActivities, type ProductClients } from '../../activities';
import { ErpClient } from '../../integrations/erp/client';
import { MagentoClient } from '../../integrations/magento/client';
import { Mailer } from '../../integrations/mail/mailer';
import { FilePayoutReportStore, type PayoutReportStore } from '../../integrations/storage/payoutReportStore';
import { createStripeClient } from '../../integrations/stripe/client';
import { WmsClient } from '../../integrations/wms/client';
import { loadMappings, orderSettingsFrom } from '../../config/mappings';
import type { OrderSettings } from '../../domain/settings';
import { createErpSandbox } from '../../sandbox/erp';
import { createMagentoSandbox } from '../../sandbox/magento';
import type { SettlementSettings } from '../../sandbox/stripe/settlement';
import { createStripeSandbox } from '../../sandbox/stripe';
import { createWmsSandbox } from '../../sandbox/wms';
import { startMailSink, type MailSink } from './mailSink';
import { startPeer, type RunningPeer } from './peers';

export const testSecrets = {
  magentoToken: 'stack-magento-token',
  erpKey: 'stack-erp-key',
  erpSecret: 'stack-erp-secret',
  wmsToken: 'stack-wms-token',
  /** The sandbox warehouse's one channel. */
  wmsChannelId: '100101',
  wmsWebhookSecret: `whsec_${Buffer.from('stack-wms-webhook-secret-32-bytes!').toString('base64')}`,
  stripeKey: 'sk_test_stack',
  stripeWebhookSecret: 'whsec_stack',
  adminToken: 'stack-admin-token-0123456789',
  customerIdKey: Buffer.from('stack-customer-id-key-32-bytes!!').toString('base64'),
};

/** The stack's CUSTOMER_ID_KEY as `customerWorkflowId` takes it. */
export const testCustomerIdKey = new Uint8Array(Buffer.from(testSecrets.customerIdKey, 'base64'));

/** Where the stack's mailer sends merchant notices. */
export const merchantEmail = 'merchant@stack.example';

export const defaultSettings = (): OrderSettings =>
  orderSettingsFrom(loadMappings(join(__dirname, '../../config/mappings.yaml')));

export interface ProductStack {
  urls: { magento: string; erp: string; wms: string; stripe: string };
  clients: ProductClients;
  stripe: Stripe;
  /** The sandbox mail sink every notice goes to, over real SMTP. */
  mail: MailSink;
  activities: ReturnType<typeof createProductActivities>;
  close(): Promise<void>;
}

/** The sandbox peers (Magento, ERP, WMS, Stripe, mail) in this process, on free ports, and the product's real clients pointed at them over HTTP. */
export async function startProductStack(options: {
  temporal: Client;
  taskQueue: string;
  settings?: OrderSettings;
  stripeWebhookUrl?: string;
  wmsWebhookUrl?: string;
  wmsShipDelayMs?: number;
  /** The sandbox warehouse delivers each shipment this long after it ships (default 100 ms; null: never by itself). */
  wmsDeliverDelayMs?: number | null;
  /** The payout report store to share with an API (default: one of the stack's own in a temporary directory). */
  payoutReports?: PayoutReportStore;
  /** What the Stripe account settles in (default: every currency as itself). */
  stripeSettlement?: SettlementSettings;
}): Promise<ProductStack> {
  const stripePeer = createStripeSandbox({
    secretKey: testSecrets.stripeKey,
    webhookSecret: testSecrets.stripeWebhookSecret,
    webhookUrl: options.stripeWebhookUrl,
    retryBaseMs: 200,
    ...(options.stripeSettlement ? { settlement: options.stripeSettlement } : {}),
  });
  const wmsPeer = createWmsSandbox({
    token: testSecrets.wmsToken,
    webhookSecret: testSecrets.wmsWebhookSecret,
    webhookUrl: options.wmsWebhookUrl,
    retryBaseMs: 200,
    shipDelayMs: options.wmsShipDelayMs,
    deliverDelayMs: options.wmsDeliverDelayMs === null ? undefined : (options.wmsDeliverDelayMs ?? 100),
  });
  const running: RunningPeer[] = [];
  const start = async (peer: Parameters<typeof startPeer>[0]) => {
    const r = await startPeer(peer);
    running.push(r);
    return r.url;
  };
  const urls = {
    // Test files share one dev server, where `order:<increment id>` is global: each stack's store numbers its own orders.
    magento: await start(
      createMagentoSandbox({
        token: testSecrets.magentoToken,
        incrementIdPrefix: `T${randomBytes(3).toString('hex').toUpperCase()}-`,
      }),
    ),
    erp: await start(createErpSandbox({ apiKey: testSecrets.erpKey, apiSecret: testSecrets.erpSecret })),
    wms: await start(wmsPeer),
    stripe: await start(stripePeer),
  };
  const stripe = createStripeClient({ secretKey: testSecrets.stripeKey, apiBase: urls.stripe });
  const mail = await startMailSink();
  const mailer = new Mailer({ smtpUrl: mail.smtpUrl, from: 'Orders <orders@stack.example>', merchantEmail });
  // Payout reports go to a directory of this stack's own, as they go to $DATA_DIR/payout-reports under npm start.
  const reportsDir = options.payoutReports ? undefined : mkdtempSync(join(tmpdir(), 'o2c-payout-reports-'));
  const clients: ProductClients = {
    magento: new MagentoClient({
      baseUrl: `${urls.magento}/rest/default`,
      auth: { kind: 'token', token: testSecrets.magentoToken },
    }),
    erp: new ErpClient({ baseUrl: urls.erp, apiKey: testSecrets.erpKey, apiSecret: testSecrets.erpSecret }),
    wms: new WmsClient({ baseUrl: urls.wms, token: testSecrets.wmsToken, channelId: testSecrets.wmsChannelId }),
    stripe,
    mailer,
    temporal: options.temporal,
    taskQueue: options.taskQueue,
    settings: options.settings ?? defaultSettings(),
    payoutReports: options.payoutReports ?? new FilePayoutReportStore(reportsDir!),
    customerIdKey: testCustomerIdKey,
  };
  return {
    urls,
    clients,
    stripe,
    mail,
    activities: createProductActivities(clients),
    close: async () => {
      stripePeer.stop();
      wmsPeer.stop();
      mailer.close();
      await Promise.all([...running.map((r) => r.close()), mail.close()]);
      if (reportsDir) rmSync(reportsDir, { recursive: true, force: true });
    },
  };
}
