import type { ErpClientOptions } from '../integrations/erp/client';
import { defaultResilience, type ResilienceOptions } from '../integrations/http/resilientHttp';
import type { MailerOptions } from '../integrations/mail/mailer';
import type { MagentoAuth, MagentoClientOptions } from '../integrations/magento/client';
import type { StripeClientOptions } from '../integrations/stripe/client';
import type { WmsClientOptions } from '../integrations/wms/client';
import { ConfigError, type WorkerEnv } from './env';

/**
 * How the product reaches each external system (base URL, credentials, rate limits), read from the validated
 * environment (config/env.ts) in this one place: the worker needs every system and refuses to start without one
 * (`requireConnections`), the API's order page reads with the systems it has (`readConnections`), and the storefront
 * generator needs Magento and Stripe after filling in the sandbox's secrets.
 */

export type System = 'magento' | 'erp' | 'wms' | 'stripe';
export const systems: readonly System[] = ['magento', 'erp', 'wms', 'stripe'];

/** Each system's client options, as `new MagentoClient(…)`, `new ErpClient(…)`, `new WmsClient(…)` and `createStripeClient(…)` take them. */
export interface ConnectionOptions {
  magento: MagentoClientOptions;
  erp: ErpClientOptions;
  wms: WmsClientOptions;
  stripe: StripeClientOptions;
}

type ConnectionVariable =
  | 'MAGENTO_BASE_URL'
  | 'MAGENTO_TOKEN'
  | 'MAGENTO_OAUTH_CONSUMER_KEY'
  | 'MAGENTO_OAUTH_CONSUMER_SECRET'
  | 'MAGENTO_OAUTH_ACCESS_TOKEN'
  | 'MAGENTO_OAUTH_TOKEN_SECRET'
  | 'MAGENTO_MAX_RPS'
  | 'MAGENTO_MAX_CONCURRENCY'
  | 'ERP_BASE_URL'
  | 'ERP_API_KEY'
  | 'ERP_API_SECRET'
  | 'ERP_MAX_RPS'
  | 'ERP_MAX_CONCURRENCY'
  | 'WMS_BASE_URL'
  | 'WMS_TOKEN'
  | 'WMS_CHANNEL_ID'
  | 'WMS_MAX_RPS'
  | 'WMS_MAX_CONCURRENCY'
  | 'STRIPE_SECRET_KEY'
  | 'STRIPE_API_BASE';

/**
 * What connections are read from: the worker's, the API's or the storefront generator's parsed environment. Only the
 * worker's has the `<SYSTEM>_MAX_RPS` and `<SYSTEM>_MAX_CONCURRENCY` ceilings; without them a client gets the defaults.
 */
export type ConnectionsEnv = Partial<Pick<WorkerEnv, ConnectionVariable>>;

/** A variable a connection needs and the environment lacks (empty counts as missing), and what would do instead. */
export interface MissingVariable {
  name: ConnectionVariable;
  alternative?: string;
}

export type Connection<T> = { ok: true; options: T } | { ok: false; missing: MissingVariable[] };

/** A caller's own settings over what the environment gives, e.g. the API's shorter timeouts for a page an operator waits for. */
export interface ConnectionTuning {
  /** Applied over each HTTP system's resilience (after its rate limits from the environment). */
  resilience?: Partial<ResilienceOptions>;
  /** Stripe's request timeout; the client's default when unset. */
  stripeTimeoutMs?: number;
}

/** The variables each system's connection is read from, in words (the API's order page names them for a system it lacks). */
export const connectionVariables: Record<System, string> = {
  magento: 'MAGENTO_BASE_URL and MAGENTO_TOKEN (or the four MAGENTO_OAUTH_* values)',
  erp: 'ERP_BASE_URL, ERP_API_KEY and ERP_API_SECRET',
  wms: 'WMS_BASE_URL and WMS_TOKEN, with WMS_CHANNEL_ID',
  stripe: 'STRIPE_SECRET_KEY',
};

const oauthVariables = [
  'MAGENTO_OAUTH_CONSUMER_KEY',
  'MAGENTO_OAUTH_CONSUMER_SECRET',
  'MAGENTO_OAUTH_ACCESS_TOKEN',
  'MAGENTO_OAUTH_TOKEN_SECRET',
] as const;

/** Reads the named variables; the connection when every one is set, else the ones missing. */
function build<N extends ConnectionVariable, T>(
  env: ConnectionsEnv,
  names: readonly N[],
  make: (values: Record<N, string>) => T,
  alternative?: string,
): Connection<T> {
  const values: Partial<Record<N, string>> = {};
  const missing: MissingVariable[] = [];
  for (const name of names) {
    const value = env[name];
    if (typeof value === 'string' && value !== '') values[name] = value;
    else missing.push(alternative ? { name, alternative } : { name });
  }
  return missing.length > 0 ? { ok: false, missing } : { ok: true, options: make(values as Record<N, string>) };
}

function resilience(
  ratePerSecond: number | undefined,
  maxConcurrent: number | undefined,
  tuning: ConnectionTuning,
): ResilienceOptions {
  return {
    ...defaultResilience,
    ...(ratePerSecond !== undefined ? { ratePerSecond } : {}),
    ...(maxConcurrent !== undefined ? { maxConcurrent } : {}),
    ...tuning.resilience,
  };
}

/**
 * Magento's auth: the integration token when `MAGENTO_TOKEN` is set; else OAuth 1.0a once any `MAGENTO_OAUTH_*` value
 * is, and then all four are needed; with neither, `MAGENTO_TOKEN` is what is missing.
 */
