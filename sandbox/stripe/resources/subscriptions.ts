import { Router } from 'express';
import { prorate } from '../billingMath';
import type { Invoice, InvoiceLine, PauseCollection, Price, Subscription, SubscriptionItem } from '../billingTypes';
import type { Ctx, Engine } from '../context';
import { StripeApiError, invalidRequest, missingParam, resourceMissing } from '../errors';
import { changedFields } from '../events';
import { route } from '../http';
import { newId } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import {
  applyMetadata,
  nullableString,
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  optionalObject,
  optionalString,
  paramsOf,
  requiredString,
  type Params,
} from '../params';
import { clone } from '../state';
import {
  bookOf,
  cancelSubscription,
  clockOfSubscription,
  collect,
  endTrial,
  getSubscription,
  invoiceNow,
  periodLine,
  periodOf,
  subscriptionNow,
  trialLine,
  upcomingInvoice,
} from './billingCycle';
import { discountsFromParams } from './coupons';
import { getCustomer } from './customers';
import {
  draftInvoice,
  finalizeInvoice,
  invoiceRoutes,
  newLine,
  payOpenInvoice,
  previewInvoice,
  type LineDraft,
} from './invoices';
import { resolvePaymentMethod } from './paymentMethods';
import { addInterval, daySeconds, formatDay } from './periods';
import { createPrice, getPrice } from './prices';
import { taxRatesFromParams } from './taxRates';

export { addInterval } from './periods';
export { advanceSubscription } from './billingCycle';

const prorationBehaviors = ['create_prorations', 'always_invoice', 'none'] as const;
type ProrationBehavior = (typeof prorationBehaviors)[number];
const missingPaymentMethodBehaviors = ['create_invoice', 'pause', 'cancel'] as const;
const pauseBehaviors = ['keep_as_draft', 'mark_uncollectible', 'void'] as const;

function listOf(raw: unknown, name: string): Params[] {
  const list = Array.isArray(raw) ? raw : typeof raw === 'object' && raw !== null ? Object.values(raw) : [];
  return list.map((item, i) => {
    if (!item || typeof item !== 'object')
      throw invalidRequest(`Invalid object: ${name}[${i}]`, { param: `${name}[${i}]` });
    return item as Params;
  });
}

function itemsOf(params: Params): Params[] {
  if (params.items === undefined) throw missingParam('items');
  const list = listOf(params.items, 'items');
  if (list.length === 0) throw missingParam('items');
  return list;
}

function priceOf(ctx: Ctx, item: Params, index: number, prefix = 'items'): Price {
  const priceId = optionalString(item, 'price');
  if (priceId) return getPrice(ctx, priceId, `${prefix}[${index}][price]`);
  const data = optionalObject(item, 'price_data');
  if (!data) throw missingParam(`${prefix}[${index}][price]`);
  return createPrice(ctx, data, `${prefix}[${index}][price_data]`);
}

function recurringPrice(price: Price, currency: string | undefined, param: string): Price {
  if (!price.recurring) throw invalidRequest(`The price specified (${price.id}) is not recurring.`, { param });
  if (currency && price.currency !== currency)
    throw invalidRequest('All prices on a subscription must have the same currency.', { param });
  return price;
}

function sameInterval(a: Price, b: Price): boolean {
  return a.recurring?.interval === b.recurring?.interval && a.recurring?.interval_count === b.recurring?.interval_count;
}

function productName(ctx: Ctx, price: Price): string {
  return ctx.state.products[price.product]?.name ?? price.product;
}

/** Unix seconds, `now` (the subscription's clock), or undefined. */
function timestampParam(params: Params, name: string, now: number): number | 'now' | undefined {
  if (params[name] === 'now') return 'now';
  const value = optionalInteger(params, name, 1);
  if (value !== undefined && value <= now)
    throw invalidRequest(`Invalid timestamp: must be in the future (the subscription's clock is at ${now}).`, {
      param: name,
    });
  return value;
}

function resolveMethod(ctx: Ctx, id: string | null | undefined, customer: string, param: string): string | null {
  return id ? resolvePaymentMethod(ctx, id, customer, param).id : null;
}

export interface ItemPlan {
  items: SubscriptionItem[];
  /** Proration lines (credit for unused time, charge for remaining time), or a whole new period when the interval changed. */
  lines: LineDraft[];
  /** The billing interval changed: Stripe resets the billing cycle to now and invoices at once. */
  intervalChanged: boolean;
}

