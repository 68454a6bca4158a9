import { Router } from 'express';
import type { Ctx, Engine } from '../context';
import { invalidRequest, missingParam, resourceMissing } from '../errors';
import { route } from '../http';
import { newId } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import { amountStep, formatAmount } from '../money';
import { applyMetadata, optionalEnum, optionalInteger, optionalString, paramsOf } from '../params';
import type { Charge, Refund } from '../types';
import { recordRefundTransaction } from './balance';
import { getCharge } from './charges';
import { getPaymentIntent } from './paymentIntents';
import { closeReviewOf, settleFraudWarningsOf } from './reviews';

const reasons = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;

function chargeToRefund(ctx: Ctx, chargeId: string | undefined, paymentIntentId: string | undefined): Charge {
  if (chargeId) return getCharge(ctx, chargeId, 'charge');
  if (!paymentIntentId) throw missingParam('charge');
  const intent = getPaymentIntent(ctx, paymentIntentId, 'payment_intent');
  const charge = intent.latest_charge ? ctx.state.charges[intent.latest_charge] : undefined;
  if (!charge || charge.status !== 'succeeded' || !charge.captured) {
    throw invalidRequest(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, { param: 'payment_intent', code: 'charge_not_refundable' });
  }
  return charge;
}

/** Refunds all or part of what is left on a charge; several refunds per charge, never more than was captured. */
function createRefund(ctx: Ctx, charge: Charge, requested: number | undefined, reason: string | null, metadata: Record<string, string>): Refund {
  if (charge.status !== 'succeeded' || !charge.captured) throw invalidRequest(`Charge ${charge.id} has not been captured and cannot be refunded.`, { code: 'charge_not_refundable' });
  if (charge.disputed) throw invalidRequest(`Charge ${charge.id} has been charged back; cannot issue a refund.`, { code: 'charge_disputed' });
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining <= 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
  const amount = requested ?? remaining;
  if (amount > remaining) {
    throw invalidRequest(
      `Refund amount (${formatAmount(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(remaining, charge.currency)})`,
      { param: 'amount', code: 'amount_too_large' },
    );
  }
  if (amount % amountStep(charge.currency) !== 0) {
    throw invalidRequest(`Invalid amount: ${amount}. Amounts in ${charge.currency.toUpperCase()} must be a multiple of 10 minor units.`, { param: 'amount', code: 'invalid_charge_amount' });
  }
  const refund: Refund = {
    id: newId('re'), object: 'refund', livemode: false, created: ctx.now(), amount, balance_transaction: '', charge: charge.id,
    currency: charge.currency, metadata, payment_intent: charge.payment_intent, reason, receipt_number: null, status: 'succeeded',
  };
  refund.balance_transaction = recordRefundTransaction(ctx, refund.id, amount, charge.currency).id;
  ctx.state.refunds[refund.id] = refund;
  const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded >= charge.amount;
  ctx.emit('refund.created', refund);
  ctx.emit('charge.refunded', charge, previous);
  closeReviewOf(ctx, charge, reason === 'fraudulent' ? 'refunded_as_fraud' : 'refunded');
  if (charge.refunded || reason === 'fraudulent') settleFraudWarningsOf(ctx, charge.id);
  return refund;
}

/** Refunds: create (by `charge` or `payment_intent`), retrieve, update metadata, list (filters `charge`, `payment_intent`). */
export function refundRoutes(engine: Engine): Router {
  const router = Router();
  router.post('/v1/refunds', route(engine, (ctx, req) => {
    const params = paramsOf(req);
    const charge = chargeToRefund(ctx, optionalString(params, 'charge') || undefined, optionalString(params, 'payment_intent') || undefined);
    const amount = optionalInteger(params, 'amount', 1);
    return createRefund(ctx, charge, amount, optionalEnum(params, 'reason', reasons) ?? null, applyMetadata({}, params));
  }));

  router.get('/v1/refunds/:id', route(engine, (ctx, req) => {
    const refund = ctx.state.refunds[String(req.params.id)];
    if (!refund) throw resourceMissing('refund', String(req.params.id));
    return refund;
  }));

  router.post('/v1/refunds/:id', route(engine, (ctx, req) => {
    const refund = ctx.state.refunds[String(req.params.id)];
    if (!refund) throw resourceMissing('refund', String(req.params.id));
    const previous = { metadata: { ...refund.metadata } };
    refund.metadata = applyMetadata(refund.metadata, paramsOf(req));
    ctx.emit('refund.updated', refund, previous);
    ctx.emit('charge.refund.updated', refund, previous);
    return refund;
  }));

  router.get('/v1/refunds', route(engine, (ctx, req) => {
    const params = paramsOf(req);
    const charge = typeof params.charge === 'string' && params.charge ? params.charge : undefined;
    const paymentIntent = typeof params.payment_intent === 'string' && params.payment_intent ? params.payment_intent : undefined;
    const matchesCreated = createdFilter(params);
    const refunds = newestFirst(ctx.state.refunds).filter((r) => (!charge || r.charge === charge)
      && (!paymentIntent || r.payment_intent === paymentIntent) && matchesCreated(r.created));
    return page(refunds, req, '/v1/refunds');
  }));
  return router;
}
