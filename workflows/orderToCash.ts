import { condition, isCancellation, log, setHandler, sleep, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { TypedSearchAttributes } from '@temporalio/common';
import { assessFraud, type FraudAssessment } from '../domain/fraud';
import {
  checkErpTotals,
  erpCustomerFor,
  erpSalesOrderFor,
  magentoCarrierCode,
  wmsOrderFor,
} from '../domain/fulfilment';
import { guestCustomerOf, needsGuestStripeCustomer } from '../domain/guestCustomers';
import { magentoDateTime } from '../domain/magento';
import { formatMoney } from '../domain/money';
import { isSettledInMagento, type OrderSnapshot } from '../domain/orderSnapshot';
import { foldPaymentEvent, noPaymentFacts, type PaymentFacts } from '../domain/orderEvents';
import { MagentoOrderId, StripeObjectId, SyncState, type SyncStateValue } from '../domain/searchAttributes';
import type { OrderSettings } from '../domain/settings';
import type { StripeEventEnvelope } from '../domain/stripeEvents';
import type { NotifyActivities } from '../activities/notify/activities';
import type { PaymentSnapshot } from '../activities/stripe/activities';
import { disputeNoticeUpdate, refundNoticeUpdate, type DisputeNotice, type RefundNotice } from '../messages/afterSale';
import {
  fraudDecisionUpdate,
  orderStatusQuery,
  shipmentSignal,
  type FraudDecision,
  type OrderOutcome,
  type OrderStatus,
  type ShipmentNotice,
} from '../messages/order';
import { stripeEventSignal } from '../messages/runs';
import { BusinessRefused, classifyFailure, permanentFailure, setSyncState, SkippedByOperator } from './reviewQueue';
import { trackRun, type TrackedRun } from './runStatus';
import { startAttributes, upsertUnlessStartedWith } from './searchAttributeUpdates';
import { localSystems, offMoneyPath } from './systems';

const { magento, erp, wms, stripe, notify, config } = localSystems;

const day = 24 * 3600 * 1000;

export interface OrderToCashInput {
  incrementId: string;
  /** A renewal order's PaymentIntent (workflows/subscription.ts): the run starts already paid. */
  paymentIntentId?: string;
}

type Ended = OrderOutcome;

/** One order's run: the pieces of state its steps share. Fields marked `!` are set by the step that reads them. */
class OrderRun {
  readonly tracker: TrackedRun<OrderOutcome['outcome'], OrderStatus>;
  facts: PaymentFacts = noPaymentFacts;
  settings!: OrderSettings;
  payment!: PaymentSnapshot;
  order!: OrderSnapshot;
  erpCustomer?: string;
  decision?: FraudDecision;
  shipped?: ShipmentNotice;
  /** The latest news of a dispute on the payment, from the dispute's run; `disputeHeld` while the order is on hold for it. */
  dispute?: DisputeNotice;
  disputeHeld?: boolean;
  /** How many of Stripe's fraud flags the gate has already weighed (a later one re-opens it). */
  flagsWeighed = 0;
  compensations: Array<{ name: string; undo: () => Promise<unknown> }> = [];
  /** Notices already sent, by key: each goes out once, whatever retries or re-opened steps do. */
  notified = new Set<string>();
  /** The search attributes the run was started with (the intake's hand-over gives them), which it does not write again. */
  readonly startAttributes: TypedSearchAttributes = startAttributes();

  constructor(readonly incrementId: string) {
    this.tracker = trackRun(
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

/**
 * One Magento order from payment to cash: take the payment, pass the fraud gate, invoice in Magento, order in the ERP,
 * fulfil in the WMS, wait for the shipment, then ship in Magento and invoice and receive in the ERP. Every completed
 * step registers its undo; only a business refusal (a rejected hold, the warehouse refusing the goods, a full refund or
 * lost dispute before shipment) runs them. Anything that is our fault parks the run for a person (reviewQueue.ts).
 */
export async function orderToCash(input: OrderToCashInput): Promise<OrderOutcome> {
  const run = startRun(input.incrementId);
  // A renewal order (workflows/subscription.ts) starts already paid, by its subscription invoice's PaymentIntent.
  if (input.paymentIntentId) run.facts = { ...run.facts, paymentIntentId: input.paymentIntentId, succeeded: true };
  try {
    run.settings = await run.review.step(() => config.orderSettings());
    const unpaid = await takePayment(run);
    if (unpaid) return unpaid;
    await checkAmount(run);
    registerPaymentUndo(run);
    if ((await passFraudGate(run)) === 'rejected') return await compensate(run, rejection(run.decision!));
    await makeGuestCustomer(run);
    if (!captureAtShipment(run)) {
      await capture(run);
      await invoice(run);
    }
    await orderInErp(run);
    await fulfil(run);
    const reversal = await waitForShipment(run);
    if (reversal) return await compensate(run, reversal);
    if (captureAtShipment(run)) {
      await capture(run);
      await invoice(run);
    }
    await close(run);
    return end(run, 'completed', 'completed');
  } catch (err) {
    if (err instanceof SkippedByOperator) return end(run, 'skipped', 'failed', err.message);
    if (err instanceof BusinessRefused) return await compensate(run, err.message);
    throw err;
  }
}

function startRun(incrementId: string): OrderRun {
  const run = new OrderRun(incrementId);
  const { status } = run;
  const isHeld = () =>
    status.syncState === 'fraud_hold' || (status.syncState === 'needs_review' && status.step === 'fraud_hold');
  setHandler(stripeEventSignal, (event: StripeEventEnvelope) => void (run.facts = foldPaymentEvent(run.facts, event)));
  setHandler(fraudDecisionUpdate, (d: FraudDecision) => ({ decision: (run.decision = d).decision }), {
    validator: (_d: FraudDecision) => {
      // A second click, before or after the run has moved on from the hold it decided.
      if (run.decision !== undefined && (status.step === 'fraud_hold' || !isHeld())) {
        throw new Error(`already decided: ${run.decision.decision} by ${run.decision.reviewer}`);
      }
      if (!isHeld()) throw new Error(`not held (order ${incrementId} is at ${status.step})`);
    },
  });
  setHandler(shipmentSignal, (notice: ShipmentNotice) => void (run.shipped ??= notice));
  // A full refund before shipment reverses the order here (its compensation writes the credit memo); any other
  // refund is recorded by the refund's own run.
  setHandler(refundNoticeUpdate, (notice: RefundNotice) => {
    const reverses = notice.chargeFullyRefunded && run.shipped === undefined && status.outcome === undefined;
    if (reverses) run.facts = { ...run.facts, fullyRefunded: true };
    return { handledByOrder: reverses };
  });
  // A dispute before shipment holds the order until it is decided; lost, the order is reversed here (without a refund).
  setHandler(disputeNoticeUpdate, (notice: DisputeNotice) => {
    if (status.outcome !== undefined) return { handledByOrder: false };
    if (notice.status === 'lost' && run.shipped === undefined) {
      run.facts = { ...run.facts, disputeLost: true };
      run.dispute = notice;
      return { handledByOrder: true };
    }
    run.dispute = notice;
    return { handledByOrder: run.shipped === undefined };
  });
  // Started by its first event's hand-over, the run carries these from the start (domain/searchAttributes.ts).
  upsertUnlessStartedWith(run.startAttributes, [{ key: MagentoOrderId, value: incrementId }]);
  upsertUnlessStartedWith(run.startAttributes, [{ key: SyncState, value: 'running' }]);
  return run;
}

function reached(run: OrderRun, step: string): void {
  run.tracker.reached(step);
}

function end(run: OrderRun, outcome: OrderOutcome['outcome'], state: SyncStateValue, reason?: string): Ended {
  return run.tracker.end(outcome, state, reason);
}

// ── 1. Payment ──────────────────────────────────────────────────────────────────────────────────────

/** Waits until Stripe says paid or authorised; a decline gets a pay-again link and a grace period. Returns how it ended otherwise. */
async function takePayment(run: OrderRun): Promise<Ended | undefined> {
  await condition(() => run.facts.paymentIntentId !== undefined);
  const paymentIntentId = run.facts.paymentIntentId!;
  upsertUnlessStartedWith(run.startAttributes, [{ key: StripeObjectId, value: paymentIntentId }]);
  run.status.ids.paymentIntentId = paymentIntentId;
  run.payment = await run.review.step(() => stripe.getPayment(paymentIntentId));
  run.order = await loadOrder(run);
  // Magento outlives Temporal's retention: an order it has finished with (a run started again for a late event) is left alone.
  if (isSettledInMagento(run.order, run.payment)) {
    if (run.facts.stripeFlags.length > 0) {
      await notifyOnce(run, 'merchant', {
        key: `fraud_warning_after_shipment:${run.incrementId}`,
        template: 'fraud_warning_after_shipment',
        orderId: run.incrementId,
        subject: `Order ${run.incrementId}: early fraud warning after shipment`,
        detail: run.facts.stripeFlags.join('; '),
      });
    }
    return end(
      run,
      'already_settled',
      'completed',
      `Magento order ${run.incrementId} is already ${run.order.state}; nothing was written`,
    );
  }
  if (!isPaid(run.payment) && run.facts.failures === 0 && run.payment.status !== 'canceled') {
    // Neither paid nor declined yet (a bank debit still processing, or only a review event so far): wait for the outcome.
    await condition(
      () =>
        run.facts.succeeded || run.facts.failures > 0 || run.facts.authorized === true || run.facts.canceled === true,
    );
    run.payment = await run.review.step(() => stripe.getPayment(paymentIntentId));
  }
  if (run.payment.status === 'canceled')
    return cancelOrder(run, `PaymentIntent ${paymentIntentId} was canceled in Stripe`);
  if (!isPaid(run.payment)) {
    const ended = await awaitPaymentRetry(run);
    if (ended) return ended;
  }
  run.status.ids.chargeId = run.payment.chargeId;
  reached(run, 'paid');
  return undefined;
}

function isPaid(payment: PaymentSnapshot): boolean {
  return payment.status === 'succeeded' || payment.status === 'requires_capture';
}

/** A declined payment: comment, a pay-again link for the same order, and a durable wait; no payment in time cancels. */
async function awaitPaymentRetry(run: OrderRun): Promise<Ended | undefined> {
  const { incrementId, settings, facts, order } = run;
  reached(run, 'payment_failed');
  const declineCode = facts.lastDeclineCode ?? run.payment.declineCode ?? 'unknown';
  await run.review.step(() =>
    magento.addMagentoComment({
      entityId: order.entityId,
      key: `payment_failed:${facts.paymentIntentId}:${facts.failures}`,
      comment: settings.paymentFailedComment.replace('{declineCode}', declineCode),
      status: settings.paymentFailedStatus,
    }),
  );
  const payAgain = await run.review.step(() =>
    stripe.createRetryCheckoutSession({
      incrementId,
      amountMinor: order.grandTotalMinor,
      currency: order.currency,
      expiresAt: Math.floor((Date.now() + settings.paymentRetryWindowMs) / 1000),
      customerEmail: order.customer.email,
      idempotencyKey: `${workflowInfo().workflowId}:pay-again`,
      successUrl: settings.retryCheckout.successUrl,
      cancelUrl: settings.retryCheckout.cancelUrl,
    }),
  );
  run.status.ids.payAgainUrl = payAgain.url;
  await notifyOnce(run, 'customer', {
    key: `payment_failed:${incrementId}`,
    template: 'payment_failed',
    orderId: incrementId,
    to: order.customer.email,
    subject: `Your payment for order ${incrementId} did not go through`,
    detail: `${declineCode}. Pay again: ${payAgain.url}`,
  });
  const paidInTime = await condition(
    () => run.facts.succeeded || run.facts.authorized === true || run.facts.canceled === true,
    settings.paymentRetryWindowMs,
  );
  await run.review.step(() => stripe.expireCheckoutSession({ sessionId: payAgain.sessionId }));
  if (!paidInTime || run.facts.canceled) {
    await run.review.step(() =>
      magento.cancelMagentoOrder({
        entityId: order.entityId,
        key: 'canceled_unpaid',
        notifyCustomer: true,
        comment: `Canceled: no successful payment within ${Math.round(settings.paymentRetryWindowMs / 3_600_000)} hours of the decline.`,
      }),
    );
    return end(run, 'canceled_unpaid', 'failed');
  }
  // The successful retry may be another PaymentIntent (the pay-again Checkout): read the one that succeeded.
  run.payment = await run.review.step(() => stripe.getPayment(run.facts.paymentIntentId!));
  run.order = await loadOrder(run);
  return undefined;
}

/** A canceled PaymentIntent is the customer's or merchant's decision: the Magento order is canceled and the run ends. */
async function cancelOrder(run: OrderRun, reason: string): Promise<Ended> {
  await run.review.step(() =>
    magento.cancelMagentoOrder({
      entityId: run.order.entityId,
      key: 'canceled_payment',
      notifyCustomer: true,
      comment: `Canceled: ${reason}.`,
    }),
  );
  return end(run, 'canceled', 'failed', reason);
}

/** The payment must match the order it claims to pay for, to the minor unit; a retry reads both sides again. */
async function checkAmount(run: OrderRun): Promise<void> {
  let attempts = 0;
  await run.review.step(async () => {
    if (attempts++ > 0) {
      run.payment = await stripe.getPayment(run.payment.paymentIntentId);
      run.order = await findOrder(run);
    }
    const { payment, order } = run;
    if (payment.currency !== order.currency || payment.amountMinor !== order.grandTotalMinor) {
      throw permanentFailure(
        `order ${run.incrementId}: Stripe charged ${formatMoney(payment.amountMinor, payment.currency)} but the Magento ` +
          `grand total is ${formatMoney(order.grandTotalMinor, order.currency)}`,
      );
    }
  });
}

/** From here on, a reversal gives the money back (or releases the authorisation) and cancels the Magento order. */
function registerPaymentUndo(run: OrderRun): void {
  const { paymentIntentId } = run.payment;
  const idempotencyKey = `${workflowInfo().workflowId}:refund`;
  run.compensations.unshift({
    name: 'refund payment',
    undo: async () => {
      // A lost dispute has already taken the money back: a refund now would pay the customer twice.
      if (run.facts.disputeLost)
        return { refundedMinor: 0, alreadyRefunded: true, reason: 'charged back: the dispute was lost' };
      if (run.payment.captureMethod === 'manual') {
        const released = await stripe.cancelAuthorization({
          paymentIntentId,
          idempotencyKey: `${workflowInfo().workflowId}:release`,
          reason: 'abandoned',
        });
        if (released.status !== 'succeeded') return released;
      }
      return stripe.refundPayment({
        paymentIntentId,
        idempotencyKey,
        reason: 'requested_by_customer',
        note: `order ${run.incrementId} reversed`,
      });
    },
  });
  run.compensations.push({
    name: 'cancel Magento order',
    undo: () =>
      magento.cancelMagentoOrder({
        entityId: run.order.entityId,
        key: 'canceled_compensation',
        comment: run.facts.disputeLost
          ? 'Canceled: the payment was charged back (dispute lost).'
          : 'Canceled and refunded in Stripe.',
        notifyCustomer: true,
      }),
  });
}

function captureAtShipment(run: OrderRun): boolean {
  return run.payment.status === 'requires_capture' && run.settings.paymentCaptureAt === 'shipment';
}

/** Captures an authorise-only payment once the order may go ahead; an automatic payment has nothing to capture. */
async function capture(run: OrderRun): Promise<void> {
  if (run.payment.status !== 'requires_capture') return;
  const { paymentIntentId } = run.payment;
  await run.review.step(() =>
    stripe.capturePayment({ paymentIntentId, idempotencyKey: `${workflowInfo().workflowId}:capture` }),
  );
  run.payment = await run.review.step(() => stripe.getPayment(paymentIntentId));
  run.status.ids.chargeId = run.payment.chargeId;
  reached(run, 'captured');
}

// ── 2. Fraud gate ───────────────────────────────────────────────────────────────────────────────────

/** Radar's verdict plus the order's own signals; a hold waits for a person, or times out as a reject. */
async function passFraudGate(run: OrderRun): Promise<'passed' | 'rejected'> {
  const { incrementId, order, payment, settings } = run;
  const history = await run.review.step(() =>
    magento.magentoCustomerHistory(order.customer.email, incrementId, magentoDateTime(Date.now() - day)),
  );
  const assessment = await run.review.step(() =>
    assessFraud(
      {
        riskLevel: payment.riskLevel,
        riskScore: payment.riskScore,
        amountMinor: payment.amountMinor,
        currency: payment.currency,
        billingCountry: order.billingCountry,
        shippingCountry: order.shippingCountry,
        isFirstTimeCustomer: history.previousOrderCount === 0,
        recentOrderCount: history.recentOrderCount,
        stripeFlags: run.facts.stripeFlags,
      },
      settings.fraud,
    ),
  );
  run.flagsWeighed = run.facts.stripeFlags.length;
  run.status.fraud = assessment;
  return assessment.hold ? holdForDecision(run, 'fraud_hold') : 'passed';
}

/** Holds the order in Magento and waits for the operator's decision, Stripe's review closing, or the timeout. */
async function holdForDecision(run: OrderRun, key: string): Promise<'passed' | 'rejected'> {
  const { incrementId, order, settings } = run;
  const assessment = run.status.fraud!;
  run.decision = undefined;
  reached(run, 'fraud_hold');
  setSyncState(run.status, 'fraud_hold');
  assessment.heldUntil = new Date(Date.now() + settings.fraud.holdTimeoutMs).toISOString();
  showHoldInVisibility(run);
  await run.review.step(() =>
    magento.holdMagentoOrder({
      entityId: order.entityId,
      key,
      comment: `Held for fraud review (score ${assessment.score}): ${assessment.reasons.join('; ')}.`,
    }),
  );
  await notifyOnce(run, 'merchant', {
    key: `${key}:${incrementId}`,
    template: 'fraud_hold',
    orderId: incrementId,
    subject: `Order ${incrementId} is held for fraud review`,
    detail: assessment.reasons.join('; '),
  });
  const ended = () =>
    run.decision !== undefined ||
    run.facts.stripeReviewClosedAs !== undefined ||
    run.facts.fullyRefunded ||
    run.facts.canceled === true;
  const decided = await awaitDecisionWeighingNewFlags(run, ended, Date.now() + settings.fraud.holdTimeoutMs);
  run.decision ??=
    run.facts.stripeReviewClosedAs === 'approved'
      ? { decision: 'approve', reviewer: 'Stripe Radar review' }
      : decided
        ? {
            decision: 'reject',
            reviewer: run.facts.fullyRefunded
              ? 'refunded in Stripe'
              : run.facts.canceled
                ? 'payment canceled in Stripe'
                : `Stripe review closed as ${run.facts.stripeReviewClosedAs}`,
          }
        : { decision: 'reject', reviewer: 'hold timeout', note: 'no decision in time' };
  const decision = run.decision;
  assessment.decision = decision;
  if (decision.decision === 'reject') return 'rejected';
  await run.review.step(() =>
    magento.unholdMagentoOrder({
      entityId: order.entityId,
      key: key === 'fraud_hold' ? 'fraud_approved' : `${key}:approved`,
      comment: `Fraud hold approved by ${decision.reviewer}${decision.note ? `: ${decision.note}` : ''}.`,
    }),
  );
  setSyncState(run.status, 'running');
  return 'passed';
}

/**
 * Waits for the hold to end, or for its deadline. A fraud flag Stripe raises meanwhile (a Radar review, an early fraud
 * warning) joins the hold's reasons, where the reviewer sees it, so the decision covers it and the gate does not
 * re-open for it after an approval.
 */
async function awaitDecisionWeighingNewFlags(run: OrderRun, ended: () => boolean, deadline: number): Promise<boolean> {
  const assessment = run.status.fraud!;
  const newFlags = () => run.facts.stripeFlags.length > run.flagsWeighed;
  for (;;) {
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) return false;
    if (!(await condition(() => ended() || newFlags(), remainingMs))) return false;
    if (newFlags()) {
      assessment.reasons = [...assessment.reasons, ...run.facts.stripeFlags.slice(run.flagsWeighed)];
      run.flagsWeighed = run.facts.stripeFlags.length;
      showHoldInVisibility(run);
    }
    if (ended()) return true;
  }
}

/** Operators list holds from visibility (the run's memo), which answers even when no worker is running. */
function showHoldInVisibility(run: OrderRun): void {
  const assessment = run.status.fraud!;
  upsertMemo({
    fraudHold: {
      score: assessment.score,
      reasons: assessment.reasons,
      heldSince: run.status.timestamps.fraud_hold,
      heldUntil: assessment.heldUntil,
      paymentIntentId: run.payment.paymentIntentId,
    },
  });
}

function rejection(decision: FraudDecision): string {
  return `fraud hold rejected by ${decision.reviewer}${decision.note ? `: ${decision.note}` : ''}`;
}

/**
 * A guest's paid order whose payment names no Stripe customer: one Stripe customer per e-mail, marked a guest's, for the
 * customer sync to link when the guest registers in Magento. Off the money path: a failure is noted on the status.
 */
async function makeGuestCustomer(run: OrderRun): Promise<void> {
  if (!needsGuestStripeCustomer(run.order, run.payment, run.settings)) return;
  try {
    const guest = await offMoneyPath.ensureGuestStripeCustomer({ guest: guestCustomerOf(run.order) });
    run.status.ids.stripeCustomerId = guest.customerId;
  } catch (err) {
    if (isCancellation(err)) throw err;
    const reason = classifyFailure(err)?.reason ?? String(err);
    (run.status.warnings ??= []).push(`no Stripe customer was made for the guest: ${reason}`);
    // The reason stays on the status (a payload, encrypted with a key): an error text may quote the e-mail.
    log.warn('guest Stripe customer not made; the order goes on', { incrementId: run.incrementId });
  }
}

// ── 3. Invoice, ERP, fulfilment ─────────────────────────────────────────────────────────────────────

/** Magento invoice, offline: the money is already in Stripe. */
async function invoice(run: OrderRun): Promise<void> {
  const { order, payment } = run;
  const created = await run.review.step(() =>
    magento.invoiceMagentoOrder({
      entityId: order.entityId,
      chargeId: payment.chargeId!,
      paymentIntentId: payment.paymentIntentId,
      notifyCustomer: true,
    }),
  );
  run.status.ids.magentoInvoiceId = created.invoiceId;
  reached(run, 'invoiced');
  run.compensations.unshift({
    name: 'credit memo',
    undo: () =>
      magento.creditMagentoOrder({
        entityId: order.entityId,
        key: 'creditmemo_compensation',
        notifyCustomer: true,
        comment: run.facts.disputeLost
          ? 'Chargeback: the Stripe dispute was lost before shipment; order reversed.'
          : 'Refunded in Stripe: order reversed.',
      }),
  });
}

/** ERP customer and Sales Order, dated by the order; its total must equal Magento's grand total. */
async function orderInErp(run: OrderRun): Promise<void> {
  const { incrementId, order, settings } = run;
  const orderDate = dateOf(order.createdAt) ?? today();
  const customer = await run.review.step(() => erp.upsertErpCustomer(erpCustomerFor(order, settings.erp)));
  const salesOrder = await run.review.step(() => {
    const input = erpSalesOrderFor(order, customer, settings.erp, orderDate);
    checkErpTotals(order, input);
    return erp.createErpSalesOrder(input);
  });
  run.erpCustomer = customer;
  run.status.ids.erpSalesOrder = salesOrder.name;
  reached(run, 'erp_ordered');
  run.compensations.unshift({
    name: 'cancel ERP sales order',
    undo: () => erp.cancelErpSalesOrder(incrementId),
  });
}

/** WMS fulfilment order; the warehouse refusing the goods (out of stock, undeliverable) reverses the order. */
async function fulfil(run: OrderRun): Promise<void> {
  const fulfilment = await run.review
    .step(() => wms.createWmsOrder(wmsOrderFor(run.order, run.settings.wms)), { refusalsReverse: true })
    .catch((err: unknown) => {
      throw err instanceof BusinessRefused
        ? new BusinessRefused(`the warehouse refused the order: ${err.message}`)
        : err;
    });
  run.status.ids.wmsOrderId = fulfilment.orderId;
  run.compensations.unshift({ name: 'cancel WMS order', undo: () => wms.cancelWmsOrder(run.incrementId) });
  reached(run, 'awaiting_shipment');
  setSyncState(run.status, 'awaiting_shipment');
}

// ── 4. Shipment ─────────────────────────────────────────────────────────────────────────────────────

/**
 * Waits for the shipment; reminds, then escalates (a bounded number of times), and looks in the WMS in case its
 * webhook was lost. A full refund, a lost dispute or a rejected late fraud signal before shipment returns the reason to reverse.
 */
async function waitForShipment(run: OrderRun): Promise<string | undefined> {
  const { incrementId, settings } = run;
  const waitStartedAt = Date.now();
  let notices = 0;
  const lateFlag = () => run.facts.stripeFlags.length > run.flagsWeighed;
  const disputeNews = () => (run.dispute?.status === 'opened') !== (run.disputeHeld === true);
  while (run.shipped === undefined) {
    const nextCheck =
      notices === 0
        ? settings.shipmentReminderAfterMs
        : notices === 1
          ? settings.shipmentEscalateAfterMs - settings.shipmentReminderAfterMs
          : day;
    if (
      await condition(
        () =>
          run.shipped !== undefined || run.facts.fullyRefunded || run.facts.disputeLost || lateFlag() || disputeNews(),
        nextCheck,
      )
    ) {
      if (run.shipped !== undefined) break;
      if (run.facts.fullyRefunded) return 'the payment was fully refunded in Stripe before shipment';
      if (run.facts.disputeLost) {
        if (run.disputeHeld) await holdForDispute(run);
        return 'the dispute was lost before shipment';
      }
      if (disputeNews()) {
        await holdForDispute(run);
        continue;
      }
      if ((await reopenFraudGate(run)) === 'rejected') return rejection(run.decision!);
      continue;
    }
    const wmsOrder = await run.review.step(() => wms.getWmsOrder(incrementId));
    const tracking = wmsOrder?.shipments?.find((s) => s.tracking?.tracking_number)?.tracking;
    if (tracking?.tracking_number) {
      run.shipped = {
        trackingNumber: tracking.tracking_number,
        carrier: tracking.carrier,
        trackingUrl: tracking.tracking_url,
        wmsOrderId: wmsOrder?.id,
      };
      break;
    }
    const waitedDays = Math.round((Date.now() - waitStartedAt) / day);
    const level = notices === 0 ? 'reminder' : 'escalation';
    if (notices <= settings.shipmentEscalationLimit) {
      await notifyOnce(run, 'merchant', {
        key: `shipment_${level}:${incrementId}:${waitedDays}`,
        template: `shipment_${level}`,
        orderId: incrementId,
        subject: `Order ${incrementId} has not shipped after ${waitedDays} days`,
        detail: `WMS order ${run.status.ids.wmsOrderId}`,
      });
    }
    notices += 1;
  }
  reached(run, 'shipped');
  if (run.disputeHeld) {
    // Shipped while disputed: the Magento order stays held (no shipment, no ERP invoice) until Stripe decides.
    await condition(() => run.dispute?.status !== 'opened');
    await holdForDispute(run);
  }
  return undefined;
}

/** Holds the Magento order while a dispute is open, and releases it when the dispute is decided. */
async function holdForDispute(run: OrderRun): Promise<void> {
  const notice = run.dispute!;
  const entityId = run.order.entityId;
  if (notice.status === 'opened' && !run.disputeHeld) {
    await run.review.step(() =>
      magento.holdMagentoOrder({
        entityId,
        key: `dispute_hold:${notice.disputeId}`,
        comment: `Held: the payment is disputed in Stripe (${notice.reason}, ${formatMoney(notice.amountMinor, notice.currency)}), dispute ${notice.disputeId}.`,
      }),
    );
    run.disputeHeld = true;
  } else if (notice.status !== 'opened' && run.disputeHeld) {
    await run.review.step(() =>
      magento.unholdMagentoOrder({
        entityId,
        key: `dispute_${notice.status}:${notice.disputeId}:released`,
        comment: `Released: Stripe dispute ${notice.disputeId} was ${notice.status}.`,
      }),
    );
    run.disputeHeld = false;
  }
}

/** A Radar review or an early fraud warning that arrives after the gate, before shipment, holds the order again. */
async function reopenFraudGate(run: OrderRun): Promise<'passed' | 'rejected'> {
  const flags = run.facts.stripeFlags.slice(run.flagsWeighed);
  run.flagsWeighed = run.facts.stripeFlags.length;
  const previous = run.status.fraud ?? { score: 0, reasons: [], hold: false };
  run.status.fraud = { ...previous, hold: true, reasons: [...previous.reasons, ...flags] } as FraudAssessment;
  const outcome = await holdForDecision(run, `fraud_hold:late:${run.flagsWeighed}`);
  if (outcome === 'passed') setSyncState(run.status, 'awaiting_shipment');
  reached(run, 'awaiting_shipment');
  return outcome;
}

// ── 5. Closing ──────────────────────────────────────────────────────────────────────────────────────

/** Magento shipment with tracking (the customer is notified), then the ERP invoice (dated by the shipment) and payment (dated by the charge). */
async function close(run: OrderRun): Promise<void> {
  const { incrementId, order, payment, settings } = run;
  const shipped = run.shipped!;
  const shipment = await run.review.step(() =>
    magento.shipMagentoOrder({
      entityId: order.entityId,
      notifyCustomer: true,
      track: {
        track_number: shipped.trackingNumber,
        title: shipped.carrier ?? 'Carrier',
        carrier_code: magentoCarrierCode(shipped.carrier, settings.wms),
      },
    }),
  );
  run.status.ids.magentoShipmentId = shipment.shipmentId;
  const customer = run.erpCustomer!;
  const shippedOn = dateOf(shipped.shippedAt) ?? today();
  // From the Sales Order as the ERP holds it: a refund before shipment has amended it to what the customer kept.
  const salesInvoice = await run.review.step(() => erp.invoiceErpSalesOrder({ poNo: incrementId, date: shippedOn }));
  run.status.ids.erpSalesInvoice = salesInvoice.name;
  if (salesInvoice.salesOrder) run.status.ids.erpSalesOrder = salesInvoice.salesOrder;
  const paymentEntry = await run.review.step(() =>
    erp.createErpPaymentEntry({
      salesInvoice: salesInvoice.name,
      customer,
      company: settings.erp.company,
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      referenceNo: payment.chargeId!,
      date: dateOf(payment.createdAt) ?? shippedOn,
      paidTo: settings.erp.bankAccount,
    }),
  );
  run.status.ids.erpPaymentEntry = paymentEntry.name;
}

/** Runs the registered undos in reverse order of the steps; an undo an operator skips is noted and the rest still run. */
async function compensate(run: OrderRun, reason: string): Promise<Ended> {
  reached(run, 'compensating');
  for (const { name, undo } of run.compensations) {
    await run.review.step(undo).catch((err) => {
      if (!(err instanceof SkippedByOperator)) throw err;
      run.status.ids[`skipped:${name}`] = 'skipped by operator';
    });
  }
  await notifyOnce(run, 'merchant', {
    key: `compensated:${run.incrementId}`,
    template: 'order_compensated',
    orderId: run.incrementId,
    subject: `Order ${run.incrementId} was reversed`,
    detail: reason,
  });
  return end(run, 'compensated', 'compensated', reason);
}

// ── Helpers ─────────────────────────────────────────────────────────────────────────────────────────

type Notice = Parameters<NotifyActivities['notifyCustomer']>[0];

/**
 * Sends a notice once per key for the life of the run. A notice that cannot go out parks like any step; an operator's
 * skip there skips only the notice (noted on the status), not the order.
 */
async function notifyOnce(run: OrderRun, audience: 'customer' | 'merchant', notice: Notice): Promise<void> {
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

async function findOrder(run: OrderRun): Promise<OrderSnapshot> {
  const found = await lookUpOrder(run);
  if (!found)
    throw permanentFailure(
      `Magento has no order ${run.incrementId}, but Stripe payment ${run.facts.paymentIntentId} names it`,
    );
  return found;
}

/**
 * The Magento order the payment names. The storefront may pay before it has finished writing the order: wait with a
 * durable backoff (up to `orderWaitMaxMs`) before parking.
 */
async function loadOrder(run: OrderRun): Promise<OrderSnapshot> {
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

function dateOf(iso: string | undefined): string | undefined {
  return iso && /^\d{4}-\d{2}-\d{2}/.test(iso) ? iso.slice(0, 10) : undefined;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}
