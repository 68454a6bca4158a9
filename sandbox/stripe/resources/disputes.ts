import { Router } from 'express';
import type { Ctx, Engine } from '../context';
import { invalidRequest, resourceMissing } from '../errors';
import { changedFields } from '../events';
import { route } from '../http';
import { newId } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import { applyMetadata, optionalObject, paramsOf } from '../params';
import { clone } from '../state';
import type { Charge, Dispute } from '../types';
import { recordDisputeTransaction } from './balance';
import { closeReviewOf, settleFraudWarningsOf } from './reviews';

const evidenceWindowSeconds = 7 * 24 * 60 * 60;

/** The cardholder disputes the charge: funds and the dispute fee are withdrawn at once. */
export function openDispute(ctx: Ctx, charge: Charge, reason = 'fraudulent'): Dispute {
  if (charge.status !== 'succeeded')
    throw invalidRequest(`Charge ${charge.id} did not succeed and cannot be disputed.`);
  if (charge.disputed)
    throw invalidRequest(`Charge ${charge.id} has already been disputed.`, { code: 'charge_disputed' });
  const amount = charge.amount - charge.amount_refunded;
  const dispute: Dispute = {
    id: newId('dp'),
    object: 'dispute',
    livemode: false,
    created: ctx.now(),
    amount,
    balance_transactions: [],
    charge: charge.id,
    currency: charge.currency,
    evidence: {},
    evidence_details: {
      due_by: ctx.now() + evidenceWindowSeconds,
      has_evidence: false,
      past_due: false,
      submission_count: 0,
    },
    is_charge_refundable: false,
    metadata: {},
    payment_intent: charge.payment_intent,
    reason,
    status: 'needs_response',
  };
  dispute.balance_transactions.push(recordDisputeTransaction(ctx, dispute.id, amount, charge.currency, false));
  ctx.state.disputes[dispute.id] = dispute;
  charge.disputed = true;
  ctx.emit('charge.dispute.created', dispute);
  ctx.emit('charge.dispute.funds_withdrawn', dispute);
  closeReviewOf(ctx, charge, 'disputed');
  settleFraudWarningsOf(ctx, charge.id);
  return dispute;
}

export function getDispute(ctx: Ctx, id: string): Dispute {
  const dispute = ctx.state.disputes[id];
  if (!dispute) throw resourceMissing('dispute', id);
  return dispute;
}

/** Decides a dispute: `won` gives the disputed amount back (a positive adjustment), `lost` keeps the withdrawal. */
export function decideDispute(ctx: Ctx, dispute: Dispute, status: 'won' | 'lost'): Dispute {
  if (dispute.status === 'won' || dispute.status === 'lost') {
    throw invalidRequest(`This dispute (${dispute.id}) is already closed with status ${dispute.status}.`);
  }
  const before = clone(dispute);
  dispute.status = status;
  if (status === 'won') {
    dispute.balance_transactions.push(
      recordDisputeTransaction(ctx, dispute.id, dispute.amount, dispute.currency, true),
    );
    ctx.emit('charge.dispute.funds_reinstated', dispute);
  }
  ctx.emit('charge.dispute.closed', dispute, changedFields(before, dispute));
  return dispute;
}

/** Disputes: retrieve, list (filters `charge`, `payment_intent`), update (evidence, metadata), close (accept the loss). */
export function disputeRoutes(engine: Engine): Router {
  const router = Router();
  router.get(
    '/v1/disputes/:id',
    route(engine, (ctx, req) => getDispute(ctx, String(req.params.id))),
  );

  router.get(
    '/v1/disputes',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const charge = typeof params.charge === 'string' && params.charge ? params.charge : undefined;
      const paymentIntent =
        typeof params.payment_intent === 'string' && params.payment_intent ? params.payment_intent : undefined;
      const matchesCreated = createdFilter(params);
      const disputes = newestFirst(ctx.state.disputes).filter(
        (d) =>
          (!charge || d.charge === charge) &&
          (!paymentIntent || d.payment_intent === paymentIntent) &&
          matchesCreated(d.created),
      );
      return page(disputes, req, '/v1/disputes');
    }),
  );

  router.post(
    '/v1/disputes/:id',
    route(engine, (ctx, req) => {
      const dispute = getDispute(ctx, String(req.params.id));
      const before = clone(dispute);
      const params = paramsOf(req);
      const evidence = optionalObject(params, 'evidence');
      if (evidence) {
        dispute.evidence = { ...dispute.evidence, ...evidence };
        dispute.evidence_details.has_evidence = true;
      }
      dispute.metadata = applyMetadata(dispute.metadata, params);
      if (params.submit === 'true' && dispute.status === 'needs_response') {
        dispute.status = 'under_review';
        dispute.evidence_details.submission_count += 1;
      }
      const previous = changedFields(before, dispute);
      if (Object.keys(previous).length > 0) ctx.emit('charge.dispute.updated', dispute, previous);
      return dispute;
    }),
  );

  router.post(
    '/v1/disputes/:id/close',
    route(engine, (ctx, req) => decideDispute(ctx, getDispute(ctx, String(req.params.id)), 'lost')),
  );
  return router;
}
