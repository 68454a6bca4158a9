import { Router } from 'express';
import type { Invoice, Price, Recurring, Subscription, SubscriptionItem } from '../billingTypes';
import type { Ctx, Engine } from '../context';
import { invalidRequest, missingParam, resourceMissing } from '../errors';
import { changedFields } from '../events';
import { route } from '../http';
import { newId } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import { applyMetadata, nullableString, optionalBoolean, optionalInteger, optionalObject, optionalString, paramsOf, requiredString, type Params } from '../params';
import { clone } from '../state';
import { getCustomer } from './customers';
import { createSubscriptionInvoice, invoiceRoutes, payInvoice } from './invoices';
import { createPrice, getPrice } from './prices';

/** The end of a billing period: calendar months and years clamp to the month's last day, as Stripe does. */
export function addInterval(startSeconds: number, recurring: Recurring): number {
  const start = new Date(startSeconds * 1000);
  const count = recurring.interval_count;
  if (recurring.interval === 'day' || recurring.interval === 'week') {
    return startSeconds + count * (recurring.interval === 'day' ? 1 : 7) * 86_400;
  }
  const months = recurring.interval === 'month' ? count : count * 12;
  const target = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + months, 1,
    start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(start.getUTCDate(), lastDay));
  return Math.floor(target.getTime() / 1000);
}

function itemsOf(params: Params): Params[] {
  const raw = params.items;
  if (raw === undefined) throw missingParam('items');
  const list = Array.isArray(raw) ? raw : typeof raw === 'object' && raw !== null ? Object.values(raw) : [];
  if (list.length === 0) throw missingParam('items');
  return list.map((item, i) => {
    if (!item || typeof item !== 'object') throw invalidRequest(`Invalid object: items[${i}]`, { param: `items[${i}]` });
    return item as Params;
  });
}

function priceOf(ctx: Ctx, item: Params, index: number): Price {
  const priceId = optionalString(item, 'price');
  if (priceId) return getPrice(ctx, priceId, `items[${index}][price]`);
  const data = optionalObject(item, 'price_data');
  if (!data) throw missingParam(`items[${index}][price]`);
  return createPrice(ctx, data, `items[${index}][price_data]`);
}

function getSubscription(ctx: Ctx, id: string): Subscription {
  const subscription = ctx.state.subscriptions[id];
  if (!subscription) throw resourceMissing('subscription', id);
  return subscription;
}

/** After a paid invoice: an incomplete or past-due subscription becomes active (`customer.subscription.updated`). */
function activateOnPayment(ctx: Ctx, invoice: Invoice): void {
  const subscription = ctx.state.subscriptions[invoice.subscription];
  if (!subscription || (subscription.status !== 'incomplete' && subscription.status !== 'past_due')) return;
  const previous = { status: subscription.status };
  subscription.status = 'active';
  ctx.emit('customer.subscription.updated', subscription, previous);
}

