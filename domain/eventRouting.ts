import { customerKeyOf, legacyCustomerWorkflowId, stripeMetadata } from './customerMapping';
import type { StripeEventEnvelope } from './stripeEvents';

/**
 * Which long-running workflow an accepted Stripe event belongs to. The table grows as each workflow lands;
 * a type not in it is answered `{ignored: true}` by the receiver and counted.
 */
export type EntityWorkflowType =
  'orderToCash' | 'payoutReconciliation' | 'unmatchedPayment' | 'refund' | 'dispute' | 'subscription' | 'customerSync';

export interface Route {
  kind: 'route';
  workflowType: EntityWorkflowType;
  workflowId: string;
  businessKey: string;
}

export type RouteDecision =
  | Route
  /** The object does not carry the order reference itself (reviews, disputes, fraud warnings): read it from the PaymentIntent. */
  | { kind: 'lookupPaymentIntent'; paymentIntentId: string }
  | { kind: 'lookupCharge'; chargeId: string }
  /** `charge.refunded` names the charge: each refund listed on it has its own run. */
  | { kind: 'refundsOfCharge'; chargeId: string }
  /** Not ours to handle (e.g. a subscription's invoice payment); the reason is kept on the intake run. */
  | { kind: 'notForUs'; reason: string }
  /** Ours, but something is missing that no retry can supply: the run parks for review. */
  | { kind: 'unroutable'; reason: string };

type Locator = (object: Record<string, unknown>) => RouteDecision;

const maxIncrementIdLength = 50;

