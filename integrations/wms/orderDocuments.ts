import type { WmsClient } from './client';

/** The order's fulfilment in the WMS, as ShipBob reports it. */
export interface WmsOrderDocuments {
  orderId: number;
  status: string;
  shipments: Array<{
    id: number;
    status: string;
    trackingNumber?: string;
    carrier?: string;
    shippedAt?: string;
    deliveredAt?: string;
  }>;
}

/** Read-only: the WMS order whose `reference_id` is the increment id, or undefined. */
export async function readWmsDocuments(wms: WmsClient, incrementId: string): Promise<WmsOrderDocuments | undefined> {
  const order = await wms.findByReferenceId(incrementId);
  if (!order) return undefined;
  return {
    orderId: order.id,
    status: order.status,
    shipments: (order.shipments ?? []).map((s) => ({
      id: s.id,
      status: s.status,
      ...(s.tracking?.tracking_number
        ? { trackingNumber: s.tracking.tracking_number, ...(s.tracking.carrier ? { carrier: s.tracking.carrier } : {}) }
        : {}),
      ...(s.actual_fulfillment_date ? { shippedAt: s.actual_fulfillment_date } : {}),
      ...(s.delivery_date ? { deliveredAt: s.delivery_date } : {}),
    })),
  };
}
