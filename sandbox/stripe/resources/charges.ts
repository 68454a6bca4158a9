import { Router } from 'express';
import type { Ctx, Engine } from '../context';
import { resourceMissing } from '../errors';
import { changedFields } from '../events';
import { route } from '../http';
import { newId } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import { applyMetadata, nullableString, paramsOf } from '../params';
import { clone } from '../state';
import type { TestCard } from '../testCards';
import type { Charge, Outcome, PaymentIntent, PaymentMethod } from '../types';
import { recordChargeTransaction } from './balance';

const defaultRiskScore = 20;

/** `metadata[sandbox_risk_score]=NN` on the payment intent sets the Radar score (≥65 elevated, ≥75 highest). */
function riskOf(test: TestCard, metadata: Record<string, string>): Pick<Outcome, 'risk_level' | 'risk_score'> {
  const override = metadata.sandbox_risk_score;
  if (override !== undefined && /^\d{1,2}$/.test(override)) {
    const score = Number(override);
    return { risk_score: score, risk_level: score >= 75 ? 'highest' : score >= 65 ? 'elevated' : 'normal' };
  }
  return { risk_level: test.riskLevel ?? 'normal', risk_score: test.riskScore ?? defaultRiskScore };
}

function outcomeOf(test: TestCard, metadata: Record<string, string>): Outcome {
  const risk = riskOf(test, metadata);
  if (test.decline) {
    return {
      network_status: 'declined_by_network',
      reason: test.decline.reason,
      ...risk,
      seller_message: test.decline.sellerMessage,
      type: 'issuer_declined',
    };
  }
  if (risk.risk_level !== 'normal') {
    return {
      network_status: 'approved_by_network',
      reason: `${risk.risk_level}_risk_level`,
      ...risk,
      seller_message: `Stripe evaluated this payment as having ${risk.risk_level} risk, and placed it in your manual review queue.`,
      type: 'manual_review',
    };
  }
  return {
    network_status: 'approved_by_network',
    reason: null,
    ...risk,
    seller_message: 'Payment complete.',
    type: 'authorized',
  };
}

/** The charge for one confirmation attempt of a payment intent: succeeded (with its balance transaction) or failed. */
export function createCharge(
  ctx: Ctx,
  intent: PaymentIntent,
  method: PaymentMethod,
  test: TestCard,
  capture: boolean,
): Charge {
  const outcome = outcomeOf(test, intent.metadata);
  const succeeded = !test.decline;
  const captured = succeeded && capture;
  const charge: Charge = {
    id: newId('ch'),
    object: 'charge',
    livemode: false,
    created: ctx.now(),
    amount: intent.amount,
    amount_captured: captured ? intent.amount : 0,
    amount_refunded: 0,
    balance_transaction: null,
    billing_details: clone(method.billing_details),
    captured,
    currency: intent.currency,
    customer: intent.customer,
    description: intent.description,
    disputed: false,
    failure_code: test.decline?.code ?? null,
    failure_message: test.decline?.message ?? null,
    invoice: intent.invoice ?? null,
    metadata: { ...intent.metadata },
    outcome,
    paid: succeeded,
    payment_intent: intent.id,
    payment_method: method.id,
    payment_method_details: {
      card: {
        ...method.card,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      },
      type: 'card',
    },
    receipt_email: intent.receipt_email,
    refunded: false,
    review: null,
    status: succeeded ? 'succeeded' : 'failed',
  };
  ctx.state.charges[charge.id] = charge;
  if (captured)
    charge.balance_transaction = recordChargeTransaction(
      ctx,
      charge.id,
      charge.amount,
      charge.currency,
      charge.description,
    ).id;
  return charge;
}

/** Captures an authorised (manual-capture) charge; the uncaptured rest is released as a refund would be. */
export function captureCharge(ctx: Ctx, charge: Charge, amount: number): void {
  charge.captured = true;
  charge.amount_captured = amount;
  charge.balance_transaction = recordChargeTransaction(ctx, charge.id, amount, charge.currency, charge.description).id;
  if (amount < charge.amount) {
    charge.amount_refunded = charge.amount - amount;
  }
}

export function getCharge(ctx: Ctx, id: string, param = 'id'): Charge {
  const charge = ctx.state.charges[id];
  if (!charge) throw resourceMissing('charge', id, param);
  return charge;
}

/** Charges: retrieve, update (description, metadata), list (filters `payment_intent`, `customer`, `created`). */
export function chargeRoutes(engine: Engine): Router {
  const router = Router();
  router.get(
    '/v1/charges/:id',
    route(engine, (ctx, req) => getCharge(ctx, String(req.params.id))),
  );

  router.post(
    '/v1/charges/:id',
    route(engine, (ctx, req) => {
      const charge = getCharge(ctx, String(req.params.id));
      const before = clone(charge);
      const params = paramsOf(req);
      const description = nullableString(params, 'description');
      if (description !== undefined) charge.description = description;
      charge.metadata = applyMetadata(charge.metadata, params);
      const previous = changedFields(before, charge);
      if (Object.keys(previous).length > 0) ctx.emit('charge.updated', charge, previous);
      return charge;
    }),
  );

  router.get(
    '/v1/charges',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const paymentIntent =
        typeof params.payment_intent === 'string' && params.payment_intent ? params.payment_intent : undefined;
      const customer = typeof params.customer === 'string' && params.customer ? params.customer : undefined;
      const matchesCreated = createdFilter(params);
      const charges = newestFirst(ctx.state.charges).filter(
        (c) =>
          (!paymentIntent || c.payment_intent === paymentIntent) &&
          (!customer || c.customer === customer) &&
          matchesCreated(c.created),
      );
      return page(charges, req, '/v1/charges');
    }),
  );
  return router;
}
