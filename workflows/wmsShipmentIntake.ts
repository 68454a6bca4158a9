import { getExternalWorkflowHandle, isCancellation, setHandler } from '@temporalio/workflow';
import { orderWorkflowId } from '../domain/eventRouting';
import { shipmentSignal, type ShipmentNotice } from '../messages/order';
import { defineStatusQuery } from '../messages/runs';

export interface WmsShipmentInput {
  /** The Standard Webhooks `webhook-id`: the same for every delivery of one message, retries included. */
  webhookId: string;
  incrementId: string;
  notice: ShipmentNotice;
}

export interface WmsShipmentResult {
  webhookId: string;
  workflowId: string;
  outcome: 'delivered' | 'no_order_workflow';
  reason?: string;
}

export const wmsShipmentStatusQuery = defineStatusQuery<{ webhookId: string; workflowId: string; outcome?: string }>();

/**
 * One run per accepted warehouse webhook, ID `wms:<webhook-id>`, so Temporal refuses a replayed or redelivered
 * message whichever API replica receives it. It hands the shipment to the order's run as the `shipment` signal,
 * which Temporal sends once for this run however often its history is replayed.
 */
export async function wmsShipmentIntake(input: WmsShipmentInput): Promise<WmsShipmentResult> {
  const workflowId = orderWorkflowId(input.incrementId);
  const status: { webhookId: string; workflowId: string; outcome?: string } = {
    webhookId: input.webhookId,
    workflowId,
  };
  setHandler(wmsShipmentStatusQuery, () => status);
  try {
    await getExternalWorkflowHandle(workflowId).signal(shipmentSignal, input.notice);
    status.outcome = 'delivered';
    return { webhookId: input.webhookId, workflowId, outcome: 'delivered' };
  } catch (err) {
    if (isCancellation(err)) throw err;
    // The order's run ended (or never was) between the receiver's look and this signal: nothing is waiting for it.
    status.outcome = 'no_order_workflow';
    return { webhookId: input.webhookId, workflowId, outcome: 'no_order_workflow', reason: (err as Error).message };
  }
}
