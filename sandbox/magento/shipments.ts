import { badRequest, invalidType, requiredField } from './errors';
import { documentBase, documentComments, documentListRoutes, itemDetails, requestedLines } from './documents';
import { deductForShipment } from './inventoryOrders';
import { canShip, countQty, qtyToShip, resolveState, shipmentBlockedByState } from './orderState';
import { findOrder } from './orders';
import { nextId, type MagentoContext, type MagentoRoute, type Shipment } from './types';
import { intParam, isObject, optionalString, withoutNulls } from './values';

function buildTracks(ctx: MagentoContext, shipment: Shipment, raw: unknown): Record<string, unknown>[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidType(raw, 'array');
  return raw.map((track) => {
    if (!isObject(track)) throw invalidType(track, 'array');
    const trackNumber = optionalString(track.track_number);
    if (!trackNumber) throw requiredField('track_number');
    return {
      ...withoutNulls(track),
      entity_id: nextId(ctx, 'track'),
      parent_id: shipment.entity_id,
      order_id: shipment.order_id,
      track_number: trackNumber,
      title: optionalString(track.title) ?? '',
      carrier_code: optionalString(track.carrier_code) ?? 'custom',
      created_at: shipment.created_at,
      updated_at: shipment.created_at,
    };
  });
}

/** Magento's ShipOrder: ships the requested (or all remaining) quantities with their tracking numbers. */
function createShipment(ctx: MagentoContext, orderId: number, body: unknown): Shipment {
  const order = findOrder(ctx, orderId);
  const request = isObject(body) ? body : {};
  if (shipmentBlockedByState(order))
    throw badRequest('A shipment cannot be created when an order has a status of %1', [order.status]);
  if (!canShip(order)) throw badRequest('The order does not allow a shipment to be created.');
  const lines = requestedLines(order, request.items, qtyToShip, {
    unknownItem: 'The shipment contains product item that is not part of the original order.',
    tooMany: 'The quantity to ship must not be greater than the unshipped quantity for product SKU "%1".',
  });
  if (lines.length === 0) throw badRequest("You can't create a shipment without products.");

  const base = documentBase(ctx, order, 'shipment', ctx.store.data.shipments);
  const shipment: Shipment = {
    ...base,
    total_qty: lines.reduce((sum, l) => sum + l.qty, 0),
    items: lines.map(({ item, qty }) => ({
      ...itemDetails(item),
      entity_id: nextId(ctx, 'shipmentItem'),
      parent_id: base.entity_id,
      order_item_id: item.item_id,
      sku: item.sku,
      qty,
    })),
    tracks: [],
    comments: documentComments(ctx, base.entity_id, request.comment, request.notify),
    packages: [],
  };
  if (typeof order.customer_id === 'number') shipment.customer_id = order.customer_id;
  shipment.tracks = buildTracks(ctx, shipment, request.tracks);
  deductForShipment(ctx, order, lines);
  for (const { item, qty } of lines) countQty(order, item, 'qty_shipped', qty);
  resolveState(order, true);
  order.updated_at = shipment.created_at;
  ctx.store.data.shipments.push(shipment);
  ctx.store.changed();
  return shipment;
}

export function shipmentRoutes(ctx: MagentoContext): MagentoRoute[] {
  return [
    {
      method: 'post',
      path: '/V1/order/:orderId/ship',
      resource: 'Magento_Sales::ship',
      handle: (req, res) => void res.json(createShipment(ctx, intParam(req, 'orderId'), req.body).entity_id),
    },
    ...documentListRoutes(
      ctx,
      () => ctx.store.data.shipments,
      { list: '/V1/shipments', one: '/V1/shipment/:id' },
      'Magento_Sales::shipment',
    ),
  ];
}
