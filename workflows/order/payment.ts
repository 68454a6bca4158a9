/** The order run's first steps: the payment, its check against the Magento order, its capture and its undo. */
import { condition, workflowInfo } from '@temporalio/workflow';
import { formatMoney } from '../../domain/money';
import { isSettledInMagento } from '../../domain/orderSnapshot';
import { StripeObjectId } from '../../domain/searchAttributes';
import type { OrderPayment } from '../../activities/stripe/renewals';
import { permanentFailure } from '../reviewQueue';
import { upsertUnlessStartedWith } from '../searchAttributeUpdates';
import { type Ended, OrderRun, end, findOrder, loadOrder, magento, notifyOnce, reached, stripe } from './run';

// ── 1. Payment ──────────────────────────────────────────────────────────────────────────────────────

/** Waits until Stripe says paid or authorised; a decline gets a pay-again link and a grace period. Returns how it ended otherwise. */
export async function takePayment(run: OrderRun): Promise<Ended | undefined> {
  if (run.invoiceId) return takeInvoicePayment(run, run.invoiceId);
  await condition(() => run.facts.paymentIntentId !== undefined);
  const paymentIntentId = run.facts.paymentIntentId!;
  upsertUnlessStartedWith(run.startAttributes, [{ key: StripeObjectId, value: paymentIntentId }]);
  run.status.ids.paymentIntentId = paymentIntentId;
  run.payment = await run.review.step(() => stripe.getPayment(paymentIntentId));
  run.order = await loadOrder(run);
  const settled = await endIfSettled(run);
  if (settled) return settled;
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

/**
 * A renewal's payment, read from its Stripe invoice (paid before the subscription's run started this one): by its
 * PaymentIntent, or without one, from the customer's credit balance or outside Stripe. An invoice that is not paid
 * parks; a retry reads it again.
 */
async function takeInvoicePayment(run: OrderRun, invoiceId: string): Promise<Ended | undefined> {
  upsertUnlessStartedWith(run.startAttributes, [
    { key: StripeObjectId, value: run.facts.paymentIntentId ?? invoiceId },
  ]);
  run.status.ids.invoiceId = invoiceId;
  run.payment = await run.review.step(async () => {
    const payment = await stripe.getInvoicePayment(invoiceId);
    if (payment.status !== 'succeeded')
      throw permanentFailure(
        `order ${run.incrementId}: its Stripe invoice ${invoiceId} is ${payment.status}, not paid`,
      );
    return payment;
  });
  const { paymentIntentId, currency, paidFromBalanceMinor = 0, paidOutOfBandMinor = 0 } = run.payment;
  if (paymentIntentId) run.status.ids.paymentIntentId = paymentIntentId;
  // No money reached Stripe for these parts: the ERP receives only the charge, the rest stays open on its invoice.
  if (paidFromBalanceMinor !== 0) run.status.ids.paidFromCreditBalance = formatMoney(paidFromBalanceMinor, currency);
  if (paidOutOfBandMinor !== 0) run.status.ids.paidOutsideStripe = formatMoney(paidOutOfBandMinor, currency);
  run.order = await loadOrder(run);
  const settled = await endIfSettled(run);
  if (settled) return settled;
  run.status.ids.chargeId = run.payment.chargeId;
  reached(run, 'paid');
  return undefined;
}

/** Magento outlives Temporal's retention: an order it has finished with (a run started again for a late event) is left alone. */
async function endIfSettled(run: OrderRun): Promise<Ended | undefined> {
  if (!isSettledInMagento(run.order, run.payment)) return undefined;
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

/** The payment read again: from the renewal's invoice, or the PaymentIntent. */
function readPayment(run: OrderRun): Promise<OrderPayment> {
  return run.invoiceId ? stripe.getInvoicePayment(run.invoiceId) : stripe.getPayment(run.payment.paymentIntentId!);
}

function isPaid(payment: OrderPayment): boolean {
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
export async function checkAmount(run: OrderRun): Promise<void> {
  let attempts = 0;
  await run.review.step(async () => {
    if (attempts++ > 0) {
      run.payment = await readPayment(run);
      run.order = await findOrder(run);
    }
    const { payment, order } = run;
    // A renewal's invoice may be paid in part (or whole) from the customer's credit balance, or outside Stripe.
    const otherwiseMinor = (payment.paidFromBalanceMinor ?? 0) + (payment.paidOutOfBandMinor ?? 0);
    if (payment.currency !== order.currency || payment.amountMinor + otherwiseMinor !== order.grandTotalMinor) {
      const otherwise =
        otherwiseMinor === 0
          ? ''
          : ` (and ${formatMoney(otherwiseMinor, payment.currency)} of invoice ${payment.invoiceId} was paid from the ` +
            "customer's credit balance or outside Stripe)";
      throw permanentFailure(
        `order ${run.incrementId}: Stripe charged ${formatMoney(payment.amountMinor, payment.currency)}${otherwise} but the Magento ` +
          `grand total is ${formatMoney(order.grandTotalMinor, order.currency)}`,
      );
    }
  });
}

/** From here on, a reversal gives the money back (or releases the authorisation) and cancels the Magento order. */
export function registerPaymentUndo(run: OrderRun): void {
  const { paymentIntentId } = run.payment;
  const idempotencyKey = `${workflowInfo().workflowId}:refund`;
  run.compensations.unshift({
    name: 'refund payment',
    undo: async () => {
      // A lost dispute has already taken the money back: a refund now would pay the customer twice.
      if (run.facts.disputeLost)
        return { refundedMinor: 0, alreadyRefunded: true, reason: 'charged back: the dispute was lost' };
      if (!paymentIntentId)
        throw permanentFailure(
          `order ${run.incrementId} was paid by Stripe invoice ${run.payment.invoiceId} without a card payment (the ` +
            "customer's credit balance, or outside Stripe): no Stripe refund can give it back. Credit the customer " +
            'in Stripe (a credit note on the invoice), then skip this step',
        );
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

export function captureAtShipment(run: OrderRun): boolean {
  return run.payment.status === 'requires_capture' && run.settings.paymentCaptureAt === 'shipment';
}

/** Captures an authorise-only payment once the order may go ahead; an automatic payment has nothing to capture. */
export async function capture(run: OrderRun): Promise<void> {
  if (run.payment.status !== 'requires_capture') return;
  const paymentIntentId = run.payment.paymentIntentId!;
  await run.review.step(() =>
    stripe.capturePayment({ paymentIntentId, idempotencyKey: `${workflowInfo().workflowId}:capture` }),
  );
  run.payment = await run.review.step(() => stripe.getPayment(paymentIntentId));
  run.status.ids.chargeId = run.payment.chargeId;
  reached(run, 'captured');
}
