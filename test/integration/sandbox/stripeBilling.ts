import axios from 'axios';
import type Stripe from 'stripe';
import { secretKey, type StripeHarness } from './stripeHarness';

/** 2027-01-15T00:00:00Z: the sandbox clock the billing tests run on (a subscription's periods and prorations are exact). */
export const T0 = Date.UTC(2027, 0, 15) / 1000;
export const day = 86_400;

/** Line fields older API versions had (the sandbox keeps them beside the current ones). */
export type SandboxLine = Stripe.InvoiceLineItem & {
  price: Stripe.Price;
  proration: boolean;
  type: 'subscription' | 'invoiceitem';
  subscription_item: string | null;
  tax_amounts: { amount: number; inclusive: boolean; tax_rate: string; taxable_amount: number }[];
};

export type SandboxInvoice = Omit<Stripe.Invoice, 'lines'> & {
  subscription: string;
  paid: boolean;
  payment_intent: string | null;
  charge: string | null;
  tax: number | null;
  total_tax_amounts: { amount: number; inclusive: boolean; tax_rate: string; taxable_amount: number }[];
  lines: Stripe.ApiList<SandboxLine>;
};

export type SandboxSubscription = Stripe.Subscription & { discounts: string[] };

export interface Clock {
  now: number;
  scheduled: { at: number; kind: string; invoice?: string }[];
}

export function billingControls(h: StripeHarness) {
  const { stripe, baseUrl } = h;
  const advance = async (id: string, body: { outcome?: string; to?: string | number } = {}) =>
    (await axios.post<SandboxSubscription>(`${baseUrl}/__sandbox/subscriptions/${id}/advance`, body)).data;
  const clock = async (id: string) => (await axios.get<Clock>(`${baseUrl}/__sandbox/subscriptions/${id}/clock`)).data;
  const settings = async (body: Record<string, unknown>) =>
    (await axios.put<Record<string, unknown>>(`${baseUrl}/__sandbox/billing`, body)).data;
  const invoice = async (id: string | Stripe.Invoice | null) =>
    (await stripe.invoices.retrieve(id as string)) as unknown as SandboxInvoice;
  const subscription = async (id: string) => (await stripe.subscriptions.retrieve(id)) as SandboxSubscription;
  const invoices = async (subscriptionId: string) =>
    (
      (await stripe.invoices.list({ subscription: subscriptionId, limit: 100 })).data as unknown as SandboxInvoice[]
    ).reverse();
  /** The raw API, for endpoints the current client no longer has (`GET /v1/invoices/upcoming`). */
  const api = axios.create({
    baseURL: baseUrl,
    headers: { Authorization: `Bearer ${secretKey}` },
    validateStatus: () => true,
  });

  /**
   * Every event about the subscription, oldest first: the subscription's own, its invoices' (also `invoice.upcoming`),
   * and the payment intents' and charges' of its invoices.
   */
  const timeline = async (subscriptionId: string): Promise<Stripe.Event[]> => {
    const events: Stripe.Event[] = [];
    for await (const event of stripe.events.list({ limit: 100 })) events.push(event);
    events.reverse();
    const invoiceIds = new Set<string>();
    return events.filter((event) => {
      const object = event.data.object as {
        id?: string;
        object?: string;
        subscription?: string;
        invoice?: string | null;
      };
      if (object.id === subscriptionId) return true;
      if (object.object === 'invoice' && object.subscription === subscriptionId) {
        if (object.id) invoiceIds.add(object.id);
        return true;
      }
      return typeof object.invoice === 'string' && invoiceIds.has(object.invoice);
    });
  };
  const types = async (subscriptionId: string, ignore: RegExp = /^$/) =>
    (await timeline(subscriptionId)).map((e) => e.type).filter((t) => !ignore.test(t));
  return { advance, clock, settings, invoice, subscription, invoices, api, timeline, types };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Stripe's identities: lines add up to the subtotal, per-line discounts and taxes to the invoice's, total = subtotal − discounts + exclusive tax. */
export function expectConsistent(invoice: SandboxInvoice): void {
  const lines = invoice.lines.data;
  expect(sum(lines.map((l) => l.amount))).toBe(invoice.subtotal);
  for (const total of invoice.total_discount_amounts ?? []) {
    const discount = typeof total.discount === 'string' ? total.discount : total.discount.id;
    expect(
      sum(lines.flatMap((l) => (l.discount_amounts ?? []).filter((d) => d.discount === discount).map((d) => d.amount))),
    ).toBe(total.amount);
  }
  for (const total of invoice.total_tax_amounts) {
    expect(
      sum(lines.flatMap((l) => l.tax_amounts.filter((t) => t.tax_rate === total.tax_rate).map((t) => t.amount))),
    ).toBe(total.amount);
  }
  const discounts = sum((invoice.total_discount_amounts ?? []).map((d) => d.amount));
  const exclusive = sum(invoice.total_tax_amounts.filter((t) => !t.inclusive).map((t) => t.amount));
  expect(invoice.total).toBe(invoice.subtotal - discounts + exclusive);
  expect(invoice.tax ?? 0).toBe(sum(invoice.total_tax_amounts.map((t) => t.amount)));
  expect(sum((invoice.total_taxes ?? []).map((t) => t.amount))).toBe(invoice.tax ?? 0);
  expect(invoice.amount_remaining).toBe(invoice.amount_due - invoice.amount_paid);
}
