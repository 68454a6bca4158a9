/**
 * Stripe Billing's scheduler, driven by hand: each subscription lives on its own clock (like a Stripe test clock), and
 * `POST /__sandbox/subscriptions/:id/advance` moves that clock forward through whatever falls due on the way, in time
 * order — `customer.subscription.trial_will_end` three days before a trial ends, `invoice.upcoming` before a renewal,
 * the end of a trial, renewals, payment retries — each happening at its own time on the subscription's clock.
 *
 * Billing objects (subscriptions, invoices and their timestamps) follow the subscription's clock; payments
 * (PaymentIntents, charges, balance transactions) and events keep the sandbox's own clock, so payouts and event
 * listing behave as before. Renewal invoices are finalised at once (Stripe waits about an hour).
 */
import type { Invoice, InvoiceLine, Price, Subscription, SubscriptionItem } from '../billingTypes';
import { trialWillEndSeconds } from '../billingSettings';
import type { Ctx } from '../context';
import { invalidRequest, resourceMissing } from '../errors';
import { changedFields } from '../events';
import { formatAmount } from '../money';
import { clone, type SubscriptionBook } from '../state';
import { isTestCard, testCards } from '../testCards';
import type { Customer } from '../types';
import {
  draftInvoice,
  failWithoutPaymentMethod,
  finalizeInvoice,
  markUncollectible,
  newLine,
  payInvoice,
  previewInvoice,
  settleWithoutPayment,
  voidInvoice,
  type CollectionResult,
  type LineDraft,
} from './invoices';
import { behaviourOf } from './paymentMethods';
import { addInterval, daySeconds, intervalText } from './periods';

export function getSubscription(ctx: Ctx, id: string, param = 'id'): Subscription {
  const subscription = ctx.state.subscriptions[id];
  if (!subscription) throw resourceMissing('subscription', id, param);
  // Subscriptions from data files written before the sandbox modelled Billing's extras.
  subscription.discounts ??= [];
  subscription.default_tax_rates ??= [];
  subscription.pause_collection ??= null;
  subscription.trial_start ??= null;
  subscription.trial_end ??= null;
  subscription.trial_settings ??= { end_behavior: { missing_payment_method: 'create_invoice' } };
  return subscription;
}

export function bookOf(ctx: Ctx, subscription: Subscription): SubscriptionBook {
  const books = (ctx.state.subscriptionBooks ??= {});
  return (books[subscription.id] ??= {
    clock: subscription.created,
    pendingLines: [],
    upcomingSentFor: null,
    trialWillEndSentFor: null,
  });
}

/** The subscription's "now": its own clock, or the sandbox clock once that has caught up. */
export function subscriptionNow(ctx: Ctx, subscription: Subscription): number {
  return Math.max(bookOf(ctx, subscription).clock, ctx.now());
}

export function clockOfSubscription(ctx: Ctx, id: string): number {
  const subscription = ctx.state.subscriptions[id];
  return subscription ? subscriptionNow(ctx, subscription) : ctx.now();
}

function productName(ctx: Ctx, price: Price): string {
  return ctx.state.products[price.product]?.name ?? price.product;
}

/** A full period of an item: `2 × Coffee club (at $15.00 / month)`. */
export function periodLine(
  ctx: Ctx,
  item: Pick<SubscriptionItem, 'id' | 'price' | 'quantity'>,
  start: number,
  end: number,
): LineDraft {
  const { price, quantity } = item;
  return {
    amount: price.unit_amount * quantity,
    quantity,
    price,
    proration: false,
    period: { start, end },
    subscriptionItem: item.id,
    description: `${quantity} × ${productName(ctx, price)} (at ${formatAmount(price.unit_amount, price.currency)} / ${intervalText(price.recurring)})`,
  };
}

export function trialLine(ctx: Ctx, item: SubscriptionItem, start: number, end: number): LineDraft {
  return {
    amount: 0,
    quantity: item.quantity,
    price: item.price,
    proration: false,
    period: { start, end },
    subscriptionItem: item.id,
    description: `Trial period for ${productName(ctx, item.price)}`,
  };
}

export function periodOf(subscription: Subscription): { start: number; end: number } {
  const first = subscription.items.data[0];
  return {
    start: first?.current_period_start ?? subscription.created,
    end: first?.current_period_end ?? subscription.created,
  };
}

/** Starts a new billing period at `start` for every item. */
function startPeriod(subscription: Subscription, start: number): { start: number; end: number } {
  for (const item of subscription.items.data) {
    item.current_period_start = start;
    item.current_period_end = addInterval(start, item.price.recurring);
  }
  return periodOf(subscription);
}