/**
 * What an update's `items` do, as Stripe prorates: for each changed item, a credit for the unused time on the old
 * price and quantity and a charge for the remaining time on the new ones, each `amount × (period end − proration
 * date) / (period end − period start)` by the second, rounded to the currency's step; a new item is charged for the
 * remaining time, a deleted one credited. Changing the interval (monthly → yearly) credits the unused time and
 * charges a whole new period from `at` (while trialing the trial period stays). Nothing is changed on `subscription`.
 */
export function planItemChanges(
  ctx: Ctx,
  subscription: Subscription,
  itemParams: Params[],
  prorationDate: number,
  at: number,
  prefix = 'items',
): ItemPlan {
  const trialing = subscription.status === 'trialing';
  const items = clone(subscription.items.data);
  const period = periodOf(subscription);
  const whole = period.end - period.start;
  const remaining = Math.max(0, period.end - prorationDate);
  const lines: LineDraft[] = [];
  const day = formatDay(prorationDate);
  const credit = (item: SubscriptionItem): LineDraft => ({
    amount: -prorate(item.price.unit_amount * item.quantity, remaining, whole, subscription.currency),
    quantity: item.quantity,
    price: item.price,
    proration: true,
    period: { start: prorationDate, end: period.end },
    subscriptionItem: item.id,
    description: `Unused time on ${item.quantity} × ${productName(ctx, item.price)} after ${day}`,
  });
  const charge = (item: SubscriptionItem): LineDraft => ({
    amount: prorate(item.price.unit_amount * item.quantity, remaining, whole, subscription.currency),
    quantity: item.quantity,
    price: item.price,
    proration: true,
    period: { start: prorationDate, end: period.end },
    subscriptionItem: item.id,
    description: `Remaining time on ${item.quantity} × ${productName(ctx, item.price)} after ${day}`,
  });
  const reference = items[0]?.price;
  let intervalChanged = false;
  const credits: LineDraft[] = [];
  itemParams.forEach((p, i) => {
    const id = optionalString(p, 'id');
    if (id) {
      const index = items.findIndex((item) => item.id === id);
      const item = items[index];
      if (!item) throw resourceMissing('subscription_item', id, `${prefix}[${i}][id]`);
      if (optionalBoolean(p, 'deleted')) {
        const unused = credit(item);
        credits.push(unused);
        lines.push(unused);
        items.splice(index, 1);
        return;
      }
      const newPrice =
        p.price !== undefined || p.price_data !== undefined
          ? recurringPrice(priceOf(ctx, p, i, prefix), subscription.currency, `${prefix}[${i}][price]`)
          : item.price;
      const quantity = optionalInteger(p, 'quantity', 0) ?? item.quantity;
      item.metadata = applyMetadata(item.metadata, p);
      if (newPrice.id === item.price.id && quantity === item.quantity) return;
      if (reference && !sameInterval(reference, newPrice)) intervalChanged = true;
      const unused = credit(item);
      credits.push(unused);
      lines.push(unused);
      item.price = newPrice;
      item.quantity = quantity;
      lines.push(charge(item));
    } else {
      const price = recurringPrice(priceOf(ctx, p, i, prefix), subscription.currency, `${prefix}[${i}][price]`);
      if (reference && !sameInterval(reference, price)) intervalChanged = true;
      const item: SubscriptionItem = {
        id: newId('si'),
        object: 'subscription_item',
        created: at,
        current_period_start: period.start,
        current_period_end: period.end,
        metadata: applyMetadata({}, p),
        price,
        quantity: optionalInteger(p, 'quantity', 0) ?? 1,
        subscription: subscription.id,
      };
      items.push(item);
      lines.push(charge(item));
    }
  });
  if (items.length === 0)
    throw invalidRequest('A subscription needs at least one item; cancel it instead.', { param: prefix });
  if (items.some((item) => !sameInterval(item.price, (items[0] as SubscriptionItem).price))) {
    throw invalidRequest('All prices on a subscription must have the same recurring interval and interval_count.', {
      param: prefix,
    });
  }
  if (!intervalChanged || trialing) return { items, lines, intervalChanged: false };
  for (const item of items) {
    item.current_period_start = at;
    item.current_period_end = addInterval(at, item.price.recurring);
  }
  return {
    items,
    intervalChanged,
    lines: [
      ...credits,
      ...items.map((item) => periodLine(ctx, item, item.current_period_start, item.current_period_end)),
    ],
  };
}

