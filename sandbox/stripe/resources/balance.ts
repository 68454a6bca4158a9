import { Router } from 'express';
import type { Ctx, Engine } from '../context';
import { invalidRequest, resourceMissing } from '../errors';
import { route } from '../http';
import { newId } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import { disputeFeeMinor, processingFeeMinor } from '../money';
import { paramsOf } from '../params';
import { conversionFeeMinor, settle } from '../settlement';
import type { BalanceTransaction, FeeDetail } from '../types';

const day = 24 * 60 * 60;

interface NewTransaction {
  amount: number;
  currency: string;
  fee?: number;
  feeDescription?: string;
  /** Further fees (a currency conversion), each its own `fee_details` row. */
  extraFees?: Array<{ amount: number; description: string }>;
  exchangeRate?: number | null;
  type: BalanceTransaction['type'];
  reportingCategory: string;
  source: string;
  description: string | null;
  /** Card funds settle two days later (at midnight UTC); everything else is available at once. */
  settlesLater?: boolean;
}

function record(ctx: Ctx, input: NewTransaction): BalanceTransaction {
  const created = ctx.now();
  const fees = [
    { amount: input.fee ?? 0, description: input.feeDescription ?? 'Stripe processing fees' },
    ...(input.extraFees ?? []),
  ].filter((f) => f.amount !== 0);
  const feeDetails: FeeDetail[] = fees.map((f) => ({
    amount: f.amount,
    application: null,
    currency: input.currency,
    description: f.description,
    type: 'stripe_fee',
  }));
  const fee = fees.reduce((sum, f) => sum + f.amount, 0);
  const transaction: BalanceTransaction = {
    id: newId('txn'),
    object: 'balance_transaction',
    livemode: false,
    created,
    amount: input.amount,
    available_on: input.settlesLater ? created - (created % day) + 2 * day : created,
    currency: input.currency,
    description: input.description,
    exchange_rate: input.exchangeRate ?? null,
    fee,
    fee_details: feeDetails,
    net: input.amount - fee,
    reporting_category: input.reportingCategory,
    source: input.source,
    status: input.settlesLater ? 'pending' : 'available',
    type: input.type,
  };
  ctx.state.balanceTransactions[transaction.id] = transaction;
  return transaction;
}

/** Money presented in `currency` as it reaches the balance: converted into the settlement currency when the account needs it. */
function settled(
  ctx: Ctx,
  amount: number,
  currency: string,
): Pick<NewTransaction, 'amount' | 'currency' | 'exchangeRate'> {
  const {
    amount: settledAmount,
    currency: settledCurrency,
    exchangeRate,
  } = settle(ctx.state.settlement, amount, currency);
  return { amount: settledAmount, currency: settledCurrency, exchangeRate };
}

/**
 * A succeeded charge: the amount in, Stripe's processing fee (from the per-currency table) out. A charge presented in a
 * currency the account does not settle in is converted first; the fee is taken on the converted amount, with Stripe's
 * currency-conversion fee as a second fee row.
 */
export function recordChargeTransaction(
  ctx: Ctx,
  chargeId: string,
  amount: number,
  currency: string,
  description: string | null,
): BalanceTransaction {
  const money = settled(ctx, amount, currency);
  const conversion =
    money.exchangeRate === null || money.exchangeRate === undefined
      ? 0
      : conversionFeeMinor(ctx.state.settlement, money.amount);
  return record(ctx, {
    ...money,
    fee: processingFeeMinor(money.amount, money.currency),
    type: 'charge',
    reportingCategory: 'charge',
    extraFees: conversion ? [{ amount: conversion, description: 'Currency conversion fee' }] : [],
    source: chargeId,
    description,
    settlesLater: true,
  });
}

export function recordRefundTransaction(
  ctx: Ctx,
  refundId: string,
  amount: number,
  currency: string,
): BalanceTransaction {
  return record(ctx, {
    ...settled(ctx, -amount, currency),
    type: 'refund',
    reportingCategory: 'refund',
    source: refundId,
    description: 'REFUND FOR CHARGE',
  });
}

/** A refund that failed gives its amount back: a `refund_failure` transaction reversing the refund's own. */
export function recordRefundFailureTransaction(
  ctx: Ctx,
  refundId: string,
  amount: number,
  currency: string,
): BalanceTransaction {
  return record(ctx, {
    ...settled(ctx, amount, currency),
    type: 'refund_failure',
    reportingCategory: 'refund_failure',
    source: refundId,
    description: 'REFUND FAILURE',
  });
}

