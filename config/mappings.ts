import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import type { OrderSettings } from '../domain/settings';
import { ConfigError } from './env';

const durationPattern = /^(\d+)(ms|s|m|h|d)$/;
const unitMs: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const duration = z
  .string()
  .regex(durationPattern, 'expected a duration like 90s, 30m, 24h or 2d')
  .transform((text) => {
    const [, n, unit] = durationPattern.exec(text)!;
    return Number(n) * unitMs[unit!]!;
  });
const minorAmounts = z.record(
  z.string().regex(/^[A-Z]{3}$/, 'currency codes are upper-case ISO 4217'),
  z.number().int().nonnegative(),
);
const nonEmpty = z.string().min(1);

export const mappingsSchema = z
  .object({
    order: z
      .object({
        paymentFailedStatus: nonEmpty,
        paymentFailedComment: nonEmpty,
        paymentRetryWindow: duration,
        shipmentReminderAfter: duration,
        shipmentEscalateAfter: duration,
        shipmentEscalationLimit: z.number().int().min(0).default(3),
        deliveryWaitMax: duration.default(30 * 24 * 3600_000),
        orderWaitMax: duration.default(15 * 60_000),
        paymentCaptureAt: z.enum(['invoice', 'shipment']).default('invoice'),
        retryCheckoutSuccessUrl: z.url().default('https://shop.example/checkout/onepage/success'),
        retryCheckoutCancelUrl: z.url().default('https://shop.example/checkout/cart'),
      })
      .strict(),
    payments: z
      .object({
        otherChannels: z
          .object({
            metadata: z.record(nonEmpty, z.array(nonEmpty)).default({}),
            applications: z.array(nonEmpty).default([]),
          })
          .strict()
          .default({ metadata: {}, applications: [] }),
      })
      .strict()
      .default({ otherChannels: { metadata: {}, applications: [] } }),
    refunds: z
      .object({
        returnToStock: z.boolean().default(false),
        erpInvoiceWait: duration.default(6 * 3600_000),
      })
      .strict()
      .default({ returnToStock: false, erpInvoiceWait: 6 * 3600_000 }),
    disputes: z
      .object({
        evidenceReminderBefore: duration.default(72 * 3600_000),
      })
      .strict()
      .default({ evidenceReminderBefore: 72 * 3600_000 }),
    subscriptions: z
      .object({
        orderFor: z.enum(['renewals', 'all']).default('renewals'),
        ordersForZeroInvoices: z.boolean().default(false),
        storeId: z.number().int().positive().default(1),
        renewalsPerRun: z.number().int().min(1).max(500).default(12),
      })
      .strict()
      .default({ orderFor: 'renewals', ordersForZeroInvoices: false, storeId: 1, renewalsPerRun: 12 }),
    fraud: z
      .object({
        holdThreshold: z.number().min(0).max(100),
        holdTimeout: duration,
        highAmountMinor: minorAmounts,
        velocityLimit: z.number().int().positive(),
      })
      .strict(),
    erp: z
      .object({
        company: nonEmpty,
        customerGroup: nonEmpty,
        territory: nonEmpty,
        shippingItemCode: nonEmpty,
        taxAccount: nonEmpty,
        receivableAccount: nonEmpty,
        bankAccount: nonEmpty,
        glAccounts: z.record(nonEmpty, nonEmpty),
      })
      .strict(),
    wms: z
      .object({ shippingMethod: nonEmpty, carrierCodes: z.record(nonEmpty, nonEmpty), defaultCarrierCode: nonEmpty })
      .strict(),
    customer: z.object({ stripeCustomerIdAttribute: nonEmpty, createForGuests: z.boolean().default(true) }).strict(),
    inventory: z
      .object({
        api: z.enum(['msi', 'legacy']).default('msi'),
        source: nonEmpty.default('default'),
        stockId: z.number().int().positive().default(1),
        batchSize: z.number().int().min(1).max(1000).default(100),
        lowStock: z
          .object({
            threshold: z.number().int().min(0).default(5),
            perSku: z.record(nonEmpty, z.number().int().min(0)).default({}),
          })
          .strict()
          .default({ threshold: 5, perSku: {} }),
      })
      .strict()
      .default({ api: 'msi', source: 'default', stockId: 1, batchSize: 100, lowStock: { threshold: 5, perSku: {} } }),
  })
  .strict();

export type Mappings = z.infer<typeof mappingsSchema>;

/** Reads and validates the mappings file; errors name the file, line and reason. */
export function loadMappings(path: string): Mappings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`MAPPINGS_FILE ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseMappings(text, path);
}

export function parseMappings(text: string, path = 'mappings.yaml'): Mappings {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    throw new ConfigError(`${path}:${err.linePos?.[0]?.line ?? '?'}: ${err.message.split('\n')[0]}`);
  }
  const parsed = mappingsSchema.safeParse(doc.toJS());
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const node = nodeAt(doc.contents, issue.path as (string | number)[]);
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : '?';
    return `${path}:${line}: ${issue.path.join('.') || '(root)'}: ${issue.message}`;
  });
  throw new ConfigError(`invalid mappings:\n  ${lines.join('\n  ')}`);
}

/** The deepest YAML node that exists along the path (so a missing key points at its parent). */
function nodeAt(root: unknown, path: readonly (string | number)[]): Node | undefined {
  let node = root as Node | undefined;
  for (const key of path) {
    if (isMap(node)) {
      const next = node.get(key, true) as Node | undefined;
      if (!next) return node;
      node = next;
    } else if (isSeq(node)) {
      const next = node.get(Number(key), true) as Node | undefined;
      if (!next) return node;
      node = next;
    } else return node;
  }
  return node;
}

export function orderSettingsFrom(mappings: Mappings): OrderSettings {
  return {
    paymentFailedStatus: mappings.order.paymentFailedStatus,
    paymentFailedComment: mappings.order.paymentFailedComment,
    paymentRetryWindowMs: mappings.order.paymentRetryWindow,
    shipmentReminderAfterMs: mappings.order.shipmentReminderAfter,
    shipmentEscalateAfterMs: mappings.order.shipmentEscalateAfter,
    shipmentEscalationLimit: mappings.order.shipmentEscalationLimit,
    deliveryWaitMaxMs: mappings.order.deliveryWaitMax,
    orderWaitMaxMs: mappings.order.orderWaitMax,
    paymentCaptureAt: mappings.order.paymentCaptureAt,
    retryCheckout: {
      successUrl: mappings.order.retryCheckoutSuccessUrl,
      cancelUrl: mappings.order.retryCheckoutCancelUrl,
    },
    otherChannels: mappings.payments.otherChannels,
    refunds: { returnToStock: mappings.refunds.returnToStock, erpInvoiceWaitMs: mappings.refunds.erpInvoiceWait },
    disputes: { evidenceReminderBeforeMs: mappings.disputes.evidenceReminderBefore },
    subscriptions: mappings.subscriptions,
    fraud: { ...mappings.fraud, holdTimeoutMs: mappings.fraud.holdTimeout },
    erp: mappings.erp,
    wms: mappings.wms,
    inventory: mappings.inventory,
    customers: {
      stripeCustomerIdAttribute: mappings.customer.stripeCustomerIdAttribute,
      createForGuests: mappings.customer.createForGuests,
    },
  };
}
