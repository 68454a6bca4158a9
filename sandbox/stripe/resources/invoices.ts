import { Router } from 'express';
import { invoiceAmounts } from '../billingMath';
import type {
  BillingReason,
  Discount,
  Invoice,
  InvoiceLine,
  InvoicePayment,
  Price,
  Subscription,
  TaxAmount,
  TaxDetail,
  TaxRate,
} from '../billingTypes';
import type { Ctx, Engine } from '../context';
import { StripeApiError, invalidRequest, resourceMissing } from '../errors';
import { route } from '../http';
import { newId, randomText } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import { applyMetadata, nullableString, optionalBoolean, optionalString, paramsOf } from '../params';
import { clone } from '../state';
import type { Customer } from '../types';
import { changedFields } from '../events';
import { activeDiscounts, discountsOf } from './coupons';
import { changeBalance } from './customers';
import { cancelPaymentIntent, newPaymentIntent } from './paymentIntents';
import { attemptPayment, type PaymentResult } from './payments';
import { daySeconds } from './periods';

/** What a line is about to be, before discounts and taxes are worked out over the whole invoice. */
export interface LineDraft {
  /** Before discounts and exclusive tax, in minor units (negative for a proration credit). */
  amount: number;
  description: string;
  quantity: number;
  price: Price;
  proration: boolean;
  period: { start: number; end: number };
  subscriptionItem: string | null;
}

export function newLine(subscription: Subscription, draft: LineDraft): InvoiceLine {
  const invoiceItem = draft.proration ? newId('ii') : null;
  return {
    id: newId('il'),
    object: 'line_item',
    amount: draft.amount,
    amount_excluding_tax: draft.amount,
    currency: subscription.currency,
    description: draft.description,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: null,
    ...(invoiceItem ? { invoice_item: invoiceItem } : {}),
    livemode: false,
    metadata: {},
    parent: {
      type: 'subscription_item_details',
      subscription_item_details: {
        invoice_item: invoiceItem,
        proration: draft.proration,
        proration_details: { credited_items: null },
        subscription: subscription.id,
        subscription_item: draft.subscriptionItem,
      },
    },
    period: { ...draft.period },
    price: clone(draft.price),
    pricing: {
      price_details: { price: draft.price.id, product: draft.price.product },
      type: 'price_details',
      unit_amount_decimal: draft.price.unit_amount_decimal,
    },
    proration: draft.proration,
    quantity: draft.quantity,
    subscription: subscription.id,
    subscription_item: draft.subscriptionItem,
    subtotal: draft.amount,
    tax_amounts: [],
    tax_rates: [],
    taxes: [],
    type: draft.proration ? 'invoiceitem' : 'subscription',
  };
}

function liveCustomer(ctx: Ctx, id: string): Customer | undefined {
  const customer = ctx.state.customers[id];
  return customer && !('deleted' in customer) ? customer : undefined;
}

function taxDetail(
  amount: number,
  inclusive: boolean,
  rate: string,
  taxable: number,
): { legacy: TaxAmount; current: TaxDetail } {
  return {
    legacy: { amount, inclusive, tax_rate: rate, taxability_reason: 'standard_rated', taxable_amount: taxable },
    current: {
      amount,
      tax_behavior: inclusive ? 'inclusive' : 'exclusive',
      tax_rate_details: { tax_rate: rate },
      taxability_reason: 'standard_rated',
      taxable_amount: taxable,
      type: 'tax_rate_details',
    },
  };
}

