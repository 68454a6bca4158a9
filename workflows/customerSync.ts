import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { decideSync } from '../domain/customerMapping';
import { customerPassOutcome, type CustomerPassOutcome } from '../domain/customerPoll';
import type { StripeEventEnvelope } from '../domain/stripeEvents';
import type { MagentoCustomerSide } from '../activities/magento/customerSync';
import type { StripeCustomerSide } from '../activities/stripe/customerSync';
import { trackRun } from './runStatus';
import { systems } from './systems';
import {
  customerSyncOutcomeSignal,
  handOverCustomerRunUpdate,
  magentoCustomerChangedSignal,
  type CustomerSyncInput,
  type PassReply,
} from '../messages/customers';
import { defineStatusQuery, stripeEventSignal } from '../messages/runs';
import { setSyncState } from './reviewQueue';
import type { Tracked } from '../messages/runs';

export type { CustomerSyncInput, PassReply } from '../messages/customers';

export interface CustomerConflict {
  /** Which side's change was kept (the later one). */
  kept: 'magento' | 'stripe';
  magentoChangedAtMs: number;
  stripeChangedAtMs: number;
}

export interface CustomerSyncStatus extends Tracked {
  key: string;
  magentoCustomerId?: number;
  stripeCustomerId?: string;
  passes: number;
  /** Waiting for the next change (no pass under way or due). */
  waiting: boolean;
  /** Writes by side, this run. */
  writes: { magento: number; stripe: number; erp: number };
  lastDecision?: string;
  conflicts: CustomerConflict[];
  /** The Stripe customer was deleted: flagged in Magento, no longer synced. */
  stripeDeletedAt?: string;
  /** The Magento customer was deleted: the link removed from the Stripe customer, no Magento account made again. */
  magentoDeletedAt?: string;
  /** The run handed the customer over to this run (its keyed id) and ended. */
  handedOverTo?: string;
}

export const customerSyncStatusQuery = defineStatusQuery<CustomerSyncStatus>();

const { magento, stripe, erp } = systems;

/** A quiet customer's run ends after this long; the next change starts a new one (each pass reads both sides afresh). */
const idleEndMs = 7 * 24 * 60 * 60_000;
const passesPerRun = 200;

/**
 * One customer kept alike in Magento, Stripe and the ERP, ID `customer:k…` (`customerWorkflowId`). Every trigger (a Stripe customer event,
 * a Magento change the poll saw, the start) runs one pass that reads both sides now and copies the side that changed
 * since our last write to the other; the stored sync hashes make our own writes come back as no change. Deleting the
 * Stripe customer only flags the Magento one.
 */
export async function customerSync(input: CustomerSyncInput): Promise<CustomerSyncStatus> {
  const status: CustomerSyncStatus = {
    key: input.key,
    passes: input.passes ?? 0,
    waiting: false,
    writes: { magento: 0, stripe: 0, erp: 0 },
    conflicts: [],
    syncState: 'running',
    ...(input.magentoCustomerId !== undefined ? { magentoCustomerId: input.magentoCustomerId } : {}),
    ...(input.stripeCustomerId ? { stripeCustomerId: input.stripeCustomerId } : {}),
  };
  let stripeChangedAtMs = input.stripeChangedAtMs ?? 0;
  let pending = true;
  let replies: PassReply[] = input.replies ?? [];
  setHandler(stripeEventSignal, (event: StripeEventEnvelope) => {
    if (!event.type.startsWith('customer.') || event.type.startsWith('customer.subscription.')) return;
    if (event.objectId && !status.stripeCustomerId) status.stripeCustomerId = event.objectId;
    stripeChangedAtMs = Math.max(stripeChangedAtMs, event.created * 1000);
    pending = true;
  });
  setHandler(magentoCustomerChangedSignal, (change) => {
    if (status.magentoCustomerId === undefined) status.magentoCustomerId = change.customerId;
    if (change.replyTo) replies = withReply(replies, change.replyTo, change.customerId);
    pending = true;
  });
  const carried = (): CustomerSyncInput => ({
    key: status.key,
    ...(status.magentoCustomerId !== undefined ? { magentoCustomerId: status.magentoCustomerId } : {}),
    ...(status.stripeCustomerId ? { stripeCustomerId: status.stripeCustomerId } : {}),
    stripeChangedAtMs,
    passes: status.passes,
    ...(replies.length > 0 ? { replies } : {}),
  });
  let inPass = false;
  let handOverAsked = false;
  setHandler(
    handOverCustomerRunUpdate,
    async ({ to }) => {
      if (status.handedOverTo === to) return carried();
      handOverAsked = true;
      await condition(() => !inPass || status.syncState === 'needs_review');
      if (inPass) {
        handOverAsked = false;
        throw ApplicationFailure.nonRetryable('a pass is parked for review: hand over once it is resolved');
      }
      status.handedOverTo = to;
      return carried();
    },
    {
      validator: ({ to }) => {
        if (status.handedOverTo && status.handedOverTo !== to) throw new Error('already handed over to another run');
        if (to === workflowInfo().workflowId) throw new Error('a run cannot hand over to itself');
        if (status.syncState === 'needs_review')
          throw new Error('a pass is parked for review: hand over once it is resolved');
      },
    },
  );
  const { review } = trackRun(status, customerSyncStatusQuery);
  setSyncState(status, 'running');

  for (;;) {
    status.waiting = !pending;
    if (!(await condition(() => pending || handOverAsked, idleEndMs))) break;
    if (handOverAsked) {
      // Handed over: its successor starts from this run's state and makes the next pass; this one makes none.
      await condition(() => status.handedOverTo !== undefined || !handOverAsked);
      if (status.handedOverTo !== undefined) break;
      continue;
    }
    status.waiting = false;
    pending = false;
    // A change that arrives during the pass may not have been read by it: its backfill hears about the next pass.
    const answering = replies;
    replies = [];
    const before = { writes: { ...status.writes }, conflicts: status.conflicts.length };
    status.passes += 1;
    inPass = true;
    await review.step(() => syncPass(status, stripeChangedAtMs));
    inPass = false;
    setSyncState(status, 'running');
    await tellBackfills(
      answering,
      customerPassOutcome({
        lastDecision: status.lastDecision,
        conflict: status.conflicts.length > before.conflicts,
        wrote: (['magento', 'stripe', 'erp'] as const).some((side) => status.writes[side] > before.writes[side]),
      }),
    );
    if (handOverAsked) continue;
    if (status.passes - (input.passes ?? 0) >= passesPerRun || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof customerSync>(carried());
    }
  }
  // The hand-over's answer is what the successor starts from: it must reach the caller before this run ends.
  await condition(allHandlersFinished);
  setSyncState(status, 'completed');
  return status;
}

