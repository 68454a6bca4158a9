/**
 * The warehouse's news of a shipment around "shipped" (patch `1.4:shipment-life-after-shipped`): a cancellation, a
 * hold or an exception before it ships, and the delivery (or an exception on the way) after. The news comes as the
 * `shipmentEvent` signal (messages/order.ts), kept in arrival order and acted on once each.
 */
import { CancellationScope, condition, isCancellation, sleep } from '@temporalio/workflow';
import type { ShipmentEvent } from '../../messages/order';
import { BusinessRefused, classifyFailure, SkippedByOperator, setSyncState } from '../reviewQueue';
import { offMoneyPath } from '../systems';
import { type OrderRun, day, magento, notifyOnce, reached, wms } from './run';

export function hasUnseenShipmentEvent(run: OrderRun): boolean {
  return run.shipmentLife && run.shipmentEventsSeen < run.shipmentEvents.length;
}

function nextShipmentEvent(run: OrderRun): ShipmentEvent | undefined {
  if (!hasUnseenShipmentEvent(run)) return undefined;
  return run.shipmentEvents[run.shipmentEventsSeen++];
}

/**
 * Before the shipment: the warehouse cancelling the order refuses it, as an out-of-stock refusal does (the order is
 * reversed); a hold or an exception tells the merchant and parks the run with the warehouse's reason until it clears
 * (the shipment, the warehouse's next news, a reversal), looking in the WMS once a day meanwhile in case the "shipped"
 * webhook is lost. A delivery reported before its "shipped" is kept for after closing: the caller then looks in the WMS
 * for the tracking. Once the shipment is known, the news left is awaitDelivery's.
 */
export async function actOnEventsBeforeShipment(run: OrderRun): Promise<'delivered' | undefined> {
  while (run.shipped === undefined && hasUnseenShipmentEvent(run)) {
    const event = nextShipmentEvent(run)!;
    if (event.kind === 'cancelled')
      throw new BusinessRefused(`the warehouse cancelled the order${event.reason ? `: ${event.reason}` : ''}`);
    if (event.kind === 'delivered') {
      run.deliveredEarly ??= event;
      return 'delivered';
    }
    await notifyOfWarehouse(run, event);
    const clears = () =>
      run.shipped !== undefined ||
      hasUnseenShipmentEvent(run) ||
      run.reversalAccepted !== undefined ||
      run.facts.fullyRefunded ||
      run.facts.disputeLost;
    for (;;) {
      const answer = await parkAtMost(run, warehouseReason(event), clears, day);
      if (answer === 'skip') throw new SkippedByOperator(warehouseReason(event));
      if (answer !== 'timed_out' || (await shippedPerWms(run))) break;
    }
  }
  return undefined;
}

/** Looks in the WMS for the shipment's tracking (its webhook may be lost): true, and the run has it, once it shipped. */
export async function shippedPerWms(run: OrderRun): Promise<boolean> {
  const wmsOrder = await run.review.step(() => wms.getWmsOrder(run.incrementId));
  const tracking = wmsOrder?.shipments?.find((s) => s.tracking?.tracking_number)?.tracking;
  if (!tracking?.tracking_number) return false;
  run.shipped = {
    trackingNumber: tracking.tracking_number,
    ...(tracking.carrier ? { carrier: tracking.carrier } : {}),
    ...(tracking.tracking_url ? { trackingUrl: tracking.tracking_url } : {}),
    ...(wmsOrder?.id !== undefined ? { wmsOrderId: wmsOrder.id } : {}),
  };
  return true;
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
  const noDelivery = () =>
    warn(
      run,
      `the warehouse reported no delivery within ${Math.round(run.settings.deliveryWaitMaxMs / day)} days of shipping`,
    );
  for (;;) {
    if (run.deliveredEarly) return recordDelivery(run, run.deliveredEarly);
    const event = nextShipmentEvent(run);
    if (event?.kind === 'delivered') return recordDelivery(run, event);
    // A hold or a cancellation is news from before the parcel left (its webhook came late): nothing to act on now.
    if (event?.kind === 'on_hold' || event?.kind === 'cancelled') continue;
    if (event) {
      await notifyOfWarehouse(run, event);
      const answer = await parkAtMost(
        run,
        warehouseReason(event),
        () => hasUnseenShipmentEvent(run),
        Math.max(1, deadline - Date.now()),
      );
      if (answer === 'skip')
        return warn(run, `delivery not confirmed: ${warehouseReason(event)}; an operator stopped the wait`);
      if (answer === 'timed_out') return noDelivery();
      continue;
    }
    const leftMs = deadline - Date.now();
    if (leftMs <= 0 || !(await condition(() => hasUnseenShipmentEvent(run), leftMs))) return noDelivery();
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

async function notifyOfWarehouse(run: OrderRun, event: ShipmentEvent): Promise<void> {
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
}

/** Parks until an operator answers, `clears` holds, or `timeoutMs` has passed (`timed_out`). */
async function parkAtMost(
  run: OrderRun,
  reason: string,
  clears: () => boolean,
  timeoutMs: number,
): Promise<'retry' | 'skip' | 'cleared' | 'timed_out'> {
  let timedOut = false;
  const timer = new CancellationScope();
  const elapsed = timer
    .run(() => sleep(timeoutMs))
    .then(
      () => void (timedOut = true),
      () => undefined,
    );
  const answer = await run.review.park(reason, () => clears() || timedOut);
  timer.cancel();
  await elapsed;
  return answer === 'cleared' && timedOut && !clears() ? 'timed_out' : answer;
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
