import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { customerWorkflowId, legacyCustomerWorkflowId } from '../../domain/customerMapping';
import { handOverCustomerRunUpdate, type CustomerSyncInput } from '../../messages/customers';

export interface CustomerRunDelivery {
  workflowId: string;
  /** Whether a run under release 1.2's id handed the customer over to this one on the way. */
  handedOver: boolean;
}

/**
 * Delivers a signal to the customer's run under its keyed id, starting it if none is open. A run still open under
 * release 1.2's id (`customer:<key>`) is asked first to hand over (`handOverCustomerRun`): it ends once no pass is under
 * way, and its state (ids, the last Stripe change, pass count, waiting backfills) starts the keyed run, so the customer
 * never has two runs. A 1.2 run that cannot hand over now (a pass parked for review, a worker without the Update) gets
 * the signal itself, as before. Idempotent: the Update answers the same to the same target, and a second start of the
 * keyed run only signals it.
 */
export async function deliverToCustomerRun<T>(
  temporal: Client,
  options: { taskQueue: string; idKey: Uint8Array; key: string; start?: Omit<CustomerSyncInput, 'key'> },
  signal: SignalDefinition<[T]>,
  signalArg: T,
): Promise<CustomerRunDelivery> {
  const workflowId = customerWorkflowId(options.key, options.idKey);
  const legacy = temporal.workflow.getHandle(legacyCustomerWorkflowId(options.key));
  let input: CustomerSyncInput = { ...options.start, key: options.key };
  let handedOver = false;
  try {
    input = await legacy.executeUpdate(handOverCustomerRunUpdate, { args: [{ to: workflowId }] });
    handedOver = true;
  } catch (err) {
    if (!isClosed(err)) {
      if (!isRefused(err)) throw err;
      try {
        await legacy.signal(signal, signalArg);
        return { workflowId: legacy.workflowId, handedOver: false };
      } catch (signalErr) {
        if (!(signalErr instanceof WorkflowNotFoundError)) throw signalErr;
      }
    }
  }
  await temporal.workflow.signalWithStart<(input: CustomerSyncInput) => Promise<unknown>, [T]>('customerSync', {
    workflowId,
    taskQueue: options.taskQueue,
    args: [input],
    signal: signal.name,
    signalArgs: [signalArg],
  });
  return { workflowId, handedOver };
}

/** No run under that id, or it has ended. */
function isClosed(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError;
}

/** The run is open but did not hand over: its validator or handler refused, or its worker has no such Update. */
function isRefused(err: unknown): boolean {
  if (err instanceof WorkflowUpdateFailedError) return true;
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return false;
  return /unknown update|update .*not (registered|found)|handler.*not.*registered/i.test(
    String((err as Error).message),
  );
}
