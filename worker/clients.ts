import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { ConfigError, type WorkerEnv } from '../config/env';
import type { ProductClients } from '../activities';
import { ErpClient } from '../activities/erp/client';
import { defaultResilience, type ResilienceOptions } from '../activities/http/resilientHttp';
import { MagentoClient, type MagentoAuth } from '../activities/magento/client';
import { Mailer } from '../activities/notify/mailer';
import { FilePayoutReportStore } from '../activities/reports/payoutReportStore';
import { createStripeClient } from '../activities/stripe/client';
import { WmsClient } from '../activities/wms/client';
import type { OrderSettings } from '../domain/settings';

function required(env: WorkerEnv, name: keyof WorkerEnv): string {
  const value = env[name];
  if (typeof value !== 'string' || value === '')
    throw new ConfigError(`invalid configuration:\n  ${name}: required by the worker`);
  return value;
}

function magentoAuth(env: WorkerEnv): MagentoAuth {
  if (env.MAGENTO_TOKEN) return { kind: 'token', token: env.MAGENTO_TOKEN };
  if (env.MAGENTO_OAUTH_CONSUMER_KEY) {
    return {
      kind: 'oauth',
      consumerKey: env.MAGENTO_OAUTH_CONSUMER_KEY,
      consumerSecret: required(env, 'MAGENTO_OAUTH_CONSUMER_SECRET'),
      accessToken: required(env, 'MAGENTO_OAUTH_ACCESS_TOKEN'),
      tokenSecret: required(env, 'MAGENTO_OAUTH_TOKEN_SECRET'),
    };
  }
  throw new ConfigError(
    'invalid configuration:\n  MAGENTO_TOKEN: required by the worker (or the four MAGENTO_OAUTH_* values)',
  );
}

/** A system's rate limiter from its `<SYSTEM>_MAX_RPS` and `<SYSTEM>_MAX_CONCURRENCY`; the rest as measured for every system. */
function resilience(ratePerSecond: number, maxConcurrent: number): ResilienceOptions {
  return { ...defaultResilience, ratePerSecond, maxConcurrent };
}

/** The worker's clients, from the validated environment; a missing value stops start-up naming the variable. */
export function clientsFromEnv(env: WorkerEnv, settings: OrderSettings, temporal: Client): ProductClients {
  return {
    magento: new MagentoClient({
      baseUrl: required(env, 'MAGENTO_BASE_URL'),
      auth: magentoAuth(env),
      resilience: resilience(env.MAGENTO_MAX_RPS, env.MAGENTO_MAX_CONCURRENCY),
    }),
    erp: new ErpClient({
      baseUrl: required(env, 'ERP_BASE_URL'),
      apiKey: required(env, 'ERP_API_KEY'),
      apiSecret: required(env, 'ERP_API_SECRET'),
      resilience: resilience(env.ERP_MAX_RPS, env.ERP_MAX_CONCURRENCY),
    }),
    wms: new WmsClient({
      baseUrl: required(env, 'WMS_BASE_URL'),
      token: required(env, 'WMS_TOKEN'),
      resilience: resilience(env.WMS_MAX_RPS, env.WMS_MAX_CONCURRENCY),
    }),
    stripe: createStripeClient({ secretKey: required(env, 'STRIPE_SECRET_KEY'), apiBase: env.STRIPE_API_BASE }),
    mailer: new Mailer({ smtpUrl: env.SMTP_URL, from: env.MAIL_FROM, merchantEmail: env.MERCHANT_EMAIL }),
    temporal,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    settings,
    payoutReports: new FilePayoutReportStore(join(env.DATA_DIR, 'payout-reports')),
  };
}
