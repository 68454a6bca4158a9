import { Router } from 'express';
import type { Ctx, Engine } from '../context';
import { invalidRequest, resourceMissing } from '../errors';
import { route } from '../http';
import { newId } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import { formatAmount } from '../money';
import { applyMetadata, optionalString, paramsOf, requiredInteger, requiredString } from '../params';
import type { BalanceTransaction, Payout } from '../types';
import { recordPayoutReturnTransaction, recordPayoutTransaction } from './balance';
import { validateCurrency } from './payments';

export interface PayoutRun {
  /** Unix seconds: only funds whose `available_on` has passed become available; omitted = all pending funds. */
  availableAt?: number;
  currency?: string;
}

/** Why a payout failed, as Stripe words it (`failure_code` → `failure_message`). */
const failureMessages: Record<string, string> = {
  account_closed: 'The bank account has been closed.',
  account_frozen: 'The bank account has been frozen.',
  could_not_process: 'The bank could not process this payout.',
  insufficient_funds: 'Your Stripe account has insufficient funds to cover the payout.',
  invalid_account_number: 'The routing number seems correct, but the account number is invalid.',
  no_account:
    'The bank account details on file are probably incorrect. No bank account could be located with those details.',
};
export const payoutFailureCodes = Object.keys(failureMessages) as [string, ...string[]];

function newPayout(
  ctx: Ctx,
  amount: number,
  currency: string,
  automatic: boolean,
  extra: Partial<Payout> = {},
): Payout {
  const id = newId('po');
  const payout: Payout = {
    id,
    object: 'payout',
    livemode: false,
    created: ctx.now(),
    amount,
    arrival_date: ctx.now(),
    automatic,
    balance_transaction: recordPayoutTransaction(ctx, id, amount, currency).id,
    currency,
    description: 'STRIPE PAYOUT',
    destination: 'ba_sandbox_bank_account',
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    metadata: {},
    method: 'standard',
    reconciliation_status: automatic ? 'in_progress' : 'not_applicable',
    source_type: 'card',
    statement_descriptor: null,
    status: 'pending',
    type: 'bank_account',
    ...extra,
  };
  ctx.state.payouts[id] = payout;
  return payout;
}

/** A payout's own balance transaction is not swept by an automatic payout: it is the payout. */
function isAutomaticPayoutsOwn(ctx: Ctx, t: BalanceTransaction): boolean {
  return t.type === 'payout' && ctx.state.payouts[t.source]?.automatic === true;
}

/**
 * Stripe's automatic payout, run on demand: pending funds become available, then per currency every
 * available transaction not yet paid out is swept into one payout whose amount is the sum of their `net`.
 * A currency whose sweep would be zero or negative gets no payout (its transactions wait for the next run).
 * Manual payouts and the money of failed or canceled payouts are swept like any other movement of the balance.
 */
export function runAutomaticPayouts(ctx: Ctx, run: PayoutRun = {}): Payout[] {
  const transactions = Object.values(ctx.state.balanceTransactions);
  for (const t of transactions) {
    if (t.status === 'pending' && (run.availableAt === undefined || t.available_on <= run.availableAt))
      t.status = 'available';
  }
  const sweepable = new Map<string, BalanceTransaction[]>();
  for (const t of transactions) {
    if (
      t.status !== 'available' ||
      isAutomaticPayoutsOwn(ctx, t) ||
      ctx.state.payoutOf[t.id] ||
      (run.currency && t.currency !== run.currency)
    )
      continue;
    const swept = sweepable.get(t.currency) ?? [];
    swept.push(t);
    sweepable.set(t.currency, swept);
  }
  const payouts: Payout[] = [];
  for (const [currency, swept] of sweepable) {
    const amount = swept.reduce((sum, t) => sum + t.net, 0);
    if (amount <= 0) continue;
    const payout = newPayout(ctx, amount, currency, true);
    for (const t of swept) ctx.state.payoutOf[t.id] = payout.id;
    ctx.emit('payout.created', payout);
    payout.status = 'paid';
    ctx.emit('payout.paid', payout, { status: 'pending' });
    payout.reconciliation_status = 'completed';
    ctx.emit('payout.reconciliation_completed', payout, { reconciliation_status: 'in_progress' });
    payouts.push(payout);
  }
  return payouts;
}