/** Works out discounts, taxes and totals of the invoice's lines (and the customer's balance, unless `balance` is null). */
function price(invoice: Invoice, discounts: Discount[], taxRates: TaxRate[], balance: number | null): void {
  const lines = invoice.lines.data;
  const amounts = invoiceAmounts(
    invoice.currency,
    lines.map((l) => l.amount),
    discounts.map((d) => ({
      id: d.id,
      percentOff: d.coupon.percent_off,
      amountOff: d.coupon.amount_off,
    })),
    taxRates.map((t) => ({ id: t.id, percentage: t.percentage, inclusive: t.inclusive })),
  );
  lines.forEach((line, i) => {
    const computed = amounts.lines[i];
    if (!computed) return;
    line.discount_amounts = computed.discounts.map((d) => ({ amount: d.amount, discount: d.discount }));
    const taxes = computed.taxes.map((t) => taxDetail(t.amount, t.inclusive, t.taxRate, t.taxableAmount));
    line.tax_amounts = taxes.map((t) => t.legacy);
    line.taxes = taxes.map((t) => t.current);
    line.tax_rates = clone(taxRates);
    line.amount_excluding_tax =
      line.amount - computed.taxes.filter((t) => t.inclusive).reduce((a, t) => a + t.amount, 0);
  });
  const taxes = amounts.taxes.map((t) => taxDetail(t.amount, t.inclusive, t.taxRate, t.taxableAmount));
  invoice.discounts = amounts.discounts.filter((d) => d.amount !== 0).map((d) => d.discount);
  invoice.total_discount_amounts = amounts.discounts.map((d) => ({ amount: d.amount, discount: d.discount }));
  invoice.total_tax_amounts = taxes.map((t) => t.legacy);
  invoice.total_taxes = taxes.map((t) => t.current);
  invoice.default_tax_rates = clone(taxRates);
  invoice.subtotal = amounts.subtotal;
  invoice.subtotal_excluding_tax = amounts.subtotal - amounts.inclusiveTax;
  invoice.tax = taxRates.length > 0 ? amounts.inclusiveTax + amounts.exclusiveTax : null;
  invoice.total = amounts.total;
  invoice.total_excluding_tax = amounts.total - amounts.inclusiveTax - amounts.exclusiveTax;
  const start = balance ?? 0;
  const owed = invoice.total + start;
  invoice.starting_balance = start;
  invoice.ending_balance = balance === null ? null : Math.min(0, owed);
  invoice.amount_due = Math.max(0, owed);
  invoice.amount_remaining = invoice.amount_due - invoice.amount_paid;
}

export interface NewInvoice {
  reason: BillingReason;
  lines: InvoiceLine[];
  /** The subscription's clock: `created`, and which discounts still apply. */
  at: number;
  period: { start: number; end: number };
  /** A preview (`invoice.upcoming`, `GET /v1/invoices/upcoming`): `upcoming_in_…`, not stored, nothing consumed. */
  preview?: boolean;
}

/**
 * A subscription invoice as a draft, priced with the subscription's discounts and default tax rates
 * (`invoice.created`). A `once` coupon is used up by the first invoice it takes something off.
 */
export function draftInvoice(ctx: Ctx, subscription: Subscription, input: NewInvoice): Invoice {
  const customer = liveCustomer(ctx, subscription.customer);
  const id = input.preview ? `upcoming_in_${randomText(24)}` : newId('in');
  const discounts = activeDiscounts(ctx, subscription, input.at);
  const invoice: Invoice = {
    id,
    object: 'invoice',
    amount_due: 0,
    amount_paid: 0,
    amount_remaining: 0,
    attempt_count: 0,
    attempted: false,
    auto_advance: !input.preview,
    billing_reason: input.reason,
    charge: null,
    collection_method: 'charge_automatically',
    created: input.at,
    currency: subscription.currency,
    customer: subscription.customer,
    customer_email: customer?.email ?? null,
    customer_name: customer?.name ?? null,
    default_tax_rates: [],
    discounts: [],
    effective_at: null,
    ending_balance: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    lines: {
      object: 'list',
      data: input.lines.map((line) => ({ ...line, invoice: input.preview ? null : id })),
      has_more: false,
      url: `/v1/invoices/${id}/lines`,
    },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    paid: false,
    paid_out_of_band: false,
    amount_paid_off_stripe: 0,
    parent: {
      type: 'subscription_details',
      subscription_details: { metadata: { ...subscription.metadata }, subscription: subscription.id },
    },
    payment_intent: null,
    payments: { object: 'list', data: [], has_more: false, url: `/v1/invoice_payments?invoice=${id}` },
    period_end: input.period.end,
    period_start: input.period.start,
    starting_balance: 0,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subscription: subscription.id,
    subtotal: 0,
    subtotal_excluding_tax: 0,
    tax: null,
    test_clock: null,
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
    total_tax_amounts: [],
    total_taxes: [],
  };
  price(invoice, discounts, subscription.default_tax_rates ?? [], input.preview ? (customer?.balance ?? 0) : null);
  if (input.preview) return invoice;

  const used = new Set(invoice.total_discount_amounts.filter((d) => d.amount !== 0).map((d) => d.discount));
  const ended = discounts.filter((d) => d.coupon.duration === 'once' && used.has(d.id)).map((d) => d.id);
  for (const id of ended) (discountsOf(ctx)[id] as Discount).end = input.at;
  subscription.discounts = (subscription.discounts ?? []).filter(
    (d) => !ended.includes(d) && (discountsOf(ctx)[d]?.end ?? Infinity) > input.at,
  );
  ctx.state.invoices[id] = invoice;
  ctx.emit('invoice.created', invoice);
  return invoice;
}

