import type Stripe from 'stripe';
import type { InvoiceLine, InvoiceSnapshot, PostalAddress } from '../../domain/subscriptions';
import { callStripe, idOf, isoOf } from '../../integrations/stripe/client';
import { paidPaymentIntentOf } from './renewals';

/** A subscription as its workflow mirrors it to Magento and the ERP. */
export interface SubscriptionSnapshot {
  subscriptionId: string;
  status: string;
  customerId: string;
  customerEmail?: string;
  /** What is subscribed to: `<sku> × <quantity>` per item. */
  plan: string;
  cancelAtPeriodEnd: boolean;
  paused: boolean;
  trialEnd?: string;
  currentPeriodEnd?: string;
}

/** Fields the current API version moved; older shapes are read as a fallback (the sandbox may answer either). */
type LooseLine = Stripe.InvoiceLineItem & {
  price?: { id: string; product?: string | { id: string } } | null;
  proration?: boolean;
  tax_amounts?: Array<{ amount: number; inclusive: boolean }>;
};
type LooseInvoice = Stripe.Invoice & {
  subscription?: string | { id: string } | null;
  payment_intent?: string | { id: string } | null;
  tax?: number | null;
};

const iso = (seconds: number | null | undefined): string | undefined => (seconds ? isoOf(seconds) : undefined);

function addressOf(
  shipping: { name?: string | null; phone?: string | null; address?: Stripe.Address | null } | null | undefined,
): PostalAddress | undefined {
  const a = shipping?.address;
  if (!a) return undefined;
  return {
    name: shipping.name ?? undefined,
    line1: a.line1 ?? undefined,
    line2: a.line2 ?? undefined,
    city: a.city ?? undefined,
    state: a.state ?? undefined,
    postalCode: a.postal_code ?? undefined,
    country: a.country ?? undefined,
    phone: shipping.phone ?? undefined,
  };
}