function createSubscription(ctx: Ctx, params: Params): Subscription {
  const customer = getCustomer(ctx, requiredString(params, 'customer'), 'customer');
  const id = newId('sub');
  const at = ctx.now();
  let currency: string | undefined;
  const prices = itemsOf(params).map((item, index) => {
    const price = recurringPrice(priceOf(ctx, item, index), currency, `items[${index}][price]`);
    currency ??= price.currency;
    return { price, item };
  });
  if (prices.some(({ price }) => !sameInterval(price, (prices[0] as { price: Price }).price))) {
    throw invalidRequest('All prices on a subscription must have the same recurring interval and interval_count.', {
      param: 'items',
    });
  }
  const paymentMethod = resolveMethod(
    ctx,
    optionalString(params, 'default_payment_method') || customer.invoice_settings.default_payment_method,
    customer.id,
    'default_payment_method',
  );
  const trialEndParam = timestampParam(params, 'trial_end', at);
  const trialDays = optionalInteger(params, 'trial_period_days', 0);
  if (trialEndParam !== undefined && trialDays !== undefined)
    throw invalidRequest('You may only specify one of these parameters: trial_end, trial_period_days.', {
      param: 'trial_end',
    });
  const trialEnd = typeof trialEndParam === 'number' ? trialEndParam : trialDays ? at + trialDays * daySeconds : null;
  if (!paymentMethod && trialEnd === null) {
    throw invalidRequest(
      'This customer has no attached payment source or default payment method. Please consider adding a default payment method.',
      { code: 'resource_missing', param: 'default_payment_method' },
    );
  }
  const endBehavior = optionalObject(optionalObject(params, 'trial_settings') ?? {}, 'end_behavior') ?? {};
  const items: SubscriptionItem[] = prices.map(({ price, item }) => ({
    id: newId('si'),
    object: 'subscription_item',
    created: at,
    current_period_start: at,
    current_period_end: trialEnd ?? addInterval(at, price.recurring),
    metadata: applyMetadata({}, item),
    price,
    quantity: optionalInteger(item, 'quantity', 0) ?? 1,
    subscription: id,
  }));
  const subscription: Subscription = {
    id,
    object: 'subscription',
    billing_cycle_anchor: trialEnd ?? at,
    cancel_at: null,
    cancel_at_period_end: optionalBoolean(params, 'cancel_at_period_end') ?? false,
    canceled_at: null,
    collection_method: 'charge_automatically',
    created: at,
    currency: currency ?? 'usd',
    customer: customer.id,
    default_payment_method: paymentMethod,
    default_tax_rates: taxRatesFromParams(ctx, params) ?? [],
    description: nullableString(params, 'description') ?? null,
    discounts: [],
    ended_at: null,
    items: { object: 'list', data: items, has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null,
    livemode: false,
    metadata: applyMetadata({}, params),
    pause_collection: null,
    start_date: at,
    status: trialEnd ? 'trialing' : 'incomplete',
    trial_end: trialEnd,
    trial_start: trialEnd ? at : null,
    trial_settings: {
      end_behavior: {
        missing_payment_method:
          optionalEnum(endBehavior, 'missing_payment_method', missingPaymentMethodBehaviors) ?? 'create_invoice',
      },
    },
  };
  subscription.cancel_at = subscription.cancel_at_period_end ? periodOf(subscription).end : null;
  subscription.discounts = discountsFromParams(ctx, subscription, params, at) ?? [];
  ctx.state.subscriptions[id] = subscription;
  bookOf(ctx, subscription).clock = at;
  ctx.emit('customer.subscription.created', subscription);

  const before = clone(subscription);
  const period = periodOf(subscription);
  const drafts = items.map((item) =>
    trialEnd ? trialLine(ctx, item, at, trialEnd) : periodLine(ctx, item, period.start, period.end),
  );
  const invoice = draftInvoice(ctx, subscription, {
    reason: 'subscription_create',
    lines: drafts.map((d) => newLine(subscription, d)),
    at,
    period,
  });
  subscription.latest_invoice = invoice.id;
  finalizeInvoice(ctx, invoice, at);
  const { result } = collect(ctx, subscription, invoice, at, undefined);
  if (result === 'paid' && subscription.status === 'incomplete') subscription.status = 'active';
  if (subscription.status !== 'trialing')
    ctx.emit('customer.subscription.updated', subscription, changedFields(before, subscription));
  return subscription;
}

function pauseCollectionOf(params: Params): PauseCollection | null | undefined {
  const raw = params.pause_collection;
  if (raw === undefined) return undefined;
  if (raw === '') return null;
  const value = optionalObject(params, 'pause_collection') ?? {};
  const behavior = optionalEnum(value, 'behavior', pauseBehaviors);
  if (!behavior) throw missingParam('pause_collection[behavior]');
  return { behavior, resumes_at: optionalInteger(value, 'resumes_at', 1) ?? null };
}

function updateSubscription(ctx: Ctx, subscription: Subscription, params: Params): Subscription {
  const at = subscriptionNow(ctx, subscription);
  if (subscription.status === 'canceled' && Object.keys(params).some((k) => k !== 'metadata' && k !== 'expand')) {
    throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.');
  }
  const before = clone(subscription);
  const cancelAtPeriodEnd = optionalBoolean(params, 'cancel_at_period_end');
  if (cancelAtPeriodEnd !== undefined) subscription.cancel_at_period_end = cancelAtPeriodEnd;
  subscription.cancel_at = subscription.cancel_at_period_end ? periodOf(subscription).end : null;
  const paymentMethod = nullableString(params, 'default_payment_method');
  if (paymentMethod !== undefined)
    subscription.default_payment_method = resolveMethod(
      ctx,
      paymentMethod,
      subscription.customer,
      'default_payment_method',
    );
  const description = nullableString(params, 'description');
  if (description !== undefined) subscription.description = description;
  subscription.metadata = applyMetadata(subscription.metadata, params);
  const taxRates = taxRatesFromParams(ctx, params);
  if (taxRates) subscription.default_tax_rates = taxRates;
  const discounts = discountsFromParams(ctx, subscription, params, at);
  if (discounts) subscription.discounts = discounts;
  const pause = pauseCollectionOf(params);
  if (pause !== undefined) subscription.pause_collection = pause;

  let endTrialNow = false;
  const trialEnd = timestampParam(params, 'trial_end', at);
  if (trialEnd !== undefined) {
    if (subscription.status !== 'trialing')
      throw invalidRequest(`Subscription ${subscription.id} is not trialing; trial_end cannot be changed.`, {
        param: 'trial_end',
      });
    if (trialEnd === 'now') {
      endTrialNow = true;
      subscription.trial_end = at;
    } else {
      subscription.trial_end = trialEnd;
      subscription.billing_cycle_anchor = trialEnd;
      for (const item of subscription.items.data) item.current_period_end = trialEnd;
    }
  }

  let lines: InvoiceLine[] = [];
  let intervalChanged = false;
  const behavior: ProrationBehavior =
    optionalEnum(params, 'proration_behavior', prorationBehaviors) ?? 'create_prorations';
  if (params.items !== undefined) {
    const prorationDate = prorationDateOf(params, 'proration_date', subscription, at);
    const plan = planItemChanges(ctx, subscription, itemsOf(params), prorationDate, at);
    subscription.items.data = plan.items;
    intervalChanged = plan.intervalChanged;
    if (intervalChanged) subscription.billing_cycle_anchor = at;
    if (subscription.status !== 'trialing' && (behavior !== 'none' || intervalChanged)) {
      lines = plan.lines.filter((l) => behavior !== 'none' || !l.proration).map((l) => newLine(subscription, l));
    }
  }

  if (endTrialNow) {
    ctx.emit('customer.subscription.trial_will_end', subscription);
    bookOf(ctx, subscription).trialWillEndSentFor = at;
    endTrial(ctx, subscription, at, undefined);
    return subscription;
  }
  if (lines.length > 0 && (behavior === 'always_invoice' || intervalChanged)) {
    invoiceNow(ctx, subscription, lines, at, undefined);
  } else if (lines.length > 0) {
    bookOf(ctx, subscription).pendingLines.push(...lines);
  }
  const previous = changedFields(before, subscription);
  if (Object.keys(previous).length > 0 && subscription.status !== 'canceled')
    ctx.emit('customer.subscription.updated', subscription, previous);
  return subscription;
}

function prorationDateOf(params: Params, name: string, subscription: Subscription, at: number): number {
  const value = optionalInteger(params, name, 1);
  if (value === undefined) return at;
  const period = periodOf(subscription);
  if (value < period.start || value > period.end) {
    throw invalidRequest(`${name} must be within the current billing period (${period.start}–${period.end}).`, {
      param: name,
    });
  }
  return value;
}

/**
 * Resumes a `paused` subscription (`POST /v1/subscriptions/:id/resume`): with `billing_cycle_anchor=now` (default)
 * a new period starts and is invoiced at once (`subscription_update`); paid → `active`, failed → `past_due`.
 * Then `customer.subscription.resumed` and `customer.subscription.updated`.
 */
function resumeSubscription(ctx: Ctx, subscription: Subscription, params: Params): Subscription {
  if (subscription.status !== 'paused') {
    throw invalidRequest(
      `Only a subscription with status \`paused\` can be resumed; ${subscription.id} is ${subscription.status}.`,
      { code: 'subscription_not_paused' },
    );
  }
  const at = subscriptionNow(ctx, subscription);
  const anchor = optionalEnum(params, 'billing_cycle_anchor', ['now', 'unchanged'] as const) ?? 'now';
  const before = clone(subscription);
  subscription.status = 'active';
  if (anchor === 'now' || periodOf(subscription).end <= at) {
    for (const item of subscription.items.data) {
      item.current_period_start = at;
      item.current_period_end = addInterval(at, item.price.recurring);
    }
    subscription.billing_cycle_anchor = at;
    const period = periodOf(subscription);
    invoiceNow(
      ctx,
      subscription,
      subscription.items.data.map((item) => newLine(subscription, periodLine(ctx, item, period.start, period.end))),
      at,
      undefined,
    );
  }
  if ((subscription.status as Subscription['status']) !== 'canceled') {
    ctx.emit('customer.subscription.resumed', subscription);
    ctx.emit('customer.subscription.updated', subscription, changedFields(before, subscription));
  }
  return subscription;
}

/** An amount-less 404, as Stripe answers when nothing is coming (`invoice_upcoming_none`). */
function noUpcoming(customer: string): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    code: 'invoice_upcoming_none',
    message: `No upcoming invoices for customer: ${customer}`,
    doc_url: 'https://stripe.com/docs/error-codes/invoice-upcoming-none',
  });
}

