import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { recipientList } from '../integrations/mail/recipients';
import { packageRoot } from './packageRoot';

/**
 * Environment configuration (docs/configuration.md), validated once at start-up.
 * Every secret may also be given as a file path in `<NAME>_FILE` (Docker and Kubernetes secrets).
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const port = z.coerce.number().int().min(0).max(65535);

/** The items of a comma-separated variable (several secrets while one is rolled, several origins), trimmed, blanks dropped. */
export function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
const url = z.string().url();

function isSmtpUrl(value: string): boolean {
  try {
    const parsed = new URL(value);
    return (parsed.protocol === 'smtp:' || parsed.protocol === 'smtps:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}

const customerIdKey = z
  .string({ error: "required: 32 bytes, base64 (`openssl rand -base64 32`); customer runs' ids are keyed with it" })
  .refine(
    (value) => Buffer.from(value, 'base64').length === 32,
    'expected 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)',
  );

/** CUSTOMER_ID_KEY's bytes, as `customerWorkflowId` takes them. */
export const customerIdKeyBytes = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'base64'));

export const temporalEnvSchema = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'expected host:port')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('order-to-cash'),
  TEMPORAL_TLS_CERT: z.string().optional(),
  TEMPORAL_TLS_KEY: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
  PAYLOAD_ENCRYPTION_KEY: z.string().optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Where the external systems are and their credentials: the worker needs them all; the API reads orders' documents with them. */
const systemsEnvShape = {
  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_API_BASE: url.optional(),
  MAGENTO_BASE_URL: url.optional(),
  MAGENTO_TOKEN: z.string().optional(),
  MAGENTO_OAUTH_CONSUMER_KEY: z.string().optional(),
  MAGENTO_OAUTH_CONSUMER_SECRET: z.string().optional(),
  MAGENTO_OAUTH_ACCESS_TOKEN: z.string().optional(),
  MAGENTO_OAUTH_TOKEN_SECRET: z.string().optional(),
  ERP_BASE_URL: url.optional(),
  ERP_API_KEY: z.string().optional(),
  ERP_API_SECRET: z.string().optional(),
  WMS_BASE_URL: url.optional(),
  WMS_TOKEN: z.string().optional(),
  /** The ShipBob channel orders are created in (`shipbob_channel_id`; the sandbox's is 100101). */
  WMS_CHANNEL_ID: z
    .string()
    .regex(/^\d{1,10}$/, 'expected the numeric ShipBob channel id')
    .optional(),
};

export const apiEnvSchema = temporalEnvSchema.extend({
  API_PORT: port.default(3000),
  /** This machine only unless set (`0.0.0.0` in a container or behind a proxy on another host). */
  API_HOST: z.string().default('127.0.0.1'),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .min(1, 'required: the webhook signing secret (whsec_…); several may be given, comma-separated'),
  /** Standard Webhooks secrets (`whsec_` + base64), comma-separated while one is rolled: the current one first. */
  WMS_WEBHOOK_SECRET: z
    .string()
    .optional()
    .refine(
      (value) => commaList(value).every((s) => /^(whsec_)?[A-Za-z0-9+/]+={0,2}$/.test(s)),
      'expected whsec_ followed by a base64 key; several may be given, comma-separated, the current one first',
    ),
  ADMIN_TOKEN: z.string().min(16, 'required: at least 16 characters').optional(),
  /** The Temporal Web UI operators open, for the links on order pages. */
  TEMPORAL_UI_URL: url.default('http://127.0.0.1:8233'),
  /** Browser origins allowed to call `/codec` (the Web UI's), comma-separated; unset: TEMPORAL_UI_URL's and its loopback twin. */
  CODEC_CORS_ORIGINS: z
    .string()
    .optional()
    .refine(
      (value) => commaList(value).every((o) => URL.canParse(o) && new URL(o).origin === o),
      'expected comma-separated origins such as http://127.0.0.1:8233 (scheme, host and port; no path)',
    ),
  /**
   * Express's `trust proxy`: unset or `false` trusts no proxy; `true`, a hop count (`1`), or addresses and subnets
   * (`loopback`, `10.0.0.0/8`, comma-separated) trust the `X-Forwarded-*` headers those proxies set.
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((value): boolean | number | string => {
      const v = value?.trim() ?? '';
      if (v === '' || v === 'false') return false;
      if (v === 'true') return true;
      return /^\d+$/.test(v) ? Number(v) : v;
    }),
  /** Where browsers reach the API (e.g. https://ops.shop.example behind a TLS proxy): its origin is the only one operator POSTs may come from. */
  PUBLIC_URL: url.optional(),
  /** When set, `GET /metrics` wants `Authorization: Bearer <it>`. */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /** An operator page session ends after this long without a request (it ends after 12 h in any case). */
  OPS_SESSION_IDLE_TIMEOUT: z
    .string()
    .regex(/^\d+[smh]$/, 'expected a duration like 30m')
    .default('30m'),
  ...systemsEnvShape,
});

/** `15m` → 900 (the durations the environment gives: seconds, minutes or hours). */
export function durationSeconds(text: string): number {
  const amount = Number(text.slice(0, -1));
  return amount * { s: 1, m: 60, h: 3600 }[text.slice(-1) as 's' | 'm' | 'h'];
}

const positive = z.coerce.number().positive();
const count = z.coerce.number().int().min(1);

