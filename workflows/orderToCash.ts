import {
  condition, defineSignal, patched, proxyActivities, setHandler, upsertMemo, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import { assessFraud, type FraudAssessment } from '../domain/fraud';
import { erpCustomerFor, erpSalesOrderFor, magentoCarrierCode, wmsOrderFor } from '../domain/fulfilment';
import { magentoDateTime, type MagentoOrder } from '../domain/magento';
import { formatMoney, fromMinor, toMinor } from '../domain/money';
import { foldPaymentEvent, noPaymentFacts, type PaymentFacts } from '../domain/orderEvents';
import { MagentoOrderId, StripeObjectId, type SyncStateValue } from '../domain/searchAttributes';
import type { StripeEventEnvelope } from '../domain/stripeEvents';
import type { ErpActivities } from '../activities/erp/activities';
import type { MagentoActivities } from '../activities/magento/activities';
import type { NotifyActivities } from '../activities/notify/activities';
import type { SettingsActivities } from '../activities/settings';
import type { PaymentSnapshot, StripeActivities } from '../activities/stripe/activities';
import type { WmsActivities } from '../activities/wms/activities';
import { defineStatusQuery, stripeEventSignal } from './messages';
import { createReviewQueue, permanentFailure, permanentFailureReason, setSyncState, SkippedByOperator } from './reviewQueue';

// ── Messages ────────────────────────────────────────────────────────────────────────────────────────
export interface FraudDecision {
  decision: 'approve' | 'reject';
  reviewer: string;
  note?: string;
}

export interface ShipmentNotice {
  trackingNumber: string;
  carrier?: string;
  trackingUrl?: string;
  wmsOrderId?: number;
  shippedAt?: string;
}

export interface OrderStatus {
  incrementId: string;
  step: string;
  syncState: SyncStateValue;
  reviewReason?: string;
  outcome?: OrderOutcome['outcome'];
  fraud?: FraudAssessment & { decision?: FraudDecision; heldUntil?: string };
  ids: Record<string, string | number | undefined>;
  timestamps: Record<string, string>;
}

export interface OrderOutcome {
  outcome: 'completed' | 'compensated' | 'canceled_unpaid' | 'skipped';
  reason?: string;
  status: OrderStatus;
}

export const fraudDecisionSignal = defineSignal<[FraudDecision]>('fraudDecision');
export const shipmentSignal = defineSignal<[ShipmentNotice]>('shipment');
export const orderStatusQuery = defineStatusQuery<OrderStatus>();

// ── Activities, per system ──────────────────────────────────────────────────────────────────────────
const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;
const magento = proxyActivities<MagentoActivities>({ startToCloseTimeout: '1 minute', retry });
const erp = proxyActivities<ErpActivities>({ startToCloseTimeout: '1 minute', retry });
const wms = proxyActivities<WmsActivities>({ startToCloseTimeout: '1 minute', retry });
const stripe = proxyActivities<StripeActivities>({ startToCloseTimeout: '1 minute', retry });
const notify = proxyActivities<NotifyActivities>({ startToCloseTimeout: '30 seconds', retry });
const config = proxyActivities<SettingsActivities>({ startToCloseTimeout: '10 seconds', retry });

const day = 24 * 3600 * 1000;

/**
 * One Magento order from payment to cash: verify the payment, pass the fraud gate, invoice in Magento, order in the
 * ERP, fulfil in the WMS, ship with tracking, invoice and receive in the ERP. Every completed step registers its undo;
 * a rejected hold, an unfulfillable order or a refund or lost dispute before shipment runs the undos in reverse.
 * Stripe events arrive as signals in any order; the run works from Stripe's and Magento's current state.
 */
export async function orderToCash(input: { incrementId: string }): Promise<OrderOutcome> {
  const { incrementId } = input;
  const status: OrderStatus = { incrementId, step: 'awaiting_payment', syncState: 'running', ids: {}, timestamps: {} };
  let facts: PaymentFacts = noPaymentFacts;
  let decision: FraudDecision | undefined;
  let shipped: ShipmentNotice | undefined;
  const compensations: Array<{ name: string; undo: () => Promise<unknown> }> = [];

  setHandler(stripeEventSignal, (event: StripeEventEnvelope) => void (facts = foldPaymentEvent(facts, event)));
  setHandler(fraudDecisionSignal, (d: FraudDecision) => void (status.syncState === 'fraud_hold' && (decision ??= d)));
  setHandler(shipmentSignal, (notice: ShipmentNotice) => void (shipped ??= notice));
  setHandler(orderStatusQuery, () => status);
  const review = createReviewQueue(status);
  const reached = (step: string) => {
    status.step = step;
    status.timestamps[step] = new Date().toISOString();
  };
  upsertSearchAttributes([{ key: MagentoOrderId, value: incrementId }]);
  setSyncState(status, 'running');
  const settings = await config.orderSettings();

  const compensate = async (reason: string): Promise<OrderOutcome> => {
    reached('compensating');
    for (const { name, undo } of compensations) {
      await review.step(undo).catch((err) => {
        if (!(err instanceof SkippedByOperator)) throw err;
        status.ids[`skipped:${name}`] = 'skipped by operator';
      });
    }
    await notify.notifyMerchant({ key: `compensated:${incrementId}`, template: 'order_compensated', orderId: incrementId,
      subject: `Order ${incrementId} was reversed`, detail: reason });
    reached('compensated');
    setSyncState(status, 'compensated');
    return { outcome: 'compensated', reason, status };
  };

  try {
    // 1. Payment: wait until Stripe says paid; a decline gets a grace period for a successful retry.
    await condition(() => facts.paymentIntentId !== undefined);
    upsertSearchAttributes([{ key: StripeObjectId, value: facts.paymentIntentId! }]);
    status.ids.paymentIntentId = facts.paymentIntentId;
    let payment: PaymentSnapshot = await review.step(() => stripe.getPayment(facts.paymentIntentId!));
    let order = await loadOrder();
    if (payment.status !== 'succeeded' && facts.failures === 0) {
      // Neither paid nor declined yet (e.g. a bank debit still processing, or only a review event so far): wait for the outcome.
      await condition(() => facts.succeeded || facts.failures > 0);
      payment = await review.step(() => stripe.getPayment(facts.paymentIntentId!));
    }

    if (payment.status !== 'succeeded') {
      reached('payment_failed');
      const declineCode = facts.lastDeclineCode ?? payment.declineCode ?? 'unknown';
      await magento.addMagentoComment({ entityId: order.entity_id, key: `payment_failed:${facts.paymentIntentId}:${facts.failures}`,
        comment: settings.paymentFailedComment.replace('{declineCode}', declineCode), status: settings.paymentFailedStatus });
      await notify.notifyCustomer({ key: `payment_failed:${incrementId}`, template: 'payment_failed', orderId: incrementId,
        to: order.customer_email, subject: `Your payment for order ${incrementId} did not go through`, detail: declineCode });
      const paidInTime = await condition(() => facts.succeeded, settings.paymentRetryWindowMs);
      if (!paidInTime) {
        await magento.cancelMagentoOrder({ entityId: order.entity_id, key: 'canceled_unpaid', notifyCustomer: true,
          comment: `Canceled: no successful payment within ${Math.round(settings.paymentRetryWindowMs / 3_600_000)} hours of the decline.` });
        reached('canceled_unpaid');
        setSyncState(status, 'failed');
        return { outcome: 'canceled_unpaid', status };
      }
      payment = await review.step(() => stripe.getPayment(facts.paymentIntentId!));
      order = await loadOrder();
    }
    status.ids.chargeId = payment.chargeId;
    reached('paid');

    // 2. The payment must match the order it claims to pay for, to the minor unit.
    await review.step(async () => {
      const expected = toMinor(order.grand_total, order.order_currency_code);
      if (payment.currency !== order.order_currency_code.toUpperCase() || payment.amountMinor !== expected) {
        throw permanentFailure(`order ${incrementId}: Stripe charged ${formatMoney(payment.amountMinor, payment.currency)} but the Magento ` +
          `grand total is ${formatMoney(expected, order.order_currency_code)}`);
      }
      order = await loadOrder();
    });
    // Anything from here on is undone by refunding the payment and cancelling the Magento order.
    compensations.unshift({ name: 'refund payment', undo: () => stripe.refundPayment({ paymentIntentId: payment.paymentIntentId,
      idempotencyKey: `${workflowInfo().workflowId}:refund`, reason: 'requested_by_customer', note: `order ${incrementId} reversed` }) });
    compensations.push({ name: 'cancel Magento order', undo: () => magento.cancelMagentoOrder({ entityId: order.entity_id,
      key: 'canceled_compensation', comment: 'Canceled and refunded in Stripe.', notifyCustomer: true }) });

    // 3. Fraud gate: Radar's verdict plus the order's own signals; a hold waits for a person, or times out as a reject.
    const history = await magento.magentoCustomerHistory(order.customer_email, incrementId, magentoDateTime(Date.now() - day));
    const assessment = assessFraud({
      riskLevel: payment.riskLevel, riskScore: payment.riskScore, amountMinor: payment.amountMinor, currency: payment.currency,
      billingCountry: order.billing_address?.country_id,
      shippingCountry: order.extension_attributes?.shipping_assignments?.[0]?.shipping?.address?.country_id,
      isFirstTimeCustomer: history.previousOrderCount === 0, recentOrderCount: history.recentOrderCount, stripeFlags: facts.stripeFlags,
    }, settings.fraud);
    status.fraud = assessment;
    if (assessment.hold) {
      reached('fraud_hold');
      setSyncState(status, 'fraud_hold');
      status.fraud.heldUntil = new Date(Date.now() + settings.fraud.holdTimeoutMs).toISOString();
      // Operators list holds from visibility, which answers even when no worker is running.
      if (patched('fraud-hold-memo')) {
        upsertMemo({ fraudHold: { score: assessment.score, reasons: assessment.reasons, heldSince: status.timestamps.fraud_hold,
          heldUntil: status.fraud.heldUntil, paymentIntentId: payment.paymentIntentId } });
      }
      await magento.holdMagentoOrder({ entityId: order.entity_id, key: 'fraud_hold',
        comment: `Held for fraud review (score ${assessment.score}): ${assessment.reasons.join('; ')}.` });
      await notify.notifyMerchant({ key: `fraud_hold:${incrementId}`, template: 'fraud_hold', orderId: incrementId,
        subject: `Order ${incrementId} is held for fraud review`, detail: assessment.reasons.join('; ') });
      const decided = await condition(() => decision !== undefined || facts.stripeReviewClosedAs !== undefined || facts.fullyRefunded,
        settings.fraud.holdTimeoutMs);
      decision ??= facts.stripeReviewClosedAs === 'approved' ? { decision: 'approve', reviewer: 'Stripe Radar review' }
        : decided ? { decision: 'reject', reviewer: facts.fullyRefunded ? 'refunded in Stripe' : `Stripe review closed as ${facts.stripeReviewClosedAs}` }
          : { decision: 'reject', reviewer: 'hold timeout', note: 'no decision in time' };
      status.fraud.decision = decision;
      if (decision.decision === 'reject') {
        return await compensate(`fraud hold rejected by ${decision.reviewer}${decision.note ? `: ${decision.note}` : ''}`);
      }
      await magento.unholdMagentoOrder({ entityId: order.entity_id, key: 'fraud_approved',
        comment: `Fraud hold approved by ${decision.reviewer}${decision.note ? `: ${decision.note}` : ''}.` });
      setSyncState(status, 'running');
    }

    // 4. Magento invoice (offline: the money is already in Stripe).
    const invoice = await review.step(() => magento.invoiceMagentoOrder({ entityId: order.entity_id, chargeId: payment.chargeId!,
      paymentIntentId: payment.paymentIntentId, notifyCustomer: true }));
    status.ids.magentoInvoiceId = invoice.invoiceId;
    reached('invoiced');
    compensations.unshift({ name: 'credit memo', undo: () => magento.creditMagentoOrder({ entityId: order.entity_id,
      key: 'creditmemo_compensation', comment: 'Refunded in Stripe: order reversed.', notifyCustomer: true }) });

    // 5. ERP customer and sales order.
    const today = new Date().toISOString().slice(0, 10);
    const customer = await review.step(() => erp.upsertErpCustomer(erpCustomerFor(order, settings.erp)));
    const salesOrder = await review.step(() => erp.createErpSalesOrder(erpSalesOrderFor(order, customer, settings.erp, today)));
    status.ids.erpSalesOrder = salesOrder.name;
    reached('erp_ordered');
    compensations.unshift({ name: 'cancel ERP sales order', undo: () => erp.cancelErpSalesOrder(incrementId) });

    // 6. WMS fulfilment order; a rejection (out of stock, undeliverable) reverses the order.
    try {
      const fulfilment = await wms.createWmsOrder(wmsOrderFor(order, settings.wms));
      status.ids.wmsOrderId = fulfilment.orderId;
    } catch (err) {
      const reason = permanentFailureReason(err);
      if (reason === undefined) throw err;
      return await compensate(`the warehouse refused the order: ${reason}`);
    }
    compensations.unshift({ name: 'cancel WMS order', undo: () => wms.cancelWmsOrder(incrementId) });
    reached('awaiting_shipment');
    setSyncState(status, 'awaiting_shipment');

    // 7. Wait for the shipment; remind, then escalate, and look in the WMS in case its webhook was lost.
    const waitStartedAt = Date.now();
    let reminded = false;
    let escalated = false;
    while (shipped === undefined) {
      const nextCheck = !reminded ? settings.shipmentReminderAfterMs : !escalated ? settings.shipmentEscalateAfterMs - settings.shipmentReminderAfterMs : day;
      if (await condition(() => shipped !== undefined || facts.fullyRefunded || facts.disputeLost, nextCheck)) {
        if (shipped === undefined) return await compensate(facts.fullyRefunded ? 'the payment was fully refunded in Stripe before shipment' : 'the dispute was lost before shipment');
        break;
      }
      const wmsOrder = await wms.getWmsOrder(incrementId);
      const tracking = wmsOrder?.shipments?.find((s) => s.tracking?.tracking_number)?.tracking;
      if (tracking?.tracking_number) {
        shipped = { trackingNumber: tracking.tracking_number, carrier: tracking.carrier, trackingUrl: tracking.tracking_url, wmsOrderId: wmsOrder?.id };
        break;
      }
      const waitedDays = Math.round((Date.now() - waitStartedAt) / day);
      const level = !reminded ? 'reminder' : 'escalation';
      await notify.notifyMerchant({ key: `shipment_${level}:${incrementId}:${waitedDays}`, template: `shipment_${level}`, orderId: incrementId,
        subject: `Order ${incrementId} has not shipped after ${waitedDays} days`, detail: `WMS order ${status.ids.wmsOrderId}` });
      if (reminded) escalated = true;
      reminded = true;
    }
    reached('shipped');

    // 8. Magento shipment with tracking (the customer is notified), then ERP invoice and payment.
    const shipment = await review.step(() => magento.shipMagentoOrder({ entityId: order.entity_id, notifyCustomer: true, track: {
      track_number: shipped!.trackingNumber, title: shipped!.carrier ?? 'Carrier', carrier_code: magentoCarrierCode(shipped!.carrier, settings.wms) } }));
    status.ids.magentoShipmentId = shipment.shipmentId;
    const salesInvoice = await review.step(() => erp.createErpSalesInvoice({ ...erpSalesOrderFor(order, customer, settings.erp, today),
      poNo: incrementId, salesOrder: salesOrder.name, date: today }));
    status.ids.erpSalesInvoice = salesInvoice.name;
    const paymentEntry = await review.step(() => erp.createErpPaymentEntry({ salesInvoice: salesInvoice.name, customer, company: settings.erp.company,
      amount: fromMinor(payment.amountMinor, payment.currency), currency: payment.currency, referenceNo: payment.chargeId!, date: today,
      paidTo: settings.erp.bankAccount }));
    status.ids.erpPaymentEntry = paymentEntry.name;
    reached('completed');
    setSyncState(status, 'completed');
    return { outcome: 'completed', status };
  } catch (err) {
    if (err instanceof SkippedByOperator) {
      reached('skipped');
      setSyncState(status, 'failed');
      return { outcome: 'skipped', reason: err.message, status };
    }
    throw err;
  }

  async function loadOrder(): Promise<MagentoOrder> {
    return review.step(async () => {
      const found = await magento.findMagentoOrder(incrementId);
      if (!found) throw permanentFailure(`Magento has no order ${incrementId}, but Stripe payment ${facts.paymentIntentId} names it`);
      status.ids.magentoEntityId = found.entity_id;
      return found;
    });
  }
}
