import { MappingError } from './fulfilment';
import { hasAnyMarker, magentoDateTime, magentoDateTimeMs, type MagentoCreditMemo, type MagentoInvoice, type MagentoOrder } from './magento';
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
  if (!updatedAt) throw new MappingError(`${what} has no readable updated_at (got ${JSON.stringify(memo.updated_at ?? null)})`);
  if (!memo.order_currency_code) throw new MappingError(`${what} names no currency (order_currency_code)`);
  if (memo.grand_total === undefined || memo.grand_total === null) throw new MappingError(`${what} has no grand_total`);
  const currency = normalizeCurrency(memo.order_currency_code);
  return {
    creditMemoId: memo.entity_id, orderEntityId: memo.order_id, ...(incrementId ? { incrementId } : {}),
    grandTotalMinor: toMinor(memo.grand_total, currency), currency, origin: creditMemoOrigin(memo),
    ...(memo.transaction_id ? { transactionId: memo.transaction_id } : {}),
    ...(memo.created_at ? { createdAt: memo.created_at } : {}), updatedAt,
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
      creditMemoId: memo.entity_id, orderEntityId: memo.order_id, ...(incrementId ? { incrementId } : {}), grandTotalMinor: 0,
      currency: memo.order_currency_code ?? '', origin: creditMemoOrigin(memo), updatedAt, problem: err.message,
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
 * Where the sync has got to in Magento's credit memos, kept from one scheduled run to the next. Magento's `updated_at`
 * has whole seconds and a memo can be committed a little after the time it carries, so each run reads again from a
 * window before the cursor (`creditMemoOverlapMs`) and skips the memos it already handled there (`recent`). A memo
 * seen twice anyway is harmless: its run has a fixed ID and the Stripe refund is looked for before one is made.
 */
export interface CreditMemoCursor {
  /** The newest `updated_at` handled, Magento's UTC `YYYY-MM-DD HH:MM:SS`. */
  updatedAt: string;
  /** Memos handled whose `updated_at` lies in the overlap window before `updatedAt`. */
  recent: Array<{ creditMemoId: number; updatedAt: string }>;
}

export const creditMemoOverlapMs = 2 * 60_000;

/** A cursor at a time (a first run, or an operator's `since`: Magento's UTC date-time, or ISO 8601 with a zone), nothing handled yet. */
export function cursorAt(time: string): CreditMemoCursor {
  const withZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(time.trim());
  const ms = withZone ? Date.parse(time.trim()) : magentoDateTimeMs(time);
  if (Number.isNaN(ms)) throw new MappingError(`not a date-time: ${JSON.stringify(time)} (expected Magento's UTC YYYY-MM-DD HH:MM:SS, or ISO 8601 with a zone)`);
  return { updatedAt: magentoDateTime(ms), recent: [] };
}

/** Where a run starts reading: the overlap window before the cursor. */
export function windowStart(cursor: CreditMemoCursor, overlapMs = creditMemoOverlapMs): string {
  return magentoDateTime(magentoDateTimeMs(cursor.updatedAt) - overlapMs);
}

export function isRecent(cursor: CreditMemoCursor, creditMemoId: number): boolean {
  return cursor.recent.some((r) => r.creditMemoId === creditMemoId);
}

/**
 * The cursor once `handled` memos are done: at the newest `updated_at` seen (never back), keeping those inside the
 * window before it. A memo seen again with a newer `updated_at` (a comment added) is kept once, at its newest.
 */
export function advanceCursor(cursor: CreditMemoCursor, handled: ReadonlyArray<{ creditMemoId: number; updatedAt: string }>,
  overlapMs = creditMemoOverlapMs): CreditMemoCursor {
  const updatedAt = [cursor.updatedAt, ...handled.map((m) => m.updatedAt)].reduce((a, b) => (b > a ? b : a));
  const from = windowStart({ updatedAt, recent: [] }, overlapMs);
  const latest = new Map<number, string>();
  for (const m of [...cursor.recent, ...handled]) {
    const known = latest.get(m.creditMemoId);
    if (known === undefined || m.updatedAt > known) latest.set(m.creditMemoId, m.updatedAt);
  }
  const recent = [...latest].filter(([, at]) => at >= from).map(([creditMemoId, at]) => ({ creditMemoId, updatedAt: at }))
    .sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : a.creditMemoId - b.creditMemoId));
  return { updatedAt, recent };
}

/**
 * Keyset paging through memos sorted by (`updated_at`, `entity_id`): each page asks for `updated_at >= since` less the
 * ids already read at exactly `since`. Unlike page numbers, a memo that changes while the run reads cannot shift the
 * pages and hide another, and Magento's habit of answering the last page again past the end does not matter.
 */
export interface PagePosition {
  since: string;
  excludeIds: number[];
}

export function nextPosition(position: PagePosition, page: ReadonlyArray<{ creditMemoId: number; updatedAt: string }>): PagePosition {
  const last = page.at(-1);
  if (!last) return position;
  if (last.updatedAt === position.since) return { since: position.since, excludeIds: [...position.excludeIds, ...page.map((m) => m.creditMemoId)] };
  return { since: last.updatedAt, excludeIds: page.filter((m) => m.updatedAt === last.updatedAt).map((m) => m.creditMemoId) };
}

/** The cursor a previous run returned (a Schedule hands each run the last completed run's result), if it holds one. */
export function cursorFromResult(result: unknown): CreditMemoCursor | undefined {
  const cursor = (result as { cursor?: unknown } | null | undefined)?.cursor as Partial<CreditMemoCursor> | undefined;
  if (!cursor || typeof cursor.updatedAt !== 'string' || Number.isNaN(magentoDateTimeMs(cursor.updatedAt)) || !Array.isArray(cursor.recent)) return undefined;
  const recent = cursor.recent.filter((r): r is { creditMemoId: number; updatedAt: string } =>
    typeof r?.creditMemoId === 'number' && typeof r.updatedAt === 'string');
  return { updatedAt: cursor.updatedAt, recent };
}
