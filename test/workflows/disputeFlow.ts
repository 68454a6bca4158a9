import axios from 'axios';
import type { Client } from '@temporalio/client';
import type Stripe from 'stripe';
import type { DisputeOutcome, DisputeStatus } from '../../workflows/dispute';
import type { ProductStack } from '../harness/productStack';
import { deliver, eventsAbout, eventually } from './orderFlow';

/** Where the disputes' events go: the workflow client and task queue of the test's stack. */
export interface DisputeDelivery {
  stack: ProductStack;
  client: Client;
  taskQueue: string;
}

/** Opens a `fraudulent` dispute on the payment's charge, delivers its events, and waits until its run awaits the outcome. */
export async function openDispute(to: DisputeDelivery, pi: Stripe.PaymentIntent): Promise<string> {
  const res = await axios.post(`${to.stack.urls.stripe}/__sandbox/charges/${pi.latest_charge as string}/dispute`, {
    reason: 'fraudulent',
  });
  const disputeId = res.data.id as string;
  await deliver(to.client, to.taskQueue, await eventsAbout(to.stack, disputeId));
  await eventually('the dispute run waiting for the outcome', async () => {
    const status = await to.client.workflow.getHandle(`dispute:${disputeId}`).query<DisputeStatus>('status');
    if (status.syncState === 'needs_review') throw new Error(`dispute parked: ${status.reviewReason}`);
    return status.step === 'awaiting_outcome' ? status : undefined;
  });
  return disputeId;
}

/** Stripe decides the dispute; its closing events are delivered and its run's outcome returned. */
export async function closeDispute(
  to: DisputeDelivery,
  disputeId: string,
  outcome: 'won' | 'lost',
): Promise<DisputeOutcome> {
  await axios.post(`${to.stack.urls.stripe}/__sandbox/disputes/${disputeId}/close`, { status: outcome });
  await deliver(
    to.client,
    to.taskQueue,
    await eventsAbout(to.stack, disputeId, ['charge.dispute.closed', 'charge.dispute.funds_reinstated']),
  );
  return to.client.workflow.getHandle(`dispute:${disputeId}`).result();
}
