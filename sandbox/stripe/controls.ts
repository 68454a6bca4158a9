import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Ctx, Engine } from './context';
import { invalidRequest, stripeErrorHandler } from './errors';
import { baseUrlOf } from './http';
import { clone } from './state';
import { getCharge } from './resources/charges';
import { getCheckoutSession, payCheckoutSession } from './resources/checkoutSessions';
import { decideDispute, getDispute, openDispute } from './resources/disputes';
import { getPayout, payoutFailureCodes, runAutomaticPayouts, settlePayout } from './resources/payouts';
import { seedBalance, seedSchema } from './resources/seed';
import { settlementSchema } from './settlement';
import { getRefund, refundFailureReasons, setNextRefundBehaviour, settleRefund } from './resources/refunds';
import { createEarlyFraudWarning, earlyFraudWarningParams } from './resources/reviews';
import { billingSettingsSchema } from './billingSettings';
import { advanceSubscription, clockReport } from './resources/billingCycle';
import { getInvoice } from './resources/invoices';
import { payInvoiceByCustomer } from './resources/subscriptions';
import { testCardByNumber } from './testCards';
import { deliverySettingsSchema, type WebhookDelivery } from './webhooks';

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success)
    throw invalidRequest(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return parsed.data;
}

/** A sandbox control: its changes are events without an API request (`request.id` null), persisted like any other. */
function control(engine: Engine, operation: (ctx: Ctx, req: Request) => unknown): RequestHandler {
  return (req, res) => {
    const ctx = engine.context(undefined, baseUrlOf(req));
    try {
      res.json(clone(operation(ctx, req)));
    } finally {
      engine.store.changed();
    }
  };
}

const payoutRunSchema = z
  .object({ now: z.number().int().optional(), currency: z.string().length(3).optional() })
  .strict();
const payoutOutcomeSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('paid') }).strict(),
  z.object({ status: z.literal('failed'), failure_code: z.enum(payoutFailureCodes).optional() }).strict(),
]);
const outcomeSchema = z.object({ status: z.enum(['won', 'lost']) }).strict();
const advanceSchema = z
  .object({
    outcome: z.enum(['paid', 'failed', 'retry_paid', 'retry_failed']).optional(),
    to: z.union([z.enum(['trial_end', 'next_period', 'next_attempt']), z.number().int().positive()]).optional(),
  })
  .strict();
const invoicePaySchema = z.object({ payment_method: z.string().min(1).optional() }).strict();
const disputeSchema = z.object({ reason: z.string().optional() }).strict();
const paySchema = z.object({ payment_method: z.string().min(1) }).strict();
const warningSchema = z.object({ fraud_type: z.string().optional(), actionable: z.boolean().optional() }).strict();
const refundOutcomeSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('succeeded') }).strict(),
  z.object({ status: z.literal('failed'), failure_reason: z.enum(refundFailureReasons).optional() }).strict(),
]);
const refundBehaviourSchema = z.object({ behaviour: z.enum(['pending', 'fail', 'succeed']) }).strict();

/**
 * Sandbox-only controls under `/__sandbox`: webhook delivery, payouts, disputes, fraud warnings, refund outcomes, billing
 * (subscription clocks, account settings, the hosted invoice page), and the hosted Checkout page (`GET /checkout/:id` shows the session, `POST /checkout/sessions/:id/pay
 * {payment_method}` pays it with a test payment method or a documented test card number).
 */