/** Pending prorations (and any `extra` ones), then a full period of every item. */
function cycleLines(
  ctx: Ctx,
  subscription: Subscription,
  period: { start: number; end: number },
  extra: InvoiceLine[] = [],
): InvoiceLine[] {
  const pending = bookOf(ctx, subscription).pendingLines;
  return [
    ...pending,
    ...extra,
    ...subscription.items.data.map((item) => newLine(subscription, periodLine(ctx, item, period.start, period.end))),
  ];
}

/** What a forced outcome does: `succeed` charges a card that pays, `fail` one that is declined; none = the subscription's own card. */
export type ForcedOutcome = 'succeed' | 'fail' | undefined;

function defaultPaymentMethod(ctx: Ctx, subscription: Subscription): string | null {
  const customer = ctx.state.customers[subscription.customer] as Customer | { deleted: true } | undefined;
  const fromCustomer = customer && !('deleted' in customer) ? customer.invoice_settings.default_payment_method : null;
  return subscription.default_payment_method ?? fromCustomer ?? null;
}

function cardOf(ctx: Ctx, paymentMethod: string) {
  return isTestCard(paymentMethod) ? testCards[paymentMethod] : behaviourOf(ctx, paymentMethod);
}

/**
 * The payment method an automatic attempt charges: the subscription's default, else the customer's (Stripe's
 * order) — replaced by a paying (`pm_card_visa`) or declining (`pm_card_chargeDeclined`) test card when the
 * advance forces an outcome the subscription's own card would not give.
 */
function attemptMethod(ctx: Ctx, subscription: Subscription, outcome: ForcedOutcome): string | null {
  const method = defaultPaymentMethod(ctx, subscription);
  if (!outcome) return method;
  const card = method ? cardOf(ctx, method) : undefined;
  if (outcome === 'succeed')
    return method && card && !card.decline && !card.requiresAuthentication ? method : 'pm_card_visa';
  return method && card?.decline ? method : 'pm_card_chargeDeclined';
}

interface Collection {
  result: CollectionResult;
  /** A failed automatic attempt with no retry left (not one that failed for want of a payment method). */
  exhausted: boolean;
}

/** Collects a finalised invoice automatically: nothing due → paid at once; otherwise one attempt with the payment method. */
export function collect(
  ctx: Ctx,
  subscription: Subscription,
  invoice: Invoice,
  at: number,
  outcome: ForcedOutcome,
): Collection {
  if (invoice.amount_due === 0) {
    settleWithoutPayment(ctx, invoice, at);
    return { result: 'paid', exhausted: false };
  }
  const method = attemptMethod(ctx, subscription, outcome);
  if (!method) {
    failWithoutPaymentMethod(ctx, invoice);
    return { result: 'failed', exhausted: false };
  }
  const { outcome: result } = payInvoice(ctx, invoice, method, at, true);
  return {
    result,
    exhausted:
      result !== 'paid' && invoice.next_payment_attempt === null && invoice.billing_reason !== 'subscription_create',
  };
}

/** Cancels now (`customer.subscription.deleted`): retries of its open invoices stop, pending prorations are dropped. */
export function cancelSubscription(ctx: Ctx, subscription: Subscription, at: number): Subscription {
  if (subscription.status === 'canceled')
    throw invalidRequest(`This subscription (${subscription.id}) is already canceled.`, { code: 'resource_missing' });
  subscription.status = 'canceled';
  subscription.canceled_at = at;
  subscription.ended_at = at;
  for (const invoice of Object.values(ctx.state.invoices)) {
    if (invoice.subscription === subscription.id && invoice.status === 'open') invoice.next_payment_attempt = null;
  }
  bookOf(ctx, subscription).pendingLines = [];
  ctx.emit('customer.subscription.deleted', subscription);
  return subscription;
}

/**
 * The last retry failed: the invoice is marked uncollectible, voided or left open, then — unless a later invoice of
 * the subscription is already paid (Stripe then leaves it alone) — the subscription is canceled, made `unpaid` or
 * left `past_due`, per the account settings. True when the subscription was canceled.
 */