/** The Magento increment id a payment names: ours (`magento_order_id`) or the official Stripe Magento module's (`Order #`). */
export function magentoOrderIdFromMetadata(metadata: unknown): string | undefined {
  if (!metadata || typeof metadata !== 'object') return undefined;
  const record = metadata as Record<string, unknown>;
  const value = record.magento_order_id ?? record['Order #'];
  if (typeof value !== 'string') return undefined;
  const id = value.trim().replace(/^#/, '');
  return /^[A-Za-z0-9_-]+$/.test(id) && id.length <= maxIncrementIdLength ? id : undefined;
}

export function orderWorkflowId(incrementId: string): string {
  return `order:${incrementId}`;
}

export function routeToOrder(incrementId: string): Route {
  return {
    kind: 'route',
    workflowType: 'orderToCash',
    workflowId: orderWorkflowId(incrementId),
    businessKey: incrementId,
  };
}

/** A payment that names no Magento order: one run per PaymentIntent collects its events and waits for a person. */
export function unmatchedPaymentWorkflowId(paymentIntentId: string): string {
  return `payment:${paymentIntentId}`;
}

export function routeToUnmatchedPayment(paymentIntentId: string): Route {
  return {
    kind: 'route',
    workflowType: 'unmatchedPayment',
    workflowId: unmatchedPaymentWorkflowId(paymentIntentId),
    businessKey: paymentIntentId,
  };
}

/** Each Stripe refund has its own run, `refund:<re_…>`, beside its order's. */
export function refundWorkflowId(refundId: string): string {
  return `refund:${refundId}`;
}

export function routeToRefund(refundId: string): Route {
  return { kind: 'route', workflowType: 'refund', workflowId: refundWorkflowId(refundId), businessKey: refundId };
}

/** A Standard Webhooks `webhook-id` the warehouse's run may be keyed by (Temporal takes IDs up to 1,000 characters). */
export const wmsWebhookIdPattern = /^[A-Za-z0-9_.:=+/-]{1,255}$/;

/** Workflow ID of the run of one warehouse webhook message: Temporal refuses a second start of the same message. */
export function wmsWorkflowId(webhookId: string): string {
  return `wms:${webhookId}`;
}

export const refundIdPattern = /^(re|pyr)_[A-Za-z0-9]+$/;

/** Each Stripe dispute has its own run, `dispute:<dp_…>`. */
export function disputeWorkflowId(disputeId: string): string {
  return `dispute:${disputeId}`;
}

export function routeToDispute(disputeId: string): Route {
  return { kind: 'route', workflowType: 'dispute', workflowId: disputeWorkflowId(disputeId), businessKey: disputeId };
}

export const disputeIdPattern = /^(dp|du)_[A-Za-z0-9]+$/;

/** Each Stripe subscription has its own run, `subscription:<sub_…>`, for as long as it lives. */
export function subscriptionWorkflowId(subscriptionId: string): string {
  return `subscription:${subscriptionId}`;
}

export function routeToSubscription(subscriptionId: string): Route {
  return {
    kind: 'route',
    workflowType: 'subscription',
    workflowId: subscriptionWorkflowId(subscriptionId),
    businessKey: subscriptionId,
  };
}

export const subscriptionIdPattern = /^sub_[A-Za-z0-9]+$/;

export function payoutWorkflowId(payoutId: string): string {
  return `payout:${payoutId}`;
}

export function routeToPayout(payoutId: string): Route {
  return {
    kind: 'route',
    workflowType: 'payoutReconciliation',
    workflowId: payoutWorkflowId(payoutId),
    businessKey: payoutId,
  };
}

/** `po_…` as Stripe writes payout ids (also what the operator API accepts). */
export const payoutIdPattern = /^po_[A-Za-z0-9]+$/;

/** What every order run the product starts is given (from a Stripe event, or a subscription's renewal). */
export function orderRunInput(incrementId: string): { incrementId: string } {
  return { incrementId };
}

/** The arguments an entity's workflow starts with, from its business key. */
export function entityWorkflowArgs(
  workflowType: EntityWorkflowType,
  businessKey: string,
):
  | [{ incrementId: string }]
  | [{ payoutId: string }]
  | [{ paymentIntentId: string }]
  | [{ refundId: string }]
  | [{ disputeId: string }]
  | [{ subscriptionId: string }]
  | [{ key: string }] {
  switch (workflowType) {
    case 'orderToCash':
      return [orderRunInput(businessKey)];
    case 'payoutReconciliation':
      return [{ payoutId: businessKey }];
    case 'unmatchedPayment':
      return [{ paymentIntentId: businessKey }];
    case 'refund':
      return [{ refundId: businessKey }];
    case 'dispute':
      return [{ disputeId: businessKey }];
    case 'subscription':
      return [{ subscriptionId: businessKey }];
    case 'customerSync':
      return [{ key: businessKey }];
  }
}

function stringField(object: Record<string, unknown>, field: string): string | undefined {
  const value = object[field];
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string')
    return (value as { id: string }).id;
  return undefined;
}

/** PaymentIntents and charges carry the order reference in their metadata. */
export const fromPaymentMetadata: Locator = (object) => {
  const orderId = magentoOrderIdFromMetadata(object.metadata);
  if (orderId) return routeToOrder(orderId);
  if (stringField(object, 'invoice'))
    return {
      kind: 'notForUs',
      reason: `${String(object.id)} pays a Stripe invoice (subscription), not a Magento order`,
    };
  return {
    kind: 'unroutable',
    reason: `${String(object.id)} has no magento_order_id (or "Order #") in its metadata, so it cannot be matched to a Magento order`,
  };
};

/** Reviews, disputes and early fraud warnings point at the payment: route through it. */
const viaPayment: Locator = (object) => {
  const orderId = magentoOrderIdFromMetadata(object.metadata);
  if (orderId) return routeToOrder(orderId);
  const paymentIntentId = stringField(object, 'payment_intent');
  if (paymentIntentId) return { kind: 'lookupPaymentIntent', paymentIntentId };
  const chargeId = stringField(object, 'charge');
  if (chargeId) return { kind: 'lookupCharge', chargeId };
  return { kind: 'unroutable', reason: `${String(object.id)} names neither a PaymentIntent nor a charge` };
};

/** Payout events carry the payout itself: its reconciliation run is keyed by the payout id. */
const fromPayout: Locator = (object) => {
  const payoutId = typeof object.id === 'string' ? object.id : undefined;
  if (payoutId && payoutIdPattern.test(payoutId)) return routeToPayout(payoutId);
  return {
    kind: 'unroutable',
    reason: `the payout event names no payout id (got ${JSON.stringify(object.id ?? null)})`,
  };
};

/** Refund events carry the refund itself (`charge.refund.updated` too): its run is keyed by the refund id. */
const fromRefund: Locator = (object) => {
  const refundId = typeof object.id === 'string' ? object.id : undefined;
  if (refundId && refundIdPattern.test(refundId)) return routeToRefund(refundId);
  return {
    kind: 'unroutable',
    reason: `the refund event names no refund id (got ${JSON.stringify(object.id ?? null)})`,
  };
};

/** Dispute events carry the dispute itself: its run is keyed by the dispute id. */
const fromDispute: Locator = (object) => {
  const disputeId = typeof object.id === 'string' ? object.id : undefined;
  if (disputeId && disputeIdPattern.test(disputeId)) return routeToDispute(disputeId);
  return {
    kind: 'unroutable',
    reason: `the dispute event names no dispute id (got ${JSON.stringify(object.id ?? null)})`,
  };
};

/** Subscription events carry the subscription itself. */
const fromSubscription: Locator = (object) => {
  const subscriptionId = typeof object.id === 'string' ? object.id : undefined;
  if (subscriptionId && subscriptionIdPattern.test(subscriptionId)) return routeToSubscription(subscriptionId);
  return {
    kind: 'unroutable',
    reason: `the subscription event names no subscription id (got ${JSON.stringify(object.id ?? null)})`,
  };
};

/** Invoice events belong to the invoice's subscription (`parent.subscription_details`, or `subscription` before 2025); a one-off invoice is not ours. */
const fromInvoice: Locator = (object) => {
  const parent = object.parent as { subscription_details?: { subscription?: unknown } } | null | undefined;
  const given = parent?.subscription_details?.subscription ?? object.subscription;
  const subscriptionId =
    typeof given === 'string' ? given : given && typeof given === 'object' ? (given as { id?: unknown }).id : undefined;
  if (typeof subscriptionId === 'string' && subscriptionIdPattern.test(subscriptionId))
    return routeToSubscription(subscriptionId);
  return { kind: 'notForUs', reason: `invoice ${String(object.id ?? '(upcoming)')} belongs to no subscription` };
};

/** `charge.refunded` carries the charge; its refunds are listed from Stripe (webhook charges no longer embed them). */
const refundsOfCharge: Locator = (object) => {
  const chargeId = typeof object.id === 'string' ? object.id : undefined;
  // Releasing an uncaptured authorisation shows as a refunded charge too: no money moved back, nothing to credit.
  if (object.captured === false)
    return {
      kind: 'notForUs',
      reason: `${String(chargeId)} was never captured: its authorisation was released, nothing was refunded`,
    };
  if (chargeId) return { kind: 'refundsOfCharge', chargeId };
  return { kind: 'unroutable', reason: 'the charge.refunded event names no charge id' };
};

/** Customer events go to the customer's run, keyed by the key stored when it was linked, else its normalised e-mail. */
const fromCustomer: Locator = (object) => {
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  const stored = metadata[stripeMetadata.customerKey];
  const key = customerKeyOf(
    typeof stored === 'string' ? stored : undefined,
    typeof object.email === 'string' ? object.email : undefined,
  );
  if (!key)
    return {
      kind: 'notForUs',
      reason: `customer ${String(object.id)} has no e-mail: Magento cannot hold a customer without one`,
    };
  // The run's id is keyed with CUSTOMER_ID_KEY, which workflow code does not hold: the delivering activity makes it from
  // the key (and hands over a run still open under this, 1.2's id).
  return { kind: 'route', workflowType: 'customerSync', workflowId: legacyCustomerWorkflowId(key), businessKey: key };
};

const routingTable: Readonly<Record<string, Locator>> = {
  'payment_intent.succeeded': fromPaymentMetadata,
  'payment_intent.payment_failed': fromPaymentMetadata,
  'payment_intent.canceled': fromPaymentMetadata,
  'payment_intent.amount_capturable_updated': fromPaymentMetadata,
  'charge.succeeded': fromPaymentMetadata,
  'charge.refunded': refundsOfCharge,
  'charge.refund.updated': fromRefund,
  'refund.created': fromRefund,
  'refund.updated': fromRefund,
  'refund.failed': fromRefund,
  'charge.dispute.created': fromDispute,
  'charge.dispute.updated': fromDispute,
  'charge.dispute.closed': fromDispute,
  'charge.dispute.funds_withdrawn': fromDispute,
  'charge.dispute.funds_reinstated': fromDispute,
  'review.opened': viaPayment,
  'review.closed': viaPayment,
  'radar.early_fraud_warning.created': viaPayment,
  'customer.subscription.created': fromSubscription,
  'customer.subscription.updated': fromSubscription,
  'customer.subscription.deleted': fromSubscription,
  'customer.subscription.paused': fromSubscription,
  'customer.subscription.resumed': fromSubscription,
  'customer.subscription.trial_will_end': fromSubscription,
  'invoice.paid': fromInvoice,
  'invoice.payment_failed': fromInvoice,
  'invoice.payment_action_required': fromInvoice,
  'invoice.upcoming': fromInvoice,
  'customer.created': fromCustomer,
  'customer.updated': fromCustomer,
  'customer.deleted': fromCustomer,
  'payout.paid': fromPayout,
  'payout.reconciliation_completed': fromPayout,
  // A payout that fails or is canceled after it was paid has its booked entry reversed by its run (a new one if it ended).
  'payout.failed': fromPayout,
  'payout.canceled': fromPayout,
};

export const handledEventTypes: readonly string[] = Object.keys(routingTable);

/**
 * Why an event of a handled type brings nothing its entity's run does not get from another event, or `undefined`. The
 * receiver and the catch-up acknowledge such an event, count and log it as `redundant`, and start no run for it:
 * - `charge.succeeded` of a PaymentIntent: the PaymentIntent's own events (`payment_intent.succeeded`, or
 *   `payment_intent.amount_capturable_updated` for an authorisation) carry the payment to the order; a charge made
 *   without a PaymentIntent is still taken.
 * - `customer.created` of the customer an order run made for a guest (`o2c_guest`): the echo of our own write. A guest
 *   has no Magento account to sync; the customer sync links the customer when the guest registers in Magento.
 */
export function redundantEventReason(event: Pick<StripeEventEnvelope, 'type' | 'object'>): string | undefined {
  const { object } = event;
  if (event.type === 'charge.succeeded' && typeof object.payment_intent === 'string' && object.payment_intent !== '') {
    return `the events of PaymentIntent ${object.payment_intent} carry this payment`;
  }
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  if (event.type === 'customer.created' && metadata[stripeMetadata.guest] === 'true') {
    return 'the Stripe customer an order run made for a guest: the customer sync links it when the guest registers in Magento';
  }
  return undefined;
}

export function isHandledEventType(type: string): boolean {
  return Object.hasOwn(routingTable, type);
}

/** A metric label for an event type: the handled types by name, every other (a signed made-up one too) as `other`. */
export function eventTypeLabel(type: string): string {
  return isHandledEventType(type) ? type : 'other';
}

export function routeStripeEvent(event: Pick<StripeEventEnvelope, 'type' | 'object'>): RouteDecision {
  const locate = routingTable[event.type];
  if (!locate) return { kind: 'notForUs', reason: `event type ${event.type} is not handled` };
  return locate(event.object);
}
