import { Context } from '@temporalio/activity';
import { orderSnapshotOf } from '../../domain/orderSnapshot';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import Stripe from 'stripe';
import { ExternalSystemError } from '../../integrations/http/errors';
import { erpFailureKind } from '../../integrations/erp/failures';
import { magentoFailureKind } from '../../integrations/magento/failures';
import { stripeError } from '../../integrations/stripe/client';
import { wmsFailureKind } from '../../integrations/wms/failures';
import type { MagentoOrder } from '../../domain/magento';
import type { ProductActivities } from '../../activities';
import type { PaymentSnapshot } from '../../activities/stripe/activities';
import { temporalEnvSchema } from '../../config/env';
import { createWorker } from '../../worker/worker';
import { defaultSettings } from '../harness/productStack';
import { createTimeSkippingEnv, uniqueTaskQueue } from '../harness/temporal';

/**
 * Mocked activities for the failure-policy tests: every external call is a stub that records itself per run and
 * answers canned snapshots, and a run's scenario can make one activity fail exactly as that system's client would
 * (the real classifiers and the real Stripe error converter), so the worker's failure mapping and the workflow's
 * policy are what is tested.
 */
export type System = 'Magento' | 'Erp' | 'Wms' | 'Stripe';

export interface Scenario {
  /** Activity name → the error it throws (every attempt). */
  failing?: Partial<Record<string, () => Error>>;
  payment?: Partial<PaymentSnapshot>;
  order?: Partial<MagentoOrder>;
}

export const moneyMovers = [
  'refundPayment',
  'cancelAuthorization',
  'creditMagentoOrder',
  'cancelMagentoOrder',
  'cancelErpSalesOrder',
  'cancelWmsOrder',
];

export function externalError(
  system: System,
  status: number,
  body: unknown,
  method = 'POST',
  path = '/resource',
): Error {
  if (system === 'Stripe') {
    const raw = {
      message: typeof body === 'string' ? body : 'Stripe error',
      statusCode: status,
      ...(typeof body === 'object' ? body : {}),
    };
    const err =
      status === 401
        ? new Stripe.errors.StripeAuthenticationError(raw)
        : status === 403
          ? new Stripe.errors.StripePermissionError(raw)
          : new Stripe.errors.StripeInvalidRequestError(raw);
    return stripeError(err) as Error;
  }
  const kindOf = { Magento: magentoFailureKind, Erp: erpFailureKind, Wms: wmsFailureKind }[system];
  return new ExternalSystemError(
    system,
    `${method} ${path} → ${status}: ${JSON.stringify(body)}`,
    status,
    kindOf(status, body),
    undefined,
    body,
  );
}

export function magentoOrder(incrementId: string, overrides: Partial<MagentoOrder> = {}): MagentoOrder {
  const address = {
    firstname: 'Ada',
    lastname: 'Lovelace',
    street: ['12 Analytical Row'],
    city: 'London',
    postcode: 'N1 9GU',
    country_id: 'GB',
  };
  return {
    entity_id: 7,
    increment_id: incrementId,
    state: 'processing',
    status: 'processing',
    grand_total: 50,
    subtotal: 45,
    shipping_amount: 5,
    tax_amount: 0,
    discount_amount: 0,
    order_currency_code: 'USD',
    customer_email: 'ada@example.com',
    customer_firstname: 'Ada',
    customer_lastname: 'Lovelace',
    created_at: '2026-11-28 10:00:00',
    billing_address: address,
    extension_attributes: { shipping_assignments: [{ shipping: { address } }] },
    items: [
      { item_id: 1, sku: 'MUG-1', name: 'Mug', qty_ordered: 2, price: 10, row_total: 20, product_type: 'simple' },
      { item_id: 2, sku: 'TEE-1', name: 'T-shirt', qty_ordered: 1, price: 25, row_total: 25, product_type: 'simple' },
    ],
    ...overrides,
  } as MagentoOrder;
}

