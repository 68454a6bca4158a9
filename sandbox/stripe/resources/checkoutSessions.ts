import { Router, type Request } from 'express';
import type { CheckoutLineItem, CheckoutSession, CheckoutSessionExtras } from '../checkoutTypes';
import type { Ctx, Engine } from '../context';
import { invalidRequest, missingParam, resourceMissing } from '../errors';
import { route } from '../http';
import { newId } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import {
  applyMetadata,
  nullableString,
  optionalEnum,
  optionalInteger,
  optionalObject,
  optionalString,
  paramsOf,
  requiredInteger,
  type Params,
} from '../params';
import type { StripeState } from '../state';
import type { PaymentIntent } from '../types';
import { getCustomer } from './customers';
import { getPaymentIntent, newPaymentIntent } from './paymentIntents';
import { attemptPayment, validateAmount, validateCurrency, type PaymentResult } from './payments';

const minute = 60;
const minLifetime = 30 * minute;
const maxLifetime = 24 * 60 * minute;
const statuses = ['open', 'complete', 'expired'] as const;

/** State files written before Checkout existed have no collections for it. */
function sessionsOf(state: StripeState): Record<string, CheckoutSession> {
  state.checkoutSessions ??= {};
  return state.checkoutSessions;
}

function extrasOf(state: StripeState, id: string): CheckoutSessionExtras {
  state.checkoutExtras ??= {};
  state.checkoutExtras[id] ??= { lineItems: [], paymentIntentMetadata: {}, attemptIntent: null };
  return state.checkoutExtras[id];
}

/** A session past its `expires_at` expires when it is next looked at; `checkout.session.expired` is emitted once. */
function current(ctx: Ctx, session: CheckoutSession): CheckoutSession {
  if (session.status === 'open' && ctx.now() >= session.expires_at) expire(ctx, session);
  return session;
}

function expire(ctx: Ctx, session: CheckoutSession): CheckoutSession {
  session.status = 'expired';
  session.url = null;
  ctx.emit('checkout.session.expired', session);
  return session;
}

export function getCheckoutSession(ctx: Ctx, id: string): CheckoutSession {
  const session = sessionsOf(ctx.state)[id];
  if (!session) throw resourceMissing('checkout.session', id);
  return current(ctx, session);
}

/** `line_items[i]` with `price_data[currency|unit_amount|product_data][name]` (or a stored `price`) and `quantity`. */
function lineItemsOf(ctx: Ctx, params: Params): CheckoutLineItem[] {
  const raw = params.line_items;
  if (raw === undefined || raw === '') throw missingParam('line_items');
  if (typeof raw !== 'object' || raw === null) throw invalidRequest('Invalid array', { param: 'line_items' });
  const entries = Array.isArray(raw) ? raw : Object.values(raw as Params);
  if (entries.length === 0) throw missingParam('line_items');
  return entries.map((entry, index): CheckoutLineItem => {
    const param = `line_items[${index}]`;
    if (!entry || typeof entry !== 'object') throw invalidRequest('Invalid object', { param });
    const item = entry as Params;
    const quantity = requiredInteger(item, 'quantity', 1);
    const priceId = optionalString(item, 'price');
    if (priceId) {
      const price = ctx.state.prices[priceId];
      if (!price) throw resourceMissing('price', priceId, `${param}[price]`);
      return {
        name: ctx.state.products[price.product]?.name ?? price.product,
        currency: price.currency,
        unit_amount: price.unit_amount,
        quantity,
      };
    }
    const data = optionalObject(item, 'price_data');
    if (!data) throw missingParam(`${param}[price_data]`);
    const currency = validateCurrency(String(data.currency ?? ''), `${param}[price_data][currency]`);
    const unitAmount = requiredInteger(data, 'unit_amount', 0);
    const name = optionalObject(data, 'product_data')?.name;
    if (typeof name !== 'string' || !name) throw missingParam(`${param}[price_data][product_data][name]`);
    return { name, currency, unit_amount: unitAmount, quantity };
  });
}

function expiresAtOf(ctx: Ctx, params: Params): number {
  const expiresAt = optionalInteger(params, 'expires_at');
  if (expiresAt === undefined) return ctx.now() + maxLifetime;
  if (expiresAt < ctx.now() + minLifetime) {
    throw invalidRequest('The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.', {
      param: 'expires_at',
    });
  }
  if (expiresAt > ctx.now() + maxLifetime) {
    throw invalidRequest('The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.', {
      param: 'expires_at',
    });
  }
  return expiresAt;
}

function baseUrlOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
}

