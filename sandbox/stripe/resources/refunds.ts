import { Router } from 'express';
import type { Ctx, Engine } from '../context';
import { invalidRequest, missingParam, resourceMissing } from '../errors';
import { changedFields } from '../events';
import { route } from '../http';
import { newId } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import { amountStep, formatAmount } from '../money';
import { applyMetadata, optionalEnum, optionalInteger, optionalString, paramsOf } from '../params';
import { clone } from '../state';
import type { RefundBehaviour } from '../testCards';
import type { Charge, Refund, RefundFailureReason } from '../types';
import { recordRefundFailureTransaction, recordRefundTransaction } from './balance';
import { getCharge } from './charges';
import { getPaymentIntent } from './paymentIntents';
import { behaviourOf } from './paymentMethods';
import { closeReviewOf, settleFraudWarningsOf } from './reviews';

const reasons = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;

/** Stripe's `refund.failure_reason` values. */
export const refundFailureReasons = [
  'lost_or_stolen_card',
  'expired_or_canceled_card',
  'charge_for_pending_refund_disputed',
  'insufficient_funds',
  'declined',
  'merchant_request',
  'unknown',
] as const satisfies readonly RefundFailureReason[];

/** What `pm_card_refundFail` refunds fail with unless the sandbox control names another reason. */
const defaultFailureReason: RefundFailureReason = 'expired_or_canceled_card';

export function getRefund(ctx: Ctx, id: string): Refund {
  const refund = ctx.state.refunds[id];
  if (!refund) throw resourceMissing('refund', id);
  return refund;
}

/** Makes the next refund of `charge` behave so, whatever its card (`POST /__sandbox/charges/:id/refund_behaviour`). */
export function setNextRefundBehaviour(
  ctx: Ctx,
  charge: Charge,
  behaviour: RefundBehaviour,
): { charge: string; behaviour: RefundBehaviour } {
  const planned = (ctx.state.nextRefundBehaviour ??= {});
  planned[charge.id] = behaviour;
  return { charge: charge.id, behaviour };
}

/** A one-off choice made for the charge wins (and is used up); otherwise the test card decides. */
function takeRefundBehaviour(ctx: Ctx, charge: Charge): RefundBehaviour {
  const planned = ctx.state.nextRefundBehaviour ?? {};
  const behaviour = planned[charge.id];
  if (behaviour) {
    delete planned[charge.id];
    return behaviour;
  }
  return behaviourOf(ctx, charge.payment_method).refund ?? 'succeed';
}

function chargeToRefund(ctx: Ctx, chargeId: string | undefined, paymentIntentId: string | undefined): Charge {
  if (chargeId) return getCharge(ctx, chargeId, 'charge');
  if (!paymentIntentId) throw missingParam('charge');
  const intent = getPaymentIntent(ctx, paymentIntentId, 'payment_intent');
  const charge = intent.latest_charge ? ctx.state.charges[intent.latest_charge] : undefined;
  if (!charge || charge.status !== 'succeeded' || !charge.captured) {
    throw invalidRequest(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, {
      param: 'payment_intent',
      code: 'charge_not_refundable',
    });
  }
  return charge;
}

/**
 * Refunds all or part of what is left on a charge; several refunds per charge, never more than was captured. As
 * Stripe, `amount_refunded` counts pending refunds too, and the refund's balance transaction is recorded at once.
 */
function createRefund(
  ctx: Ctx,
  charge: Charge,
  requested: number | undefined,
  reason: string | null,
  metadata: Record<string, string>,
): Refund {
  if (charge.status !== 'succeeded' || !charge.captured)
    throw invalidRequest(`Charge ${charge.id} has not been captured and cannot be refunded.`, {
      code: 'charge_not_refundable',
    });
  if (charge.disputed)
    throw invalidRequest(`Charge ${charge.id} has been charged back; cannot issue a refund.`, {
      code: 'charge_disputed',
    });
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining <= 0)
    throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
  const amount = requested ?? remaining;
  if (amount > remaining) {
    throw invalidRequest(
      `Refund amount (${formatAmount(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(remaining, charge.currency)})`,
      { param: 'amount', code: 'amount_too_large' },
    );
  }
  if (amount % amountStep(charge.currency) !== 0) {
    throw invalidRequest(
      `Invalid amount: ${amount}. Amounts in ${charge.currency.toUpperCase()} must be a multiple of 10 minor units.`,
      { param: 'amount', code: 'invalid_charge_amount' },
    );
  }
  const behaviour = takeRefundBehaviour(ctx, charge);
  const refund: Refund = {
    id: newId('re'),
    object: 'refund',
    livemode: false,
    created: ctx.now(),
    amount,
    balance_transaction: '',
    charge: charge.id,
    currency: charge.currency,
    metadata,
    payment_intent: charge.payment_intent,
    ...(behaviour === 'pending' ? { pending_reason: 'processing' as const } : {}),
    reason,
    receipt_number: null,
    status: behaviour === 'pending' ? 'pending' : 'succeeded',
  };
  refund.balance_transaction = recordRefundTransaction(ctx, refund.id, amount, charge.currency).id;
  ctx.state.refunds[refund.id] = refund;
  if (behaviour === 'fail') (ctx.state.refundsToFail ??= {})[refund.id] = true;
  const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded >= charge.amount;
  ctx.emit('refund.created', refund);
  ctx.emit('charge.refunded', charge, previous);
  closeReviewOf(ctx, charge, reason === 'fraudulent' ? 'refunded_as_fraud' : 'refunded');
  if (charge.refunded || reason === 'fraudulent') settleFraudWarningsOf(ctx, charge.id);
  return refund;
}

