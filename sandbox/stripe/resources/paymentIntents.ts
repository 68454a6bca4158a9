import { Router } from 'express';
import type { Ctx, Engine } from '../context';
import { invalidRequest, resourceMissing } from '../errors';
import { route } from '../http';
import { newId, randomText } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import {
  applyMetadata,
  nullableString,
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  optionalString,
  paramsOf,
  requiredInteger,
  requiredString,
  type Params,
} from '../params';
import type { PaymentIntent } from '../types';
import { searchMatcher } from '../search';
import { captureCharge, getCharge } from './charges';
import { getCustomer } from './customers';
import { attemptPayment, validateAmount, validateCurrency } from './payments';

const captureMethods = ['automatic', 'automatic_async', 'manual'] as const;
const cancellationReasons = ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'] as const;
const cancelableStatuses: readonly PaymentIntent['status'][] = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
];

export function getPaymentIntent(ctx: Ctx, id: string, param = 'id'): PaymentIntent {
  const intent = ctx.state.paymentIntents[id];
  if (!intent) throw resourceMissing('payment_intent', id, param);
  return intent;
}

function unexpectedState(intent: PaymentIntent, action: string, allowed?: readonly string[]): Error {
  const only = allowed
    ? ` Only a PaymentIntent with one of the following statuses may be ${action}ed: ${allowed.join(', ')}.`
    : '';
  return invalidRequest(`You cannot ${action} this PaymentIntent because it has a status of ${intent.status}.${only}`, {
    code: 'payment_intent_unexpected_state',
  });
}

/**
 * Cancels a payment intent (`payment_intent.canceled`); an uncaptured authorisation is released, which Stripe shows as
 * the charge fully refunded (`charge.refunded`) with no balance transaction, since nothing was ever captured.
 */
export function cancelPaymentIntent(ctx: Ctx, intent: PaymentIntent, reason: string | null): PaymentIntent {
  if (!cancelableStatuses.includes(intent.status)) throw unexpectedState(intent, 'cancel', cancelableStatuses);
  if (intent.status === 'requires_capture' && intent.latest_charge) {
    const charge = getCharge(ctx, intent.latest_charge);
    charge.amount_refunded = charge.amount;
    charge.refunded = true;
    ctx.emit('charge.refunded', charge, { amount_refunded: 0, refunded: false });
  }
  intent.status = 'canceled';
  intent.canceled_at = ctx.now();
  intent.amount_capturable = 0;
  intent.cancellation_reason = reason;
  ctx.emit('payment_intent.canceled', intent);
  return intent;
}

/** Creates a payment intent as Stripe does (also used by invoices); `payment_intent.created` is emitted. */
export function newPaymentIntent(
  ctx: Ctx,
  input: {
    amount: number;
    currency: string;
    customer: string | null;
    description?: string | null;
    metadata?: Record<string, string>;
    receiptEmail?: string | null;
    captureMethod?: string;
    paymentMethod?: string | null;
    invoice?: string | null;
  },
): PaymentIntent {
  const id = newId('pi');
  const intent: PaymentIntent = {
    id,
    object: 'payment_intent',
    livemode: false,
    created: ctx.now(),
    amount: input.amount,
    amount_capturable: 0,
    amount_received: 0,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: input.captureMethod ?? 'automatic_async',
    client_secret: `${id}_secret_${randomText(25)}`,
    confirmation_method: 'automatic',
    currency: input.currency,
    customer: input.customer,
    description: input.description ?? null,
    invoice: input.invoice ?? null,
    last_payment_error: null,
    latest_charge: null,
    metadata: input.metadata ?? {},
    next_action: null,
    payment_method: input.paymentMethod ?? null,
    payment_method_types: ['card'],
    receipt_email: input.receiptEmail ?? null,
    review: null,
    statement_descriptor: null,
    status: input.paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
  };
  ctx.state.paymentIntents[id] = intent;
  ctx.emit('payment_intent.created', intent);
  return intent;
}

function confirm(ctx: Ctx, intent: PaymentIntent, params: Params): PaymentIntent {
  if (intent.status !== 'requires_payment_method' && intent.status !== 'requires_confirmation')
    throw unexpectedState(intent, 'confirm');
  const receiptEmail = nullableString(params, 'receipt_email');
  if (receiptEmail !== undefined) intent.receipt_email = receiptEmail;
  const method = optionalString(params, 'payment_method') || intent.payment_method;
  if (!method) {
    throw invalidRequest(
      "You cannot confirm this PaymentIntent because it's missing a payment method. Update the payment_method and try again.",
      { code: 'payment_intent_unexpected_state', param: 'payment_method' },
    );
  }
  const result = attemptPayment(ctx, intent, method);
  if (result.error) throw result.error;
  return intent;
}