/** A preview of an invoice (never stored, no events): what `draftInvoice` would make. */
export function previewInvoice(ctx: Ctx, subscription: Subscription, input: Omit<NewInvoice, 'preview'>): Invoice {
  return draftInvoice(ctx, subscription, { ...input, preview: true });
}

/**
 * Finalises a draft (`invoice.finalized`): it gets its number and hosted page, and the customer's balance is
 * applied (a credit lowers `amount_due`; a negative total becomes credit).
 */
export function finalizeInvoice(ctx: Ctx, invoice: Invoice, at: number): Invoice {
  if (invoice.status !== 'draft')
    throw invalidRequest(`This invoice is already finalized (status ${invoice.status}).`, {
      code: 'invoice_not_editable',
    });
  const customer = liveCustomer(ctx, invoice.customer);
  const subscription = ctx.state.subscriptions[invoice.subscription];
  const discounts = (invoice.total_discount_amounts ?? [])
    .map((d) => discountsOf(ctx)[d.discount])
    .filter((d): d is Discount => Boolean(d));
  price(invoice, discounts, invoice.default_tax_rates ?? subscription?.default_tax_rates ?? [], customer?.balance ?? 0);
  if (customer && invoice.ending_balance !== null && invoice.ending_balance !== customer.balance)
    changeBalance(ctx, customer, invoice.ending_balance - customer.balance, 'applied_to_invoice', {
      currency: invoice.currency,
      invoice: invoice.id,
    });
  const sequence = customer ? customer.next_invoice_sequence++ : 1;
  invoice.number = `${customer?.invoice_prefix ?? 'SANDBOX'}-${String(sequence).padStart(4, '0')}`;
  invoice.status = 'open';
  invoice.effective_at = at;
  invoice.status_transitions.finalized_at = at;
  invoice.hosted_invoice_url = `${ctx.baseUrl}/__sandbox/invoices/${invoice.id}`;
  ctx.emit('invoice.finalized', invoice);
  return invoice;
}

function settle(ctx: Ctx, invoice: Invoice, at: number): void {
  invoice.status = 'paid';
  invoice.paid = true;
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.next_payment_attempt = null;
  invoice.status_transitions.paid_at = at;
  ctx.emit('invoice.paid', invoice);
  ctx.emit('invoice.payment_succeeded', invoice);
}

/** An invoice with nothing to collect (a trial, a 100 % coupon, credit covering it) is paid at once, without a payment. */
export function settleWithoutPayment(ctx: Ctx, invoice: Invoice, at: number): void {
  settle(ctx, invoice, at);
}

/**
 * When the next automatic attempt comes after the `attempt_count`-th failed one: the retry schedule
 * (`retryScheduleDays`, days after the previous attempt), none for a subscription's first invoice (Stripe leaves an
 * `incomplete` subscription to the customer), none once the schedule is used up.
 */
function nextAttemptAfter(ctx: Ctx, invoice: Invoice, at: number): number | null {
  if (invoice.billing_reason === 'subscription_create') return null;
  const days = ctx.billing.retryScheduleDays[invoice.attempt_count - 1];
  return days === undefined ? null : at + days * daySeconds;
}

export type CollectionResult = 'paid' | 'failed' | 'action_required';

