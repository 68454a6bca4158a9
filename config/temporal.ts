import { readFileSync } from 'node:fs';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import type { TemporalEnv } from './env';

/** Connection options shared by the client (api) and the worker: plain for the dev server, mTLS or API key for a cluster or Temporal Cloud. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: boolean | TLSConfig;
  apiKey?: string;
  metadata?: Record<string, string>;
}

type WithConnection<T> = T & { temporalConnection?: TemporalConnectionOptions };

/**
 * Temporal's environment configuration (`@temporalio/envconfig`): the TOML profile `TEMPORAL_PROFILE` (default
 * `default`) of `TEMPORAL_CONFIG_FILE` (default `~/.config/temporalio/temporal.toml`, if there), overlaid by the
 * `TEMPORAL_*` variables that are set, which win (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`,
 * `TEMPORAL_TLS_*`…). The project's `TEMPORAL_TLS_CERT`/`TEMPORAL_TLS_KEY` are envconfig's client certificate and
 * key paths, and `TEMPORAL_API_KEY_FILE` is read as the key. What neither gives keeps the project's defaults.
 */
export function withTemporalProfile<T extends TemporalEnv>(
  env: T,
  processEnv: NodeJS.ProcessEnv = process.env,
): WithConnection<T> {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(processEnv)) if (name.startsWith('TEMPORAL_') && value) vars[name] = value;
  if (env.TEMPORAL_API_KEY) vars.TEMPORAL_API_KEY = env.TEMPORAL_API_KEY;
  if (env.TEMPORAL_TLS_CERT) vars.TEMPORAL_TLS_CLIENT_CERT_PATH ??= env.TEMPORAL_TLS_CERT;
  if (env.TEMPORAL_TLS_KEY) vars.TEMPORAL_TLS_CLIENT_KEY_PATH ??= env.TEMPORAL_TLS_KEY;
  const { connectionOptions, namespace } = loadClientConnectConfig({
    ...(vars.TEMPORAL_PROFILE ? { profile: vars.TEMPORAL_PROFILE } : {}),
    overrideEnvVars: vars,
  });
  const address = connectionOptions.address ?? env.TEMPORAL_ADDRESS;
  const resolvedNamespace = namespace ?? env.TEMPORAL_NAMESPACE;
  const apiKey = typeof connectionOptions.apiKey === 'string' ? connectionOptions.apiKey : undefined;
  return {
    ...env,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: resolvedNamespace,
    ...(apiKey ? { TEMPORAL_API_KEY: apiKey } : {}),
    temporalConnection: {
      address,
      ...(connectionOptions.tls !== undefined ? { tls: asBuffers(connectionOptions.tls as boolean | TLSConfig) } : {}),
      ...(apiKey ? { apiKey, metadata: { 'temporal-namespace': resolvedNamespace } } : {}),
    },
  };
}

export function temporalConnectionOptions(env: WithConnection<TemporalEnv>): TemporalConnectionOptions {
  if (env.temporalConnection) return env.temporalConnection;
  const hasMtls = Boolean(env.TEMPORAL_TLS_CERT && env.TEMPORAL_TLS_KEY);
  return {
    address: env.TEMPORAL_ADDRESS,
    tls: hasMtls
      ? { clientCertPair: { crt: readFileSync(env.TEMPORAL_TLS_CERT!), key: readFileSync(env.TEMPORAL_TLS_KEY!) } }
      : env.TEMPORAL_API_KEY
        ? true
        : undefined,
    apiKey: env.TEMPORAL_API_KEY,
    metadata: env.TEMPORAL_API_KEY ? { 'temporal-namespace': env.TEMPORAL_NAMESPACE } : undefined,
  };
}

/** envconfig reads certificates as Uint8Array; the SDK's connections take Buffers. */
function asBuffers(tls: boolean | TLSConfig): boolean | TLSConfig {
  if (typeof tls === 'boolean') return tls;
  const buffer = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes) : undefined);
  return {
    ...tls,
    ...(tls.serverRootCACertificate ? { serverRootCACertificate: buffer(tls.serverRootCACertificate) } : {}),
    ...(tls.clientCertPair
      ? { clientCertPair: { crt: buffer(tls.clientCertPair.crt)!, key: buffer(tls.clientCertPair.key)! } }
      : {}),
  };
}
