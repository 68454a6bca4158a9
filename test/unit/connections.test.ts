import {
  connectionVariables,
  erpConnection,
  magentoConnection,
  mailConnection,
  MissingConnectionError,
  readConnections,
  requireConnections,
  stripeConnection,
  wmsConnection,
} from '../../config/connections';
import { apiEnvSchema, ConfigError, loadEnv, workerEnvSchema } from '../../config/env';
import { defaultResilience } from '../../integrations/http/resilientHttp';
import { orderSystemsFromEnv } from '../../api/orderSystems';

/** The worker needs CUSTOMER_ID_KEY to start; these tests are about other variables. */
const customerIdKey = Buffer.alloc(32, 7).toString('base64');

const oauth = {
  MAGENTO_OAUTH_CONSUMER_KEY: 'ck',
  MAGENTO_OAUTH_CONSUMER_SECRET: 'cs',
  MAGENTO_OAUTH_ACCESS_TOKEN: 'at',
  MAGENTO_OAUTH_TOKEN_SECRET: 'ts',
};

/** Every system configured, as the worker's environment gives it. */
const complete = {
  MAGENTO_BASE_URL: 'https://shop.example/rest/default',
  MAGENTO_TOKEN: 'magento-s3cret',
  ERP_BASE_URL: 'https://erp.example',
  ERP_API_KEY: 'ek',
  ERP_API_SECRET: 'erp-s3cret',
  WMS_BASE_URL: 'https://api.shipbob.example',
  WMS_TOKEN: 'wt',
  WMS_CHANNEL_ID: '100101',
  STRIPE_SECRET_KEY: 'sk_test_1',
};

const worker = (env: Record<string, string>) => loadEnv(workerEnvSchema, { CUSTOMER_ID_KEY: customerIdKey, ...env });
const api = (env: Record<string, string>) => loadEnv(apiEnvSchema, { STRIPE_WEBHOOK_SECRET: 'whsec_x', ...env });

/** The names of the variables a connection reports missing. */
function missingOf(connection: { ok: boolean; missing?: Array<{ name: string }> }): string[] {
  return connection.ok ? [] : (connection.missing ?? []).map((m) => m.name);
}