/** A dispute takes the disputed amount and the dispute fee; winning it gives the amount back (the fee stays). */
export function recordDisputeTransaction(
  ctx: Ctx,
  disputeId: string,
  amount: number,
  currency: string,
  reinstated: boolean,
): BalanceTransaction {
  if (reinstated) {
    return record(ctx, {
      ...settled(ctx, amount, currency),
      type: 'adjustment',
      reportingCategory: 'dispute_reversal',
      source: disputeId,
      description: `Chargeback reversal for ${disputeId}`,
    });
  }
  const money = settled(ctx, -amount, currency);
  return record(ctx, {
    ...money,
    fee: disputeFeeMinor(money.currency),
    feeDescription: 'Dispute fee',
    type: 'adjustment',
    reportingCategory: 'dispute',
    source: disputeId,
    description: `Chargeback withdrawal for ${disputeId}`,
  });
}

export function recordPayoutTransaction(
  ctx: Ctx,
  payoutId: string,
  amount: number,
  currency: string,
): BalanceTransaction {
  return record(ctx, {
    amount: -amount,
    currency,
    type: 'payout',
    reportingCategory: 'payout',
    source: payoutId,
    description: 'STRIPE PAYOUT',
  });
}

/** A payout that failed (the bank returned it) or was canceled gives its amount back to the balance, available at once. */
export function recordPayoutReturnTransaction(
  ctx: Ctx,
  payoutId: string,
  amount: number,
  currency: string,
  how: 'failed' | 'canceled',
): BalanceTransaction {
  return record(ctx, {
    amount,
    currency,
    type: how === 'failed' ? 'payout_failure' : 'payout_cancel',
    reportingCategory: 'payout_reversal',
    source: payoutId,
    description: how === 'failed' ? 'STRIPE PAYOUT FAILURE' : 'STRIPE PAYOUT CANCEL',
  });
}

interface BalanceAmount {
  amount: number;
  currency: string;
  source_types: { card: number };
}

function totals(transactions: BalanceTransaction[]): BalanceAmount[] {
  const byCurrency = new Map<string, number>();
  for (const t of transactions) byCurrency.set(t.currency, (byCurrency.get(t.currency) ?? 0) + t.net);
  return [...byCurrency].map(([currency, amount]) => ({ amount, currency, source_types: { card: amount } }));
}

/** `GET /v1/balance_transactions` (filters `payout`, `type`, `source`, `currency`, `created`), `/:id`, `GET /v1/balance`. */
export function balanceRoutes(engine: Engine): Router {
  const router = Router();
  router.get(
    '/v1/balance_transactions/:id',
    route(engine, (ctx, req) => {
      const transaction = ctx.state.balanceTransactions[String(req.params.id)];
      if (!transaction) throw resourceMissing('balance_transaction', String(req.params.id));
      return transaction;
    }),
  );

  router.get(
    '/v1/balance_transactions',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const text = (name: string) =>
        typeof params[name] === 'string' && params[name] !== '' ? (params[name] as string) : undefined;
      const [payout, type, source, currency] = [text('payout'), text('type'), text('source'), text('currency')];
      if (payout && !ctx.state.payouts[payout]) throw resourceMissing('payout', payout, 'payout');
      // Stripe knows which transactions an automatic payout swept; a manual one is reconciled by its dates instead.
      if (payout && !ctx.state.payouts[payout]!.automatic) {
        throw invalidRequest('Balance transaction history can only be filtered on automatic transfers, not manual.', {
          param: 'payout',
        });
      }
      const matchesCreated = createdFilter(params);
      const transactions = newestFirst(ctx.state.balanceTransactions).filter(
        (t) =>
          (!payout || ctx.state.payoutOf[t.id] === payout) &&
          (!type || t.type === type) &&
          (!source || t.source === source) &&
          (!currency || t.currency === currency) &&
          matchesCreated(t.created),
      );
      return page(transactions, req, '/v1/balance_transactions');
    }),
  );

  router.get(
    '/v1/balance',
    route(engine, (ctx) => {
      const all = Object.values(ctx.state.balanceTransactions);
      return {
        object: 'balance',
        available: totals(all.filter((t) => t.status === 'available')),
        pending: totals(all.filter((t) => t.status === 'pending')),
        livemode: false,
      };
    }),
  );
  return router;
}
