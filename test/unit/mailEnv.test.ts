import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadEnv, secretNames, workerEnvSchema } from '../../config/env';

describe('mail configuration', () => {
  it('defaults to the sandbox sink, a shop sender and a merchant address', () => {
    expect(loadEnv(workerEnvSchema, {})).toMatchObject({
      SMTP_URL: 'smtp://127.0.0.1:2525',
      MAIL_FROM: 'Orders <orders@shop.example>',
      MERCHANT_EMAIL: 'merchant@shop.example',
    });
  });

  it('reads SMTP_URL from SMTP_URL_FILE, and treats it as a secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'o2c-env-'));
    try {
      writeFileSync(join(dir, 'smtp'), 'smtps://mailer:s3cret@smtp.example.com:465\n');
      expect(loadEnv(workerEnvSchema, { SMTP_URL_FILE: join(dir, 'smtp') }).SMTP_URL).toBe(
        'smtps://mailer:s3cret@smtp.example.com:465',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(secretNames).toContain('SMTP_URL');
  });

  it('stops start-up on a URL that is not SMTP, naming the variable but not repeating its value', () => {
    const load = () => loadEnv(workerEnvSchema, { SMTP_URL: 'https://mailer:s3cret@smtp.example.com' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/SMTP_URL: expected smtp:\/\/host:port/);
    expect(load).not.toThrow(/s3cret/);
  });

  it('refuses a merchant address without an @', () => {
    expect(() => loadEnv(workerEnvSchema, { MERCHANT_EMAIL: 'merchant' })).toThrow(
      /MERCHANT_EMAIL: expected an e-mail address/,
    );
  });
});
