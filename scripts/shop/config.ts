import { resolve } from 'node:path';
import { requireConnections, type ConnectionOptions } from '../../config/connections';
import { ConfigError, loadEnv, workerEnvSchema } from '../../config/env';
import { loadOrCreateSandboxSecrets, sandboxEndpointDefaults } from '../sandboxEnv';

export type ShopConnections = Pick<ConnectionOptions, 'magento' | 'stripe'>;

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
  const connections = requireConnections(loadEnv(shopEnvSchema, merged), {
    who: 'the storefront generator',
    systems: ['stripe', 'magento'],
  });
  if (/^(sk|rk)_live_/.test(connections.stripe.secretKey)) {
    throw new ConfigError(
      'STRIPE_SECRET_KEY: a live key; the storefront generator only runs against test mode or the sandbox',
    );
  }
  return connections;
}
