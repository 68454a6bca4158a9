import { getExternalWorkflowHandle, isCancellation, setHandler } from '@temporalio/workflow';
import { orderWorkflowId } from '../domain/eventRouting';
import { shipmentEventSignal, shipmentSignal, type ShipmentEvent, type ShipmentNotice } from '../messages/order';
import { defineStatusQuery } from '../messages/runs';

/**
 * One warehouse message: `notice` for `order.shipped`, `event` for the later topics. Runs started before `event`
 * existed carry only `notice`, and replay as they ran.
 */
export type WmsShipmentInput = {
  /** The Standard Webhooks `webhook-id`: the same for every delivery of one message, retries included. */
  webhookId: string;
  incrementId: string;
} & ({ notice: ShipmentNotice; event?: undefined } | { event: ShipmentEvent; notice?: undefined });

export interface WmsShipmentResult {
  webhookId: string;
  workflowId: string;
  outcome: 'delivered' | 'no_order_workflow';
  reason?: string;
}

export const wmsShipmentStatusQuery = defineStatusQuery<{ webhookId: string; workflowId: string; outcome?: string }>();

/**
 * One run per accepted warehouse webhook, ID `wms:<webhook-id>`, so Temporal refuses a replayed or redelivered
 * message whichever API replica receives it. It hands the news to the order's run, as the `shipment` signal when the
 * order shipped and as `shipmentEvent` for a delivery, an exception, a hold or a cancellation; Temporal sends it once
 * for this run however often its history is replayed.
 */
export async function wmsShipmentIntake(input: WmsShipmentInput): Promise<WmsShipmentResult> {
  const workflowId = orderWorkflowId(input.incrementId);
  const status: { webhookId: string; workflowId: string; outcome?: string } = {
    webhookId: input.webhookId,
    workflowId,
  };
  setHandler(wmsShipmentStatusQuery, () => status);
  try {
    const order = getExternalWorkflowHandle(workflowId);
    if (input.event) await order.signal(shipmentEventSignal, input.event);
    else await order.signal(shipmentSignal, input.notice);
    status.outcome = 'delivered';
    return { webhookId: input.webhookId, workflowId, outcome: 'delivered' };
  } catch (err) {
    if (isCancellation(err)) throw err;
    // The order's run ended (or never was) between the receiver's look and this signal: nothing is waiting for it.
    status.outcome = 'no_order_workflow';
    return { webhookId: input.webhookId, workflowId, outcome: 'no_order_workflow', reason: (err as Error).message };
  }
}
