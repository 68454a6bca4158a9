import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type Stripe from 'stripe';
import {
  entityWorkflowArgs,
  isHandledEventType,
  orderWorkflowId,
  redundantEventReason,
  type EntityWorkflowType,
} from '../../domain/eventRouting';
import {
  disputeNoticeUpdate,
  refundNoticeUpdate,
  type DisputeNotice,
  type DisputeNoticeAnswer,
  type RefundNotice,
  type RefundNoticeAnswer,
} from '../../messages/afterSale';
import {
  envelopeProblem,
  intakeStart,
  toEnvelope,
  unusableEventStart,
  type StripeEventEnvelope,
} from '../../domain/stripeEvents';
import { magentoCustomerChangedSignal } from '../../messages/customers';
import { stripeEventSignal } from '../../messages/runs';
import type { PaymentOrigin } from '../../domain/channels';
import { orderStartSearchAttributes } from '../../domain/searchAttributes';
import { callStripe } from '../../integrations/stripe/client';
import { orderOfPayment } from '../stripe/renewals';
import { deliverToCustomerRun } from './customerRuns';

export interface ReplayPage {
  seen: number;
  started: number;
  duplicates: number;
  ignored: number;
  lastEventId?: string;
  hasMore: boolean;
}

export type OrderRunState = 'open' | 'closed' | 'none';

/**
 * Sends an Update to the order's run while it is open. A closed run, or one that ended meanwhile, leaves the matter to
 * the caller's own run (`handledByOrder: false`).
 */