function magentoAuth(env: ConnectionsEnv): Connection<MagentoAuth> {
  if (env.MAGENTO_TOKEN) return { ok: true, options: { kind: 'token', token: env.MAGENTO_TOKEN } };
  if (oauthVariables.some((name) => env[name])) {
    return build(
      env,
      oauthVariables,
      (v) => ({
        kind: 'oauth',
        consumerKey: v.MAGENTO_OAUTH_CONSUMER_KEY,
        consumerSecret: v.MAGENTO_OAUTH_CONSUMER_SECRET,
        accessToken: v.MAGENTO_OAUTH_ACCESS_TOKEN,
        tokenSecret: v.MAGENTO_OAUTH_TOKEN_SECRET,
      }),
      'OAuth needs all four MAGENTO_OAUTH_* values, or MAGENTO_TOKEN instead',
    );
  }
  return { ok: false, missing: [{ name: 'MAGENTO_TOKEN', alternative: 'or the four MAGENTO_OAUTH_* values' }] };
}

export function magentoConnection(
  env: ConnectionsEnv,
  tuning: ConnectionTuning = {},
): Connection<MagentoClientOptions> {
  const base = build(env, ['MAGENTO_BASE_URL'], (v) => v.MAGENTO_BASE_URL);
  const auth = magentoAuth(env);
  if (!base.ok || !auth.ok)
    return { ok: false, missing: [...(base.ok ? [] : base.missing), ...(auth.ok ? [] : auth.missing)] };
  return {
    ok: true,
    options: {
      baseUrl: base.options,
      auth: auth.options,
      resilience: resilience(env.MAGENTO_MAX_RPS, env.MAGENTO_MAX_CONCURRENCY, tuning),
    },
  };
}

export function erpConnection(env: ConnectionsEnv, tuning: ConnectionTuning = {}): Connection<ErpClientOptions> {
  return build(env, ['ERP_BASE_URL', 'ERP_API_KEY', 'ERP_API_SECRET'], (v) => ({
    baseUrl: v.ERP_BASE_URL,
    apiKey: v.ERP_API_KEY,
    apiSecret: v.ERP_API_SECRET,
    resilience: resilience(env.ERP_MAX_RPS, env.ERP_MAX_CONCURRENCY, tuning),
  }));
}

export function wmsConnection(env: ConnectionsEnv, tuning: ConnectionTuning = {}): Connection<WmsClientOptions> {
  return build(env, ['WMS_BASE_URL', 'WMS_TOKEN', 'WMS_CHANNEL_ID'], (v) => ({
    baseUrl: v.WMS_BASE_URL,
    token: v.WMS_TOKEN,
    channelId: v.WMS_CHANNEL_ID,
    resilience: resilience(env.WMS_MAX_RPS, env.WMS_MAX_CONCURRENCY, tuning),
  }));
}

/** `STRIPE_API_BASE` unset is Stripe itself. */
export function stripeConnection(env: ConnectionsEnv, tuning: ConnectionTuning = {}): Connection<StripeClientOptions> {
  return build(env, ['STRIPE_SECRET_KEY'], (v) => ({
    secretKey: v.STRIPE_SECRET_KEY,
    ...(env.STRIPE_API_BASE ? { apiBase: env.STRIPE_API_BASE } : {}),
    ...(tuning.stripeTimeoutMs !== undefined ? { timeoutMs: tuning.stripeTimeoutMs } : {}),
  }));
}

const readers: { [K in System]: (env: ConnectionsEnv, tuning?: ConnectionTuning) => Connection<ConnectionOptions[K]> } =
  { magento: magentoConnection, erp: erpConnection, wms: wmsConnection, stripe: stripeConnection };

/** Every system's connection, or what it lacks: for a caller that works with the systems it has. */
export function readConnections(
  env: ConnectionsEnv,
  tuning: ConnectionTuning = {},
): { [K in System]: Connection<ConnectionOptions[K]> } {
  return {
    magento: magentoConnection(env, tuning),
    erp: erpConnection(env, tuning),
    wms: wmsConnection(env, tuning),
    stripe: stripeConnection(env, tuning),
  };
}

/** Thrown when connections a caller needs are not configured; `missing` names every variable lacking, in order. */
export class MissingConnectionError extends ConfigError {
  override name = 'MissingConnectionError';
  constructor(
    readonly missing: readonly MissingVariable[],
    who: string,
  ) {
    const lines = missing.map((m) => `  ${m.name}: required by ${who}${m.alternative ? ` (${m.alternative})` : ''}`);
    super(`invalid configuration:\n${lines.join('\n')}`);
  }
}

/**
 * The connections of the given systems (all of them unless named), or a `MissingConnectionError` naming every missing
 * variable of them, as "required by <who>".
 */
export function requireConnections<K extends System = System>(
  env: ConnectionsEnv,
  options: { who: string; systems?: readonly K[]; tuning?: ConnectionTuning },
): Pick<ConnectionOptions, K> {
  const wanted = options.systems ?? (systems as readonly K[]);
  const found: Partial<Pick<ConnectionOptions, K>> = {};
  const missing: MissingVariable[] = [];
  for (const system of wanted) {
    const connection: Connection<ConnectionOptions[K]> = readers[system](env, options.tuning);
    if (connection.ok) found[system] = connection.options;
    else missing.push(...connection.missing);
  }
  if (missing.length > 0) throw new MissingConnectionError(missing, options.who);
  return found as Pick<ConnectionOptions, K>;
}

/** The notices' SMTP server and addresses (every value has a default in the worker's environment). */
export function mailConnection(env: Pick<WorkerEnv, 'SMTP_URL' | 'MAIL_FROM' | 'MERCHANT_EMAIL'>): MailerOptions {
  return { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM, merchantEmail: env.MERCHANT_EMAIL };
}