export type RefundOutcome = { status: 'succeeded' } | { status: 'failed'; failureReason?: RefundFailureReason };

/**
 * What the card network later says about a refund (`POST /__sandbox/refunds/:id/outcome`): a pending refund succeeds
 * or fails; a succeeded one fails only if it was made to (`pm_card_refundFail`, or `refund_behaviour` `fail`). A failed
 * refund gives its amount back to the charge and to the balance (a `refund_failure` transaction). Stripe sends
 * `refund.updated` and `charge.refund.updated` for the change, and `refund.failed` for a failure.
 */
export function settleRefund(ctx: Ctx, refund: Refund, outcome: RefundOutcome): Refund {
  const toFail = ctx.state.refundsToFail ?? {};
  if (outcome.status === 'succeeded' && refund.status !== 'pending') {
    throw invalidRequest(
      `Refund ${refund.id} has a status of ${refund.status}; only a pending refund can be settled as succeeded.`,
    );
  }
  if (
    outcome.status === 'failed' &&
    refund.status !== 'pending' &&
    !(refund.status === 'succeeded' && toFail[refund.id])
  ) {
    throw invalidRequest(
      `Refund ${refund.id} has a status of ${refund.status} and is not going to fail; only a pending refund, or a succeeded one ` +
        'made on pm_card_refundFail or after refund_behaviour fail, can fail.',
    );
  }
  const before = clone(refund);
  delete refund.pending_reason;
  if (outcome.status === 'succeeded') {
    refund.status = 'succeeded';
  } else {
    const charge = getCharge(ctx, refund.charge);
    refund.status = 'failed';
    refund.failure_reason = outcome.failureReason ?? defaultFailureReason;
    refund.failure_balance_transaction = recordRefundFailureTransaction(
      ctx,
      refund.id,
      refund.amount,
      refund.currency,
    ).id;
    delete toFail[refund.id];
    charge.amount_refunded -= refund.amount;
    charge.refunded = charge.amount_refunded >= charge.amount;
  }
  const previous = changedFields(before, refund);
  ctx.emit('refund.updated', refund, previous);
  ctx.emit('charge.refund.updated', refund, previous);
  if (refund.status === 'failed') ctx.emit('refund.failed', refund);
  return refund;
}

/** Refunds: create (by `charge` or `payment_intent`), retrieve, update metadata, list (filters `charge`, `payment_intent`). */
export function refundRoutes(engine: Engine): Router {
  const router = Router();
  router.post(
    '/v1/refunds',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const charge = chargeToRefund(
        ctx,
        optionalString(params, 'charge') || undefined,
        optionalString(params, 'payment_intent') || undefined,
      );
      const amount = optionalInteger(params, 'amount', 1);
      return createRefund(
        ctx,
        charge,
        amount,
        optionalEnum(params, 'reason', reasons) ?? null,
        applyMetadata({}, params),
      );
    }),
  );

  router.get(
    '/v1/refunds/:id',
    route(engine, (ctx, req) => getRefund(ctx, String(req.params.id))),
  );

  router.post(
    '/v1/refunds/:id',
    route(engine, (ctx, req) => {
      const refund = getRefund(ctx, String(req.params.id));
      const previous = { metadata: { ...refund.metadata } };
      refund.metadata = applyMetadata(refund.metadata, paramsOf(req));
      ctx.emit('refund.updated', refund, previous);
      ctx.emit('charge.refund.updated', refund, previous);
      return refund;
    }),
  );

  router.get(
    '/v1/refunds',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const charge = typeof params.charge === 'string' && params.charge ? params.charge : undefined;
      const paymentIntent =
        typeof params.payment_intent === 'string' && params.payment_intent ? params.payment_intent : undefined;
      const matchesCreated = createdFilter(params);
      const refunds = newestFirst(ctx.state.refunds).filter(
        (r) =>
          (!charge || r.charge === charge) &&
          (!paymentIntent || r.payment_intent === paymentIntent) &&
          matchesCreated(r.created),
      );
      return page(refunds, req, '/v1/refunds');
    }),
  );
  return router;
}
