import pino, { type Logger } from 'pino';
import type { Logger as SdkLogger, LogLevel, LogMetadata } from '@temporalio/common';
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
  '*.name',
  '*.firstname',
  '*.lastname',
  '*.customer_email',
  '*.shipping',
];

/**
 * Anything shaped like an e-mail address, wherever it is in a line: redaction knows keys, and an error message from a
 * system can quote the address it refused.
 */
const emailPattern = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
const maxScrubDepth = 8;

function scrubbed(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(emailPattern, '[email]');
  if (value === null || typeof value !== 'object' || depth >= maxScrubDepth) return value;
  if (value instanceof Error) return scrubbed(pino.stdSerializers.err(value), depth);
  if (Array.isArray(value)) return value.map((v) => scrubbed(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubbed(v, depth + 1)]));
}

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => scrubbed(a)) as Parameters<typeof method>);
      },
    },
  });
}

const sdkLevels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * What of an SDK line's metadata is written: ids, names, counts and errors. Anything else is an object the SDK hands
 * over whole (at debug, the worker's options, payload codec and its keys included), so it is left out.
 */
function sdkMeta(meta: LogMetadata | undefined): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value) || value instanceof Error)
      kept[key] = value;
    else if (value !== undefined) kept[key] = '[omitted]';
  }
  return kept;
}

/**
 * The Temporal SDK's logger (its own lines, workflow `log` calls, activity failures) written through pino, so the same
 * redaction and scrubbing apply to them as to the product's lines.
 */
export function sdkLoggerOf(log: Logger): SdkLogger {
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => log[sdkLevels[level]](sdkMeta(meta), message);
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}