interface PreviewInput {
  subscription?: string;
  customer?: string;
  items?: Params[];
  prorationBehavior?: ProrationBehavior;
  prorationDate?: number;
  itemsParam: string;
}

/**
 * The next invoice of a subscription (`GET /v1/invoices/upcoming`, `POST /v1/invoices/create_preview`): its
 * renewal with pending prorations; with item changes, the prorations they would make — on the renewal, or on an
 * immediate `subscription_update` invoice with `always_invoice` or a changed interval. Nothing is stored.
 */
function previewFor(ctx: Ctx, input: PreviewInput): Invoice {
  let subscription: Subscription | undefined;
  if (input.subscription) {
    subscription = getSubscription(ctx, input.subscription, 'subscription');
  } else if (input.customer) {
    getCustomer(ctx, input.customer, 'customer');
    subscription = newestFirst(ctx.state.subscriptions).find(
      (s) => s.customer === input.customer && !['canceled', 'incomplete_expired'].includes(s.status),
    );
    if (subscription) subscription = getSubscription(ctx, subscription.id);
  } else {
    throw missingParam('customer');
  }
  const customer = input.customer ?? subscription?.customer ?? '';
  if (!subscription || ['canceled', 'incomplete', 'incomplete_expired', 'paused'].includes(subscription.status))
    throw noUpcoming(customer);
  const at = subscriptionNow(ctx, subscription);
  if (!input.items || input.items.length === 0) {
    if (subscription.cancel_at_period_end) throw noUpcoming(customer);
    return upcomingInvoice(ctx, subscription);
  }
  const prorationDate = input.prorationDate ?? at;
  const period = periodOf(subscription);
  if (prorationDate < period.start || prorationDate > period.end)
    throw invalidRequest('The proration date must be within the current billing period.', {
      param: `${input.itemsParam}_proration_date`,
    });
  const changed = clone(subscription);
  const plan = planItemChanges(ctx, changed, input.items, prorationDate, at, input.itemsParam);
  changed.items.data = plan.items;
  const behavior = input.prorationBehavior ?? 'create_prorations';
  const lines =
    changed.status === 'trialing' || (behavior === 'none' && !plan.intervalChanged)
      ? []
      : plan.lines.filter((l) => behavior !== 'none' || !l.proration).map((l) => newLine(changed, l));
  let invoice: Invoice;
  if (plan.intervalChanged || behavior === 'always_invoice') {
    invoice = previewInvoice(ctx, changed, {
      reason: 'subscription_update',
      lines: [...bookOf(ctx, subscription).pendingLines, ...lines],
      at,
      period: { start: at, end: periodOf(changed).end },
    });
  } else {
    invoice = upcomingInvoice(ctx, changed, lines);
  }
  invoice.parent.subscription_details.proration_date = prorationDate;
  return invoice;
}

