import { Router } from 'express';
import type { Ctx, Engine } from '../context';
import { resourceMissing } from '../errors';
import { route } from '../http';
import { newId } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import { paramsOf } from '../params';
import type { BalanceTransaction, Payout } from '../types';
import { recordPayoutTransaction } from './balance';

export interface PayoutRun {
  /** Unix seconds: only funds whose `available_on` has passed become available; omitted = all pending funds. */
  availableAt?: number;
  currency?: string;
}

/**
 * Stripe's automatic payout, run on demand: pending funds become available, then per currency every
 * available transaction not yet paid out is swept into one payout whose amount is the sum of their `net`.
 * A currency whose sweep would be zero or negative gets no payout (its transactions wait for the next run).
 */
export function runAutomaticPayouts(ctx: Ctx, run: PayoutRun = {}): Payout[] {
  const transactions = Object.values(ctx.state.balanceTransactions);
  for (const t of transactions) {
    if (t.status === 'pending' && (run.availableAt === undefined || t.available_on <= run.availableAt)) t.status = 'available';
  }
  const sweepable = new Map<string, BalanceTransaction[]>();
  for (const t of transactions) {
    if (t.status !== 'available' || t.type === 'payout' || ctx.state.payoutOf[t.id] || (run.currency && t.currency !== run.currency)) continue;
    sweepable.set(t.currency, [...(sweepable.get(t.currency) ?? []), t]);
  }
  const payouts: Payout[] = [];
  for (const [currency, swept] of sweepable) {
    const amount = swept.reduce((sum, t) => sum + t.net, 0);
    if (amount <= 0) continue;
    const id = newId('po');
    const payout: Payout = {
      id, object: 'payout', livemode: false, created: ctx.now(), amount, arrival_date: ctx.now(), automatic: true,
      balance_transaction: recordPayoutTransaction(ctx, id, amount, currency).id, currency,
      description: 'STRIPE PAYOUT', destination: 'ba_sandbox_bank_account', failure_balance_transaction: null, failure_code: null,
      failure_message: null, metadata: {}, method: 'standard', reconciliation_status: 'in_progress', source_type: 'card',
      statement_descriptor: null, status: 'pending', type: 'bank_account',
    };
    ctx.state.payouts[id] = payout;
    for (const t of swept) ctx.state.payoutOf[t.id] = id;
    ctx.emit('payout.created', payout);
    payout.status = 'paid';
    ctx.emit('payout.paid', payout, { status: 'pending' });
    payout.reconciliation_status = 'completed';
    ctx.emit('payout.reconciliation_completed', payout, { reconciliation_status: 'in_progress' });
    payouts.push(payout);
  }
  return payouts;
}

/** Payouts: retrieve and list (filters `status`, `created`). */
export function payoutRoutes(engine: Engine): Router {
  const router = Router();
  router.get('/v1/payouts/:id', route(engine, (ctx, req) => {
    const payout = ctx.state.payouts[String(req.params.id)];
    if (!payout) throw resourceMissing('payout', String(req.params.id));
    return payout;
  }));
  router.get('/v1/payouts', route(engine, (ctx, req) => {
    const params = paramsOf(req);
    const status = typeof params.status === 'string' && params.status ? params.status : undefined;
    const matchesCreated = createdFilter(params);
    return page(newestFirst(ctx.state.payouts).filter((p) => (!status || p.status === status) && matchesCreated(p.created)), req, '/v1/payouts');
  }));
  return router;
}