/** PaymentIntents: create (optionally `confirm=true`), retrieve, update, confirm, capture, cancel, list. */
export function paymentIntentRoutes(engine: Engine): Router {
  const router = Router();

  router.post(
    '/v1/payment_intents',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const currency = validateCurrency(requiredString(params, 'currency'));
      const amount = validateAmount(requiredInteger(params, 'amount', 1), currency);
      const customer = optionalString(params, 'customer') || null;
      if (customer) getCustomer(ctx, customer, 'customer');
      const intent = newPaymentIntent(ctx, {
        amount,
        currency,
        customer,
        description: nullableString(params, 'description'),
        metadata: applyMetadata({}, params),
        receiptEmail: nullableString(params, 'receipt_email'),
        captureMethod: optionalEnum(params, 'capture_method', captureMethods),
        paymentMethod: optionalString(params, 'payment_method') || null,
      });
      return optionalBoolean(params, 'confirm') ? confirm(ctx, intent, params) : intent;
    }),
  );

  // Search (before `/:id`, which would take "search" for an id): newest first, one page of `limit`.
  router.get(
    '/v1/payment_intents/search',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      if (typeof params.query !== 'string' || !params.query)
        throw invalidRequest('Missing required param: query.', { param: 'query' });
      const matches = searchMatcher(params.query);
      const limit = Math.min(100, Math.max(1, Number(params.limit ?? 10) || 10));
      const found = newestFirst(ctx.state.paymentIntents).filter((pi) => matches(pi));
      return {
        object: 'search_result',
        data: found.slice(0, limit),
        has_more: found.length > limit,
        next_page: null,
        url: '/v1/payment_intents/search',
      };
    }),
  );

  router.get(
    '/v1/payment_intents/:id',
    route(engine, (ctx, req) => getPaymentIntent(ctx, String(req.params.id))),
  );

  router.post(
    '/v1/payment_intents/:id',
    route(engine, (ctx, req) => {
      const intent = getPaymentIntent(ctx, String(req.params.id));
      const params = paramsOf(req);
      const settled =
        intent.status === 'succeeded' || intent.status === 'canceled' || intent.status === 'requires_capture';
      const currencyParam = optionalString(params, 'currency');
      const amountParam = optionalInteger(params, 'amount', 1);
      if (
        settled &&
        (amountParam !== undefined || currencyParam !== undefined || params.payment_method !== undefined)
      ) {
        throw unexpectedState(intent, 'update the amount, currency or payment method of');
      }
      if (currencyParam) intent.currency = validateCurrency(currencyParam);
      if (amountParam !== undefined) intent.amount = validateAmount(amountParam, intent.currency);
      const paymentMethod = optionalString(params, 'payment_method');
      if (paymentMethod) {
        intent.payment_method = paymentMethod;
        intent.status = 'requires_confirmation';
      }
      for (const field of ['description', 'receipt_email'] as const) {
        const value = nullableString(params, field);
        if (value !== undefined) intent[field] = value;
      }
      const customer = optionalString(params, 'customer');
      if (customer) intent.customer = getCustomer(ctx, customer, 'customer').id;
      intent.metadata = applyMetadata(intent.metadata, params);
      return intent;
    }),
  );

  router.post(
    '/v1/payment_intents/:id/confirm',
    route(engine, (ctx, req) => confirm(ctx, getPaymentIntent(ctx, String(req.params.id)), paramsOf(req))),
  );

  router.post(
    '/v1/payment_intents/:id/capture',
    route(engine, (ctx, req) => {
      const intent = getPaymentIntent(ctx, String(req.params.id));
      if (intent.status !== 'requires_capture' || !intent.latest_charge)
        throw unexpectedState(intent, 'capture', ['requires_capture']);
      const amount = optionalInteger(paramsOf(req), 'amount_to_capture', 1) ?? intent.amount_capturable;
      if (amount > intent.amount_capturable)
        throw invalidRequest('The amount to capture is greater than the amount capturable.', {
          param: 'amount_to_capture',
          code: 'amount_too_large',
        });
      validateAmount(amount, intent.currency, 'amount_to_capture');
      const charge = getCharge(ctx, intent.latest_charge);
      captureCharge(ctx, charge, amount);
      intent.status = 'succeeded';
      intent.amount_received = amount;
      intent.amount_capturable = 0;
      ctx.emit('charge.captured', charge, { amount_captured: 0, captured: false, balance_transaction: null });
      ctx.emit('payment_intent.succeeded', intent);
      return intent;
    }),
  );

  router.post(
    '/v1/payment_intents/:id/cancel',
    route(engine, (ctx, req) => {
      const intent = getPaymentIntent(ctx, String(req.params.id));
      const reason = optionalEnum(paramsOf(req), 'cancellation_reason', cancellationReasons) ?? null;
      return cancelPaymentIntent(ctx, intent, reason);
    }),
  );

  router.get(
    '/v1/payment_intents',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const customer = typeof params.customer === 'string' && params.customer ? params.customer : undefined;
      const matchesCreated = createdFilter(params);
      const intents = newestFirst(ctx.state.paymentIntents).filter(
        (pi) => (!customer || pi.customer === customer) && matchesCreated(pi.created),
      );
      return page(intents, req, '/v1/payment_intents');
    }),
  );
  return router;
}
