import { Router } from 'express';
import type { Ctx, Engine } from '../context';
import { resourceMissing } from '../errors';
import { route } from '../http';
import { newId, randomText } from '../ids';
import { isTestCard, testCards, type TestCard } from '../testCards';
import type { BillingDetails, PaymentMethod } from '../types';

export function emptyBillingDetails(email: string | null = null): BillingDetails {
  return {
    address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
    email,
    name: null,
    phone: null,
  };
}

/**
 * Resolves a `payment_method` parameter: a test id (`pm_card_visa`) becomes a new stored `pm_…` as Stripe
 * does; a stored one is used as is.
 */
export function resolvePaymentMethod(
  ctx: Ctx,
  id: string,
  customer: string | null,
  param = 'payment_method',
): PaymentMethod {
  const stored = ctx.state.paymentMethods[id];
  if (stored) return stored;
  if (!isTestCard(id)) throw resourceMissing('PaymentMethod', id, param);
  const test = testCards[id] as TestCard;
  const method: PaymentMethod = {
    id: newId('pm'),
    object: 'payment_method',
    livemode: false,
    created: ctx.now(),
    type: 'card',
    billing_details: emptyBillingDetails(),
    card: { ...test.card, fingerprint: randomText(16) },
    customer,
    metadata: {},
  };
  ctx.state.paymentMethods[method.id] = method;
  ctx.state.testCardOf[method.id] = id;
  return method;
}

/** The test behaviour behind a stored payment method. */
export function behaviourOf(ctx: Ctx, paymentMethodId: string): TestCard {
  return testCards[ctx.state.testCardOf[paymentMethodId] ?? 'pm_card_visa'] ?? (testCards.pm_card_visa as TestCard);
}

export function paymentMethodRoutes(engine: Engine): Router {
  const router = Router();
  router.get(
    '/v1/payment_methods/:id',
    route(engine, (ctx, req) => {
      const method = ctx.state.paymentMethods[String(req.params.id)];
      if (!method) throw resourceMissing('PaymentMethod', String(req.params.id));
      return method;
    }),
  );
  return router;
}
