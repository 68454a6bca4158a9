import type { ApiEnv } from '../config/env';
import { ErpClient } from '../activities/erp/client';
import { defaultResilience, type ResilienceOptions } from '../activities/http/resilientHttp';
import { MagentoClient, type MagentoAuth } from '../activities/magento/client';
import { createStripeClient } from '../activities/stripe/client';
import { WmsClient } from '../activities/wms/client';
import type { OrderSystems } from './orderPage';

/** An operator waits for the page: fail a read sooner than an activity would. */
const pageReads: ResilienceOptions = { ...defaultResilience, timeoutMs: 8_000, readAttempts: 2 };

function magentoAuth(env: ApiEnv): MagentoAuth | undefined {
  if (env.MAGENTO_TOKEN) return { kind: 'token', token: env.MAGENTO_TOKEN };
  const {
    MAGENTO_OAUTH_CONSUMER_KEY: consumerKey,
    MAGENTO_OAUTH_CONSUMER_SECRET: consumerSecret,
    MAGENTO_OAUTH_ACCESS_TOKEN: accessToken,
    MAGENTO_OAUTH_TOKEN_SECRET: tokenSecret,
  } = env;
  return consumerKey && consumerSecret && accessToken && tokenSecret
    ? { kind: 'oauth', consumerKey, consumerSecret, accessToken, tokenSecret }
    : undefined;
}

/**
 * The clients the order page reads documents with, from the same variables the worker uses (`npm start` and the
 * compose file give the API the same environment); a system whose variables are missing is left out, and the page says so.
 */
export function orderSystemsFromEnv(env: ApiEnv): OrderSystems {
  const auth = magentoAuth(env);
  return {
    ...(env.MAGENTO_BASE_URL && auth
      ? { magento: new MagentoClient({ baseUrl: env.MAGENTO_BASE_URL, auth, resilience: pageReads }) }
      : {}),
    ...(env.ERP_BASE_URL && env.ERP_API_KEY && env.ERP_API_SECRET
      ? {
          erp: new ErpClient({
            baseUrl: env.ERP_BASE_URL,
            apiKey: env.ERP_API_KEY,
            apiSecret: env.ERP_API_SECRET,
            resilience: pageReads,
          }),
        }
      : {}),
    ...(env.WMS_BASE_URL && env.WMS_TOKEN
      ? { wms: new WmsClient({ baseUrl: env.WMS_BASE_URL, token: env.WMS_TOKEN, resilience: pageReads }) }
      : {}),
    ...(env.STRIPE_SECRET_KEY
      ? {
          stripe: createStripeClient({
            secretKey: env.STRIPE_SECRET_KEY,
            apiBase: env.STRIPE_API_BASE,
            timeoutMs: 8_000,
          }),
        }
      : {}),
  };
}
