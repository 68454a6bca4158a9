import { MappingError } from './fulfilment';
import { formatMoney, fromMinor } from './money';
import type { SubscriptionSettings } from './settings';

/** One line of a Stripe invoice, amounts in minor units (Stripe's own: `amount` before discounts, tax per line). */
export interface InvoiceLine {
  description: string;
  /** What Magento sells for it: the price's or product's `metadata.sku`, else the price's `lookup_key`, else the price id. */
  sku: string;
  quantity: number;
  amountMinor: number;
  discountMinor: number;
  taxMinor: number;
  /** The tax is included in `amountMinor` (an inclusive tax rate). */
  taxInclusive: boolean;
  proration: boolean;
  /** A delivery charge (the price's `metadata.o2c_kind` = `shipping`), not goods. */
  shipping: boolean;
}

export interface PostalAddress {
  name?: string;
  line1?: string;
  line2?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  country?: string;
  phone?: string;
}

/** A Stripe invoice as the Subscription workflow needs it, read from Stripe's current state. */
export interface InvoiceSnapshot {
  invoiceId: string;
  subscriptionId?: string;
  customerId?: string;
  customerEmail?: string;
  customerName?: string;
  status: string;
  billingReason?: string;
  currency: string;
  subtotalMinor: number;
  totalMinor: number;
  amountPaidMinor: number;
  amountDueMinor: number;
  attemptCount: number;
  /** ISO time of Stripe's next automatic attempt (Smart Retries), if any. */
  nextPaymentAttempt?: string;
  hostedInvoiceUrl?: string;
  paymentIntentId?: string;
  shipTo?: PostalAddress;
  lines: InvoiceLine[];
  createdAt: string;
}

export interface RenewalSettings {
  /** Make a Magento order for a zero-amount invoice (a trial) too. */
  ordersForZeroInvoices: boolean;
  /** Magento store the renewal orders belong to. */
  storeId: number;
}

/** The billing reasons of a subscription's periods: its first invoice, each renewal, a usage threshold (`subscription` before 2018). */
const periodReasons = new Set(['subscription_create', 'subscription_cycle', 'subscription_threshold', 'subscription']);

export type RenewalOrderDecision = { order: true } | { order: false; reason: string };

/**
 * Whether a paid subscription invoice becomes a Magento order (`subscriptions.orderFor`, `ordersForZeroInvoices`). A
 * credit (a negative total, which Stripe adds to the customer's balance) never does. An invoice without a billing reason
 * (Stripe always gives one) is taken for a renewal.
 */
export function renewalOrderDecision(
  invoice: Pick<InvoiceSnapshot, 'billingReason' | 'totalMinor' | 'currency'>,
  settings: Pick<SubscriptionSettings, 'orderFor' | 'ordersForZeroInvoices'>,
): RenewalOrderDecision {
  if (invoice.totalMinor < 0)
    return {
      order: false,
      reason: `a credit of ${formatMoney(-invoice.totalMinor, invoice.currency)} to the customer's balance: nothing to ship`,
    };
  if (settings.orderFor === 'renewals' && invoice.billingReason && !periodReasons.has(invoice.billingReason))
    return { order: false, reason: `not a renewal (${invoice.billingReason}) and subscriptions.orderFor is renewals` };
  if (invoice.totalMinor === 0 && !settings.ordersForZeroInvoices)
    return { order: false, reason: 'a zero-amount invoice and subscriptions.ordersForZeroInvoices is off' };
  return { order: true };
}

/** Splits `totalMinor` over weights exactly (largest remainder): the parts always add up to the total. */
export function allocate(totalMinor: number, weights: number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (sum <= 0) return weights.map((_, i) => (i === 0 ? totalMinor : 0));
  const raw = weights.map((w) => (totalMinor * w) / sum);
  const parts = raw.map(Math.floor);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0]);
  for (let left = totalMinor - parts.reduce((s, p) => s + p, 0), k = 0; left > 0; left--, k++)
    parts[order[k % order.length]![1]]! += 1;
  return parts;
}

/**
 * The Magento order (`POST /V1/orders` entity) for a paid subscription invoice, equal to it to the minor unit: a line
 * per goods line (price excluding tax, the line's discount and tax), proration credits and discounts spread over the
 * goods as discounts, delivery lines as shipping. The Stripe invoice id is the order's `ext_order_id`.
 */