function paymentOf(invoice: Invoice, intentId: string, amount: number, at: number): InvoicePayment {
  invoice.payments ??= { object: 'list', data: [], has_more: false, url: `/v1/invoice_payments?invoice=${invoice.id}` };
  let payment = invoice.payments.data.find((p) => p.payment.payment_intent === intentId);
  if (!payment) {
    payment = {
      id: newId('inpay'),
      object: 'invoice_payment',
      amount_paid: null,
      amount_requested: amount,
      created: at,
      currency: invoice.currency,
      invoice: invoice.id,
      is_default: true,
      livemode: false,
      payment: { payment_intent: intentId, type: 'payment_intent' },
      status: 'open',
      status_transitions: { canceled_at: null, paid_at: null },
    };
    invoice.payments.data.forEach((p) => {
      p.is_default = false;
    });
    invoice.payments.data.push(payment);
  }
  return payment;
}

/**
 * One payment attempt on an open invoice with a payment method: the invoice's PaymentIntent (one per invoice,
 * `invoice` set on it and on each charge) is confirmed again. Paid → `invoice.paid`, `invoice.payment_succeeded`;
 * declined → `invoice.payment_failed` (with `next_payment_attempt` when `automatic`); authentication required →
 * `invoice.payment_failed`, `invoice.payment_action_required`.
 */
