import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMappings, orderSettingsFrom, parseMappings } from '../../config/mappings';
import { ConfigError } from '../../config/env';

const defaultsPath = join(__dirname, '../../config/mappings.yaml');

describe('business mappings file', () => {
  it('ships working defaults that validate', () => {
    const settings = orderSettingsFrom(loadMappings(defaultsPath));
    expect(settings.fraud.holdTimeoutMs).toBe(48 * 3600 * 1000);
    expect(settings.paymentRetryWindowMs).toBe(24 * 3600 * 1000);
    expect(settings.fraud.holdThreshold).toBe(65);
  });

  it('stops start-up naming the line and the reason of a bad value', () => {
    const text = readFileSync(defaultsPath, 'utf8').replace('holdTimeout: 48h', 'holdTimeout: two days');
    const line = text.split('\n').findIndex((l) => l.includes('holdTimeout: two days')) + 1;
    expect(() => parseMappings(text)).toThrow(ConfigError);
    expect(() => parseMappings(text)).toThrow(
      new RegExp(`mappings.yaml:${line}: fraud.holdTimeout: expected a duration`),
    );
  });

  it('refuses unknown keys, so a typo is not silently ignored', () => {
    const text = readFileSync(defaultsPath, 'utf8').replace('velocityLimit: 3', 'velocityLimit: 3\n  velocityLimt: 4');
    expect(() => parseMappings(text)).toThrow(/velocityLimt|Unrecognized key/);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(() => parseMappings('order:\n  a: [1, 2\n')).toThrow(/mappings.yaml:\d+:/);
  });
});
