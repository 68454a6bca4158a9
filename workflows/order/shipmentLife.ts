/**
 * The warehouse's news of a shipment around "shipped" (patch `1.4:shipment-life-after-shipped`): a cancellation, a
 * hold or an exception before it ships, and the delivery (or an exception on the way) after. The news comes as the
 * `shipmentEvent` signal (messages/order.ts), kept in arrival order and acted on once each.
 */
import { condition, isCancellation } from '@temporalio/workflow';
import type { ShipmentEvent } from '../../messages/order';
import { BusinessRefused, classifyFailure, SkippedByOperator, setSyncState } from '../reviewQueue';
import { offMoneyPath } from '../systems';
import { type OrderRun, magento, notifyOnce, reached } from './run';

export function hasUnseenShipmentEvent(run: OrderRun): boolean {
  return run.shipmentLife && run.shipmentEventsSeen < run.shipmentEvents.length;
}

function nextShipmentEvent(run: OrderRun): ShipmentEvent | undefined {
  if (!hasUnseenShipmentEvent(run)) return undefined;
  return run.shipmentEvents[run.shipmentEventsSeen++];
}

/**
 * Before the shipment: the warehouse cancelling the order refuses it, as an out-of-stock refusal does (the order is
 * reversed); a hold or an exception tells the merchant and parks the run with the warehouse's reason until it clears.
 * A delivery reported before its "shipped" (that webhook lost or late) is kept for after closing: the caller then looks
 * in the WMS for the tracking.
 */
export async function actOnEventsBeforeShipment(run: OrderRun): Promise<'delivered' | undefined> {
  for (let event = nextShipmentEvent(run); event; event = nextShipmentEvent(run)) {
    if (event.kind === 'cancelled')
      throw new BusinessRefused(`the warehouse cancelled the order${event.reason ? `: ${event.reason}` : ''}`);
    if (event.kind === 'delivered') {
      run.deliveredEarly ??= event;
      return 'delivered';
    }
    const answer = await parkForWarehouse(
      run,
      event,
      () =>
        run.shipped !== undefined ||
        hasUnseenShipmentEvent(run) ||
        run.reversalAccepted !== undefined ||
        run.facts.fullyRefunded ||
        run.facts.disputeLost,
    );
    if (answer === 'skip') throw new SkippedByOperator(warehouseReason(event));
  }
  return undefined;
}

/**
 * The goods left the warehouse and Magento deducted them from its source: the stock sync runs now rather than at its
 * next turn (workflows/inventorySync.ts). Off the money path: a failure is noted on the status.
 */
export async function requestStockSync(run: OrderRun): Promise<void> {
  try {
    await offMoneyPath.requestInventorySync();
  } catch (err) {
    if (isCancellation(err)) throw err;
    warn(run, `the stock sync was not asked to run: ${classifyFailure(err)?.reason ?? String(err)}`);
  }
}

/**
 * After closing: waits for the delivery (a Magento order comment and the `delivered` step), up to
 * `order.deliveryWaitMax`. An exception on the way, or any other news of a parcel already gone, tells the merchant and
 * parks the run until the delivery comes or an operator lets it go; the books are already complete either way.
 */
export async function awaitDelivery(run: OrderRun): Promise<void> {
  reached(run, 'awaiting_delivery');
  setSyncState(run.status, 'awaiting_delivery');
  const deadline = Date.now() + run.settings.deliveryWaitMaxMs;
  for (;;) {
    if (run.deliveredEarly) return recordDelivery(run, run.deliveredEarly);
    const event = nextShipmentEvent(run);
    if (event?.kind === 'delivered') return recordDelivery(run, event);
    if (event) {
      const answer = await parkForWarehouse(run, event, () => hasUnseenShipmentEvent(run));
      if (answer === 'skip')
        return warn(run, `delivery not confirmed: ${warehouseReason(event)}; an operator stopped the wait`);
      continue;
    }
    const leftMs = deadline - Date.now();
    if (leftMs <= 0 || !(await condition(() => hasUnseenShipmentEvent(run), leftMs)))
      return warn(
        run,
        `the warehouse reported no delivery within ${Math.round(run.settings.deliveryWaitMaxMs / 86_400_000)} days of shipping`,
      );
  }
}

async function recordDelivery(run: OrderRun, event: ShipmentEvent): Promise<void> {
  const at = event.at ?? new Date().toISOString();
  const tracking = run.shipped?.trackingNumber;
  await run.review.step(() =>
    magento.addMagentoComment({
      entityId: run.order.entityId,
      key: `delivered:${run.incrementId}`,
      comment: `Delivered: the warehouse reports the parcel${tracking ? ` (tracking ${tracking})` : ''} delivered on ${at.slice(0, 10)}.`,
    }),
  );
  run.status.ids.deliveredAt = at;
  reached(run, 'delivered');
}

async function parkForWarehouse(
  run: OrderRun,
  event: ShipmentEvent,
  clears: () => boolean,
): Promise<'retry' | 'skip' | 'cleared'> {
  const onHold = event.kind === 'on_hold';
  await notifyOnce(run, 'merchant', {
    key: `shipment_${event.kind}:${run.incrementId}:${event.webhookId}`,
    template: onHold ? 'shipment_on_hold' : 'shipment_exception',
    orderId: run.incrementId,
    subject: onHold
      ? `Order ${run.incrementId}: the warehouse put the shipment on hold`
      : `Order ${run.incrementId}: the warehouse reports a problem with the shipment`,
    detail: event.reason ?? `WMS order ${event.wmsOrderId ?? run.status.ids.wmsOrderId}`,
  });
  return run.review.park(warehouseReason(event), clears);
}

function warehouseReason(event: ShipmentEvent): string {
  const what = { on_hold: 'put the shipment on hold', exception: 'reports a shipment exception' }[
    event.kind as 'on_hold' | 'exception'
  ];
  return `the warehouse ${what ?? `reports the shipment ${event.kind}`}${event.reason ? `: ${event.reason}` : ''}`;
}

function warn(run: OrderRun, warning: string): void {
  run.status.warnings = [...(run.status.warnings ?? []), warning];
}
