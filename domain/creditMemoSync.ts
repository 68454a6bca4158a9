import { MappingError } from './fulfilment';
import { defaultOverlapMs, updatedAtCursor, type PagePosition, type UpdatedAtCursor } from './updatedAtCursor';
import {
  hasAnyMarker,
  magentoDateTime,
  magentoDateTimeMs,
  type MagentoCreditMemo,
  type MagentoInvoice,
  type MagentoOrder,
} from './magento';
import { MoneyError, normalizeCurrency, toMinor } from './money';

/**
 * Refunds made in Magento: a credit memo staff create in the admin becomes a Stripe refund. Pure parts: who made a
 * memo, its compact snapshot, which Stripe payment an order was paid with, and the cursor the sync keeps between runs.
 */

/** Who made a credit memo, as far as money is concerned. */
export type CreditMemoOrigin =
  /** Staff in the admin, offline: the customer has not been paid back; the sync refunds it in Stripe. */
  | 'staff'
  /** The product's own (a Stripe refund recorded, an order reversed): a comment carries an `[o2c:…]` marker. */
  | 'ours'
  /** Refunded online by a payment module (the official Stripe module): it has a transaction id. */
  | 'online';

/** A credit memo as the sync and its per-memo runs need it; money in minor units. */
export interface CreditMemoSnapshot {
  creditMemoId: number;
  orderEntityId: number;
  /** The order's increment id (what Stripe metadata names); absent when Magento has no such order. */
  incrementId?: string;
  grandTotalMinor: number;
  /** ISO 4217, upper case. */
  currency: string;
  origin: CreditMemoOrigin;
  /** The payment module's refund id, on an online memo. */
  transactionId?: string;
  createdAt?: string;
  /** Magento's UTC `YYYY-MM-DD HH:MM:SS`. */
  updatedAt: string;
  /** Set by a listing when the memo's amount could not be read: its own run reads it again and parks with the reason. */
  problem?: string;
}

export function creditMemoOrigin(memo: MagentoCreditMemo): CreditMemoOrigin {
  if ((memo.comments ?? []).some((c) => hasAnyMarker(c.comment))) return 'ours';
  if (memo.transaction_id) return 'online';
  return 'staff';
}

/** `updated_at` (or `created_at`) in Magento's own format, so equal instants compare equal as text; undefined when unreadable. */
function updatedAtOf(memo: MagentoCreditMemo): string | undefined {
  const ms = magentoDateTimeMs(memo.updated_at ?? memo.created_at ?? '');
  return Number.isNaN(ms) ? undefined : magentoDateTime(ms);
}

/** The snapshot of a memo; a memo without a currency, an amount or a date is refused as bad data. */
export function creditMemoSnapshotOf(memo: MagentoCreditMemo, incrementId: string | undefined): CreditMemoSnapshot {
  const what = `Magento credit memo ${memo.entity_id}`;
  const updatedAt = updatedAtOf(memo);
  if (!updatedAt)
    throw new MappingError(`${what} has no readable updated_at (got ${JSON.stringify(memo.updated_at ?? null)})`);
  if (!memo.order_currency_code) throw new MappingError(`${what} names no currency (order_currency_code)`);
  if (memo.grand_total === undefined || memo.grand_total === null) throw new MappingError(`${what} has no grand_total`);
  const currency = normalizeCurrency(memo.order_currency_code);
  return {
    creditMemoId: memo.entity_id,
    orderEntityId: memo.order_id,
    ...(incrementId ? { incrementId } : {}),
    grandTotalMinor: toMinor(memo.grand_total, currency),
    currency,
    origin: creditMemoOrigin(memo),
    ...(memo.transaction_id ? { transactionId: memo.transaction_id } : {}),
    ...(memo.created_at ? { createdAt: memo.created_at } : {}),
    updatedAt,
  };
}

/**
 * For a listing: the snapshot, or, when its amount cannot be read, what can be (the memo still counts as seen and gets
 * its own run, which parks with the problem). A memo without a date cannot be placed in time at all and is refused.
 */
