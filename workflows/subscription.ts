import {
  allHandlersFinished,
  condition,
  continueAsNew,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { orderRunInput, orderWorkflowId } from '../domain/eventRouting';
import { formatMoney } from '../domain/money';
import { StripeObjectId, type SyncStateValue } from '../domain/searchAttributes';
import type { OrderSettings } from '../domain/settings';
import type { StripeEventEnvelope } from '../domain/stripeEvents';
import { renewalOrderDecision, type InvoiceSnapshot } from '../domain/subscriptions';
import type { NotifyActivities } from '../activities/notify/activities';
import type { SubscriptionSnapshot } from '../activities/stripe/activities';
import { trackSteps, type RunStatus, type TrackedRun } from './runStatus';
import { systems } from './systems';
import { defineStatusQuery, stripeEventSignal } from '../messages/runs';
import { orderToCash } from './orderToCash';
import { setSyncState, SkippedByOperator } from './reviewQueue';

/** What a subscription's run carries into the next one when it continues as new. */
export interface SubscriptionCarried {
  /** Stripe event ids already taken (the most recent few hundred: Stripe redelivers within days, not years). */
  seen: string[];
  /** Events received but not handled yet. */
  pending: StripeEventEnvelope[];
  dunning?: { invoiceId: string; attempt: number; nextAttemptAt?: string };
  /** Every paid invoice: the renewal order made for it, or why none was (`noOrder`, from 1.1). */
  renewals: Array<{ invoiceId: string; incrementId?: string; noOrder?: string; totalMinor: number; currency: string }>;
  /** The subscriber state last written to Magento and the ERP. */
  mirrored?: string;
  runs: number;
}

export interface SubscriptionStatus extends RunStatus<SubscriptionOutcome['outcome']> {
  subscriptionId: string;
  subscription?: SubscriptionSnapshot;
  dunning?: SubscriptionCarried['dunning'];
  renewals: number;
  lastRenewal?: SubscriptionCarried['renewals'][number];
  /** Runs of this subscription so far, this one included (each continues as new after `renewalsPerRun` renewals). */
  runs: number;
  upcoming?: { totalMinor: number; currency: string };
  /** Steps an operator skipped that the subscription went on without. */
  warnings?: string[];
}

export interface SubscriptionOutcome {
  outcome: 'canceled' | 'skipped';
  reason?: string;
  status: SubscriptionStatus;
}

export const subscriptionStatusQuery = defineStatusQuery<SubscriptionStatus>();

const { stripe, magento, erp, notify, config } = systems;

const seenKept = 500;
const graceAfterAttemptMs = 3600_000;

/** One subscription's run: the pieces of state its steps share. `settings` is set by the run's first step. */
class SubscriptionRun {
  readonly tracker: TrackedRun<SubscriptionOutcome['outcome'], SubscriptionStatus>;
  settings!: OrderSettings;
  renewalsThisRun = 0;

  constructor(
    readonly subscriptionId: string,
    readonly state: SubscriptionCarried,
  ) {
    this.tracker = trackSteps(
      {
        subscriptionId,
        step: 'listening',
        syncState: 'running',
        renewals: state.renewals.length,
        runs: state.runs,
        timestamps: {},
      },
      subscriptionStatusQuery,
    );
  }

  get status(): SubscriptionStatus {
    return this.tracker.status;
  }

  get review() {
    return this.tracker.review;
  }
}

/**
 * One Stripe subscription for as long as it lives, ID `subscription:<sub_…>`. Each paid invoice becomes a Magento
 * order for the renewal, fulfilled by the order's own run (`order:<increment id>`, started as a child that outlives
 * this run); a failed payment starts dunning (Stripe's hosted invoice link to the customer, the Magento customer marked,
 * the merchant told) with timers on Stripe's own retry schedule; plan changes, pauses and cancellation are mirrored to
 * the Magento customer and the ERP customer. The run continues as new every few renewals (or when Temporal suggests
 * it), carrying its state, so its history stays short however many years the subscription runs.
 */
export async function subscription(input: {
  subscriptionId: string;
  carried?: SubscriptionCarried;
}): Promise<SubscriptionOutcome> {
  const run = startRun(input);
  try {
    run.settings = await run.review.step(() => config.orderSettings());
    for (;;) {
      const retryCheckAt = run.state.dunning?.nextAttemptAt
        ? Date.parse(run.state.dunning.nextAttemptAt) + graceAfterAttemptMs
        : undefined;
      const wake = () => run.state.pending.length > 0 || timeToContinue(run);
      const woke =
        retryCheckAt === undefined
          ? (await condition(wake), true)
          : await condition(wake, Math.max(1, retryCheckAt - Date.now()));
      if (run.state.pending.length === 0 && timeToContinue(run)) {
        await condition(allHandlersFinished);
        if (run.state.pending.length === 0) {
          return await continueAsNew<typeof subscription>({
            subscriptionId: run.subscriptionId,
            carried: { ...run.state, runs: run.state.runs + 1 },
          });
        }
      }
      if (!woke) {
        await lookAgainAtDunning(run);
        continue;
      }
      const event = run.state.pending.shift();
      if (!event) continue;
      const ended = await handle(run, event);
      if (ended) return ended;
    }
  } catch (err) {
    if (!(err instanceof SkippedByOperator)) throw err;
    return end(run, 'skipped', 'failed', err.message);
  }
}

function startRun(input: { subscriptionId: string; carried?: SubscriptionCarried }): SubscriptionRun {
  const state: SubscriptionCarried = input.carried ?? { seen: [], pending: [], renewals: [], runs: 1 };
  const run = new SubscriptionRun(input.subscriptionId, state);
  setHandler(stripeEventSignal, (event: StripeEventEnvelope) => {
    if (state.seen.includes(event.id)) return;
    state.seen = [...state.seen, event.id].slice(-seenKept);
    state.pending.push(event);
  });
  upsertSearchAttributes([{ key: StripeObjectId, value: input.subscriptionId }]);
  setSyncState(run.status, 'running');
  return run;
}

function timeToContinue(run: SubscriptionRun): boolean {
  return workflowInfo().continueAsNewSuggested || run.renewalsThisRun >= run.settings.subscriptions.renewalsPerRun;
}

function end(
  run: SubscriptionRun,
  outcome: SubscriptionOutcome['outcome'],
  state: SyncStateValue,
  reason?: string,
): SubscriptionOutcome {
  return run.tracker.end(outcome, state, reason);
}

async function handle(run: SubscriptionRun, event: StripeEventEnvelope): Promise<SubscriptionOutcome | undefined> {
  switch (event.type) {
    case 'invoice.paid':
      await renew(run, event.objectId ?? String(event.object.id));
      return undefined;
    case 'invoice.payment_failed':
    case 'invoice.payment_action_required':
      await dun(run, await run.review.step(() => stripe.getInvoice(event.objectId ?? String(event.object.id))));
      return undefined;
    case 'invoice.upcoming':
      run.status.upcoming = {
        totalMinor: Number(event.object.total ?? 0),
        currency: String(event.object.currency ?? '').toUpperCase(),
      };
      return undefined;
    case 'customer.subscription.deleted':
      await mirror(run);
      return end(run, 'canceled', 'completed', `subscription ${run.subscriptionId} ended in Stripe`);
    default: // created, updated, paused, resumed, trial_will_end
      await mirror(run);
      if (event.type === 'customer.subscription.trial_will_end') await trialEnding(run);
      return undefined;
  }
}

/** A paid invoice: the Magento order for the renewal (once per invoice), fulfilled by its own order run; dunning ends. */
async function renew(run: SubscriptionRun, invoiceId: string): Promise<void> {
  run.tracker.reached('renewing');
  const invoice = await run.review.step(() => stripe.getInvoice(invoiceId));
  if (run.state.dunning?.invoiceId === invoiceId) await endDunning(run, invoice);
  if (run.state.renewals.some((r) => r.invoiceId === invoiceId)) return;
  const renewal: SubscriptionCarried['renewals'][number] = {
    invoiceId,
    totalMinor: invoice.totalMinor,
    currency: invoice.currency,
  };
  if (patched('1.1:renewal-orders-from-invoices')) {
    await orderForInvoice(run, invoice, renewal);
  } else if (invoice.totalMinor === 0 && !run.settings.subscriptions.ordersForZeroInvoices) {
    run.state.renewals.push(renewal); // a trial or fully credited period: nothing to ship
  } else {
    const order = await run.review.step(() =>
      magento.createRenewalOrder({
        invoice,
        settings: {
          ordersForZeroInvoices: run.settings.subscriptions.ordersForZeroInvoices,
          storeId: run.settings.subscriptions.storeId,
        },
      }),
    );
    await startOrderRun(run, order.incrementId, {
      ...(invoice.paymentIntentId ? { paymentIntentId: invoice.paymentIntentId } : {}),
    });
    run.state.renewals.push({ ...renewal, incrementId: order.incrementId });
  }
  run.renewalsThisRun += 1;
  run.status.renewals = run.state.renewals.length;
  run.status.lastRenewal = run.state.renewals.at(-1);
  run.tracker.reached('listening');
}

/**
 * From 1.1: the invoices `subscriptions.orderFor` names become Magento orders, each run paid by its invoice (so one
 * paid from the customer's credit balance or outside Stripe completes, and one paid in part from the balance passes
 * the amount check), and the order is written on the invoice and its PaymentIntent, where its refunds, disputes and
 * credit memos find it. An invoice that makes no order is marked so.
 */
async function orderForInvoice(
  run: SubscriptionRun,
  invoice: InvoiceSnapshot,
  renewal: SubscriptionCarried['renewals'][number],
): Promise<void> {
  const { invoiceId, paymentIntentId } = invoice;
  // Settings recorded by a run started before 1.1 have no `orderFor`: read them again.
  if (run.settings.subscriptions.orderFor === undefined)
    run.settings = await run.review.step(() => config.orderSettings());
  const { subscriptions } = run.settings;
  const decision = await run.review.step(() => renewalOrderDecision(invoice, subscriptions));
  if (!decision.order) {
    await recordOnStripe(run, { invoiceId });
    run.state.renewals.push({ ...renewal, noOrder: decision.reason });
    return;
  }
  const order = await run.review.step(() =>
    magento.createRenewalOrder({
      invoice,
      settings: { ordersForZeroInvoices: subscriptions.ordersForZeroInvoices, storeId: subscriptions.storeId },
    }),
  );
  await startOrderRun(run, order.incrementId, { invoiceId, ...(paymentIntentId ? { paymentIntentId } : {}) });
  // After the order's run has started: an event naming the order cannot start a run of its own first.
  await recordOnStripe(run, {
    invoiceId,
    incrementId: order.incrementId,
    ...(paymentIntentId ? { paymentIntentId } : {}),
  });
  run.state.renewals.push({ ...renewal, incrementId: order.incrementId });
}

/** The renewal's order (or none) written on its invoice and PaymentIntent; an operator's skip skips only the write. */
async function recordOnStripe(
  run: SubscriptionRun,
  input: { invoiceId: string; incrementId?: string; paymentIntentId?: string },
): Promise<void> {
  await run.review
    .step(() => stripe.recordRenewalOrder(input))
    .catch((err) => {
      if (!(err instanceof SkippedByOperator)) throw err;
      (run.status.warnings ??= []).push(
        `invoice ${input.invoiceId}: its renewal order was not written on it in Stripe`,
      );
    });
}

/** The renewal order's own run, a child that outlives this one (ABANDON), started once per order. */
async function startOrderRun(
  run: SubscriptionRun,
  incrementId: string,
  paidBy: { paymentIntentId?: string; invoiceId?: string },
): Promise<void> {
  await run.review.step(async () => {
    try {
      await startChild(orderToCash, {
        workflowId: orderWorkflowId(incrementId),
        args: [{ ...orderRunInput(incrementId), ...paidBy }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (err) {
      // Started already (this step retried, or a redelivered invoice after the run continued as new): one order run per order.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  });
}

/**
 * A renewal that did not go through: the customer gets Stripe's hosted invoice page to pay or update the card, the
 * Magento customer is marked, the merchant told; the run then waits on Stripe's own retry schedule.
 */
async function dun(run: SubscriptionRun, invoice: InvoiceSnapshot): Promise<void> {
  if (invoice.status === 'paid') return renew(run, invoice.invoiceId);
  if (invoice.status !== 'open') return mirror(run);
  const attempt = invoice.attemptCount;
  if (run.state.dunning?.invoiceId === invoice.invoiceId && run.state.dunning.attempt >= attempt) return;
  run.tracker.reached('dunning');
  run.state.dunning = {
    invoiceId: invoice.invoiceId,
    attempt,
    ...(invoice.nextPaymentAttempt ? { nextAttemptAt: invoice.nextPaymentAttempt } : {}),
  };
  run.status.dunning = run.state.dunning;
  const amount = formatMoney(invoice.amountDueMinor, invoice.currency);
  const next = invoice.nextPaymentAttempt
    ? `Stripe tries again on ${invoice.nextPaymentAttempt.slice(0, 10)}`
    : 'Stripe will not try again';
  if (invoice.customerEmail) {
    const email = invoice.customerEmail;
    await notifyOnce(run, 'customer', {
      key: `renewal_failed:${invoice.invoiceId}:${attempt}`,
      template: 'renewal_payment_failed',
      to: email,
      subject: `Your subscription payment of ${amount} did not go through`,
      detail: `${invoice.hostedInvoiceUrl ? `Pay or update your card: ${invoice.hostedInvoiceUrl}. ` : ''}${next}.`,
    });
  }
  await mirror(run);
  await notifyOnce(run, 'merchant', {
    key: `renewal_failed_merchant:${invoice.invoiceId}:${attempt}`,
    template: 'renewal_payment_failed_merchant',
    subject: `Subscription ${run.subscriptionId}: renewal payment failed (attempt ${attempt})`,
    detail: `${amount}, invoice ${invoice.invoiceId}. ${next}.`,
  });
}

/** Stripe's retry time has passed with no news: look at the invoice ourselves (its webhook may have been lost). */
async function lookAgainAtDunning(run: SubscriptionRun): Promise<void> {
  const dunning = run.state.dunning;
  if (!dunning) return;
  const invoice = await run.review.step(() => stripe.getInvoice(dunning.invoiceId));
  if (invoice.status === 'paid') return renew(run, invoice.invoiceId);
  if (invoice.status === 'open' && invoice.attemptCount > dunning.attempt) return dun(run, invoice);
  if (invoice.status === 'open') {
    // No new attempt yet: look again a day later rather than spin.
    run.state.dunning = { ...dunning, nextAttemptAt: new Date(Date.now() + 24 * 3600_000).toISOString() };
    return;
  }
  run.state.dunning = undefined;
  await mirror(run);
}

async function endDunning(run: SubscriptionRun, invoice: InvoiceSnapshot): Promise<void> {
  run.state.dunning = undefined;
  run.status.dunning = undefined;
  await notifyOnce(run, 'merchant', {
    key: `renewal_recovered:${invoice.invoiceId}`,
    template: 'renewal_recovered',
    subject: `Subscription ${run.subscriptionId}: the renewal was paid after all`,
    detail: `invoice ${invoice.invoiceId}`,
  });
  await mirror(run);
}

/** The subscription's state, plan, pause and cancellation written to the Magento customer and the ERP customer. */
async function mirror(run: SubscriptionRun): Promise<void> {
  const sub = await run.review.step(() => stripe.getSubscription(run.subscriptionId));
  run.status.subscription = sub;
  const dunning = run.state.dunning;
  const value =
    `${sub.status}${sub.paused ? ' (collection paused)' : ''}: ${sub.plan}${sub.cancelAtPeriodEnd ? `; cancels at ${sub.currentPeriodEnd?.slice(0, 10)}` : ''}` +
    (dunning && sub.status === 'past_due'
      ? `; payment failed (attempt ${dunning.attempt})${dunning.nextAttemptAt ? `, next try ${dunning.nextAttemptAt.slice(0, 10)}` : ''}`
      : '');
  if (['unpaid', 'canceled', 'incomplete_expired'].includes(sub.status) && run.state.dunning) {
    const dunning = run.state.dunning;
    run.state.dunning = undefined;
    run.status.dunning = undefined;
    await notifyOnce(run, 'merchant', {
      key: `dunning_exhausted:${dunning.invoiceId}`,
      template: 'renewal_dunning_exhausted',
      subject: `Subscription ${run.subscriptionId} is ${sub.status}: every payment retry failed`,
      detail: `invoice ${dunning.invoiceId}`,
    });
  }
  if (run.state.mirrored === value || !sub.customerEmail) return;
  await mark(run, sub.customerEmail, value);
  const email = sub.customerEmail;
  await run.review.step(() =>
    erp.noteErpSubscriber({ email, note: `Stripe subscription ${run.subscriptionId}: ${value}` }),
  );
  run.state.mirrored = value;
}

async function mark(run: SubscriptionRun, email: string, value: string): Promise<void> {
  await run.review.step(() =>
    magento.markMagentoSubscriber({ email, value: `${run.subscriptionId} ${value}`.slice(0, 255) }),
  );
}

async function trialEnding(run: SubscriptionRun): Promise<void> {
  const sub = run.status.subscription;
  if (!sub?.customerEmail || !sub.trialEnd) return;
  const email = sub.customerEmail;
  await notifyOnce(run, 'customer', {
    key: `trial_will_end:${run.subscriptionId}`,
    template: 'trial_will_end',
    to: email,
    subject: `Your trial ends on ${sub.trialEnd.slice(0, 10)}`,
    detail: sub.plan,
  });
}

type Notice = Parameters<NotifyActivities['notifyCustomer']>[0];

/** Notices go out once per key (the mail's own key dedupes too); a skipped notice skips only the notice. */
async function notifyOnce(run: SubscriptionRun, audience: 'customer' | 'merchant', notice: Notice): Promise<void> {
  await run.review
    .step(() => (audience === 'customer' ? notify.notifyCustomer(notice) : notify.notifyMerchant(notice)))
    .catch((err) => {
      if (!(err instanceof SkippedByOperator)) throw err;
    });
}
