import type { WmsOrderInput } from '../../domain/fulfilment';
import { ExternalSystemError } from '../../integrations/http/errors';
import type { WmsClient, WmsOrder } from '../../integrations/wms/client';

export interface WmsOrderResult {
  orderId: number;
  created: boolean;
  status: string;
}

export interface WmsCancelOutcome {
  cancelled: boolean;
  reason?: string;
}

/** ShipBob refuses a second order with the same `reference_id` with a 422 naming that field. */
function isDuplicateReference(err: unknown): boolean {
  return (
    err instanceof ExternalSystemError &&
    err.status === 422 &&
    typeof err.body === 'object' &&
    err.body !== null &&
    'reference_id' in err.body
  );
}

function hasShipped(order: WmsOrder): boolean {
  return order.status === 'Fulfilled' || (order.shipments ?? []).some((s) => s.status === 'Completed');
}

/**
 * ShipBob activities. The Magento increment id is the order's `reference_id`, which ShipBob keeps unique, so every
 * activity finds the order by it first and a retry or a duplicate event never ships twice.
 */
export function createWmsActivities(wms: WmsClient) {
  return {
    /**
     * Looks for an order with the same `reference_id` before creating one, and when a concurrent create wins the race
     * (422 duplicate) returns that one. An out-of-stock SKU is a non-retryable 422 naming the SKU.
     */
    async createWmsOrder(input: WmsOrderInput): Promise<WmsOrderResult> {
      const existing = await wms.findByReferenceId(input.reference_id);
      if (existing) return { orderId: existing.id, created: false, status: existing.status };
      try {
        const order = await wms.createOrder(input);
        return { orderId: order.id, created: true, status: order.status };
      } catch (err) {
        if (!isDuplicateReference(err)) throw err;
        const winner = await wms.findByReferenceId(input.reference_id);
        if (!winner) throw err;
        return { orderId: winner.id, created: false, status: winner.status };
      }
    },

    /**
     * Cancels only an order that is neither cancelled nor shipped. A shipped order is reported, not thrown, so a
     * compensation does not retry forever against a parcel that has left the warehouse.
     */
    async cancelWmsOrder(referenceId: string): Promise<WmsCancelOutcome> {
      const order = await wms.findByReferenceId(referenceId);
      if (!order) return { cancelled: false, reason: 'no WMS order' };
      if (order.status === 'Cancelled') return { cancelled: true };
      if (hasShipped(order)) return { cancelled: false, reason: 'already shipped' };
      try {
        await wms.cancelOrder(order.id);
        return { cancelled: true };
      } catch (err) {
        // The warehouse may ship it between our read and the cancel: ShipBob then refuses with 422.
        if (!(err instanceof ExternalSystemError) || err.status !== 422) throw err;
        const now = await wms.getOrder(order.id);
        if (now.status === 'Cancelled') return { cancelled: true };
        if (hasShipped(now)) return { cancelled: false, reason: 'already shipped' };
        throw err;
      }
    },

    /** Read-only: the order with this `reference_id`, or undefined. */
    async getWmsOrder(referenceId: string): Promise<WmsOrder | undefined> {
      return wms.findByReferenceId(referenceId);
    },
  };
}

export type WmsActivities = ReturnType<typeof createWmsActivities>;