export function listedCreditMemo(memo: MagentoCreditMemo, incrementId: string | undefined): CreditMemoSnapshot {
  try {
    return creditMemoSnapshotOf(memo, incrementId);
  } catch (err) {
    const updatedAt = updatedAtOf(memo);
    if (!(err instanceof MappingError || err instanceof MoneyError) || !updatedAt) throw err;
    return {
      creditMemoId: memo.entity_id,
      orderEntityId: memo.order_id,
      ...(incrementId ? { incrementId } : {}),
      grandTotalMinor: 0,
      currency: memo.order_currency_code ?? '',
      origin: creditMemoOrigin(memo),
      updatedAt,
      problem: err.message,
    };
  }
}

/** The run that refunds one staff memo: Temporal refuses a second start of it, however many polls see the memo. */
export const creditMemoWorkflowId = (creditMemoId: number): string => `creditmemo:${creditMemoId}`;

/** Stripe's idempotency key for the refund of a memo. */
export const creditMemoRefundKey = (creditMemoId: number): string => `magento-creditmemo:${creditMemoId}`;

/** The Stripe payment an order was paid with, as Magento records it. */
export interface StripePaymentReference {
  paymentIntentId?: string;
  chargeId?: string;
}

const paymentIntentPattern = /\b(pi_[A-Za-z0-9]+)/;
const chargePattern = /\b((?:ch|py)_[A-Za-z0-9]+)/;

/**
 * Where Magento keeps the Stripe payment of an order: the comment of the invoice this product made ("Paid in Stripe:
 * charge ch_…, PaymentIntent pi_…"), an invoice's transaction id, or the payment's `last_trans_id` and
 * `additional_information` (the official Stripe module's). Invoices first: they name the payment that was captured,
 * not an earlier declined attempt.
 */
export function stripePaymentOfOrder(order: MagentoOrder, invoices: readonly MagentoInvoice[]): StripePaymentReference {
  const texts = [
    ...invoices.flatMap((inv) => [inv.transaction_id, ...(inv.comments ?? []).map((c) => c.comment)]),
    order.payment?.last_trans_id,
    ...(order.payment?.additional_information ?? []),
  ].filter((t): t is string => typeof t === 'string' && t !== '');
  const paymentIntentId = texts.map((t) => paymentIntentPattern.exec(t)?.[1]).find(Boolean);
  const chargeId = texts.map((t) => chargePattern.exec(t)?.[1]).find(Boolean);
  return { ...(paymentIntentId ? { paymentIntentId } : {}), ...(chargeId ? { chargeId } : {}) };
}

/** Whether an order's payment method may be Stripe's (the official module's codes start `stripe_`); none known counts as maybe. */
export function mayBeStripePayment(method: string | undefined): boolean {
  return !method || /stripe/i.test(method);
}

/**
 * Where the sync has got to in Magento's credit memos, kept from one scheduled run to the next (the overlap-window
 * scheme of `domain/updatedAtCursor.ts`). A memo seen twice anyway is harmless: its run has a fixed ID and the Stripe
 * refund is looked for before one is made.
 */
export type CreditMemoCursor = UpdatedAtCursor<'creditMemoId'>;
export type { PagePosition };

export const creditMemoOverlapMs = defaultOverlapMs;

const memoCursor = updatedAtCursor('creditMemoId', creditMemoOverlapMs);

/** A cursor at a time (a first run, or an operator's `since`), nothing handled yet. */
export const cursorAt = memoCursor.at;
/** Where a run starts reading: the overlap window before the cursor. */
export const windowStart = memoCursor.windowStart;
/** The cursor once `handled` memos are done (a memo seen again with a newer `updated_at`, a comment added, is kept once). */
export const advanceCursor = memoCursor.advance;
export const nextPosition = memoCursor.nextPosition;
export const cursorFromResult = memoCursor.fromResult;
/** The cursor a run starts from: `since`, the one given, the Schedule's last run, or now. */
export const startingCursor = memoCursor.starting;

/** Handled already inside the window (any `updated_at`: a memo's comments do not make it a new refund). */
export function isRecent(cursor: CreditMemoCursor, creditMemoId: number): boolean {
  return cursor.recent.some((r) => r.creditMemoId === creditMemoId);
}