export function renewalOrderFor(invoice: InvoiceSnapshot, settings: RenewalSettings): Record<string, unknown> {
  const { currency } = invoice;
  const d = (minor: number) => fromMinor(minor, currency);
  const paidGoods = invoice.lines.filter((l) => !l.shipping && l.amountMinor > 0);
  // A zero-amount invoice (a trial, when such invoices make orders) orders its free lines.
  const goods =
    paidGoods.length > 0 || invoice.totalMinor !== 0
      ? paidGoods
      : invoice.lines.filter((l) => !l.shipping && l.amountMinor === 0);
  const credits = invoice.lines.filter((l) => !l.shipping && l.amountMinor < 0);
  const shippingLines = invoice.lines.filter((l) => l.shipping);
  if (goods.length === 0) throw new MappingError(`Stripe invoice ${invoice.invoiceId} has no line with goods to order`);
  if (!invoice.customerEmail)
    throw new MappingError(`Stripe invoice ${invoice.invoiceId} has no customer e-mail for the Magento order`);
  const net = (l: InvoiceLine) => l.amountMinor - (l.taxInclusive ? l.taxMinor : 0);
  // A proration credit (an unused part of the old plan) lowers what the goods cost: it is spread over them as a discount.
  const creditMinor = -credits.reduce((s, l) => s + net(l) - l.discountMinor, 0);
  const creditTaxMinor = -credits.reduce((s, l) => s + l.taxMinor, 0);
  const spreadCredit = allocate(creditMinor, goods.map(net));
  const spreadCreditTax = allocate(creditTaxMinor, goods.map(net));
  const items = goods.map((line, i) => {
    const rowMinor = net(line);
    const discountMinor = line.discountMinor + spreadCredit[i]!;
    const taxMinor = line.taxMinor - spreadCreditTax[i]!;
    if (discountMinor > rowMinor) {
      throw new MappingError(
        `Stripe invoice ${invoice.invoiceId}: credits of ${formatMoney(discountMinor, currency)} exceed line ${line.sku} (${formatMoney(rowMinor, currency)})`,
      );
    }
    return {
      sku: line.sku,
      name: line.description,
      product_type: 'simple',
      qty_ordered: line.quantity,
      price: d(Math.round(rowMinor / line.quantity)),
      base_price: d(Math.round(rowMinor / line.quantity)),
      row_total: d(rowMinor),
      base_row_total: d(rowMinor),
      discount_amount: d(discountMinor),
      base_discount_amount: d(discountMinor),
      tax_amount: d(taxMinor),
      base_tax_amount: d(taxMinor),
    };
  });
  const subtotalMinor = goods.reduce((s, l) => s + net(l), 0);
  const discountMinor = goods.reduce((s, l) => s + l.discountMinor, 0) + creditMinor;
  const shippingMinor = shippingLines.reduce((s, l) => s + net(l) - l.discountMinor, 0);
  const shippingTaxMinor = shippingLines.reduce((s, l) => s + l.taxMinor, 0);
  const taxMinor = goods.reduce((s, l) => s + l.taxMinor, 0) - creditTaxMinor + shippingTaxMinor;
  const grandMinor = subtotalMinor - discountMinor + shippingMinor + taxMinor;
  if (grandMinor !== invoice.totalMinor) {
    throw new MappingError(
      `Stripe invoice ${invoice.invoiceId}: its lines make ${formatMoney(grandMinor, currency)} but the invoice totals ` +
        `${formatMoney(invoice.totalMinor, currency)} (a line kind the mapping does not carry?)`,
    );
  }
  const [firstname, ...rest] = (invoice.shipTo?.name ?? invoice.customerName ?? '').trim().split(/\s+/);
  const address = invoice.shipTo && {
    firstname: firstname || 'Subscriber',
    lastname: rest.join(' ') || '-',
    street: [invoice.shipTo.line1, invoice.shipTo.line2].filter(Boolean),
    city: invoice.shipTo.city,
    region: invoice.shipTo.state,
    postcode: invoice.shipTo.postalCode,
    country_id: invoice.shipTo.country,
    telephone: invoice.shipTo.phone ?? '0',
    email: invoice.customerEmail,
  };
  return {
    ext_order_id: invoice.invoiceId,
    store_id: settings.storeId,
    customer_email: invoice.customerEmail,
    customer_is_guest: 1,
    customer_firstname: firstname || undefined,
    customer_lastname: rest.join(' ') || undefined,
    order_currency_code: currency,
    base_currency_code: currency,
    global_currency_code: currency,
    subtotal: d(subtotalMinor),
    base_subtotal: d(subtotalMinor),
    discount_amount: d(-discountMinor),
    base_discount_amount: d(-discountMinor),
    shipping_amount: d(shippingMinor),
    base_shipping_amount: d(shippingMinor),
    shipping_tax_amount: d(shippingTaxMinor),
    tax_amount: d(taxMinor),
    base_tax_amount: d(taxMinor),
    grand_total: d(grandMinor),
    base_grand_total: d(grandMinor),
    items,
    // Magento's order payment requires `account_status` and `cc_last4` (admin schema): the card is Stripe's business, not ours.
    payment: {
      method: 'stripe_payments',
      account_status: 'active',
      cc_last4: '',
      additional_information: [`Stripe invoice ${invoice.invoiceId}`],
    },
    ...(address
      ? {
          billing_address: { ...address, address_type: 'billing' },
          extension_attributes: {
            shipping_assignments: [
              {
                shipping: { address: { ...address, address_type: 'shipping' }, method: 'flatrate_flatrate' },
                items: [],
              },
            ],
          },
        }
      : {}),
  };
}