describe('connections from the environment', () => {
  describe('Magento', () => {
    it('uses the integration token when MAGENTO_TOKEN is set, with the worker rate limits', () => {
      const connection = magentoConnection(
        worker({ ...complete, ...oauth, MAGENTO_MAX_RPS: '7', MAGENTO_MAX_CONCURRENCY: '3' }),
      );
      expect(connection).toEqual({
        ok: true,
        options: {
          baseUrl: 'https://shop.example/rest/default',
          auth: { kind: 'token', token: 'magento-s3cret' },
          resilience: { ...defaultResilience, ratePerSecond: 7, maxConcurrent: 3 },
        },
      });
    });

    it('signs with OAuth 1.0a when the four MAGENTO_OAUTH_* values are set and there is no token', () => {
      const connection = magentoConnection(worker({ MAGENTO_BASE_URL: complete.MAGENTO_BASE_URL, ...oauth }));
      expect(connection.ok && connection.options.auth).toEqual({
        kind: 'oauth',
        consumerKey: 'ck',
        consumerSecret: 'cs',
        accessToken: 'at',
        tokenSecret: 'ts',
      });
    });

    it('names the OAuth values that are missing once one of them is set', () => {
      const { MAGENTO_OAUTH_ACCESS_TOKEN: _a, MAGENTO_OAUTH_TOKEN_SECRET: _t, ...half } = oauth;
      expect(missingOf(magentoConnection(worker({ MAGENTO_BASE_URL: complete.MAGENTO_BASE_URL, ...half })))).toEqual([
        'MAGENTO_OAUTH_ACCESS_TOKEN',
        'MAGENTO_OAUTH_TOKEN_SECRET',
      ]);
    });

    it('names MAGENTO_TOKEN, with the OAuth alternative, when there is no auth at all; and the base URL', () => {
      const connection = magentoConnection(worker({}));
      expect(connection).toEqual({
        ok: false,
        missing: [
          { name: 'MAGENTO_BASE_URL' },
          { name: 'MAGENTO_TOKEN', alternative: 'or the four MAGENTO_OAUTH_* values' },
        ],
      });
    });

    it('counts an empty token as missing', () => {
      expect(missingOf(magentoConnection({ MAGENTO_BASE_URL: complete.MAGENTO_BASE_URL, MAGENTO_TOKEN: '' }))).toEqual([
        'MAGENTO_TOKEN',
      ]);
    });
  });

  describe('ERP, WMS and Stripe', () => {
    it('reads each from its variables, with its own rate limits', () => {
      const env = worker({
        ...complete,
        ERP_MAX_RPS: '5',
        WMS_MAX_CONCURRENCY: '2',
        STRIPE_API_BASE: 'http://127.0.0.1:8084',
      });
      expect(erpConnection(env)).toEqual({
        ok: true,
        options: {
          baseUrl: 'https://erp.example',
          apiKey: 'ek',
          apiSecret: 'erp-s3cret',
          resilience: { ...defaultResilience, ratePerSecond: 5, maxConcurrent: 20 },
        },
      });
      expect(wmsConnection(env)).toEqual({
        ok: true,
        options: {
          baseUrl: 'https://api.shipbob.example',
          token: 'wt',
          channelId: '100101',
          resilience: { ...defaultResilience, ratePerSecond: 100, maxConcurrent: 2 },
        },
      });
      expect(stripeConnection(env)).toEqual({
        ok: true,
        options: { secretKey: 'sk_test_1', apiBase: 'http://127.0.0.1:8084' },
      });
    });

    it('names what each lacks', () => {
      const env = worker({ ERP_BASE_URL: 'https://erp.example', WMS_TOKEN: 'wt', WMS_CHANNEL_ID: '100101' });
      expect(missingOf(erpConnection(env))).toEqual(['ERP_API_KEY', 'ERP_API_SECRET']);
      expect(missingOf(wmsConnection(env))).toEqual(['WMS_BASE_URL']);
      expect(missingOf(stripeConnection(env))).toEqual(['STRIPE_SECRET_KEY']);
    });

    it('leaves Stripe itself when STRIPE_API_BASE is unset', () => {
      expect(stripeConnection(worker(complete))).toEqual({ ok: true, options: { secretKey: 'sk_test_1' } });
    });
  });

  describe('the worker: every system or no start', () => {
    it('gives every client its options', () => {
      const connections = requireConnections(worker(complete), { who: 'the worker' });
      expect(Object.keys(connections).sort()).toEqual(['erp', 'magento', 'stripe', 'wms']);
      expect(connections.magento.auth).toEqual({ kind: 'token', token: 'magento-s3cret' });
    });

    it('refuses, naming every missing variable as required by the worker', () => {
      const { ERP_API_SECRET: _s, WMS_BASE_URL: _w, MAGENTO_TOKEN: _m, ...rest } = complete;
      const start = () => requireConnections(worker(rest), { who: 'the worker' });
      expect(start).toThrow(MissingConnectionError);
      expect(start).toThrow(ConfigError);
      expect(start).toThrow(
        'invalid configuration:\n' +
          '  MAGENTO_TOKEN: required by the worker (or the four MAGENTO_OAUTH_* values)\n' +
          '  ERP_API_SECRET: required by the worker\n' +
          '  WMS_BASE_URL: required by the worker',
      );
    });

    it('never repeats a secret in the error', () => {
      const start = () => requireConnections(worker({ ...complete, ERP_API_KEY: '' }), { who: 'the worker' });
      expect(start).toThrow(/ERP_API_KEY: required by the worker/);
      expect(start).not.toThrow(/s3cret|sk_test_1/);
    });

    it('gives the mailer its server and addresses', () => {
      expect(mailConnection(worker({}))).toEqual({
        smtpUrl: 'smtp://127.0.0.1:2525',
        from: 'Orders <orders@shop.example>',
        merchantEmail: 'merchant@shop.example',
      });
    });
  });

  describe('the API: the systems it has', () => {
    it('leaves out a system whose variables are missing, and knows which', () => {
      const { WMS_TOKEN: _w, ...rest } = complete;
      const found = readConnections(api(rest));
      expect([found.magento.ok, found.erp.ok, found.wms.ok, found.stripe.ok]).toEqual([true, true, false, true]);
      expect(missingOf(found.wms)).toEqual(['WMS_TOKEN']);
      expect(connectionVariables.wms).toMatch(/WMS_BASE_URL and WMS_TOKEN/);
    });

    it('builds the order page clients of the systems it has', () => {
      const { ERP_BASE_URL: _e, ...rest } = complete;
      expect(Object.keys(orderSystemsFromEnv(api(rest))).sort()).toEqual(['magento', 'stripe', 'wms']);
    });

    it("applies the caller's tuning over the defaults (the API has no rate limits of its own)", () => {
      const found = readConnections(api(complete), {
        resilience: { timeoutMs: 8_000, readAttempts: 2 },
        stripeTimeoutMs: 8_000,
      });
      expect(found.erp.ok && found.erp.options.resilience).toEqual({
        ...defaultResilience,
        timeoutMs: 8_000,
        readAttempts: 2,
      });
      expect(found.stripe.ok && found.stripe.options.timeoutMs).toBe(8_000);
    });
  });

  describe('the storefront generator: Magento and Stripe only', () => {
    it('needs nothing of the ERP or the WMS', () => {
      const connections = requireConnections(
        { MAGENTO_BASE_URL: complete.MAGENTO_BASE_URL, ...oauth, STRIPE_SECRET_KEY: 'sk_test_1' },
        { who: 'the storefront generator', systems: ['stripe', 'magento'] },
      );
      expect(Object.keys(connections).sort()).toEqual(['magento', 'stripe']);
      expect(connections.magento.auth.kind).toBe('oauth');
    });

    it('names what it lacks as required by the storefront generator', () => {
      expect(() => requireConnections({}, { who: 'the storefront generator', systems: ['stripe', 'magento'] })).toThrow(
        'invalid configuration:\n' +
          '  STRIPE_SECRET_KEY: required by the storefront generator\n' +
          '  MAGENTO_BASE_URL: required by the storefront generator\n' +
          '  MAGENTO_TOKEN: required by the storefront generator (or the four MAGENTO_OAUTH_* values)',
      );
    });
  });
});