function afterLastRetry(ctx: Ctx, subscription: Subscription, invoice: Invoice, at: number): boolean {
  if (ctx.billing.invoiceAfterRetries === 'uncollectible') markUncollectible(ctx, invoice, at);
  else if (ctx.billing.invoiceAfterRetries === 'void') voidInvoice(ctx, invoice, at);
  const latest = subscription.latest_invoice ? ctx.state.invoices[subscription.latest_invoice] : undefined;
  if (latest && latest.id !== invoice.id && latest.status === 'paid') return false;
  if (ctx.billing.subscriptionAfterRetries === 'canceled') {
    cancelSubscription(ctx, subscription, at);
    return true;
  }
  if (ctx.billing.subscriptionAfterRetries === 'unpaid') subscription.status = 'unpaid';
  return false;
}

function emitUpdated(ctx: Ctx, subscription: Subscription, before: Subscription): void {
  const previous = changedFields(before, subscription);
  if (Object.keys(previous).length > 0) ctx.emit('customer.subscription.updated', subscription, previous);
}

/**
 * Invoices lines now (a plan change with `always_invoice`, an interval change, a resume): `subscription_update`,
 * finalised and collected; a failed payment makes the subscription `past_due`. The caller emits the update.
 */
export function invoiceNow(
  ctx: Ctx,
  subscription: Subscription,
  lines: InvoiceLine[],
  at: number,
  outcome: ForcedOutcome,
): Invoice {
  const book = bookOf(ctx, subscription);
  const invoice = draftInvoice(ctx, subscription, {
    reason: 'subscription_update',
    lines: [...book.pendingLines, ...lines],
    at,
    period: { start: at, end: periodOf(subscription).end },
  });
  book.pendingLines = [];
  subscription.latest_invoice = invoice.id;
  finalizeInvoice(ctx, invoice, at);
  const { result, exhausted } = collect(ctx, subscription, invoice, at, outcome);
  if (result === 'paid') {
    if (subscription.status === 'past_due' || subscription.status === 'unpaid') subscription.status = 'active';
  } else if (subscription.status === 'active') {
    subscription.status = 'past_due';
  }
  if (exhausted) afterLastRetry(ctx, subscription, invoice, at);
  return invoice;
}

/** The invoice a renewal at `renewalAt` would make, as `invoice.upcoming` and `GET /v1/invoices/upcoming` show it. */
export function upcomingInvoice(ctx: Ctx, subscription: Subscription, extraLines: InvoiceLine[] = []): Invoice {
  const renewalAt =
    subscription.status === 'trialing' && subscription.trial_end ? subscription.trial_end : periodOf(subscription).end;
  const period = { start: renewalAt, end: addInterval(renewalAt, subscription.items.data[0]?.price.recurring) };
  const invoice = previewInvoice(ctx, subscription, {
    reason: 'upcoming',
    lines: cycleLines(ctx, subscription, period, extraLines).map((l) => ({ ...l })),
    at: renewalAt,
    period,
  });
  invoice.next_payment_attempt = renewalAt;
  return invoice;
}

/** A trial ends: the first paid period starts, invoiced and collected (or paused / canceled without a payment method). */
export function endTrial(ctx: Ctx, subscription: Subscription, at: number, outcome: ForcedOutcome): void {
  const before = clone(subscription);
  const hasMethod = Boolean(defaultPaymentMethod(ctx, subscription)) || outcome === 'succeed';
  if (!hasMethod) {
    const behaviour = subscription.trial_settings.end_behavior.missing_payment_method;
    if (behaviour === 'cancel') {
      cancelSubscription(ctx, subscription, at);
      return;
    }
    if (behaviour === 'pause') {
      subscription.status = 'paused';
      emitUpdated(ctx, subscription, before);
      ctx.emit('customer.subscription.paused', subscription);
      return;
    }
  }
  const period = startPeriod(subscription, at);
  subscription.billing_cycle_anchor = at;
  subscription.status = 'active';
  const invoice = draftInvoice(ctx, subscription, {
    reason: 'subscription_cycle',
    lines: cycleLines(ctx, subscription, period),
    at,
    period,
  });
  bookOf(ctx, subscription).pendingLines = [];
  subscription.latest_invoice = invoice.id;
  finalizeInvoice(ctx, invoice, at);
  const { result, exhausted } = collect(ctx, subscription, invoice, at, outcome);
  subscription.status = result === 'paid' ? 'active' : 'past_due';
  const canceled = exhausted && afterLastRetry(ctx, subscription, invoice, at);
  if (!canceled) emitUpdated(ctx, subscription, before);
}

/**
 * A period ends: the next one starts and is invoiced (`subscription_cycle`, with pending prorations). Collection as
 * paused (`pause_collection`: the invoice stays a draft, is voided, or marked uncollectible), none while `unpaid`
 * (finalised, never attempted), else one attempt: paid → `active`, failed → `past_due` with a retry scheduled.
 */