export function createMockedActivities(
  scenarios: Map<string, Scenario>,
  calls: Map<string, Array<{ name: string; input: unknown }>>,
) {
  const runOf = () => Context.current().info.workflowExecution!.workflowId;
  const incrementIdOf = (workflowId: string) => workflowId.replace(/^order:/, '');
  const captured = new Set<string>();
  const stub =
    <T>(name: string, answer: (input: never, workflowId: string) => T) =>
    async (...args: unknown[]): Promise<T> => {
      const input = args[0];
      const workflowId = runOf();
      const list = calls.get(workflowId) ?? [];
      list.push({ name, input });
      calls.set(workflowId, list);
      const failure = scenarios.get(workflowId)?.failing?.[name];
      if (failure) throw failure();
      return answer(input as never, workflowId);
    };
  const payment = (workflowId: string): PaymentSnapshot => ({
    paymentIntentId: `pi_${incrementIdOf(workflowId)}`,
    chargeId: `ch_${incrementIdOf(workflowId)}`,
    status: 'succeeded',
    amountMinor: 5000,
    amountRefundedMinor: 0,
    currency: 'USD',
    riskLevel: 'normal',
    riskScore: 10,
    captureMethod: 'automatic',
    amountCapturableMinor: 0,
    createdAt: '2026-11-28T10:01:00.000Z',
    ...scenarios.get(workflowId)?.payment,
    ...(captured.has(workflowId) ? { status: 'succeeded', amountCapturableMinor: 0 } : {}),
  });
  const activities: Partial<ProductActivities> = {
    orderSettings: stub('orderSettings', () => defaultSettings()),
    requestInventorySync: stub('requestInventorySync', () => ({ requested: false, reason: 'no schedule here' })),
    getPayment: stub('getPayment', (_i, wf) => payment(wf)),
    loadOrderSnapshot: stub('loadOrderSnapshot', (_i, wf) => {
      const order = magentoOrder(incrementIdOf(wf), scenarios.get(wf)?.order);
      return order && orderSnapshotOf(order);
    }),
    magentoCustomerHistory: stub('magentoCustomerHistory', () => ({ previousOrderCount: 3, recentOrderCount: 1 })),
    addMagentoComment: stub('addMagentoComment', () => undefined),
    holdMagentoOrder: stub('holdMagentoOrder', () => undefined),
    unholdMagentoOrder: stub('unholdMagentoOrder', () => undefined),
    invoiceMagentoOrder: stub('invoiceMagentoOrder', () => ({
      invoiceId: 11,
      created: true,
      invoicedElsewhere: false,
    })),
    shipMagentoOrder: stub('shipMagentoOrder', () => ({ shipmentId: 12, created: true })),
    cancelMagentoOrder: stub('cancelMagentoOrder', () => ({ canceled: true, state: 'canceled' })),
    creditMagentoOrder: stub('creditMagentoOrder', () => ({ creditMemoId: 13, created: true })),
    upsertErpCustomer: stub('upsertErpCustomer', () => 'Ada Lovelace'),
    createErpSalesOrder: stub('createErpSalesOrder', () => ({ name: 'SO-1', created: true })),
    cancelErpSalesOrder: stub('cancelErpSalesOrder', () => ['SO-1']),
    invoiceErpSalesOrder: stub('invoiceErpSalesOrder', () => ({
      name: 'SI-1',
      created: true,
      salesOrder: 'SO-1',
      grandTotalMinor: 5000,
    })),
    createErpPaymentEntry: stub('createErpPaymentEntry', () => ({ name: 'PE-1', created: true })),
    createWmsOrder: stub('createWmsOrder', () => ({ orderId: 21, created: true, status: 'Processing' })),
    cancelWmsOrder: stub('cancelWmsOrder', () => ({ cancelled: true })),
    getWmsOrder: stub('getWmsOrder', () => undefined),
    refundPayment: stub('refundPayment', () => ({ refundId: 're_1', refundedMinor: 5000, alreadyRefunded: false })),
    capturePayment: stub('capturePayment', (_i, wf) => {
      captured.add(wf);
      return { status: 'succeeded', amountCapturedMinor: 5000, alreadyCaptured: false };
    }),
    cancelAuthorization: stub('cancelAuthorization', () => ({ status: 'canceled', alreadyCanceled: false })),
    // Charged and refunded in the settlement currency: no conversion, so no rounding to book.
    chargeNetOfRefunds: stub('chargeNetOfRefunds', () => ({
      currency: 'USD',
      converted: false,
      fullyReturned: true,
      residueMinor: 0,
    })),
    createRetryCheckoutSession: stub('createRetryCheckoutSession', (i: { incrementId: string; expiresAt: number }) => ({
      sessionId: `cs_${i.incrementId}`,
      url: `https://checkout.example/cs_${i.incrementId}`,
      expiresAt: i.expiresAt,
    })),
    expireCheckoutSession: stub('expireCheckoutSession', () => ({ status: 'expired', alreadyClosed: false })),
    notifyCustomer: stub('notifyCustomer', () => ({ sent: true as const, messageId: '<m@test>' })),
    notifyMerchant: stub('notifyMerchant', () => ({ sent: true as const, messageId: '<m@test>' })),
    orderReferenceOfPaymentIntent: stub('orderReferenceOfPaymentIntent', () => ({ magentoOrderId: 'X-1' })),
    orderReferenceOfCharge: stub('orderReferenceOfCharge', () => ({ magentoOrderId: 'X-1' })),
    deliverStripeEvent: stub('deliverStripeEvent', () => ({ runId: 'r' })),
  };
  return activities;
}

export interface MockedWorker {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  scenarios: Map<string, Scenario>;
  calls: Map<string, Array<{ name: string; input: unknown }>>;
  close(): Promise<void>;
}

/** The time-skipping server and the product's real worker (workflows, failure mapping) over the mocked activities. */
export async function startMockedWorker(name: string): Promise<MockedWorker> {
  const env = await createTimeSkippingEnv();
  const taskQueue = uniqueTaskQueue(name);
  const scenarios = new Map<string, Scenario>();
  const calls = new Map<string, Array<{ name: string; input: unknown }>>();
  const { worker } = await createWorker({
    env: temporalEnvSchema.parse({ TEMPORAL_TASK_QUEUE: taskQueue }),
    connection: env.nativeConnection,
    activities: createMockedActivities(scenarios, calls),
  });
  const running = worker.run();
  return {
    env,
    taskQueue,
    scenarios,
    calls,
    close: async () => {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}