export function payInvoice(
  ctx: Ctx,
  invoice: Invoice,
  paymentMethodId: string,
  at: number,
  automatic: boolean,
): PaymentResult & { outcome: CollectionResult } {
  const reusable = invoice.payment_intent ? ctx.state.paymentIntents[invoice.payment_intent] : undefined;
  const intent =
    reusable && ['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(reusable.status)
      ? reusable
      : newPaymentIntent(ctx, {
          amount: invoice.amount_due,
          currency: invoice.currency,
          customer: invoice.customer,
          description:
            invoice.billing_reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update',
          metadata: {},
          captureMethod: 'automatic',
          invoice: invoice.id,
        });
  invoice.payment_intent = intent.id;
  const payment = paymentOf(invoice, intent.id, invoice.amount_due, at);
  const result = attemptPayment(ctx, intent, paymentMethodId);
  invoice.attempted = true;
  invoice.attempt_count += 1;
  invoice.charge = result.charge?.id ?? invoice.charge;
  if (result.error || result.requiresAction) {
    if (automatic) invoice.next_payment_attempt = nextAttemptAfter(ctx, invoice, at);
    ctx.emit('invoice.payment_failed', invoice);
    if (result.requiresAction) ctx.emit('invoice.payment_action_required', invoice);
    return { ...result, outcome: result.requiresAction ? 'action_required' : 'failed' };
  }
  payment.status = 'paid';
  payment.amount_paid = invoice.amount_due;
  payment.status_transitions.paid_at = at;
  settle(ctx, invoice, at);
  return { ...result, outcome: 'paid' };
}

/** An automatic attempt with no payment method to charge: it fails, and Stripe does not retry it. */
export function failWithoutPaymentMethod(ctx: Ctx, invoice: Invoice): void {
  invoice.attempted = true;
  invoice.attempt_count += 1;
  invoice.next_payment_attempt = null;
  ctx.emit('invoice.payment_failed', invoice);
}

export function markUncollectible(ctx: Ctx, invoice: Invoice, at: number): Invoice {
  if (invoice.status !== 'open')
    throw invalidRequest(`You can only mark an open invoice as uncollectible; this one is ${invoice.status}.`, {
      code: 'invoice_not_editable',
    });
  invoice.status = 'uncollectible';
  invoice.next_payment_attempt = null;
  invoice.status_transitions.marked_uncollectible_at = at;
  ctx.emit('invoice.marked_uncollectible', invoice);
  return invoice;
}

/** An invoice settled without its payment attempt: the unpaid PaymentIntent is canceled, and its open InvoicePayments. */
function cancelOpenAttempt(ctx: Ctx, invoice: Invoice, at: number): void {
  const intent = invoice.payment_intent ? ctx.state.paymentIntents[invoice.payment_intent] : undefined;
  if (intent && ['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(intent.status))
    cancelPaymentIntent(ctx, intent, null);
  for (const payment of invoice.payments?.data ?? []) {
    if (payment.status === 'open') {
      payment.status = 'canceled';
      payment.status_transitions.canceled_at = at;
    }
  }
}

/** Voids an open or uncollectible invoice (`invoice.voided`); its unpaid PaymentIntent is canceled. */
export function voidInvoice(ctx: Ctx, invoice: Invoice, at: number): Invoice {
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw invalidRequest(`You can only void an open or uncollectible invoice; this one is ${invoice.status}.`, {
      code: 'invoice_not_editable',
    });
  }
  cancelOpenAttempt(ctx, invoice, at);
  invoice.status = 'void';
  invoice.next_payment_attempt = null;
  invoice.status_transitions.voided_at = at;
  ctx.emit('invoice.voided', invoice);
  return invoice;
}

export function getInvoice(ctx: Ctx, id: string): Invoice {
  const invoice = ctx.state.invoices[id];
  if (!invoice) throw resourceMissing('invoice', id);
  return invoice;
}

/**
 * Pays an open (or draft: finalised first) invoice on request — `POST /v1/invoices/:id/pay`, or the customer on the
 * hosted invoice page — with the given payment method or the subscription's; a decline answers 402, a card asking
 * for authentication 402 `invoice_payment_intent_requires_action`. The retry schedule is left as it was.
 */
export function payOpenInvoice(ctx: Ctx, invoice: Invoice, paymentMethod: string | undefined, at: number): Invoice {
  if (invoice.status === 'draft') finalizeInvoice(ctx, invoice, at);
  if (invoice.status !== 'open')
    throw invalidRequest(`Invoice is already ${invoice.status}.`, { code: 'invoice_not_open' });
  if (invoice.amount_due === 0) {
    settleWithoutPayment(ctx, invoice, at);
    return invoice;
  }
  const method = paymentMethod ?? ctx.state.subscriptions[invoice.subscription]?.default_payment_method;
  if (!method)
    throw invalidRequest('This customer has no attached payment source or default payment method.', {
      code: 'invoice_no_customer_line_items',
    });
  const result = payInvoice(ctx, invoice, method, at, false);
  if (result.error) throw result.error;
  if (result.requiresAction) {
    throw new StripeApiError(402, {
      type: 'card_error',
      code: 'invoice_payment_intent_requires_action',
      payment_intent: clone(ctx.state.paymentIntents[invoice.payment_intent ?? '']),
      message:
        'This payment requires additional user action before it can be completed successfully. Payment can be completed using the PaymentIntent associated with the invoice.',
    });
  }
  return invoice;
}

/**
 * Marks an open (or uncollectible; a draft is finalised first) invoice paid outside Stripe — `POST /v1/invoices/:id/pay`
 * with `paid_out_of_band=true`: no charge is made; the PaymentIntent of an earlier attempt is canceled and its
 * InvoicePayment with it; `amount_paid_off_stripe` records what was paid (older API versions' `paid_out_of_band` too).
 */
export function payOutOfBand(ctx: Ctx, invoice: Invoice, at: number): Invoice {
  if (invoice.status === 'draft') finalizeInvoice(ctx, invoice, at);
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible')
    throw invalidRequest(`Invoice is already ${invoice.status}.`, { code: 'invoice_not_open' });
  cancelOpenAttempt(ctx, invoice, at);
  invoice.amount_paid_off_stripe = (invoice.amount_paid_off_stripe ?? 0) + invoice.amount_remaining;
  invoice.paid_out_of_band = true;
  settle(ctx, invoice, at);
  return invoice;
}

export interface InvoiceHooks {
  /** The subscription's clock, for timestamps of what a request does to one of its invoices. */
  clockOf(ctx: Ctx, subscriptionId: string): number;
  /** After an invoice is paid through the API (`POST /v1/invoices/:id/pay`). */
  onPaid(ctx: Ctx, invoice: Invoice, at: number): void;
}

/**
 * Invoices: retrieve, update (`metadata` and `description` at any stage, as Stripe allows after finalising), list
 * (filters `customer`, `subscription`, `status`), lines, pay an open one (402 on a decline; `paid_out_of_band` marks
 * it paid outside Stripe), finalize a draft, void, mark uncollectible; and invoice payments (`GET /v1/invoice_payments`,
 * filters `invoice`, `payment[type]`, `payment[payment_intent]`, `status`).
 */
export function invoiceRoutes(engine: Engine, hooks: InvoiceHooks): Router {
  const router = Router();
  router.get(
    '/v1/invoices/:id',
    route(engine, (ctx, req) => getInvoice(ctx, String(req.params.id))),
  );
  router.post(
    '/v1/invoices/:id',
    route(engine, (ctx, req) => {
      const invoice = getInvoice(ctx, String(req.params.id));
      const params = paramsOf(req);
      const before = clone(invoice);
      invoice.metadata = applyMetadata(invoice.metadata, params);
      const description = nullableString(params, 'description');
      if (description !== undefined) invoice.description = description;
      const previous = changedFields(before, invoice);
      if (Object.keys(previous).length > 0) ctx.emit('invoice.updated', invoice, previous);
      return invoice;
    }),
  );
  router.get(
    '/v1/invoice_payments/:id',
    route(engine, (ctx, req) => {
      const id = String(req.params.id);
      const found = Object.values(ctx.state.invoices)
        .flatMap((i) => i.payments?.data ?? [])
        .find((p) => p.id === id);
      if (!found) throw resourceMissing('invoice_payment', id);
      return found;
    }),
  );
  router.get(
    '/v1/invoice_payments',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
      const payment = (params.payment ?? {}) as Record<string, unknown>;
      const [invoiceId, type, intent, status] = [
        text(params.invoice),
        text(payment.type),
        text(payment.payment_intent),
        text(params.status),
      ];
      const payments = newestFirst(ctx.state.invoices)
        .filter((i) => !invoiceId || i.id === invoiceId)
        .flatMap((i) => [...(i.payments?.data ?? [])].reverse())
        .filter(
          (p) =>
            (!type || p.payment.type === type) &&
            (!intent || p.payment.payment_intent === intent) &&
            (!status || p.status === status),
        );
      return page(payments, req, '/v1/invoice_payments');
    }),
  );
  router.get(
    '/v1/invoices/:id/lines',
    route(engine, (ctx, req) => {
      const invoice = getInvoice(ctx, String(req.params.id));
      return page([...invoice.lines.data], req, invoice.lines.url);
    }),
  );

  router.get(
    '/v1/invoices',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const text = (name: string) =>
        typeof params[name] === 'string' && params[name] !== '' ? (params[name] as string) : undefined;
      const [customer, subscription, status] = [text('customer'), text('subscription'), text('status')];
      const matchesCreated = createdFilter(params);
      const invoices = newestFirst(ctx.state.invoices).filter(
        (i) =>
          (!customer || i.customer === customer) &&
          (!subscription || i.subscription === subscription) &&
          (!status || i.status === status) &&
          matchesCreated(i.created),
      );
      return page(invoices, req, '/v1/invoices');
    }),
  );

  router.post(
    '/v1/invoices/:id/pay',
    route(engine, (ctx, req) => {
      const invoice = getInvoice(ctx, String(req.params.id));
      const at = hooks.clockOf(ctx, invoice.subscription);
      const params = paramsOf(req);
      if (optionalBoolean(params, 'paid_out_of_band')) payOutOfBand(ctx, invoice, at);
      else payOpenInvoice(ctx, invoice, optionalString(params, 'payment_method') || undefined, at);
      hooks.onPaid(ctx, invoice, at);
      return invoice;
    }),
  );

  router.post(
    '/v1/invoices/:id/finalize',
    route(engine, (ctx, req) => {
      const invoice = getInvoice(ctx, String(req.params.id));
      return finalizeInvoice(ctx, invoice, hooks.clockOf(ctx, invoice.subscription));
    }),
  );
  router.post(
    '/v1/invoices/:id/void',
    route(engine, (ctx, req) => {
      const invoice = getInvoice(ctx, String(req.params.id));
      return voidInvoice(ctx, invoice, hooks.clockOf(ctx, invoice.subscription));
    }),
  );
  router.post(
    '/v1/invoices/:id/mark_uncollectible',
    route(engine, (ctx, req) => {
      const invoice = getInvoice(ctx, String(req.params.id));
      return markUncollectible(ctx, invoice, hooks.clockOf(ctx, invoice.subscription));
    }),
  );
  return router;
}