/** Stripe Billing reads for the Subscription workflow: invoices and subscriptions, amounts in minor units. */
export function createBillingActivities(stripe: Stripe) {
  const prices = new Map<string, Stripe.Price>();

  async function priceOf(priceId: string): Promise<Stripe.Price> {
    const cached = prices.get(priceId);
    if (cached) return cached;
    const price = await callStripe(() => stripe.prices.retrieve(priceId, { expand: ['product'] }));
    prices.set(priceId, price);
    return price;
  }

  async function lineOf(line: LooseLine): Promise<InvoiceLine> {
    const priceId = line.pricing?.price_details?.price ?? line.price?.id;
    const price = priceId ? await priceOf(typeof priceId === 'string' ? priceId : priceId.id) : undefined;
    const product =
      price && typeof price.product === 'object' && !('deleted' in price.product && price.product.deleted)
        ? (price.product as Stripe.Product)
        : undefined;
    // The current API lists `taxes`; before 2025 it was `tax_amounts`. Read one, never both.
    const taxes = line.taxes ?? [];
    const legacyTaxes = line.taxes ? [] : (line.tax_amounts ?? []);
    return {
      description: line.description ?? product?.name ?? 'Subscription',
      sku: price?.metadata?.sku ?? product?.metadata?.sku ?? price?.lookup_key ?? price?.id ?? 'SUBSCRIPTION',
      quantity: line.quantity ?? 1,
      amountMinor: line.amount,
      discountMinor: (line.discount_amounts ?? []).reduce((s, d) => s + d.amount, 0),
      taxMinor: taxes.reduce((s, t) => s + t.amount, 0) + legacyTaxes.reduce((s, t) => s + t.amount, 0),
      taxInclusive: taxes.some((t) => t.tax_behavior === 'inclusive') || legacyTaxes.some((t) => t.inclusive),
      proration: line.parent?.subscription_item_details?.proration ?? line.proration ?? false,
      shipping: (price?.metadata?.o2c_kind ?? product?.metadata?.o2c_kind) === 'shipping',
    };
  }

  return {
    /** Read-only: an invoice with its lines (SKU from the price or product metadata), customer and payment. */
    async getInvoice(invoiceId: string): Promise<InvoiceSnapshot> {
      const invoice = (await callStripe(() =>
        stripe.invoices.retrieve(invoiceId, { expand: ['customer', 'payments'] }),
      )) as LooseInvoice;
      // The invoice carries its first lines; only a longer one needs the lines listed.
      const lines: LooseLine[] = [...(invoice.lines?.data ?? [])] as LooseLine[];
      if (invoice.lines?.has_more) {
        lines.length = 0;
        await callStripe(async () => {
          for await (const line of stripe.invoices.listLineItems(invoiceId, { limit: 100 }))
            lines.push(line as LooseLine);
        });
      }
      const customer =
        typeof invoice.customer === 'object' &&
        invoice.customer &&
        !('deleted' in invoice.customer && invoice.customer.deleted)
          ? (invoice.customer as Stripe.Customer)
          : undefined;
      // A paid invoice names the PaymentIntent that paid it (none when the credit balance or a payment outside Stripe
      // did); an open one, its latest attempt.
      const attempt = invoice.payments?.data?.find((p) => p.payment?.payment_intent)?.payment?.payment_intent;
      const paymentIntentId =
        invoice.status === 'paid'
          ? paidPaymentIntentOf(invoice)
          : (idOf(attempt as string | { id: string } | undefined) ?? idOf(invoice.payment_intent));
      const subscriptionId =
        idOf(invoice.parent?.subscription_details?.subscription as string | { id: string } | undefined) ??
        idOf(invoice.subscription);
      const shipTo =
        addressOf(invoice.customer_shipping) ??
        addressOf(customer?.shipping) ??
        addressOf(customer ? { name: customer.name, phone: customer.phone, address: customer.address } : undefined);
      return {
        invoiceId: invoice.id!,
        ...(subscriptionId ? { subscriptionId } : {}),
        ...(idOf(invoice.customer as string | { id: string } | null)
          ? { customerId: idOf(invoice.customer as string | { id: string } | null) }
          : {}),
        ...((invoice.customer_email ?? customer?.email)
          ? { customerEmail: (invoice.customer_email ?? customer?.email)! }
          : {}),
        ...((invoice.customer_name ?? customer?.name)
          ? { customerName: (invoice.customer_name ?? customer?.name)! }
          : {}),
        status: invoice.status ?? 'draft',
        ...(invoice.billing_reason ? { billingReason: invoice.billing_reason } : {}),
        currency: invoice.currency.toUpperCase(),
        subtotalMinor: invoice.subtotal,
        totalMinor: invoice.total,
        amountPaidMinor: invoice.amount_paid,
        amountDueMinor: invoice.amount_due,
        attemptCount: invoice.attempt_count,
        ...(iso(invoice.next_payment_attempt) ? { nextPaymentAttempt: iso(invoice.next_payment_attempt) } : {}),
        ...(invoice.hosted_invoice_url ? { hostedInvoiceUrl: invoice.hosted_invoice_url } : {}),
        ...(paymentIntentId ? { paymentIntentId } : {}),
        ...(shipTo ? { shipTo } : {}),
        lines: await Promise.all(lines.map(lineOf)),
        createdAt: iso(invoice.created)!,
      };
    },

    /** Read-only: a subscription's status and plan. */
    async getSubscription(subscriptionId: string): Promise<SubscriptionSnapshot> {
      const sub = await callStripe(() => stripe.subscriptions.retrieve(subscriptionId, { expand: ['customer'] }));
      const customer =
        typeof sub.customer === 'object' && !('deleted' in sub.customer && sub.customer.deleted)
          ? (sub.customer as Stripe.Customer)
          : undefined;
      const items = await Promise.all(
        sub.items.data.map(async (item) => {
          const price = await priceOf(item.price.id);
          const product = typeof price.product === 'object' ? (price.product as Stripe.Product) : undefined;
          return `${price.metadata?.sku ?? product?.metadata?.sku ?? price.lookup_key ?? price.id} × ${item.quantity ?? 1}`;
        }),
      );
      const periodEnd = sub.items.data.reduce<number | undefined>(
        (max, item) => Math.max(max ?? 0, item.current_period_end ?? 0) || max,
        undefined,
      );
      return {
        subscriptionId: sub.id,
        status: sub.status,
        customerId: idOf(sub.customer as string | { id: string })!,
        ...(customer?.email ? { customerEmail: customer.email } : {}),
        plan: items.join(', '),
        cancelAtPeriodEnd: sub.cancel_at_period_end,
        paused: sub.pause_collection !== null && sub.pause_collection !== undefined,
        ...(iso(sub.trial_end) ? { trialEnd: iso(sub.trial_end) } : {}),
        ...(iso(periodEnd) ? { currentPeriodEnd: iso(periodEnd) } : {}),
      };
    },
  };
}

export type BillingActivities = ReturnType<typeof createBillingActivities>;