function renew(ctx: Ctx, subscription: Subscription, at: number, outcome: ForcedOutcome): void {
  if (subscription.cancel_at_period_end) {
    cancelSubscription(ctx, subscription, at);
    return;
  }
  const before = clone(subscription);
  const period = startPeriod(subscription, at);
  const invoice = draftInvoice(ctx, subscription, {
    reason: 'subscription_cycle',
    lines: cycleLines(ctx, subscription, period),
    at,
    period,
  });
  bookOf(ctx, subscription).pendingLines = [];
  subscription.latest_invoice = invoice.id;
  const paused = subscription.pause_collection;
  let canceled = false;
  if (paused) {
    if (paused.behavior === 'keep_as_draft') {
      invoice.auto_advance = false;
    } else {
      finalizeInvoice(ctx, invoice, at);
      if (paused.behavior === 'void') voidInvoice(ctx, invoice, at);
      else markUncollectible(ctx, invoice, at);
    }
  } else if (subscription.status === 'unpaid') {
    invoice.auto_advance = false;
    finalizeInvoice(ctx, invoice, at);
  } else {
    finalizeInvoice(ctx, invoice, at);
    const { result, exhausted } = collect(ctx, subscription, invoice, at, outcome);
    subscription.status = result === 'paid' ? 'active' : 'past_due';
    canceled = exhausted && afterLastRetry(ctx, subscription, invoice, at);
  }
  if (!canceled) emitUpdated(ctx, subscription, before);
}

/** The next automatic attempt on an open invoice; a paid latest invoice makes a `past_due`/`unpaid` subscription `active`. */
function retry(ctx: Ctx, subscription: Subscription, invoice: Invoice, at: number, outcome: ForcedOutcome): void {
  if (invoice.status !== 'open') {
    invoice.next_payment_attempt = null;
    return;
  }
  const before = clone(subscription);
  const { result, exhausted } = collect(ctx, subscription, invoice, at, outcome);
  if (result === 'paid') {
    if (
      subscription.latest_invoice === invoice.id &&
      (subscription.status === 'past_due' || subscription.status === 'unpaid')
    )
      subscription.status = 'active';
  } else if (exhausted && afterLastRetry(ctx, subscription, invoice, at)) {
    return;
  }
  emitUpdated(ctx, subscription, before);
}

type StepKind = 'trial_will_end' | 'upcoming' | 'resume_collection' | 'retry' | 'trial_end' | 'renewal';
const stepOrder: StepKind[] = ['trial_will_end', 'upcoming', 'resume_collection', 'retry', 'trial_end', 'renewal'];

export interface Step {
  at: number;
  kind: StepKind;
  invoice?: string;
}

/** Everything scheduled for the subscription, in the order it would happen. */
export function scheduledSteps(ctx: Ctx, subscription: Subscription): Step[] {
  const book = bookOf(ctx, subscription);
  const steps: Step[] = [];
  const upcoming = (renewalAt: number, periodStart: number) => {
    const days = ctx.billing.upcomingInvoiceDays;
    const at = renewalAt - days * daySeconds;
    if (days > 0 && book.upcomingSentFor !== renewalAt && at > periodStart) steps.push({ at, kind: 'upcoming' });
  };
  const { status, trial_end: trialEnd } = subscription;
  const period = periodOf(subscription);
  if (status === 'trialing' && trialEnd !== null) {
    if (book.trialWillEndSentFor !== trialEnd) {
      steps.push({
        at: Math.max(trialEnd - trialWillEndSeconds, subscription.trial_start ?? subscription.created),
        kind: 'trial_will_end',
      });
    }
    upcoming(trialEnd, period.start);
    steps.push({ at: trialEnd, kind: 'trial_end' });
  }
  if (status === 'active' || status === 'past_due' || status === 'unpaid') {
    const resumesAt = subscription.pause_collection?.resumes_at;
    if (resumesAt) steps.push({ at: resumesAt, kind: 'resume_collection' });
    if (!subscription.cancel_at_period_end) upcoming(period.end, period.start);
    steps.push({ at: period.end, kind: 'renewal' });
  }
  if (status !== 'canceled' && status !== 'incomplete' && status !== 'incomplete_expired') {
    for (const invoice of Object.values(ctx.state.invoices)) {
      if (invoice.subscription === subscription.id && invoice.status === 'open' && invoice.next_payment_attempt) {
        steps.push({ at: invoice.next_payment_attempt, kind: 'retry', invoice: invoice.id });
      }
    }
  }
  return steps.sort((a, b) => a.at - b.at || stepOrder.indexOf(a.kind) - stepOrder.indexOf(b.kind));
}