/** After an invoice is paid through the API: an `incomplete`, `past_due` or `unpaid` subscription whose latest invoice it is becomes `active`. */
function activateOnPayment(ctx: Ctx, invoice: Invoice): void {
  const subscription = ctx.state.subscriptions[invoice.subscription];
  if (!subscription || !['incomplete', 'past_due', 'unpaid'].includes(subscription.status)) return;
  const latest = subscription.latest_invoice ? ctx.state.invoices[subscription.latest_invoice] : undefined;
  if (latest && latest.status !== 'paid') return;
  const previous = { status: subscription.status };
  subscription.status = 'active';
  ctx.emit('customer.subscription.updated', subscription, previous);
}

/** The customer pays an invoice on its hosted page (`POST /__sandbox/invoices/:id/pay {payment_method?}`). */
export function payInvoiceByCustomer(ctx: Ctx, invoice: Invoice, paymentMethod: string | undefined): Invoice {
  const at = clockOfSubscription(ctx, invoice.subscription);
  payOpenInvoice(ctx, invoice, paymentMethod, at);
  activateOnPayment(ctx, invoice);
  return invoice;
}

/**
 * Subscriptions: create (items by `price` or inline `price_data`; trials, coupons, default tax rates), retrieve,
 * update (plan and quantity changes with prorations, `pause_collection`, discounts, tax rates, `trial_end`), resume,
 * cancel, list; upcoming-invoice previews; and invoices.
 */
