import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadEnv, secretNames, workerEnvSchema } from '../../config/env';

/** The worker needs CUSTOMER_ID_KEY to start; these tests are about other variables. */
const customerIdKey = Buffer.alloc(32, 7).toString('base64');

describe('mail configuration', () => {
  it('defaults to the sandbox sink, a shop sender and a merchant address', () => {
    expect(loadEnv(workerEnvSchema, { CUSTOMER_ID_KEY: customerIdKey })).toMatchObject({
      SMTP_URL: 'smtp://127.0.0.1:2525',
      MAIL_FROM: 'Orders <orders@shop.example>',
      MERCHANT_EMAIL: 'merchant@shop.example',
    });
  });

  it('reads SMTP_URL from SMTP_URL_FILE, and treats it as a secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'o2c-env-'));
    try {
      writeFileSync(join(dir, 'smtp'), 'smtps://mailer:s3cret@smtp.example.com:465\n');
      expect(
        loadEnv(workerEnvSchema, { CUSTOMER_ID_KEY: customerIdKey, SMTP_URL_FILE: join(dir, 'smtp') }).SMTP_URL,
      ).toBe('smtps://mailer:s3cret@smtp.example.com:465');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(secretNames).toContain('SMTP_URL');
  });

  it('stops start-up on a URL that is not SMTP, naming the variable but not repeating its value', () => {
    const load = () =>
      loadEnv(workerEnvSchema, { CUSTOMER_ID_KEY: customerIdKey, SMTP_URL: 'https://mailer:s3cret@smtp.example.com' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/SMTP_URL: expected smtp:\/\/host:port/);
    expect(load).not.toThrow(/s3cret/);
  });

  it('refuses a merchant address without an @', () => {
    expect(() => loadEnv(workerEnvSchema, { CUSTOMER_ID_KEY: customerIdKey, MERCHANT_EMAIL: 'merchant' })).toThrow(
      /MERCHANT_EMAIL: expected an e-mail address/,
    );
  });

  it('takes several merchant addresses, comma-separated', () => {
    expect(
      loadEnv(workerEnvSchema, { CUSTOMER_ID_KEY: customerIdKey, MERCHANT_EMAIL: 'a@shop.example, b@shop.example' })
        .MERCHANT_EMAIL,
    ).toBe('a@shop.example, b@shop.example');
  });

  it.each([
    ['a display name', 'Shop <merchant@shop.example>', /address 1: it has angle brackets/],
    ['a group', 'staff: a@shop.example;', /address 1: it contains a separator/],
    ['a line break', 'a@shop.example\r\nBcc: b@elsewhere.example', /address 1: it contains a line break/],
    ['a bad second address', 'a@shop.example, b@', /address 2: it is not an e-mail address/],
  ])('refuses a merchant address list with %s, without quoting it', (_, value, reason) => {
    let message = '';
    try {
      loadEnv(workerEnvSchema, { CUSTOMER_ID_KEY: customerIdKey, MERCHANT_EMAIL: value });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(reason);
    expect(message).not.toContain('shop.example');
  });
});