function runStep(ctx: Ctx, subscription: Subscription, step: Step, outcome: ForcedOutcome): void {
  const book = bookOf(ctx, subscription);
  switch (step.kind) {
    case 'trial_will_end':
      book.trialWillEndSentFor = subscription.trial_end;
      ctx.emit('customer.subscription.trial_will_end', subscription);
      return;
    case 'upcoming': {
      const invoice = upcomingInvoice(ctx, subscription);
      book.upcomingSentFor = invoice.period_start;
      ctx.emit('invoice.upcoming', invoice);
      return;
    }
    case 'resume_collection': {
      const before = clone(subscription);
      subscription.pause_collection = null;
      emitUpdated(ctx, subscription, before);
      return;
    }
    case 'retry': {
      const invoice = step.invoice ? ctx.state.invoices[step.invoice] : undefined;
      if (invoice) retry(ctx, subscription, invoice, step.at, outcome);
      return;
    }
    case 'trial_end':
      endTrial(ctx, subscription, step.at, outcome);
      return;
    case 'renewal':
      renew(ctx, subscription, step.at, outcome);
  }
}

export type AdvanceOutcome = 'paid' | 'failed' | 'retry_paid' | 'retry_failed';
export type AdvanceTarget = 'trial_end' | 'next_period' | 'next_attempt' | number;

/**
 * Sandbox control: moves the subscription's clock to `to` — the trial's end, the end of the current period (the
 * trial's end while trialing), the next scheduled payment attempt, or a Unix time — running everything due on the
 * way, in order. `outcome` decides every payment attempt on the way (`paid`/`retry_paid` succeed, `failed`/
 * `retry_failed` are declined); without it the subscription's own payment method decides. `to` defaults to
 * `next_attempt` for the `retry_*` outcomes and to `next_period` otherwise, so the old `{outcome}` still renews.
 */
export function advanceSubscription(
  ctx: Ctx,
  id: string,
  input: { outcome?: AdvanceOutcome; to?: AdvanceTarget },
): Subscription {
  const subscription = getSubscription(ctx, id);
  const { status } = subscription;
  if (status === 'canceled' || status === 'incomplete' || status === 'incomplete_expired') {
    throw invalidRequest(
      `Subscription ${id} is ${status}; only trialing, active, past_due or unpaid subscriptions move on.`,
    );
  }
  if (status === 'paused')
    throw invalidRequest(`Subscription ${id} is paused; resume it (POST /v1/subscriptions/${id}/resume) first.`);
  const outcome: ForcedOutcome =
    input.outcome === undefined ? undefined : input.outcome.endsWith('paid') ? 'succeed' : 'fail';
  const to = input.to ?? (input.outcome?.startsWith('retry_') ? 'next_attempt' : 'next_period');
  const now = subscriptionNow(ctx, subscription);
  let target: number;
  if (to === 'trial_end' || (to === 'next_period' && status === 'trialing')) {
    if (status !== 'trialing' || subscription.trial_end === null)
      throw invalidRequest(`Subscription ${id} is not trialing (status ${status}).`);
    target = subscription.trial_end;
  } else if (to === 'next_period') {
    target = periodOf(subscription).end;
  } else if (to === 'next_attempt') {
    const next = scheduledSteps(ctx, subscription).find((s) => s.kind === 'retry');
    if (!next) throw invalidRequest(`Subscription ${id} has no payment attempt scheduled.`);
    target = next.at;
  } else {
    if (to < now) throw invalidRequest(`The subscription's clock is at ${now}; it cannot go back to ${to}.`);
    target = to;
  }
  const book = bookOf(ctx, subscription);
  for (let guard = 0; guard < 1000; guard += 1) {
    const step = scheduledSteps(ctx, subscription).find((s) => s.at <= target);
    if (!step) break;
    book.clock = Math.max(book.clock, step.at);
    runStep(ctx, subscription, step, outcome);
  }
  book.clock = Math.max(book.clock, target);
  return subscription;
}

/** `GET /__sandbox/subscriptions/:id/clock`: the subscription's clock and what is scheduled next. */
export function clockReport(
  ctx: Ctx,
  id: string,
): { object: 'sandbox_subscription_clock'; subscription: string; now: number; scheduled: Step[] } {
  const subscription = getSubscription(ctx, id);
  return {
    object: 'sandbox_subscription_clock',
    subscription: id,
    now: subscriptionNow(ctx, subscription),
    scheduled: scheduledSteps(ctx, subscription),
  };
}