function withReply(replies: PassReply[], workflowId: string, customerId: number): PassReply[] {
  const known = replies.find((r) => r.workflowId === workflowId);
  if (!known) return [...replies, { workflowId, customerIds: [customerId] }];
  if (!known.customerIds.includes(customerId)) known.customerIds.push(customerId);
  return replies;
}

/** Tells each backfill that handed this customer over how the pass went (ids and the outcome only); one already ended is not told. */
async function tellBackfills(replies: PassReply[], outcome: CustomerPassOutcome): Promise<void> {
  await Promise.all(
    replies.map(async ({ workflowId, customerIds }) => {
      try {
        await getExternalWorkflowHandle(workflowId).signal(customerSyncOutcomeSignal, { customerIds, outcome });
      } catch (err) {
        if (isCancellation(err)) throw err;
      }
    }),
  );
}

/** Reads both sides now and brings them (and the ERP) in step; writes nothing when both are as our last write left them. */
async function syncPass(status: CustomerSyncStatus, stripeChangedAtMs: number): Promise<void> {
  // The key is a digest, not the e-mail: each side is found by its id, and the other, before linking, by the e-mail the
  // side found first holds (a Stripe-first and a Magento-first customer with one e-mail are one customer).
  let s = status.stripeCustomerId
    ? await stripe.loadStripeCustomer({ customerId: status.stripeCustomerId })
    : undefined;
  const linkedId = status.magentoCustomerId ?? s?.magentoCustomerId;
  const emailOfStripe = s && !s.deleted ? s.synced.email || undefined : undefined;
  const m =
    linkedId !== undefined || emailOfStripe
      ? await magento.loadMagentoCustomer({
          ...(linkedId !== undefined ? { customerId: linkedId } : {}),
          ...(emailOfStripe ? { email: emailOfStripe } : {}),
        })
      : undefined;
  if (m) status.magentoCustomerId = m.customerId;
  if (s) status.stripeCustomerId = s.customerId;
  if (!s && m?.stripeCustomerId) s = await stripe.loadStripeCustomer({ customerId: m.stripeCustomerId });
  if (!s && m?.synced.email) s = await stripe.loadStripeCustomer({ email: m.synced.email });
  if (s) status.stripeCustomerId = s.customerId;

  if (s?.deleted) {
    if (m && !m.stripeDeletedAt) {
      const at = new Date(stripeChangedAtMs || Date.now()).toISOString();
      await magento.flagMagentoCustomerStripeDeleted({ customerId: m.customerId, at });
      status.writes.magento += 1;
      status.stripeDeletedAt = at;
    } else if (m?.stripeDeletedAt) status.stripeDeletedAt = m.stripeDeletedAt;
    status.lastDecision = 'stripe_deleted';
    return;
  }
  if (!m && !s) {
    status.lastDecision = 'neither_side_has_it';
    return;
  }
  if (!m && s && (s.magentoCustomerId !== undefined || s.magentoDeletedAt)) {
    await magentoCustomerDeleted(status, s);
    return;
  }
  if (!m && s?.isGuest) {
    // Guest orders' customer: no Magento account until the guest registers (the poll then brings the new one here).
    status.lastDecision = 'guest_without_account';
    return;
  }
  let synced;
  if (!s) {
    const created = await writeStripe(status, undefined, m!.synced, m!.customerId);
    synced = (await writeMagento(status, m!.customerId, undefined, created.customerId)).synced;
    status.lastDecision = 'created_in_stripe';
  } else if (!m) {
    const created = await writeMagento(status, undefined, s.synced, s.customerId);
    await writeStripe(status, s.customerId, undefined, created.customerId);
    synced = created.synced;
    status.lastDecision = 'created_in_magento';
  } else {
    synced = (await bringInStep(status, m, s, stripeChangedAtMs)).m.synced;
  }
  const erpResult = await erp.syncErpCustomer({ synced });
  if (erpResult.changed) status.writes.erp += 1;
}

