/** The order run's fraud gate: Radar's verdict and the order's signals, a hold for a person's decision, a late flag. */
import { condition, isCancellation, log, upsertMemo } from '@temporalio/workflow';
import { assessFraud, type FraudAssessment } from '../../domain/fraud';
import { guestCustomerOf, needsGuestStripeCustomer } from '../../domain/guestCustomers';
import { magentoDateTime } from '../../domain/magento';
import { type FraudDecision } from '../../messages/order';
import { classifyFailure, setSyncState } from '../reviewQueue';
import { offMoneyPath } from '../systems';
import { OrderRun, day, magento, notifyOnce, reached } from './run';

// ── 2. Fraud gate ───────────────────────────────────────────────────────────────────────────────────

/** Radar's verdict plus the order's own signals; a hold waits for a person, or times out as a reject. */
export async function passFraudGate(run: OrderRun): Promise<'passed' | 'rejected'> {
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

export function rejection(decision: FraudDecision): string {
  return `fraud hold rejected by ${decision.reviewer}${decision.note ? `: ${decision.note}` : ''}`;
}

/**
 * A guest's paid order whose payment names no Stripe customer: one Stripe customer per e-mail, marked a guest's, for the
 * customer sync to link when the guest registers in Magento. Off the money path: a failure is noted on the status.
 */
export async function makeGuestCustomer(run: OrderRun): Promise<void> {
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

/** A Radar review or an early fraud warning that arrives after the gate, before shipment, holds the order again. */
export async function reopenFraudGate(run: OrderRun): Promise<'passed' | 'rejected'> {
  const flags = run.facts.stripeFlags.slice(run.flagsWeighed);
  run.flagsWeighed = run.facts.stripeFlags.length;
  const previous = run.status.fraud ?? { score: 0, reasons: [], hold: false };
  run.status.fraud = { ...previous, hold: true, reasons: [...previous.reasons, ...flags] } as FraudAssessment;
  const outcome = await holdForDecision(run, `fraud_hold:late:${run.flagsWeighed}`);
  if (outcome === 'passed') setSyncState(run.status, 'awaiting_shipment');
  reached(run, 'awaiting_shipment');
  return outcome;
}
