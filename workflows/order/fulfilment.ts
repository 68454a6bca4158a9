/** The order run's documents: Magento invoice, ERP order, WMS order, the wait for the shipment, closing, compensation. */
import { condition } from '@temporalio/workflow';
import {
  checkErpTotals,
  erpCustomerFor,
  erpSalesOrderFor,
  magentoCarrierCode,
  wmsOrderFor,
} from '../../domain/fulfilment';
import { formatMoney } from '../../domain/money';
import { BusinessRefused, permanentFailure, setSyncState, SkippedByOperator } from '../reviewQueue';
import { creditInErp, creditMemoFor } from '../refundBooks';
import { rejection, reopenFraudGate } from './fraudGate';
import { actOnEventsBeforeShipment, hasUnseenShipmentEvent, shippedPerWms } from './shipmentLife';
import { type Ended, OrderRun, dateOf, day, end, erp, magento, notifyOnce, reached, stripe, today, wms } from './run';

// ── 3. Invoice, ERP, fulfilment ─────────────────────────────────────────────────────────────────────

/** Magento invoice, offline: the money is already in Stripe. */
export async function invoice(run: OrderRun): Promise<void> {
  const { order, payment } = run;
  const created = await run.review.step(() =>
    magento.invoiceMagentoOrder({
      entityId: order.entityId,
      chargeId: payment.chargeId!,
      paymentIntentId: payment.paymentIntentId,
      ...(payment.invoiceId ? { invoiceId: payment.invoiceId } : {}),
      notifyCustomer: true,
    }),
  );
  run.status.ids.magentoInvoiceId = created.invoiceId;
  reached(run, 'invoiced');
  run.compensations.unshift({
    name: 'credit memo',
    undo: async () =>
      // From 1.2 a full refund's reversal has one memo per refund (bookHandedRefunds, or the refund's own run): no rest.
      run.booksRefunds && run.facts.fullyRefunded && !run.facts.disputeLost
        ? undefined
        : magento.creditMagentoOrder({
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
export async function orderInErp(run: OrderRun): Promise<void> {
  const { incrementId, order, settings } = run;
  const orderDate = dateOf(order.createdAt) ?? today();
  const customer = await run.review.step(() => erp.upsertErpCustomer(erpCustomerFor(order, settings.erp)));
  const salesOrder = await run.review.step(() => {
    const input = erpSalesOrderFor(order, customer, settings.erp, orderDate);
    checkErpTotals(order, input);
    return erp.createErpSalesOrder({
      ...input,
      ...(run.payment.settlement ? { settlement: run.payment.settlement } : {}),
    });
  });
  run.erpCustomer = customer;
  run.status.ids.erpSalesOrder = salesOrder.name;
  reached(run, 'erp_ordered');
  run.compensations.unshift({
    name: 'cancel ERP sales order',
    undo: () => erp.cancelErpSalesOrder(incrementId),
  });
}

/**
 * The refunds handed over before shipment (patch `1.2:order-books-refunds-before-shipment`), each booked once, in the
 * order they came: its Magento credit memo once the order is invoiced there, then (unless the order is being reversed,
 * which cancels the ERP order) its ERP credit once the Sales Order exists (workflows/refundBooks.ts).
 */
export async function bookHandedRefunds(run: OrderRun, options: { erp: boolean } = { erp: true }): Promise<void> {
  const books = { review: run.review, incrementId: run.incrementId, settings: run.settings, magento, erp };
  for (const refundId of run.handedRefunds) {
    const memoDue = !run.refundMemos.has(refundId) && run.status.ids.magentoInvoiceId !== undefined;
    // An order being reversed has its ERP order cancelled, with any refund's credit in it: no amendment now.
    const erpDue =
      options.erp &&
      run.reversalAccepted === undefined &&
      !run.refundsInErp.has(refundId) &&
      run.status.ids.erpSalesOrder !== undefined;
    if (!memoDue && !erpDue) continue;
    const refund = await run.review.step(() => stripe.getRefund(refundId));
    if (memoDue) {
      run.status.ids[`refund:${refundId}:magentoCreditMemoId`] = await creditMemoFor(books, run.order.entityId, refund);
      run.refundMemos.add(refundId);
    }
    if (erpDue) {
      const credit = await creditInErp(books, refund);
      for (const [key, value] of Object.entries(credit))
        if (key !== 'step') run.status.ids[`refund:${refundId}:${key}`] = value;
      if (credit.step === 'erp_order_amended') run.status.ids.erpSalesOrder = credit.erpSalesOrder;
      run.refundsInErp.add(refundId);
    }
  }
}

/**
 * Patch `1.2:invoice-what-was-captured`: a payment captured for less than was authorised (the merchant captured part
 * in Stripe) is invoiced at what was captured. Magento gets an offline credit memo for the part never captured, and
 * the ERP Sales Order is amended by it, so the ERP invoice (made from the amendment) and its receipt are both the
 * captured amount. No money moved for that part: nothing is paid back.
 */
export async function creditUncaptured(run: OrderRun): Promise<void> {
  const { capturedMinor, amountMinor, paymentIntentId, currency } = run.payment;
  if (!run.invoicesCaptured || capturedMinor === undefined || capturedMinor >= amountMinor || !paymentIntentId) return;
  const shortMinor = amountMinor - capturedMinor;
  const key = `uncaptured:${paymentIntentId}`;
  const memo = await run.review.step(() =>
    magento.creditMemoForRefund({
      entityId: run.order.entityId,
      refundId: key,
      amountMinor: shortMinor,
      currency,
      uncaptured: true,
      returnToStock: false,
    }),
  );
  run.status.ids.magentoUncapturedMemoId = memo.creditMemoId;
  const amended = await run.review.step(() =>
    erp.amendErpSalesOrderForRefund({ poNo: run.incrementId, refundId: key, amountMinor: shortMinor }),
  );
  if (amended.outcome === 'amended') run.status.ids.erpSalesOrder = amended.salesOrder;
  else
    throw permanentFailure(
      `order ${run.incrementId}: ${formatMoney(shortMinor, currency)} of the authorisation was never captured, but the ` +
        `ERP Sales Order cannot be amended by it (${amended.outcome === 'invoiced' ? `already invoiced as ${amended.salesInvoice}` : amended.reason})`,
    );
}

/** Handed refunds not yet booked as far as the run has come. */
function refundsToBook(run: OrderRun): boolean {
  return run.handedRefunds.some(
    (id) =>
      (!run.refundMemos.has(id) && run.status.ids.magentoInvoiceId !== undefined) ||
      (!run.refundsInErp.has(id) && run.status.ids.erpSalesOrder !== undefined && run.reversalAccepted === undefined),
  );
}

/** WMS fulfilment order; the warehouse refusing the goods (out of stock, undeliverable) reverses the order. */
export async function fulfil(run: OrderRun): Promise<void> {
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
export async function waitForShipment(run: OrderRun): Promise<string | undefined> {
  const { incrementId, settings } = run;
  const waitStartedAt = Date.now();
  let notices = 0;
  const lateFlag = () => run.facts.stripeFlags.length > run.flagsWeighed;
  const disputeNews = () => (run.dispute?.status === 'opened') !== (run.disputeHeld === true);
  // A reversal this run accepted (workflows/orderToCash.ts) is honoured even when the shipment came with it.
  const accepted = async (): Promise<string | undefined> => {
    if (!run.reversalsBeforeFulfilment || run.reversalAccepted === undefined) return undefined;
    if (run.facts.disputeLost && run.disputeHeld) await holdForDispute(run);
    return run.reversalAccepted;
  };
  const acceptedFirst = await accepted();
  if (acceptedFirst) return acceptedFirst;
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
          run.shipped !== undefined ||
          run.facts.fullyRefunded ||
          run.facts.disputeLost ||
          lateFlag() ||
          disputeNews() ||
          refundsToBook(run) ||
          hasUnseenShipmentEvent(run),
        nextCheck,
      )
    ) {
      const reversal = await accepted();
      if (reversal) return reversal;
      if (run.shipped === undefined && hasUnseenShipmentEvent(run)) {
        // News after the shipment is awaitDelivery's. A delivery reported before its "shipped" goes on to the look in the WMS, which has the tracking.
        if ((await actOnEventsBeforeShipment(run)) !== 'delivered') continue;
      } else {
        if (refundsToBook(run)) {
          await bookHandedRefunds(run);
          continue;
        }
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
    }
    if (await shippedPerWms(run)) break;
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
  // Refunds handed over before the shipment came are booked before the ERP invoice is made from the Sales Order.
  await bookHandedRefunds(run);
  if (run.disputeHeld) {
    // Shipped while disputed: the Magento order stays held (no shipment, no ERP invoice) until Stripe decides.
    await condition(() => run.dispute?.status !== 'opened');
    await holdForDispute(run);
  }
  return undefined;
}

/**
 * A dispute opened before the goods went to the warehouse (during a fraud hold, say) keeps them here: the Magento order
 * is held until Stripe decides. Won, the order goes on; lost, the reason to reverse it.
 */
export async function awaitDisputeBeforeFulfilment(run: OrderRun): Promise<string | undefined> {
  if (run.dispute?.status !== 'opened' && !run.facts.disputeLost) return undefined;
  if (!run.facts.disputeLost) {
    reached(run, 'dispute_hold');
    await holdForDispute(run);
    await condition(() => run.dispute?.status !== 'opened' || run.facts.disputeLost);
  }
  if (run.disputeHeld) await holdForDispute(run);
  return run.facts.disputeLost ? 'the dispute was lost before shipment' : undefined;
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

// ── 5. Closing ──────────────────────────────────────────────────────────────────────────────────────

/** Magento shipment with tracking (the customer is notified), then the ERP invoice (dated by the shipment) and payment (dated by the charge). */
export async function close(run: OrderRun): Promise<void> {
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
  const salesInvoice = await run.review.step(() =>
    erp.invoiceErpSalesOrder({
      poNo: incrementId,
      date: shippedOn,
      ...(payment.settlement ? { settlement: payment.settlement } : {}),
    }),
  );
  run.status.ids.erpSalesInvoice = salesInvoice.name;
  if (salesInvoice.salesOrder) run.status.ids.erpSalesOrder = salesInvoice.salesOrder;
  // A renewal paid without a charge (credit balance, outside Stripe) brought no money into Stripe: nothing to receive.
  if (!payment.chargeId) return;
  const paymentEntry = await run.review.step(() =>
    erp.createErpPaymentEntry({
      salesInvoice: salesInvoice.name,
      customer,
      company: settings.erp.company,
      amountMinor: payment.capturedMinor ?? payment.amountMinor,
      currency: payment.currency,
      ...(payment.settlement ? { settlement: payment.settlement } : {}),
      referenceNo: payment.chargeId!,
      date: dateOf(payment.createdAt) ?? shippedOn,
      paidTo: settings.erp.bankAccount,
    }),
  );
  run.status.ids.erpPaymentEntry = paymentEntry.name;
}

/**
 * A charge returned in full (refunded, or lost in a dispute) in another currency than Stripe settles in: each refund
 * and withdrawal was converted on its own, so together they may have taken back a minor unit more or less than the
 * charge brought in. The payout moves both through
 * the clearing account; that rounding goes to exchange gain/loss, so clearing nets to zero.
 */
async function bookConversionRounding(run: OrderRun): Promise<void> {
  const chargeId = run.payment?.chargeId;
  if (!chargeId) return;
  const net = await run.review.step(() => stripe.chargeNetOfRefunds(chargeId));
  if (!net || !net.converted || !net.fullyReturned || net.residueMinor === 0) return;
  const entry = await run.review.step(() =>
    erp.postExchangeResidue({
      reference: `${chargeId}:returned-rounding`,
      company: run.settings.erp.company,
      currency: net.currency,
      residueMinor: net.residueMinor,
      clearingAccount: run.settings.erp.bankAccount,
      date: today(),
      remark: `Stripe charge ${chargeId} returned in full: the rounding of its conversions into ${net.currency}`,
    }),
  );
  if (entry) run.status.ids.erpRoundingEntry = entry.name;
}

/** Runs the registered undos in reverse order of the steps; an undo an operator skips is noted and the rest still run. */
export async function compensate(run: OrderRun, reason: string): Promise<Ended> {
  reached(run, 'compensating');
  if (run.booksRefunds) {
    // The handed refunds' memos; the ERP order's cancel below takes their ERP credit with it.
    await bookHandedRefunds(run, { erp: false });
    run.refundsClosed = true;
    const unbooked = run.handedRefunds.filter((id) => !run.refundMemos.has(id));
    if (unbooked.length > 0)
      run.status.ids.refundsWithoutMemo = `${unbooked.join(', ')}: the order was never invoiced in Magento`;
  }
  for (const { name, undo } of run.compensations) {
    await run.review.step(undo).catch((err) => {
      if (!(err instanceof SkippedByOperator)) throw err;
      run.status.ids[`skipped:${name}`] = 'skipped by operator';
    });
  }
  if (run.booksRefunds) await bookConversionRounding(run);
  await notifyOnce(run, 'merchant', {
    key: `compensated:${run.incrementId}`,
    template: 'order_compensated',
    orderId: run.incrementId,
    subject: `Order ${run.incrementId} was reversed`,
    detail: reason,
  });
  return end(run, 'compensated', 'compensated', reason);
}