/**
 * The Stripe customer is (or was) linked to a Magento customer Magento no longer has, by id or by e-mail: deleted. A
 * poll cannot see a deleted row, so this is noticed by the next pass (a Stripe edit, a signal, an operator's backfill).
 * The link is removed from the Stripe customer's metadata, the customer is kept, and no Magento account is made again
 * from it; registering anew in Magento with the e-mail links the two again.
 */
async function magentoCustomerDeleted(status: CustomerSyncStatus, s: StripeCustomerSide): Promise<void> {
  if (s.magentoCustomerId !== undefined) {
    const at = new Date(Date.now()).toISOString();
    const { changed } = await stripe.unlinkDeletedMagentoCustomer({
      customerId: s.customerId,
      magentoCustomerId: s.magentoCustomerId,
      at,
    });
    if (changed) status.writes.stripe += 1;
    status.magentoDeletedAt = at;
  } else status.magentoDeletedAt = s.magentoDeletedAt;
  delete status.magentoCustomerId;
  status.lastDecision = 'magento_deleted';
}

async function bringInStep(
  status: CustomerSyncStatus,
  m: MagentoCustomerSide,
  s: StripeCustomerSide,
  stripeChangedAtMs: number,
): Promise<{ m: MagentoCustomerSide; s: StripeCustomerSide }> {
  const stripeAt = Math.max(stripeChangedAtMs, s.createdMs);
  const decision = decideSync(
    { hash: m.hash, ...(m.storedHash ? { storedHash: m.storedHash } : {}), changedAtMs: m.changedAtMs },
    { hash: s.hash, ...(s.storedHash ? { storedHash: s.storedHash } : {}), changedAtMs: stripeAt },
  );
  const linked =
    m.stripeCustomerId === s.customerId &&
    s.magentoCustomerId === m.customerId &&
    m.key === status.key &&
    s.key === status.key;
  status.lastDecision = decision.kind === 'copy' ? `copy_from_${decision.from}` : decision.kind;
  if (decision.kind === 'copy') {
    if (decision.conflict)
      status.conflicts.push({ kept: decision.from, magentoChangedAtMs: m.changedAtMs, stripeChangedAtMs: stripeAt });
    if (decision.from === 'magento') {
      s = await writeStripe(status, s.customerId, m.synced, m.customerId);
      if (decision.conflict || m.storedHash !== m.hash || !linked)
        m = await writeMagento(status, m.customerId, undefined, s.customerId);
    } else {
      m = await writeMagento(status, m.customerId, s.synced, s.customerId);
      if (decision.conflict || s.storedHash !== s.hash || !linked)
        s = await writeStripe(status, s.customerId, undefined, m.customerId);
    }
    return { m, s };
  }
  const on = decision.kind === 'store_hash' ? decision.on : [];
  if (on.includes('magento') || !linked) m = await writeMagento(status, m.customerId, undefined, s.customerId);
  if (on.includes('stripe') || !linked) s = await writeStripe(status, s.customerId, undefined, m.customerId);
  return { m, s };
}

async function writeMagento(
  status: CustomerSyncStatus,
  customerId: number | undefined,
  synced: MagentoCustomerSide['synced'] | undefined,
  stripeCustomerId: string,
): Promise<MagentoCustomerSide> {
  const m = await magento.writeMagentoCustomer({
    ...(customerId !== undefined ? { customerId } : {}),
    ...(synced ? { synced } : {}),
    key: status.key,
    stripeCustomerId,
  });
  status.writes.magento += 1;
  status.magentoCustomerId = m.customerId;
  return m;
}

async function writeStripe(
  status: CustomerSyncStatus,
  customerId: string | undefined,
  synced: StripeCustomerSide['synced'] | undefined,
  magentoCustomerId: number,
): Promise<StripeCustomerSide> {
  const s = await stripe.writeStripeCustomer({
    ...(customerId ? { customerId } : {}),
    ...(synced ? { synced } : {}),
    key: status.key,
    magentoCustomerId,
  });
  status.writes.stripe += 1;
  status.stripeCustomerId = s.customerId;
  return s;
}