function createSession(ctx: Ctx, params: Params, baseUrl: string): CheckoutSession {
  const mode = optionalString(params, 'mode');
  if (!mode) throw missingParam('mode');
  if (mode !== 'payment')
    throw invalidRequest(`The sandbox only models Checkout in payment mode, not ${mode}.`, { param: 'mode' });
  const lines = lineItemsOf(ctx, params);
  const currency = lines[0]!.currency;
  if (lines.some((l) => l.currency !== currency)) {
    throw invalidRequest('All line items must have the same currency.', { param: 'line_items' });
  }
  const total = lines.reduce((sum, l) => sum + l.unit_amount * l.quantity, 0);
  validateAmount(total, currency, 'line_items');
  const customer = optionalString(params, 'customer') || null;
  if (customer) getCustomer(ctx, customer, 'customer');
  const intentData = optionalObject(params, 'payment_intent_data') ?? {};
  const id = newId('cs_test');
  const session: CheckoutSession = {
    id,
    object: 'checkout.session',
    livemode: false,
    created: ctx.now(),
    amount_subtotal: total,
    amount_total: total,
    cancel_url: nullableString(params, 'cancel_url') ?? null,
    client_reference_id: nullableString(params, 'client_reference_id') ?? null,
    currency,
    customer,
    customer_email: nullableString(params, 'customer_email') ?? null,
    expires_at: expiresAtOf(ctx, params),
    metadata: applyMetadata({}, params),
    mode: 'payment',
    payment_intent: null,
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    status: 'open',
    success_url: nullableString(params, 'success_url') ?? null,
    url: `${baseUrl}/__sandbox/checkout/${id}`,
  };
  sessionsOf(ctx.state)[id] = session;
  const extras = extrasOf(ctx.state, id);
  extras.lineItems = lines;
  extras.paymentIntentMetadata = applyMetadata({}, intentData);
  return session;
}

/**
 * The customer pays on the hosted page with a test card: a PaymentIntent for `amount_total` carrying
 * `payment_intent_data.metadata` is confirmed; on success the session is `complete`/`paid` and
 * `checkout.session.completed` follows the payment's own events. A decline leaves the session open, and the next
 * attempt confirms the same PaymentIntent again.
 */
export function payCheckoutSession(
  ctx: Ctx,
  id: string,
  paymentMethod: string,
): { session: CheckoutSession; result: PaymentResult } {
  const session = getCheckoutSession(ctx, id);
  if (session.status !== 'open') {
    throw invalidRequest(`This Checkout Session is no longer active (status ${session.status}).`, {
      code: 'checkout_session_inactive',
    });
  }
  const extras = extrasOf(ctx.state, id);
  let intent: PaymentIntent | undefined = extras.attemptIntent
    ? getPaymentIntent(ctx, extras.attemptIntent)
    : undefined;
  if (!intent) {
    intent = newPaymentIntent(ctx, {
      amount: session.amount_total,
      currency: session.currency,
      customer: session.customer,
      metadata: { ...extras.paymentIntentMetadata },
      receiptEmail: session.customer_email,
      captureMethod: 'automatic',
    });
    extras.attemptIntent = intent.id;
  }
  const result = attemptPayment(ctx, intent, paymentMethod);
  if (!result.error && !result.requiresAction) {
    session.payment_intent = intent.id;
    session.status = 'complete';
    session.payment_status = 'paid';
    session.url = null;
    ctx.emit('checkout.session.completed', session);
  }
  return { session, result };
}

/** Checkout Sessions (payment mode): create, retrieve, list (`payment_intent`, `status`, `customer`, `created`), expire. */
export function checkoutSessionRoutes(engine: Engine): Router {
  const router = Router();

  router.post(
    '/v1/checkout/sessions',
    route(engine, (ctx, req) => createSession(ctx, paramsOf(req), baseUrlOf(req))),
  );

  router.get(
    '/v1/checkout/sessions/:id',
    route(engine, (ctx, req) => getCheckoutSession(ctx, String(req.params.id))),
  );

  router.get(
    '/v1/checkout/sessions',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const paymentIntent = optionalString(params, 'payment_intent') || undefined;
      const customer = optionalString(params, 'customer') || undefined;
      const status = optionalEnum(params, 'status', statuses);
      const matchesCreated = createdFilter(params);
      const sessions = newestFirst(sessionsOf(ctx.state))
        .map((s) => current(ctx, s))
        .filter(
          (s) =>
            (!paymentIntent || s.payment_intent === paymentIntent) &&
            (!customer || s.customer === customer) &&
            (!status || s.status === status) &&
            matchesCreated(s.created),
        );
      return page(sessions, req, '/v1/checkout/sessions');
    }),
  );

  router.post(
    '/v1/checkout/sessions/:id/expire',
    route(engine, (ctx, req) => {
      const session = getCheckoutSession(ctx, String(req.params.id));
      if (session.status !== 'open') {
        throw invalidRequest(
          `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of \`${session.status}\`.`,
        );
      }
      return expire(ctx, session);
    }),
  );
  return router;
}
