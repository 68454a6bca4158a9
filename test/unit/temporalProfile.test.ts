import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporalEnvSchema } from '../../config/env';
import { temporalConnectionOptions, withTemporalProfile } from '../../config/temporal';

describe('the Temporal connection from envconfig: a TOML profile overlaid by TEMPORAL_* variables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'o2c-envconfig-'));
  const file = join(dir, 'temporal.toml');
  writeFileSync(
    file,
    [
      '[profile.default]',
      'address = "shop.a1b2c.tmprl.cloud:7233"',
      'namespace = "shop.a1b2c"',
      'api_key = "key-from-profile"',
      '[profile.staging]',
      'address = "temporal.staging.internal:7233"',
      'namespace = "staging"',
    ].join('\n'),
  );
  const resolve = (vars: Record<string, string>) => withTemporalProfile(temporalEnvSchema.parse(vars), vars);

  it('takes address, namespace and API key from the default profile, with TLS on for the key', () => {
    const env = resolve({ TEMPORAL_CONFIG_FILE: file });
    expect(env).toMatchObject({
      TEMPORAL_ADDRESS: 'shop.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'shop.a1b2c',
      TEMPORAL_API_KEY: 'key-from-profile',
    });
    expect(temporalConnectionOptions(env)).toEqual({
      address: 'shop.a1b2c.tmprl.cloud:7233',
      tls: true,
      apiKey: 'key-from-profile',
      metadata: { 'temporal-namespace': 'shop.a1b2c' },
    });
  });

  it('lets TEMPORAL_PROFILE pick another profile and a set variable win over the file', () => {
    const env = resolve({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging', TEMPORAL_NAMESPACE: 'orders' });
    expect(temporalConnectionOptions(env)).toEqual({ address: 'temporal.staging.internal:7233' });
    expect(env.TEMPORAL_NAMESPACE).toBe('orders');
  });

  it('keeps the one-machine defaults when there is no profile and no variable', () => {
    const env = resolve({ TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml') });
    expect(env).toMatchObject({ TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_NAMESPACE: 'default' });
    expect(temporalConnectionOptions(env)).toEqual({ address: '127.0.0.1:7233' });
  });

  it("reads the project's TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY as the client certificate pair", () => {
    writeFileSync(join(dir, 'client.pem'), 'CERT');
    writeFileSync(join(dir, 'client.key'), 'KEY');
    const env = resolve({
      TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml'),
      TEMPORAL_ADDRESS: 'cluster:7233',
      TEMPORAL_TLS_CERT: join(dir, 'client.pem'),
      TEMPORAL_TLS_KEY: join(dir, 'client.key'),
    });
    const tls = temporalConnectionOptions(env).tls as { clientCertPair?: { crt: Buffer; key: Buffer } };
    expect(tls.clientCertPair?.crt.toString()).toBe('CERT');
    expect(tls.clientCertPair?.key.toString()).toBe('KEY');
  });

  it('refuses a profile that the file does not have, naming it', () => {
    expect(() => resolve({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' })).toThrow(/prod/);
  });
});
