import { readFileSync } from 'node:fs';
import type { TemporalEnv } from './env';

/** Connection options shared by the client (api) and the worker: plain for the dev server, mTLS or API key for a cluster or Temporal Cloud. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: boolean | { clientCertPair: { crt: Buffer; key: Buffer } };
  apiKey?: string;
  metadata?: Record<string, string>;
}

export function temporalConnectionOptions(env: TemporalEnv): TemporalConnectionOptions {
  const hasMtls = Boolean(env.TEMPORAL_TLS_CERT && env.TEMPORAL_TLS_KEY);
  return {
    address: env.TEMPORAL_ADDRESS,
    tls: hasMtls
      ? { clientCertPair: { crt: readFileSync(env.TEMPORAL_TLS_CERT!), key: readFileSync(env.TEMPORAL_TLS_KEY!) } }
      : env.TEMPORAL_API_KEY ? true : undefined,
    apiKey: env.TEMPORAL_API_KEY,
    metadata: env.TEMPORAL_API_KEY ? { 'temporal-namespace': env.TEMPORAL_NAMESPACE } : undefined,
  };
}