function createSubscription(ctx: Ctx, params: Params): Subscription {
  const customer = getCustomer(ctx, requiredString(params, 'customer'), 'customer');
  const id = newId('sub');
  const now = ctx.now();
  const items: SubscriptionItem[] = itemsOf(params).map((item, index) => {
    const price = priceOf(ctx, item, index);
    if (!price.recurring) throw invalidRequest(`The price specified (${price.id}) is not recurring.`, { param: `items[${index}][price]` });
    return {
      id: newId('si'), object: 'subscription_item', created: now, current_period_start: now,
      current_period_end: addInterval(now, price.recurring), metadata: {}, price, quantity: optionalInteger(item, 'quantity', 1) ?? 1, subscription: id,
    };
  });
  const currency = items[0]?.price.currency ?? 'usd';
  if (items.some((i) => i.price.currency !== currency)) throw invalidRequest('All prices on a subscription must have the same currency.', { param: 'items' });
  const paymentMethod = optionalString(params, 'default_payment_method') || customer.invoice_settings.default_payment_method;
  if (!paymentMethod) {
    throw invalidRequest('This customer has no attached payment source or default payment method. Please consider adding a default payment method.', { code: 'resource_missing', param: 'default_payment_method' });
  }
  const subscription: Subscription = {
    id, object: 'subscription', billing_cycle_anchor: now, cancel_at: null, cancel_at_period_end: optionalBoolean(params, 'cancel_at_period_end') ?? false,
    canceled_at: null, collection_method: 'charge_automatically', created: now, currency, customer: customer.id,
    default_payment_method: paymentMethod, description: nullableString(params, 'description') ?? null, ended_at: null,
    items: { object: 'list', data: items, has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null, livemode: false, metadata: applyMetadata({}, params), start_date: now, status: 'incomplete',
  };
  ctx.state.subscriptions[id] = subscription;
  ctx.emit('customer.subscription.created', subscription);
  const invoice = createSubscriptionInvoice(ctx, subscription, 'subscription_create');
  subscription.latest_invoice = invoice.id;
  if (!payInvoice(ctx, invoice, paymentMethod).error) activateOnPayment(ctx, invoice);
  return subscription;
}

function cancel(ctx: Ctx, subscription: Subscription): Subscription {
  if (subscription.status === 'canceled') throw invalidRequest(`This subscription (${subscription.id}) is already canceled.`, { code: 'resource_missing' });
  subscription.status = 'canceled';
  subscription.canceled_at = ctx.now();
  subscription.ended_at = ctx.now();
  ctx.emit('customer.subscription.deleted', subscription);
  return subscription;
}

/**
 * Sandbox control: the next billing period starts — the items' periods move on, a renewal invoice is
 * created and paid (`paid`) or declined (`failed`, the subscription goes `past_due`).
 */
export function advanceSubscription(ctx: Ctx, id: string, outcome: 'paid' | 'failed'): Subscription {
  const subscription = getSubscription(ctx, id);
  if (subscription.status === 'canceled' || subscription.status === 'incomplete') {
    throw invalidRequest(`Subscription ${id} is ${subscription.status}; only active or past_due subscriptions renew.`);
  }
  if (subscription.cancel_at_period_end) return cancel(ctx, subscription);
  const before = clone(subscription);
  for (const item of subscription.items.data) {
    item.current_period_start = item.current_period_end;
    item.current_period_end = addInterval(item.current_period_end, item.price.recurring ?? { interval: 'month', interval_count: 1, usage_type: 'licensed' });
  }
  const invoice = createSubscriptionInvoice(ctx, subscription, 'subscription_cycle');
  subscription.latest_invoice = invoice.id;
  const paid = !payInvoice(ctx, invoice, outcome === 'paid' ? 'pm_card_visa' : 'pm_card_chargeDeclined').error;
  subscription.status = paid ? 'active' : 'past_due';
  ctx.emit('customer.subscription.updated', subscription, changedFields(before, subscription));
  return subscription;
}

/** Subscriptions: create (items by `price` or inline `price_data`), retrieve, update, cancel, list; and invoices. */
export function subscriptionRoutes(engine: Engine): Router {
  const router = Router();
  router.post('/v1/subscriptions', route(engine, (ctx, req) => createSubscription(ctx, paramsOf(req))));
  router.get('/v1/subscriptions/:id', route(engine, (ctx, req) => getSubscription(ctx, String(req.params.id))));

  router.post('/v1/subscriptions/:id', route(engine, (ctx, req) => {
    const subscription = getSubscription(ctx, String(req.params.id));
    const before = clone(subscription);
    const params = paramsOf(req);
    const cancelAtPeriodEnd = optionalBoolean(params, 'cancel_at_period_end');
    if (cancelAtPeriodEnd !== undefined) subscription.cancel_at_period_end = cancelAtPeriodEnd;
    subscription.cancel_at = subscription.cancel_at_period_end ? (subscription.items.data[0]?.current_period_end ?? null) : null;
    const paymentMethod = optionalString(params, 'default_payment_method');
    if (paymentMethod) subscription.default_payment_method = paymentMethod;
    const description = nullableString(params, 'description');
    if (description !== undefined) subscription.description = description;
    subscription.metadata = applyMetadata(subscription.metadata, params);
    const previous = changedFields(before, subscription);
    if (Object.keys(previous).length > 0) ctx.emit('customer.subscription.updated', subscription, previous);
    return subscription;
  }));

  router.delete('/v1/subscriptions/:id', route(engine, (ctx, req) => cancel(ctx, getSubscription(ctx, String(req.params.id)))));

  router.get('/v1/subscriptions', route(engine, (ctx, req) => {
    const params = paramsOf(req);
    const customer = typeof params.customer === 'string' && params.customer ? params.customer : undefined;
    const status = typeof params.status === 'string' && params.status ? params.status : undefined;
    const matchesCreated = createdFilter(params);
    const subscriptions = newestFirst(ctx.state.subscriptions).filter((s) => (!customer || s.customer === customer)
      && (status === 'all' || (status ? s.status === status : s.status !== 'canceled')) && matchesCreated(s.created));
    return page(subscriptions, req, '/v1/subscriptions');
  }));

  router.use(invoiceRoutes(engine, activateOnPayment));
  return router;
}
