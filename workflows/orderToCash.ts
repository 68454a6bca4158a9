import { patched, setHandler } from '@temporalio/workflow';
import { foldPaymentEvent } from '../domain/orderEvents';
import { MagentoOrderId, SyncState } from '../domain/searchAttributes';
import type { StripeEventEnvelope } from '../domain/stripeEvents';
import { disputeNoticeUpdate, refundNoticeUpdate, type DisputeNotice, type RefundNotice } from '../messages/afterSale';
import {
  fraudDecisionUpdate,
  shipmentEventSignal,
  shipmentSignal,
  type FraudDecision,
  type OrderOutcome,
  type ShipmentEvent,
  type ShipmentNotice,
} from '../messages/order';
import { stripeEventSignal } from '../messages/runs';
import { BusinessRefused, SkippedByOperator } from './reviewQueue';
import { upsertUnlessStartedWith } from './searchAttributeUpdates';
import { makeGuestCustomer, passFraudGate, rejection } from './order/fraudGate';
import {
  awaitDisputeBeforeFulfilment,
  bookHandedRefunds,
  close,
  creditUncaptured,
  compensate,
  fulfil,
  invoice,
  orderInErp,
  waitForShipment,
} from './order/fulfilment';
import { awaitDelivery, requestStockSync } from './order/shipmentLife';
import { capture, captureAtShipment, checkAmount, registerPaymentUndo, takePayment } from './order/payment';
import { OrderRun, config, end } from './order/run';

export interface OrderToCashInput {
  incrementId: string;
  /** A renewal order's PaymentIntent (workflows/subscription.ts): the run starts already paid. */
  paymentIntentId?: string;
  /**
   * A renewal order's Stripe invoice (workflows/subscription.ts, from 1.1): the run is paid by the invoice, read from
   * it, with or without a PaymentIntent (the customer's credit balance, or a payment outside Stripe).
   */
  invoiceId?: string;
}

/**
 * One Magento order from payment to cash: take the payment, pass the fraud gate, invoice in Magento, order in the ERP,
 * fulfil in the WMS, wait for the shipment, then ship in Magento and invoice and receive in the ERP, and wait for the
 * delivery. Every completed
 * step registers its undo; only a business refusal (a rejected hold, the warehouse refusing the goods, a full refund or
 * lost dispute before shipment) runs them. Anything that is our fault parks the run for a person (reviewQueue.ts).
 */
export async function orderToCash(input: OrderToCashInput): Promise<OrderOutcome> {
  const run = startRun(input.incrementId);
  run.reversalsBeforeFulfilment = patched('1.1:reversals-before-fulfilment');
  run.booksRefunds = run.reversalsBeforeFulfilment && patched('1.2:order-books-refunds-before-shipment');
  run.invoicesCaptured = run.booksRefunds && patched('1.2:invoice-what-was-captured');
  run.shipmentLife = run.invoicesCaptured && patched('1.4:shipment-life-after-shipped');
  // A renewal order (workflows/subscription.ts) starts already paid, by its subscription invoice's PaymentIntent.
  if (input.paymentIntentId) run.facts = { ...run.facts, paymentIntentId: input.paymentIntentId, succeeded: true };
  if (input.invoiceId) run.invoiceId = input.invoiceId;
  try {
    run.settings = await run.review.step(() => config.orderSettings());
    const unpaid = await takePayment(run);
    if (unpaid) return unpaid;
    await checkAmount(run);
    registerPaymentUndo(run);
    if (run.reversalsBeforeFulfilment && refundedBeforeRun(run))
      return await compensate(run, 'the payment was fully refunded in Stripe before the order was fulfilled');
    if ((await passFraudGate(run)) === 'rejected') return await compensate(run, rejection(run.decision!));
    await makeGuestCustomer(run);
    if (!captureAtShipment(run)) {
      await capture(run);
      await invoice(run);
    }
    await orderInErp(run);
    if (!captureAtShipment(run)) await creditUncaptured(run);
    await bookHandedRefunds(run);
    const lost = run.reversalsBeforeFulfilment ? await awaitDisputeBeforeFulfilment(run) : undefined;
    if (lost) return await compensate(run, lost);
    await fulfil(run);
    const reversal = await waitForShipment(run);
    if (reversal) return await compensate(run, reversal);
    if (captureAtShipment(run)) {
      await capture(run);
      await invoice(run);
      await creditUncaptured(run);
    }
    await close(run);
    if (run.shipmentLife) {
      await requestStockSync(run);
      await awaitDelivery(run);
    }
    return end(run, 'completed', 'completed');
  } catch (err) {
    if (err instanceof SkippedByOperator) return end(run, 'skipped', 'failed', `${err.message}${unbooked(run)}`);
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
  setHandler(shipmentEventSignal, (event: ShipmentEvent) => {
    if (!run.shipmentEvents.some((seen) => seen.webhookId === event.webhookId)) run.shipmentEvents.push(event);
  });
  // A full refund before shipment reverses the order here. From 1.2 every refund before shipment is this run's to
  // book (workflows/refundBooks.ts), so it alone writes the order's credit memos until the goods ship; after that, and
  // before 1.2 for a partial refund, the refund's own run books it.
  setHandler(refundNoticeUpdate, (notice: RefundNotice) => {
    const beforeShipment = run.shipped === undefined && status.outcome === undefined;
    const reverses = notice.chargeFullyRefunded && beforeShipment;
    if (reverses) {
      run.facts = { ...run.facts, fullyRefunded: true };
      run.reversalAccepted ??= 'the payment was fully refunded in Stripe before shipment';
    }
    if (!run.booksRefunds) return { handledByOrder: reverses };
    // Once the reversal has written the handed refunds' memos, a straggler's own run books it.
    if (!beforeShipment || run.refundsClosed) return { handledByOrder: false };
    if (!run.handedRefunds.includes(notice.refundId)) run.handedRefunds.push(notice.refundId);
    return { handledByOrder: true, recordedByOrder: true };
  });
  // A dispute before shipment holds the order until it is decided; lost, the order is reversed here (without a refund).
  setHandler(disputeNoticeUpdate, (notice: DisputeNotice) => {
    if (status.outcome !== undefined) return { handledByOrder: false };
    if (notice.status === 'lost' && run.shipped === undefined) {
      run.facts = { ...run.facts, disputeLost: true };
      run.reversalAccepted ??= 'the dispute was lost before shipment';
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

/** Refunds handed to this run that it had not booked in full when an operator skipped it: theirs to book by hand. */
function unbooked(run: OrderRun): string {
  const left = run.handedRefunds.filter((id) => !run.refundMemos.has(id) || !run.refundsInErp.has(id));
  return left.length > 0
    ? `; refunds handed to this run and not booked in Magento and the ERP: ${left.join(', ')}`
    : '';
}

/** The payment Stripe already refunded in full when the run read it (the refund came before the order's run). */
function refundedBeforeRun(run: OrderRun): boolean {
  const { amountRefundedMinor, amountMinor, capturedMinor } = run.payment;
  return run.facts.fullyRefunded || (amountRefundedMinor > 0 && amountRefundedMinor >= (capturedMinor ?? amountMinor));
}
