/** The order run's state, shared by its steps (workflows/orderToCash.ts), and the helpers every step uses. */
import { sleep } from '@temporalio/workflow';
import type { TypedSearchAttributes } from '@temporalio/common';
import { type OrderSnapshot } from '../../domain/orderSnapshot';
import { noPaymentFacts, type PaymentFacts } from '../../domain/orderEvents';
import { type SyncStateValue } from '../../domain/searchAttributes';
import type { OrderSettings } from '../../domain/settings';
import type { NotifyActivities } from '../../activities/notify/activities';
import type { OrderPayment } from '../../activities/stripe/renewals';
import { type DisputeNotice } from '../../messages/afterSale';
import {
  orderStatusQuery,
  type FraudDecision,
  type OrderOutcome,
  type OrderStatus,
  type ShipmentEvent,
  type ShipmentNotice,
} from '../../messages/order';
import { permanentFailure, SkippedByOperator } from '../reviewQueue';
import { trackSteps, type TrackedRun } from '../runStatus';
import { startAttributes } from '../searchAttributeUpdates';
import { localSystems } from '../systems';

export const { magento, erp, wms, stripe, notify, config } = localSystems;

export const day = 24 * 3600 * 1000;

export type Ended = OrderOutcome;

/** One order's run: the pieces of state its steps share. Fields marked `!` are set by the step that reads them. */
export class OrderRun {
  readonly tracker: TrackedRun<OrderOutcome['outcome'], OrderStatus>;
  facts: PaymentFacts = noPaymentFacts;
  settings!: OrderSettings;
  payment!: OrderPayment;
  /** A renewal order's Stripe invoice (workflows/subscription.ts): the run is paid by it, read from the invoice. */
  invoiceId?: string;
  order!: OrderSnapshot;
  erpCustomer?: string;
  decision?: FraudDecision;
  shipped?: ShipmentNotice;
  /** The latest news of a dispute on the payment, from the dispute's run; `disputeHeld` while the order is on hold for it. */
  dispute?: DisputeNotice;
  disputeHeld?: boolean;
  /** Patch `1.1:reversals-before-fulfilment` (workflows/patches.ts): asked once, as the run starts. */
  reversalsBeforeFulfilment = false;
  /** A full refund or lost dispute this run told the after-sale run it would reverse: it does, whatever arrives next. */
  reversalAccepted?: string;
  /** Patch `1.2:order-books-refunds-before-shipment`: the refunds before shipment are this run's to book. */
  booksRefunds = false;
  /** Patch `1.2:invoice-what-was-captured`: a payment captured in part is invoiced at what was captured. */
  invoicesCaptured = false;
  /** Patch `1.4:shipment-life-after-shipped`: the warehouse's news after (or instead of) "shipped" is acted on. */
  shipmentLife = false;
  /** The warehouse's `shipmentEvent` news in arrival order (one per webhook id), and how many the run has acted on. */
  shipmentEvents: ShipmentEvent[] = [];
  shipmentEventsSeen = 0;
  /** A delivery reported before the run had the shipment, kept for after closing. */
  deliveredEarly?: ShipmentEvent;
  /** Refunds handed over by their runs before shipment (refund ids, in order), each booked by this run once. */
  handedRefunds: string[] = [];
  /** The handed refunds with their Magento credit memo, and those with their ERP credit too. */
  refundMemos = new Set<string>();
  refundsInErp = new Set<string>();
  /** Set once the reversal has written the handed refunds' memos: a later refund's run books its own. */
  refundsClosed = false;
  /** How many of Stripe's fraud flags the gate has already weighed (a later one re-opens it). */
  flagsWeighed = 0;
  compensations: Array<{ name: string; undo: () => Promise<unknown> }> = [];
  /** Notices already sent, by key: each goes out once, whatever retries or re-opened steps do. */
  notified = new Set<string>();
  /** The search attributes the run was started with (the intake's hand-over gives them), which it does not write again. */
  readonly startAttributes: TypedSearchAttributes = startAttributes();

  constructor(readonly incrementId: string) {
    this.tracker = trackSteps(
      { incrementId, step: 'awaiting_payment', syncState: 'running', ids: {}, timestamps: {} },
      orderStatusQuery,
    );
  }

  get status(): OrderStatus {
    return this.tracker.status;
  }

  get review() {
    return this.tracker.review;
  }
}

export function reached(run: OrderRun, step: string): void {
  run.tracker.reached(step);
}

export function end(run: OrderRun, outcome: OrderOutcome['outcome'], state: SyncStateValue, reason?: string): Ended {
  return run.tracker.end(outcome, state, reason);
}

// ── Helpers ─────────────────────────────────────────────────────────────────────────────────────────

type Notice = Parameters<NotifyActivities['notifyCustomer']>[0];

/**
 * Sends a notice once per key for the life of the run. A notice that cannot go out parks like any step; an operator's
 * skip there skips only the notice (noted on the status), not the order.
 */
export async function notifyOnce(run: OrderRun, audience: 'customer' | 'merchant', notice: Notice): Promise<void> {
  if (run.notified.has(notice.key)) return;
  await run.review
    .step(() => (audience === 'customer' ? notify.notifyCustomer(notice) : notify.notifyMerchant(notice)))
    .catch((err) => {
      if (!(err instanceof SkippedByOperator)) throw err;
      run.status.ids[`skipped:notice:${notice.key}`] = 'skipped by operator';
    });
  run.notified.add(notice.key);
}

/** The Magento order as a compact snapshot, or undefined while Magento has none; a found order's entity id goes on the status. */
async function lookUpOrder(run: OrderRun): Promise<OrderSnapshot | undefined> {
  const found = await magento.loadOrderSnapshot(run.incrementId);
  if (found) run.status.ids.magentoEntityId = found.entityId;
  return found;
}

export async function findOrder(run: OrderRun): Promise<OrderSnapshot> {
  const found = await lookUpOrder(run);
  if (!found)
    throw permanentFailure(
      `Magento has no order ${run.incrementId}, but Stripe payment ${run.facts.paymentIntentId ?? run.invoiceId} names it`,
    );
  return found;
}

/**
 * The Magento order the payment names. The storefront may pay before it has finished writing the order: wait with a
 * durable backoff (up to `orderWaitMaxMs`) before parking.
 */
export async function loadOrder(run: OrderRun): Promise<OrderSnapshot> {
  const waitMaxMs = run.settings.orderWaitMaxMs;
  for (
    let waitedMs = 0, pauseMs = 5_000;
    waitedMs < waitMaxMs;
    waitedMs += pauseMs, pauseMs = Math.min(pauseMs * 2, 5 * 60_000)
  ) {
    const found = await run.review.step(() => lookUpOrder(run));
    if (found) return found;
    await sleep(Math.min(pauseMs, waitMaxMs - waitedMs));
  }
  return run.review.step(() => findOrder(run));
}

export function dateOf(iso: string | undefined): string | undefined {
  return iso && /^\d{4}-\d{2}-\d{2}/.test(iso) ? iso.slice(0, 10) : undefined;
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}
