import Stripe from 'stripe';
import type { MagentoClient } from '../../integrations/magento/client';
import { shopCurrencies, type ShopCurrency } from './catalogue';
import { planOrders, priceOrder, type OrderPlan, type TestPaymentMethod } from './orders';
import { seededRandom } from './random';

export interface ShopOptions {
  orders: number;
  /** Share of orders paid with `pm_card_chargeDeclined`. */
  declineRate: number;
  /** Share of orders paid with `pm_card_riskLevelElevated`. */
  fraudRate: number;
  currency: ShopCurrency | 'mix';
  /** Orders in flight at once. */
  concurrency: number;
  seed: number;
}

export interface ShopClients {
  magento: MagentoClient;
  stripe: Stripe;
}

export interface OrderOutcome {
  index: number;
  result: 'paid' | 'declined' | 'failed';
  currency: ShopCurrency;
  grandTotalMinor: number;
  paymentMethod: TestPaymentMethod;
  incrementId?: string;
  entityId?: number;
  paymentIntentId?: string;
  riskLevel?: string;
  declineCode?: string;
  /** Set when `result` is `failed`: what went wrong, for the operator. */
  error?: string;
}

export interface CurrencyTotals {
  orders: number;
  placedMinor: number;
  paidMinor: number;
  declinedMinor: number;
}

export interface ShopSummary {
  seed: number;
  requested: number;
  /** Orders created in Magento. */
  placed: number;
  paid: number;
  declined: number;
  /** Paid orders whose charge Stripe scored `elevated` (or `highest`). */
  flaggedElevated: number;
  /** Unexpected errors (not a card decline): the run should exit non-zero. */
  failed: number;
  errors: string[];
  perCurrency: Partial<Record<ShopCurrency, CurrencyTotals>>;
  elapsedMs: number;
  outcomes: OrderOutcome[];
}

export type ProgressListener = (outcome: OrderOutcome, done: number, total: number) => void;

const retryableStripeErrors = ['StripeConnectionError', 'StripeRateLimitError', 'StripeAPIError'];

/** Retries Stripe calls that are safe to repeat (reads, and writes carrying an idempotency key) on transient errors. */
async function withStripeRetry<T>(call: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (err) {
      const transient = err instanceof Stripe.errors.StripeError && retryableStripeErrors.includes(err.type);
      if (!transient || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Places one order in Magento, then pays it in Stripe; a card decline is an outcome, anything else unexpected is
 * `failed`. A guest checkout: the PaymentIntent names no Stripe customer (the product makes the guest's, one per e-mail).
 */
async function placeAndPay(plan: OrderPlan, clients: ShopClients): Promise<OrderOutcome> {
  const { entity, grandTotalMinor } = priceOrder(plan);
  const outcome: OrderOutcome = {
    index: plan.index,
    result: 'failed',
    currency: plan.currency,
    grandTotalMinor,
    paymentMethod: plan.paymentMethod,
  };
  const label = `order ${plan.index + 1} (${plan.customer.email}, ${plan.currency})`;
  try {
    const order = await clients.magento.createOrder(entity);
    outcome.incrementId = order.increment_id;
    outcome.entityId = order.entity_id;
  } catch (err) {
    return { ...outcome, error: `${label}: placing it in Magento failed: ${message(err)}` };
  }
  const incrementId = outcome.incrementId;
  try {
    const intent = await withStripeRetry(() =>
      clients.stripe.paymentIntents.create(
        {
          amount: grandTotalMinor,
          currency: plan.currency.toLowerCase(),
          confirm: true,
          payment_method: plan.paymentMethod,
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          description: `Magento order #${incrementId}`,
          metadata: { magento_order_id: incrementId },
          expand: ['latest_charge'],
        },
        { idempotencyKey: `shop:${incrementId}` },
      ),
    );
    outcome.paymentIntentId = intent.id;
    const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : undefined;
    outcome.riskLevel = charge?.outcome?.risk_level ?? undefined;
    if (intent.status !== 'succeeded')
      return {
        ...outcome,
        error: `${label} #${incrementId}: PaymentIntent ${intent.id} is ${intent.status}, expected succeeded`,
      };
    return { ...outcome, result: 'paid' };
  } catch (err) {
    if (err instanceof Stripe.errors.StripeCardError) {
      return {
        ...outcome,
        result: 'declined',
        paymentIntentId: err.payment_intent?.id,
        declineCode: err.decline_code ?? err.code,
      };
    }
    return { ...outcome, error: `${label} #${incrementId}: paying it in Stripe failed: ${message(err)}` };
  }
}

function summarize(options: ShopOptions, outcomes: OrderOutcome[], elapsedMs: number): ShopSummary {
  const perCurrency: Partial<Record<ShopCurrency, CurrencyTotals>> = {};
  const byCurrency = [...outcomes].sort(
    (a, b) => shopCurrencies.indexOf(a.currency) - shopCurrencies.indexOf(b.currency),
  );
  for (const o of byCurrency) {
    if (o.incrementId === undefined) continue;
    const totals = (perCurrency[o.currency] ??= { orders: 0, placedMinor: 0, paidMinor: 0, declinedMinor: 0 });
    totals.orders += 1;
    totals.placedMinor += o.grandTotalMinor;
    if (o.result === 'paid') totals.paidMinor += o.grandTotalMinor;
    if (o.result === 'declined') totals.declinedMinor += o.grandTotalMinor;
  }
  const count = (predicate: (o: OrderOutcome) => boolean) => outcomes.filter(predicate).length;
  return {
    seed: options.seed,
    requested: options.orders,
    placed: count((o) => o.incrementId !== undefined),
    paid: count((o) => o.result === 'paid'),
    declined: count((o) => o.result === 'declined'),
    flaggedElevated: count((o) => o.result === 'paid' && (o.riskLevel === 'elevated' || o.riskLevel === 'highest')),
    failed: count((o) => o.result === 'failed'),
    errors: outcomes.flatMap((o) => (o.error ? [o.error] : [])),
    perCurrency,
    elapsedMs,
    outcomes,
  };
}

/**
 * Storefront traffic: places `options.orders` orders in Magento and pays each in Stripe with a test card chosen by
 * the decline and fraud rates. The same seed plans the same orders whatever the concurrency.
 */
export async function placeOrders(
  options: ShopOptions,
  clients: ShopClients,
  onProgress: ProgressListener = () => undefined,
): Promise<ShopSummary> {
  const startedAt = Date.now();
  const plans = planOrders(seededRandom(options.seed), options);
  const outcomes: OrderOutcome[] = new Array(plans.length);
  let nextPlan = 0;
  let done = 0;
  const worker = async () => {
    for (let plan = plans[nextPlan++]; plan; plan = plans[nextPlan++]) {
      const outcome = await placeAndPay(plan, clients);
      outcomes[plan.index] = outcome;
      done += 1;
      onProgress(outcome, done, plans.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, plans.length)) }, worker));
  return summarize(options, outcomes, Date.now() - startedAt);
}
