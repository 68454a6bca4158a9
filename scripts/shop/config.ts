import { resolve } from 'node:path';
import type { MagentoAuth } from '../../activities/magento/client';
import { ConfigError, loadEnv, workerEnvSchema } from '../../config/env';
import { loadOrCreateSandboxSecrets, sandboxEndpointDefaults } from '../sandboxEnv';

export interface ShopConnections {
  magento: { baseUrl: string; auth: MagentoAuth };
  stripe: { secretKey: string; apiBase?: string };
}

const shopEnvSchema = workerEnvSchema.pick({
  DATA_DIR: true,
  STRIPE_SECRET_KEY: true,
  STRIPE_API_BASE: true,
  MAGENTO_BASE_URL: true,
  MAGENTO_TOKEN: true,
  MAGENTO_OAUTH_CONSUMER_KEY: true,
  MAGENTO_OAUTH_CONSUMER_SECRET: true,
  MAGENTO_OAUTH_ACCESS_TOKEN: true,
  MAGENTO_OAUTH_TOKEN_SECRET: true,
});

function isSet(env: NodeJS.ProcessEnv, name: string): boolean {
  return Boolean(env[name] || env[`${name}_FILE`]);
}

/**
 * Where the storefront sends its traffic: the product's env variables win; what is missing falls back to the local
 * sandbox (default ports, and the secrets `npm start` keeps in `$DATA_DIR/secrets.json`).
 */
export function shopConnections(env: NodeJS.ProcessEnv = process.env): ShopConnections {
  const hasMagentoAuth = isSet(env, 'MAGENTO_TOKEN') || isSet(env, 'MAGENTO_OAUTH_ACCESS_TOKEN');
  const needsSecrets = !isSet(env, 'STRIPE_SECRET_KEY') || !hasMagentoAuth;
  const merged: NodeJS.ProcessEnv = {
    ...sandboxEndpointDefaults(),
    ...env,
    ...(needsSecrets ? loadOrCreateSandboxSecrets(resolve(env.DATA_DIR ?? '.data'), env) : {}),
  };
  const config = loadEnv(shopEnvSchema, merged);
  if (!config.STRIPE_SECRET_KEY) throw new ConfigError('STRIPE_SECRET_KEY: required');
  if (/^(sk|rk)_live_/.test(config.STRIPE_SECRET_KEY)) {
    throw new ConfigError(
      'STRIPE_SECRET_KEY: a live key; the storefront generator only runs against test mode or the sandbox',
    );
  }
  if (!config.MAGENTO_BASE_URL) throw new ConfigError('MAGENTO_BASE_URL: required');

  let auth: MagentoAuth;
  if (config.MAGENTO_TOKEN) {
    auth = { kind: 'token', token: config.MAGENTO_TOKEN };
  } else if (
    config.MAGENTO_OAUTH_CONSUMER_KEY &&
    config.MAGENTO_OAUTH_CONSUMER_SECRET &&
    config.MAGENTO_OAUTH_ACCESS_TOKEN &&
    config.MAGENTO_OAUTH_TOKEN_SECRET
  ) {
    auth = {
      kind: 'oauth',
      consumerKey: config.MAGENTO_OAUTH_CONSUMER_KEY,
      consumerSecret: config.MAGENTO_OAUTH_CONSUMER_SECRET,
      accessToken: config.MAGENTO_OAUTH_ACCESS_TOKEN,
      tokenSecret: config.MAGENTO_OAUTH_TOKEN_SECRET,
    };
  } else {
    throw new ConfigError('MAGENTO_TOKEN: required (or all four MAGENTO_OAUTH_* variables)');
  }
  return {
    magento: { baseUrl: config.MAGENTO_BASE_URL, auth },
    stripe: {
      secretKey: config.STRIPE_SECRET_KEY,
      ...(config.STRIPE_API_BASE ? { apiBase: config.STRIPE_API_BASE } : {}),
    },
  };
}