/** Ceilings on the worker's calls to each system (requests started per second, requests in flight); docs/benchmark-and-chaos.md, "Tuning". */
const rateLimitsEnvShape = {
  MAGENTO_MAX_RPS: positive.default(100),
  MAGENTO_MAX_CONCURRENCY: count.default(20),
  ERP_MAX_RPS: positive.default(100),
  ERP_MAX_CONCURRENCY: count.default(20),
  WMS_MAX_RPS: positive.default(100),
  WMS_MAX_CONCURRENCY: count.default(20),
};

/** The worker's slots and cache (the SDK's defaults when unset); docs/benchmark-and-chaos.md, "Tuning". */
const workerTuningEnvShape = {
  WORKER_MAX_CONCURRENT_ACTIVITIES: count.optional(),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).optional(),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  /** The worker's CPU priority as a nice value (19 lowest). `npm start` gives 10: on one machine the door answers first. */
  WORKER_NICE: z.coerce.number().int().min(-20).max(19).optional(),
};

export const workerEnvSchema = temporalEnvSchema.extend({
  ...systemsEnvShape,
  ...rateLimitsEnvShape,
  ...workerTuningEnvShape,
  /** Unset: the package's config/mappings.yaml, from source or from dist/ and whatever the working directory. */
  MAPPINGS_FILE: z.string().default(join(packageRoot, 'config/mappings.yaml')),
  /**
   * The prebuilt workflow bundle to load. Unset: dist/workflow-bundle.js when the worker runs compiled and `npm run
   * build` wrote it, else the worker bundles its workflows at start (tsx: `npm run worker`, `npm start`, tests).
   */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  /** How often the worker's schedule catches up on Stripe events (`off` to disable). */
  STRIPE_CATCH_UP_INTERVAL: z
    .string()
    .regex(/^(off|\d+[smh])$/, 'expected off or a duration like 15m')
    .default('15m'),
  /** How often the worker's schedule looks for credit memos staff made in Magento, to refund them in Stripe (`off` to disable). */
  MAGENTO_CREDITMEMO_SYNC_INTERVAL: z
    .string()
    .regex(/^(off|\d+[smh])$/, 'expected off or a duration like 1m')
    .default('1m'),
  /** How often the worker's schedule looks for customers changed in Magento, to sync them to Stripe and the ERP (`off` to disable). */
  MAGENTO_CUSTOMER_SYNC_INTERVAL: z
    .string()
    .regex(/^(off|\d+[smh])$/, 'expected off or a duration like 1m')
    .default('1m'),
  /** How often the worker's schedule writes the warehouse's stock levels into Magento (`off` to disable). */
  INVENTORY_SYNC_INTERVAL: z
    .string()
    .regex(/^(off|\d+[smh])$/, 'expected off or a duration like 5m')
    .default('5m'),
  /** Where notices are sent; may carry credentials (`smtps://user:pass@host:465`), so it is a secret. */
  SMTP_URL: z
    .string()
    .refine(isSmtpUrl, 'expected smtp://host:port or smtps://user:pass@host:port')
    .default('smtp://127.0.0.1:2525'),
  MAIL_FROM: z.string().min(3).default('Orders <orders@shop.example>'),
  /** Where merchant notices (fraud holds, reversals, late shipments) go; several may be given, comma-separated. */
  MERCHANT_EMAIL: z
    .string()
    .default('merchant@shop.example')
    .superRefine((value, ctx) => {
      const { problem } = recipientList(value);
      if (problem)
        ctx.addIssue({
          code: 'custom',
          message: `expected an e-mail address, or several comma-separated, each bare (name@domain): ${problem}`,
        });
    }),
  /** The key customer runs' ids are keyed with (HMAC-SHA256; `customerWorkflowId`): 32 bytes, base64. */
  CUSTOMER_ID_KEY: customerIdKey,
  /** The worker's Prometheus endpoint (the SDK's metrics at `/metrics`); 0 or empty turns it off. */
  WORKER_METRICS_PORT: port.default(9464),
  /** Where the worker's metrics listen: this machine only unless set (`0.0.0.0` in a container, for the scraper). */
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
});

export type TemporalEnv = z.infer<typeof temporalEnvSchema>;
export type ApiEnv = z.infer<typeof apiEnvSchema>;
export type WorkerEnv = z.infer<typeof workerEnvSchema>;

export const secretNames = [
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'MAGENTO_TOKEN',
  'MAGENTO_OAUTH_CONSUMER_SECRET',
  'MAGENTO_OAUTH_TOKEN_SECRET',
  'ERP_API_SECRET',
  'WMS_TOKEN',
  'WMS_WEBHOOK_SECRET',
  'ADMIN_TOKEN',
  'TEMPORAL_API_KEY',
  'PAYLOAD_ENCRYPTION_KEY',
  'SMTP_URL',
  'METRICS_TOKEN',
  'CUSTOMER_ID_KEY',
] as const;

/** Resolves `<NAME>_FILE` indirections for the given names; an explicit `<NAME>` wins over its file. */
export function resolveSecretFiles(env: NodeJS.ProcessEnv, names: readonly string[] = secretNames): NodeJS.ProcessEnv {
  const resolved: NodeJS.ProcessEnv = { ...env };
  for (const name of names) {
    const path = env[`${name}_FILE`];
    if (!path || resolved[name]) continue;
    try {
      resolved[name] = readFileSync(path, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(
        `${name}_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      );
    }
  }
  return resolved;
}

/** Parses the environment with the given schema; a bad value stops start-up with a message naming the variable. */
export function loadEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(resolveSecretFiles(env, Object.keys(schema.shape)));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
