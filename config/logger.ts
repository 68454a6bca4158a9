import pino, { type Logger } from 'pino';
import { secretNames } from './env';

export type { Logger };

/** Paths never written to logs: credentials, and card or personal data that may ride along in payloads. */
const redactPaths = [
  ...secretNames,
  ...secretNames.map((name) => `*.${name}`),
  'authorization',
  'req.headers.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers["stripe-signature"]',
  'headers["stripe-signature"]',
  '*.card',
  '*.payment_method_details',
  '*.billing_details',
  '*.email',
  '*.phone',
  '*.address',
];

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: { paths: redactPaths, censor: '[redacted]' } });
}
