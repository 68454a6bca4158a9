import { Router } from 'express';
import type { Invoice, Subscription } from '../billingTypes';
import type { Ctx, Engine } from '../context';
import { invalidRequest, resourceMissing } from '../errors';
import { route } from '../http';
import { newId } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import { optionalString, paramsOf } from '../params';
import type { Customer } from '../types';
import { newPaymentIntent } from './paymentIntents';
import { attemptPayment, type PaymentResult } from './payments';

/** A finalised subscription invoice for one billing period (`invoice.created`, `invoice.finalized`). */
export function createSubscriptionInvoice(ctx: Ctx, subscription: Subscription, reason: Invoice['billing_reason']): Invoice {
  const customer = ctx.state.customers[subscription.customer] as Customer | undefined;
  const id = newId('in');
  const item = subscription.items.data[0];
  const periodStart = item?.current_period_start ?? ctx.now();
  const periodEnd = item?.current_period_end ?? ctx.now();
  const lines = subscription.items.data.map((si) => ({
    id: newId('il'), object: 'line_item' as const, amount: si.price.unit_amount * si.quantity, currency: subscription.currency,
    description: `${si.quantity} × ${ctx.state.products[si.price.product]?.name ?? si.price.product}`,
    period: { start: si.current_period_start, end: si.current_period_end },
    pricing: { price_details: { price: si.price.id, product: si.price.product }, type: 'price_details' as const, unit_amount_decimal: si.price.unit_amount_decimal },
    quantity: si.quantity,
  }));
  const total = lines.reduce((sum, line) => sum + line.amount, 0);
  const sequence = customer && !('deleted' in customer) ? customer.next_invoice_sequence++ : 1;
  const invoice: Invoice = {
    id, object: 'invoice', amount_due: total, amount_paid: 0, amount_remaining: total, attempt_count: 0, attempted: false,
    billing_reason: reason, charge: null, collection_method: 'charge_automatically', created: ctx.now(), currency: subscription.currency,
    customer: subscription.customer, customer_email: customer && !('deleted' in customer) ? customer.email : null,
    lines: { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${id}/lines` }, livemode: false, metadata: {},
    number: `${customer && !('deleted' in customer) ? customer.invoice_prefix : 'SANDBOX'}-${String(sequence).padStart(4, '0')}`,
    paid: false, parent: { type: 'subscription_details', subscription_details: { metadata: { ...subscription.metadata }, subscription: subscription.id } },
    payment_intent: null, period_end: periodEnd, period_start: periodStart, status: 'draft',
    status_transitions: { finalized_at: null, paid_at: null }, subscription: subscription.id, subtotal: total, total,
  };
  ctx.state.invoices[id] = invoice;
  ctx.emit('invoice.created', invoice);
  invoice.status = 'open';
  invoice.status_transitions.finalized_at = ctx.now();
  ctx.emit('invoice.finalized', invoice);
  return invoice;
}

/** Charges the invoice with a payment method: `invoice.paid` + `invoice.payment_succeeded`, or `invoice.payment_failed`. */
export function payInvoice(ctx: Ctx, invoice: Invoice, paymentMethodId: string): PaymentResult {
  const intent = invoice.payment_intent && ctx.state.paymentIntents[invoice.payment_intent]?.status === 'requires_payment_method'
    ? ctx.state.paymentIntents[invoice.payment_intent]
    : undefined;
  const payment = intent ?? newPaymentIntent(ctx, {
    amount: invoice.amount_due, currency: invoice.currency, customer: invoice.customer,
    description: invoice.billing_reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update',
    metadata: {}, captureMethod: 'automatic', invoice: invoice.id,
  });
  invoice.payment_intent = payment.id;
  const result = attemptPayment(ctx, payment, paymentMethodId);
  invoice.attempted = true;
  invoice.attempt_count += 1;
  invoice.charge = result.charge?.id ?? invoice.charge;
  if (result.error) {
    ctx.emit('invoice.payment_failed', invoice);
    return result;
  }
  invoice.status = 'paid';
  invoice.paid = true;
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.status_transitions.paid_at = ctx.now();
  ctx.emit('invoice.paid', invoice);
  ctx.emit('invoice.payment_succeeded', invoice);
  return result;
}

export function getInvoice(ctx: Ctx, id: string): Invoice {
  const invoice = ctx.state.invoices[id];
  if (!invoice) throw resourceMissing('invoice', id);
  return invoice;
}

/** Invoices: retrieve, list (filters `customer`, `subscription`, `status`), pay an open one again. */
export function invoiceRoutes(engine: Engine, onPaid: (ctx: Ctx, invoice: Invoice) => void): Router {
  const router = Router();
  router.get('/v1/invoices/:id', route(engine, (ctx, req) => getInvoice(ctx, String(req.params.id))));

  router.get('/v1/invoices', route(engine, (ctx, req) => {
    const params = paramsOf(req);
    const text = (name: string) => (typeof params[name] === 'string' && params[name] !== '' ? (params[name] as string) : undefined);
    const [customer, subscription, status] = [text('customer'), text('subscription'), text('status')];
    const matchesCreated = createdFilter(params);
    const invoices = newestFirst(ctx.state.invoices).filter((i) => (!customer || i.customer === customer)
      && (!subscription || i.subscription === subscription) && (!status || i.status === status) && matchesCreated(i.created));
    return page(invoices, req, '/v1/invoices');
  }));

  router.post('/v1/invoices/:id/pay', route(engine, (ctx, req) => {
    const invoice = getInvoice(ctx, String(req.params.id));
    if (invoice.status !== 'open') throw invalidRequest(`Invoice is already ${invoice.status}.`, { code: 'invoice_not_open' });
    const subscription = ctx.state.subscriptions[invoice.subscription];
    const method = optionalString(paramsOf(req), 'payment_method') || subscription?.default_payment_method;
    if (!method) throw invalidRequest('This customer has no attached payment source or default payment method.', { code: 'invoice_no_customer_line_items' });
    const result = payInvoice(ctx, invoice, method);
    if (result.error) throw result.error;
    onPaid(ctx, invoice);
    return invoice;
  }));
  return router;
}