async function tellOrder<T extends { handledByOrder: boolean }>(
  temporal: Client,
  incrementId: string,
  send: (handle: WorkflowHandle) => Promise<T>,
): Promise<T & { orderRun: OrderRunState }> {
  const handle = temporal.workflow.getHandle(orderWorkflowId(incrementId));
  try {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING')
      return { handledByOrder: false, orderRun: 'closed' } as T & { orderRun: OrderRunState };
    return { ...(await send(handle)), orderRun: 'open' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      return { handledByOrder: false, orderRun: 'none' } as T & { orderRun: OrderRunState };
    if (
      err instanceof WorkflowUpdateFailedError ||
      /not found|completed|unknown update/i.test(String((err as Error).message))
    ) {
      return { handledByOrder: false, orderRun: 'closed' } as T & { orderRun: OrderRunState };
    }
    throw err;
  }
}

/** Hands accepted events to the long-running workflow of their entity, and catches up on events Stripe could not deliver. */
/** `customerIdKey`: CUSTOMER_ID_KEY's bytes, which customer runs' ids are keyed with (`customerWorkflowId`). */
export function createIntakeActivities(temporal: Client, taskQueue: string, stripe: Stripe, customerIdKey: Uint8Array) {
  return {
    /**
     * Signal-with-start: starts the entity's workflow if none is running, and delivers the event as a `stripeEvent`
     * signal. Running it twice delivers the event twice, which the workflows ignore by event id. An order's run is
     * never started again once it has ended (`closed: true`): what happens after the sale has its own runs. A customer's
     * run is found by its key (`businessKey`), under the keyed id this returns (`deliverToCustomerRun`).
     */
    async deliverStripeEvent(input: {
      workflowType: EntityWorkflowType;
      workflowId: string;
      businessKey: string;
      event: StripeEventEnvelope;
    }): Promise<{ runId: string; closed?: boolean; workflowId?: string }> {
      if (input.workflowType === 'customerSync') {
        const { workflowId } = await deliverToCustomerRun(
          temporal,
          { taskQueue, idKey: customerIdKey, key: input.businessKey },
          stripeEventSignal,
          input.event,
        );
        return { runId: '', workflowId };
      }
      try {
        const handle = await temporal.workflow.signalWithStart(input.workflowType, {
          workflowId: input.workflowId,
          taskQueue,
          args: entityWorkflowArgs(input.workflowType, input.businessKey),
          signal: 'stripeEvent',
          signalArgs: [input.event],
          ...(input.workflowType === 'orderToCash'
            ? {
                workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
                typedSearchAttributes: orderStartSearchAttributes(input.businessKey, input.event),
              }
            : {}),
        });
        return { runId: handle.signaledRunId };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return { runId: '', closed: true };
        throw err;
      }
    },

    /**
     * Signal-with-start of each customer's `customerSync` run (`deliverToCustomerRun`) with `magentoCustomerChanged`:
     * starts the run if none is open. Sending a change twice only makes the run read both sides once more, which writes
     * nothing. With `replyTo` (a backfill's workflow ID) the run tells that backfill how its next pass went.
     */
    async signalMagentoCustomerChanges(input: {
      changes: Array<{ key: string; customerId: number; updatedAt: string }>;
      replyTo?: string;
    }): Promise<{ signalled: number }> {
      for (const change of input.changes) {
        await deliverToCustomerRun(
          temporal,
          { taskQueue, idKey: customerIdKey, key: change.key, start: { magentoCustomerId: change.customerId } },
          magentoCustomerChangedSignal,
          {
            customerId: change.customerId,
            updatedAt: change.updatedAt,
            ...(input.replyTo ? { replyTo: input.replyTo } : {}),
          },
        );
      }
      return { signalled: input.changes.length };
    },

    /**
     * Tells the order's run about a refund that succeeded, while the run is open: the run answers whether it takes the
     * refund on itself (a full refund before shipment reverses the order). A closed run leaves the refund to its
     * own run.
     */
    async tellOrderAboutRefund(input: {
      incrementId: string;
      refund: RefundNotice;
    }): Promise<RefundNoticeAnswer & { orderRun: OrderRunState }> {
      return tellOrder(temporal, input.incrementId, (handle) =>
        handle.executeUpdate(refundNoticeUpdate, { args: [input.refund] }),
      );
    },

    /** The same for a dispute's news: the open order's run holds, releases, or reverses the unshipped order. */
    async tellOrderAboutDispute(input: {
      incrementId: string;
      dispute: DisputeNotice;
    }): Promise<DisputeNoticeAnswer & { orderRun: OrderRunState }> {
      return tellOrder(temporal, input.incrementId, (handle) =>
        handle.executeUpdate(disputeNoticeUpdate, { args: [input.dispute] }),
      );
    },

    /** Read-only: what a PaymentIntent says about where it was made, and the Magento order it names now (if any). */
    async paymentOrigin(paymentIntentId: string): Promise<PaymentOrigin & { magentoOrderId?: string }> {
      const pi = await callStripe(() => stripe.paymentIntents.retrieve(paymentIntentId));
      const application = typeof pi.application === 'string' ? pi.application : pi.application?.id;
      // A renewal's PaymentIntent is named by its invoice when its own metadata has not been written.
      const { magentoOrderId } = await orderOfPayment(stripe, pi);
      return {
        metadata: { ...pi.metadata },
        ...(application ? { application } : {}),
        ...(magentoOrderId ? { magentoOrderId } : {}),
      };
    },

    /**
     * One page (newest first) of Stripe's event list since `sinceEpochSec`, each handled event started as its intake run
     * with the same event-ID key the webhook uses: an event already received is refused by Temporal and only counted.
     */
    async replayStripeEventsPage(input: {
      sinceEpochSec: number;
      startingAfter?: string;
      pageSize?: number;
    }): Promise<ReplayPage> {
      const page = await callStripe(() =>
        stripe.events.list({
          created: { gte: input.sinceEpochSec },
          limit: input.pageSize ?? 100,
          ...(input.startingAfter ? { starting_after: input.startingAfter } : {}),
        }),
      );
      const result: ReplayPage = {
        seen: page.data.length,
        started: 0,
        duplicates: 0,
        ignored: 0,
        hasMore: page.has_more,
        lastEventId: page.data.at(-1)?.id,
      };
      for (const event of page.data) {
        if (!isHandledEventType(event.type) || redundantEventReason(toEnvelope(event))) {
          result.ignored += 1;
          continue;
        }
        const problem = envelopeProblem(toEnvelope(event));
        try {
          // The same parked run the receiver starts for an event that cannot become the intake's input.
          if (problem)
            await temporal.workflow.start('unusableStripeEvent', {
              ...unusableEventStart(toEnvelope(event), problem),
              taskQueue,
            });
          else await temporal.workflow.start('stripeEventIntake', { ...intakeStart(event), taskQueue });
          result.started += 1;
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          result.duplicates += 1;
        }
      }
      return result;
    },
  };
}

export type IntakeActivities = ReturnType<typeof createIntakeActivities>;