export function controlRoutes(engine: Engine, delivery: WebhookDelivery): Router {
  const router = Router();
  router.get('/delivery', (_req, res) => void res.json(delivery.current()));
  router.put('/delivery', (req, res) => void res.json(delivery.configure(parse(deliverySettingsSchema, req.body))));
  router.get('/deliveries', (_req, res) => void res.json(delivery.list()));

  router.post(
    '/payouts',
    control(engine, (ctx, req) => {
      const body = parse(payoutRunSchema, req.body);
      const payouts = runAutomaticPayouts(ctx, { availableAt: body.now, currency: body.currency?.toLowerCase() });
      return { object: 'list', data: payouts, has_more: false, url: '/__sandbox/payouts' };
    }),
  );

  // A payout's fate at the bank: a pending (manual) payout is paid; a pending or paid one fails, its money back in the balance.
  router.post(
    '/payouts/:id/outcome',
    control(engine, (ctx, req) => {
      const body = parse(payoutOutcomeSchema, req.body);
      const payout = getPayout(ctx, String(req.params.id));
      return settlePayout(
        ctx,
        payout,
        body.status === 'failed' ? { status: 'failed', failureCode: body.failure_code } : { status: 'paid' },
      );
    }),
  );

  // Many available charges at once, without events (benchmarks): `{count, currency}`.
  router.post(
    '/balance/seed',
    control(engine, (ctx, req) => seedBalance(ctx, parse(seedSchema, req.body))),
  );

  // Which currencies the account settles in, and the rates charges in other currencies are converted at.
  router.get(
    '/settlement',
    control(engine, (ctx) => ctx.state.settlement ?? null),
  );
  router.put(
    '/settlement',
    control(engine, (ctx, req) => {
      ctx.state.settlement = parse(settlementSchema, req.body);
      return ctx.state.settlement;
    }),
  );

  router.post(
    '/charges/:id/early_fraud_warning',
    control(engine, (ctx, req) => {
      const body = parse(warningSchema, req.body);
      const { fraudType, actionable } = earlyFraudWarningParams({
        fraud_type: body.fraud_type,
        actionable: body.actionable,
      });
      return createEarlyFraudWarning(ctx, String(req.params.id), fraudType, actionable);
    }),
  );

  router.post(
    '/charges/:id/dispute',
    control(engine, (ctx, req) => {
      const body = parse(disputeSchema, req.body);
      return openDispute(ctx, getCharge(ctx, String(req.params.id)), body.reason);
    }),
  );

  const decide = control(engine, (ctx, req) => {
    const body = parse(outcomeSchema, req.body);
    return decideDispute(ctx, getDispute(ctx, String(req.params.id)), body.status);
  });
  router.post('/disputes/:id/outcome', decide);
  router.post('/disputes/:id/close', decide);

  // Makes the next refund of the charge `pending`, `fail` (succeeds, then fails when settled) or `succeed`, whatever the card.
  router.post(
    '/charges/:id/refund_behaviour',
    control(engine, (ctx, req) => {
      const body = parse(refundBehaviourSchema, req.body);
      return setNextRefundBehaviour(ctx, getCharge(ctx, String(req.params.id)), body.behaviour);
    }),
  );

  // Settles a pending refund, or fails one that is set to fail.
  router.post(
    '/refunds/:id/outcome',
    control(engine, (ctx, req) => {
      const body = parse(refundOutcomeSchema, req.body);
      const refund = getRefund(ctx, String(req.params.id));
      return settleRefund(
        ctx,
        refund,
        body.status === 'failed' ? { status: 'failed', failureReason: body.failure_reason } : { status: 'succeeded' },
      );
    }),
  );

  // Moves the subscription's own clock forward (see billingCycle.ts): `{outcome?, to?}`.
  router.post(
    '/subscriptions/:id/advance',
    control(engine, (ctx, req) => {
      const body = parse(advanceSchema, req.body);
      return advanceSubscription(ctx, String(req.params.id), body);
    }),
  );
  router.get(
    '/subscriptions/:id/clock',
    control(engine, (ctx, req) => clockReport(ctx, String(req.params.id))),
  );

  // Stripe Billing's account settings: retry schedule, what the last failed retry does, `invoice.upcoming` notice.
  router.get('/billing', (_req, res) => void res.json(engine.billing));
  router.put(
    '/billing',
    control(engine, (_ctx, req) => {
      engine.billing = { ...engine.billing, ...parse(billingSettingsSchema.partial().strict(), req.body) };
      return engine.billing;
    }),
  );

  // The hosted invoice page (`hosted_invoice_url`): shows the invoice; paying it is the customer paying there.
  router.get(
    '/invoices/:id',
    control(engine, (ctx, req) => getInvoice(ctx, String(req.params.id))),
  );
  router.post(
    '/invoices/:id/pay',
    control(engine, (ctx, req) => {
      const body = parse(invoicePaySchema, req.body);
      const paymentMethod = body.payment_method
        ? (testCardByNumber(body.payment_method) ?? body.payment_method)
        : undefined;
      return payInvoiceByCustomer(ctx, getInvoice(ctx, String(req.params.id)), paymentMethod);
    }),
  );

  router.post(
    '/checkout/sessions/:id/pay',
    control(engine, (ctx, req) => {
      const body = parse(paySchema, req.body);
      const paymentMethod = testCardByNumber(body.payment_method) ?? body.payment_method;
      const { session, result } = payCheckoutSession(ctx, String(req.params.id), paymentMethod);
      if (result.error) throw result.error;
      return session;
    }),
  );

  router.get(
    '/checkout/:id',
    control(engine, (ctx, req) => getCheckoutSession(ctx, String(req.params.id))),
  );

  router.use(stripeErrorHandler);
  return router;
}
