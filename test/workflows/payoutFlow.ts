import axios from 'axios';
import type Stripe from 'stripe';
import type { ProductStack } from '../harness/productStack';

let sequence = 0;

/** A storefront payment in the Stripe sandbox naming its Magento order; `refundMinor` refunds part of it afterwards. */
export async function payInStripe(
  stack: ProductStack,
  amountMinor: number,
  currency: string,
  options: { paymentMethod?: string; refundMinor?: number } = {},
): Promise<{ paymentIntent: Stripe.PaymentIntent; magentoOrderId: string }> {
  sequence += 1;
  const magentoOrderId = `PO${Date.now().toString(36).toUpperCase()}-${sequence}`;
  const paymentIntent = await stack.stripe.paymentIntents.create({
    amount: amountMinor,
    currency: currency.toLowerCase(),
    confirm: true,
    payment_method: options.paymentMethod ?? 'pm_card_visa',
    metadata: { magento_order_id: magentoOrderId },
  });
  if (options.refundMinor)
    await stack.stripe.refunds.create({ payment_intent: paymentIntent.id, amount: options.refundMinor });
  return { paymentIntent, magentoOrderId };
}

/** Stripe's automatic payout of everything pending in one currency (the sandbox control `POST /__sandbox/payouts`). */
export async function payOut(stack: ProductStack, currency: string): Promise<Stripe.Payout> {
  const { data } = await axios.post<{ data: Stripe.Payout[] }>(`${stack.urls.stripe}/__sandbox/payouts`, {
    currency: currency.toLowerCase(),
  });
  if (data.data.length !== 1) throw new Error(`expected one ${currency} payout, Stripe made ${data.data.length}`);
  return data.data[0]!;
}

/** The payout's events as Stripe sent them (`payout.paid`, `payout.reconciliation_completed`, …), oldest first. */
export async function payoutEvents(
  stack: ProductStack,
  payoutId: string,
  types = ['payout.paid', 'payout.reconciliation_completed'],
): Promise<Stripe.Event[]> {
  const events: Stripe.Event[] = [];
  for await (const event of stack.stripe.events.list({ types, limit: 100 })) {
    if ((event.data.object as { id?: string }).id === payoutId && types.includes(event.type)) events.push(event);
  }
  return events.reverse();
}

/** Every balance transaction Stripe says the payout swept. */
export async function sweptTransactions(stack: ProductStack, payoutId: string): Promise<Stripe.BalanceTransaction[]> {
  const swept: Stripe.BalanceTransaction[] = [];
  for await (const txn of stack.stripe.balanceTransactions.list({ payout: payoutId, limit: 100 })) swept.push(txn);
  return swept;
}

/** Many available charges at once (`POST /__sandbox/balance/seed`), without events, then their automatic payout. */
export async function seedAndPayOut(stack: ProductStack, count: number, currency: string): Promise<Stripe.Payout> {
  await axios.post(`${stack.urls.stripe}/__sandbox/balance/seed`, { count, currency: currency.toLowerCase() });
  return payOut(stack, currency);
}

/** The bank returns a payout (`POST /__sandbox/payouts/:id/outcome`): Stripe marks it failed and sends `payout.failed`. */
export async function failPayout(
  stack: ProductStack,
  payoutId: string,
  failureCode = 'account_closed',
): Promise<Stripe.Payout> {
  return (
    await axios.post<Stripe.Payout>(`${stack.urls.stripe}/__sandbox/payouts/${payoutId}/outcome`, {
      status: 'failed',
      failure_code: failureCode,
    })
  ).data;
}

/** Every payload in a run's history (inputs, results, signals, heartbeats, markers), with the event it belongs to. */
export function historyPayloads(history: { events?: unknown[] | null }): Array<{ eventType: string; bytes: number }> {
  const found: Array<{ eventType: string; bytes: number }> = [];
  const walk = (value: unknown, eventType: string): void => {
    if (!value || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach((v) => walk(v, eventType));
    const record = value as Record<string, unknown>;
    if (Array.isArray(record.payloads)) {
      for (const p of record.payloads as Array<{
        data?: Uint8Array | null;
        metadata?: Record<string, Uint8Array> | null;
      }>) {
        found.push({
          eventType,
          bytes: (p.data?.length ?? 0) + Object.values(p.metadata ?? {}).reduce((s, m) => s + (m?.length ?? 0), 0),
        });
      }
    }
    for (const [key, child] of Object.entries(record)) if (key !== 'payloads') walk(child, eventType);
  };
  for (const event of history.events ?? []) {
    const e = event as Record<string, unknown>;
    walk(e, String(e.eventType ?? 'unknown'));
  }
  return found;
}
