import Stripe from 'stripe';
import { ExternalSystemError } from '../http/errors';
import { stripeFailureKind } from './failures';

export interface StripeClientOptions {
  secretKey: string;
  /** Unset = Stripe itself; e.g. `http://127.0.0.1:8084` for the sandbox. */
  apiBase?: string;
  timeoutMs?: number;
}

/** The official client; Temporal owns retries, so the client's own are off. */
export function createStripeClient(options: StripeClientOptions): Stripe {
  const base = options.apiBase ? new URL(options.apiBase) : undefined;
  return new Stripe(options.secretKey, {
    maxNetworkRetries: 0,
    timeout: options.timeoutMs ?? 20_000,
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol.replace(':', '') as 'http' | 'https',
        }
      : {}),
  });
}

/** Stripe errors as ExternalSystemError, classified by `stripeFailureKind`. */
export function stripeError(err: unknown): ExternalSystemError | unknown {
  if (!(err instanceof Stripe.errors.StripeError)) return err;
  const code = err.code ? ` (${err.code})` : '';
  const status = err.statusCode ? `HTTP ${err.statusCode}: ` : '';
  return new ExternalSystemError('Stripe', `${status}${err.message}${code}`, err.statusCode, stripeFailureKind(err));
}

export async function callStripe<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw stripeError(err);
  }
}

/** The id of an expandable Stripe field, whether Stripe sent the id or the expanded object. */
export function idOf(value: string | { id: string } | null | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.id;
}

/**
 * The invoice a PaymentIntent collects (a subscription's), or undefined. Stripe sends `invoice` on a PaymentIntent in
 * API versions before 2025-03-31 (and the sandbox does); the SDK's types for the version it pins have no such field
 * (an invoice names its payments instead), so it is looked for and checked here rather than cast to a type.
 */
export function invoiceIdOfPaymentIntent(pi: Stripe.PaymentIntent | undefined): string | undefined {
  if (!pi || !('invoice' in pi)) return undefined;
  const invoice = pi.invoice;
  if (typeof invoice === 'string') return invoice;
  return typeof invoice === 'object' && invoice !== null && 'id' in invoice && typeof invoice.id === 'string'
    ? invoice.id
    : undefined;
}

/** A Stripe timestamp (Unix seconds) as ISO 8601. */
export function isoOf(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString();
}