export function subscriptionRoutes(engine: Engine): Router {
  const router = Router();
  router.post(
    '/v1/subscriptions',
    route(engine, (ctx, req) => createSubscription(ctx, paramsOf(req))),
  );
  router.get(
    '/v1/subscriptions/:id',
    route(engine, (ctx, req) => getSubscription(ctx, String(req.params.id))),
  );
  router.post(
    '/v1/subscriptions/:id',
    route(engine, (ctx, req) => updateSubscription(ctx, getSubscription(ctx, String(req.params.id)), paramsOf(req))),
  );
  router.post(
    '/v1/subscriptions/:id/resume',
    route(engine, (ctx, req) => resumeSubscription(ctx, getSubscription(ctx, String(req.params.id)), paramsOf(req))),
  );
  router.delete(
    '/v1/subscriptions/:id',
    route(engine, (ctx, req) => {
      const subscription = getSubscription(ctx, String(req.params.id));
      return cancelSubscription(ctx, subscription, subscriptionNow(ctx, subscription));
    }),
  );

  router.get(
    '/v1/subscriptions',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const customer = typeof params.customer === 'string' && params.customer ? params.customer : undefined;
      const status = typeof params.status === 'string' && params.status ? params.status : undefined;
      const matchesCreated = createdFilter(params);
      const subscriptions = newestFirst(ctx.state.subscriptions).filter(
        (s) =>
          (!customer || s.customer === customer) &&
          (status === 'all' || (status ? s.status === status : s.status !== 'canceled')) &&
          matchesCreated(s.created),
      );
      return page(subscriptions, req, '/v1/subscriptions');
    }),
  );

  router.get(
    '/v1/invoices/upcoming',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      return previewFor(ctx, {
        subscription: optionalString(params, 'subscription') || undefined,
        customer: optionalString(params, 'customer') || undefined,
        items:
          params.subscription_items === undefined ? undefined : listOf(params.subscription_items, 'subscription_items'),
        prorationBehavior: optionalEnum(params, 'subscription_proration_behavior', prorationBehaviors),
        prorationDate: optionalInteger(params, 'subscription_proration_date', 1),
        itemsParam: 'subscription_items',
      });
    }),
  );
  router.post(
    '/v1/invoices/create_preview',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const details = optionalObject(params, 'subscription_details') ?? {};
      return previewFor(ctx, {
        subscription: optionalString(params, 'subscription') || undefined,
        customer: optionalString(params, 'customer') || undefined,
        items: details.items === undefined ? undefined : listOf(details.items, 'subscription_details[items]'),
        prorationBehavior: optionalEnum(details, 'proration_behavior', prorationBehaviors),
        prorationDate: optionalInteger(details, 'proration_date', 1),
        itemsParam: 'subscription_details[items]',
      });
    }),
  );

  router.use(invoiceRoutes(engine, { clockOf: clockOfSubscription, onPaid: activateOnPayment }));
  return router;
}