/** The available balance in one currency: every available movement, payouts included. */
function availableBalance(ctx: Ctx, currency: string): number {
  return Object.values(ctx.state.balanceTransactions)
    .filter((t) => t.status === 'available' && t.currency === currency)
    .reduce((sum, t) => sum + t.net, 0);
}

export function getPayout(ctx: Ctx, id: string): Payout {
  const payout = ctx.state.payouts[id];
  if (!payout) throw resourceMissing('payout', id);
  return payout;
}

/**
 * A payout's fate at the bank: a pending payout is `paid`; a pending or paid one `failed` (the bank returned it, which
 * can happen days after `payout.paid`), its amount coming back to the balance as a `payout_failure` transaction.
 */
export function settlePayout(
  ctx: Ctx,
  payout: Payout,
  outcome: { status: 'paid' } | { status: 'failed'; failureCode?: string },
): Payout {
  if (outcome.status === 'paid') {
    if (payout.status !== 'pending' && payout.status !== 'in_transit')
      throw invalidRequest(`Payout ${payout.id} is ${payout.status}; only a pending payout can be paid.`);
    payout.status = 'paid';
    ctx.emit('payout.paid', payout, { status: 'pending' });
    return payout;
  }
  if (payout.status === 'failed' || payout.status === 'canceled')
    throw invalidRequest(`Payout ${payout.id} is already ${payout.status}.`);
  const previous = {
    status: payout.status,
    failure_code: null,
    failure_message: null,
    failure_balance_transaction: null,
  };
  const code = outcome.failureCode ?? 'account_closed';
  payout.status = 'failed';
  payout.failure_code = code;
  payout.failure_message = failureMessages[code] ?? 'The payout failed.';
  payout.failure_balance_transaction = recordPayoutReturnTransaction(
    ctx,
    payout.id,
    payout.amount,
    payout.currency,
    'failed',
  ).id;
  ctx.emit('payout.failed', payout, previous);
  return payout;
}

/**
 * Payouts: a manual payout (`POST /v1/payouts`, pending until the sandbox settles it), cancel a pending one, retrieve
 * and list (filters `status`, `created`).
 */
export function payoutRoutes(engine: Engine): Router {
  const router = Router();
  router.post(
    '/v1/payouts',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const currency = validateCurrency(requiredString(params, 'currency'));
      const amount = requiredInteger(params, 'amount', 1);
      const available = availableBalance(ctx, currency);
      if (amount > available) {
        throw invalidRequest(
          `You have insufficient funds in your Stripe account for this payout. Your available balance is ${formatAmount(available, currency)}.`,
          { code: 'balance_insufficient' },
        );
      }
      const payout = newPayout(ctx, amount, currency, false, {
        description: optionalString(params, 'description') ?? 'STRIPE PAYOUT',
        metadata: applyMetadata({}, params),
      });
      ctx.emit('payout.created', payout);
      return payout;
    }),
  );
  router.post(
    '/v1/payouts/:id/cancel',
    route(engine, (ctx, req) => {
      const payout = getPayout(ctx, String(req.params.id));
      if (payout.status !== 'pending') {
        throw invalidRequest(`Payouts can only be canceled while they are pending. This payout is ${payout.status}.`, {
          code: 'payout_not_cancelable',
        });
      }
      payout.status = 'canceled';
      payout.failure_balance_transaction = recordPayoutReturnTransaction(
        ctx,
        payout.id,
        payout.amount,
        payout.currency,
        'canceled',
      ).id;
      ctx.emit('payout.canceled', payout, { status: 'pending', failure_balance_transaction: null });
      return payout;
    }),
  );
  router.get(
    '/v1/payouts/:id',
    route(engine, (ctx, req) => getPayout(ctx, String(req.params.id))),
  );
  router.get(
    '/v1/payouts',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const status = typeof params.status === 'string' && params.status ? params.status : undefined;
      const matchesCreated = createdFilter(params);
      return page(
        newestFirst(ctx.state.payouts).filter((p) => (!status || p.status === status) && matchesCreated(p.created)),
        req,
        '/v1/payouts',
      );
    }),
  );
  return router;
}
