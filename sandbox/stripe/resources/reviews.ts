import { Router } from 'express';
import type { Ctx, Engine } from '../context';
import { invalidRequest, resourceMissing } from '../errors';
import { route } from '../http';
import { newId } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import { optionalBoolean, optionalString, paramsOf } from '../params';
import type { Charge, EarlyFraudWarning, Review } from '../types';
import { getCharge } from './charges';

/** Radar places a risky charge in the manual review queue (`review.opened`). */
export function openReview(ctx: Ctx, charge: Charge): Review {
  const review: Review = {
    id: newId('prv'),
    object: 'review',
    livemode: false,
    created: ctx.now(),
    billing_zip: null,
    charge: charge.id,
    closed_reason: null,
    ip_address: null,
    ip_address_location: null,
    open: true,
    opened_reason: 'rule',
    payment_intent: charge.payment_intent,
    reason: 'rule',
    session: null,
  };
  ctx.state.reviews[review.id] = review;
  charge.review = review.id;
  const intent = charge.payment_intent ? ctx.state.paymentIntents[charge.payment_intent] : undefined;
  if (intent) intent.review = review.id;
  ctx.emit('review.opened', review);
  return review;
}

/** Closes the charge's open review, if any (`approved`, `refunded`, `refunded_as_fraud`, `disputed`). */
export function closeReviewOf(ctx: Ctx, charge: Charge, reason: string): void {
  const review = charge.review ? ctx.state.reviews[charge.review] : undefined;
  if (!review || !review.open) return;
  review.open = false;
  review.closed_reason = reason;
  review.reason = reason;
  ctx.emit('review.closed', review);
}

/** Marks the charge's early fraud warnings as no longer actionable once it is refunded or disputed. */
export function settleFraudWarningsOf(ctx: Ctx, chargeId: string): void {
  for (const warning of Object.values(ctx.state.earlyFraudWarnings)) {
    if (warning.charge === chargeId && warning.actionable) {
      warning.actionable = false;
      ctx.emit('radar.early_fraud_warning.updated', warning, { actionable: true });
    }
  }
}

export function createEarlyFraudWarning(
  ctx: Ctx,
  chargeId: string,
  fraudType: string,
  actionable: boolean,
): EarlyFraudWarning {
  const charge = getCharge(ctx, chargeId);
  const warning: EarlyFraudWarning = {
    id: newId('issfr'),
    object: 'radar.early_fraud_warning',
    livemode: false,
    created: ctx.now(),
    actionable: actionable && !charge.disputed && !charge.refunded,
    charge: charge.id,
    fraud_type: fraudType,
    payment_intent: charge.payment_intent,
  };
  ctx.state.earlyFraudWarnings[warning.id] = warning;
  ctx.emit('radar.early_fraud_warning.created', warning);
  return warning;
}

const fraudTypes = [
  'card_never_received',
  'fraudulent_card_application',
  'made_with_counterfeit_card',
  'made_with_lost_card',
  'made_with_stolen_card',
  'misc',
  'unauthorized_use_of_card',
] as const;

export function earlyFraudWarningParams(body: Record<string, unknown>): { fraudType: string; actionable: boolean } {
  const fraudType = optionalString(body, 'fraud_type') ?? 'made_with_stolen_card';
  if (!(fraudTypes as readonly string[]).includes(fraudType))
    throw invalidRequest(`Invalid fraud_type: must be one of ${fraudTypes.join(', ')}`, { param: 'fraud_type' });
  return { fraudType, actionable: optionalBoolean(body, 'actionable') ?? true };
}

/** Reviews (retrieve, list open, approve) and Radar early fraud warnings (retrieve, list by charge). */
export function reviewRoutes(engine: Engine): Router {
  const router = Router();
  router.get(
    '/v1/reviews/:id',
    route(engine, (ctx, req) => {
      const review = ctx.state.reviews[String(req.params.id)];
      if (!review) throw resourceMissing('review', String(req.params.id));
      return review;
    }),
  );

  router.get(
    '/v1/reviews',
    route(engine, (ctx, req) => {
      const matchesCreated = createdFilter(paramsOf(req));
      return page(
        newestFirst(ctx.state.reviews).filter((r) => r.open && matchesCreated(r.created)),
        req,
        '/v1/reviews',
      );
    }),
  );

  router.post(
    '/v1/reviews/:id/approve',
    route(engine, (ctx, req) => {
      const review = ctx.state.reviews[String(req.params.id)];
      if (!review) throw resourceMissing('review', String(req.params.id));
      if (!review.open) throw invalidRequest(`This review (${review.id}) is already closed.`);
      closeReviewOf(ctx, getCharge(ctx, review.charge), 'approved');
      return review;
    }),
  );

  router.get(
    '/v1/radar/early_fraud_warnings/:id',
    route(engine, (ctx, req) => {
      const warning = ctx.state.earlyFraudWarnings[String(req.params.id)];
      if (!warning) throw resourceMissing('radar.early_fraud_warning', String(req.params.id));
      return warning;
    }),
  );

  router.get(
    '/v1/radar/early_fraud_warnings',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const charge = typeof params.charge === 'string' && params.charge ? params.charge : undefined;
      const paymentIntent =
        typeof params.payment_intent === 'string' && params.payment_intent ? params.payment_intent : undefined;
      const warnings = newestFirst(ctx.state.earlyFraudWarnings).filter(
        (w) => (!charge || w.charge === charge) && (!paymentIntent || w.payment_intent === paymentIntent),
      );
      return page(warnings, req, '/v1/radar/early_fraud_warnings');
    }),
  );
  return router;
}
