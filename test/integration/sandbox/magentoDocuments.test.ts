import { createOrder, getOrder, searchParams, startMagento, type RunningMagento } from './magentoHelpers';

const byOrder = (orderId: number) => ({
  params: searchParams({
    '[filter_groups][0][filters][0][field]': 'order_id',
    '[filter_groups][0][filters][0][value]': orderId,
  }),
});

describe('Magento sandbox: invoices, shipments and credit memos', () => {
  let magento: RunningMagento;

  beforeAll(async () => {
    magento = await startMagento();
  });
  afterAll(() => magento.close());
  beforeEach(() => magento.reset());

  it('invoices a new order into processing, counts the offline capture as paid and answers the invoice id', async () => {
    const { entity_id: id } = await createOrder(magento.api);
    const res = await magento.api.post(`/order/${id}/invoice`, {
      capture: false,
      notify: false,
      appendComment: true,
      comment: { comment: 'Paid in Stripe: ch_123', is_visible_on_front: 0 },
      arguments: { extension_attributes: { transaction_id: 'ch_123' } },
    });
    expect(res.status).toBe(200);
    expect(res.data).toBe(1);

    const order = await getOrder(magento.api, id);
    expect(order).toMatchObject({
      state: 'processing',
      status: 'processing',
      total_invoiced: 50,
      base_total_invoiced: 50,
      total_paid: 50,
      base_total_paid: 50,
      total_due: 0,
      subtotal_invoiced: 45,
      shipping_invoiced: 5,
      payment: { amount_paid: 50, last_trans_id: 'ch_123' },
    });
    expect(order.items.map((i) => i.qty_invoiced)).toEqual([2, 1]);

    const invoices = await magento.api.get('/invoices', byOrder(id));
    expect(invoices.data.total_count).toBe(1);
    expect(invoices.data.items[0]).toMatchObject({
      entity_id: 1,
      order_id: id,
      increment_id: '000000001',
      state: 2,
      grand_total: 50,
      subtotal: 45,
      shipping_amount: 5,
      total_qty: 3,
      transaction_id: 'ch_123',
      comments: [expect.objectContaining({ comment: 'Paid in Stripe: ch_123', is_visible_on_front: 0 })],
    });
    expect(invoices.data.items[0].items).toEqual([
      expect.objectContaining({ order_item_id: order.items[0]?.item_id, sku: 'MUG-1', qty: 2, row_total: 20 }),
      expect.objectContaining({ sku: 'TEE-1', qty: 1, row_total: 25 }),
    ]);
  });

  it('refuses a second full invoice with Magento’s message', async () => {
    const { entity_id: id } = await createOrder(magento.api);
    expect((await magento.api.post(`/order/${id}/invoice`, {})).status).toBe(200);
    const second = await magento.api.post(`/order/${id}/invoice`, {});
    expect(second.status).toBe(400);
    expect(second.data).toEqual({ message: 'The order does not allow an invoice to be created.' });
    expect((await getOrder(magento.api, id)).total_invoiced).toBe(50);
  });

  it('invoices part of an order, shipping on the first invoice, and the rest later', async () => {
    const created = await createOrder(magento.api);
    const [mug, tee] = created.items;
    await magento.api.post(`/order/${created.entity_id}/invoice`, { items: [{ order_item_id: mug?.item_id, qty: 1 }] });
    expect(await getOrder(magento.api, created.entity_id)).toMatchObject({
      state: 'processing',
      total_invoiced: 15,
      total_paid: 15,
    });
    const tooMany = await magento.api.post(`/order/${created.entity_id}/invoice`, {
      items: [{ order_item_id: tee?.item_id, qty: 2 }],
    });
    expect(tooMany.status).toBe(400);
    await magento.api.post(`/order/${created.entity_id}/invoice`, {});
    expect(await getOrder(magento.api, created.entity_id)).toMatchObject({ total_invoiced: 50, total_paid: 50 });
  });

  it('completes an order once it is fully invoiced and shipped, with tracking on the shipment', async () => {
    const { entity_id: id } = await createOrder(magento.api);
    await magento.api.post(`/order/${id}/invoice`, {});
    const shipped = await magento.api.post(`/order/${id}/ship`, {
      notify: true,
      appendComment: true,
      comment: { comment: 'Shipped by WMS', is_visible_on_front: 1 },
      tracks: [{ track_number: '1Z999AA10123456784', title: 'UPS Ground', carrier_code: 'ups' }],
    });
    expect([shipped.status, shipped.data]).toEqual([200, 1]);
    const order = await getOrder(magento.api, id);
    expect(order).toMatchObject({ state: 'complete', status: 'complete' });
    expect(order.items.map((i) => i.qty_shipped)).toEqual([2, 1]);

    const shipments = await magento.api.get('/shipments', byOrder(id));
    expect(shipments.data.items[0]).toMatchObject({
      order_id: id,
      total_qty: 3,
      tracks: [
        expect.objectContaining({
          track_number: '1Z999AA10123456784',
          carrier_code: 'ups',
          title: 'UPS Ground',
          order_id: id,
        }),
      ],
      comments: [expect.objectContaining({ comment: 'Shipped by WMS', is_customer_notified: 1 })],
    });
    const again = await magento.api.post(`/order/${id}/ship`, {});
    expect(again.status).toBe(400);
    expect(again.data.message).toBe('The order does not allow a shipment to be created.');
  });

  it('keeps an order that is shipped but not yet invoiced in processing', async () => {
    const { entity_id: id } = await createOrder(magento.api);
    await magento.api.post(`/order/${id}/ship`, {});
    expect((await getOrder(magento.api, id)).state).toBe('processing');
    await magento.api.post(`/order/${id}/invoice`, {});
    expect((await getOrder(magento.api, id)).state).toBe('complete');
  });

  it('refuses to refund more than was paid, naming the amount available in its parameters', async () => {
    const { entity_id: id } = await createOrder(magento.api);
    const unpaid = await magento.api.post(`/order/${id}/refund`, {});
    expect(unpaid.status).toBe(400);
    expect(unpaid.data).toEqual({ message: 'The order does not allow a creditmemo to be created.' });

    await magento.api.post(`/order/${id}/invoice`, {});
    const res = await magento.api.post(`/order/${id}/refund`, { items: [], arguments: { adjustment_positive: 10 } });
    expect(res.status).toBe(400);
    expect(res.data).toEqual({ message: 'The most money available to refund is %1.', parameters: ['$50.00'] });
    expect(await getOrder(magento.api, id)).not.toHaveProperty('total_refunded');
  });

  it('refunds part of an order with a shipping amount and adjustments, then the rest, which closes it', async () => {
    const created = await createOrder(magento.api);
    const mug = created.items[0];
    await magento.api.post(`/order/${created.entity_id}/invoice`, {});
    const partial = await magento.api.post(`/order/${created.entity_id}/refund`, {
      items: [{ order_item_id: mug?.item_id, qty: 1 }],
      notify: false,
      arguments: { shipping_amount: 2, adjustment_positive: 3, adjustment_negative: 1 },
    });
    expect([partial.status, partial.data]).toEqual([200, 1]);
    const memos = await magento.api.get('/creditmemos', byOrder(created.entity_id));
    expect(memos.data.items[0]).toMatchObject({
      subtotal: 10,
      shipping_amount: 2,
      adjustment_positive: 3,
      adjustment_negative: 1,
      adjustment: 2,
      grand_total: 14,
      state: 2,
      items: [expect.objectContaining({ order_item_id: mug?.item_id, qty: 1, row_total: 10 })],
    });
    let order = await getOrder(magento.api, created.entity_id);
    expect(order).toMatchObject({
      state: 'processing',
      total_refunded: 14,
      total_offline_refunded: 14,
      shipping_refunded: 2,
    });
    expect(order.items.map((i) => i.qty_refunded)).toEqual([1, 0]);

    const over = await magento.api.post(`/order/${created.entity_id}/refund`, {
      items: [{ order_item_id: mug?.item_id, qty: 0 }],
      arguments: { shipping_amount: 4 },
    });
    expect(over.status).toBe(400);
    expect(over.data).toEqual({ message: 'Maximum shipping amount allowed to refund is: %1', parameters: ['$3.00'] });

    // The earlier positive adjustment was money too: the rest (38.00) is more than the 36.00 still paid.
    const rest = await magento.api.post(`/order/${created.entity_id}/refund`, { items: [] });
    expect(rest.data).toEqual({ message: 'The most money available to refund is %1.', parameters: ['$36.00'] });
    const settled = await magento.api.post(`/order/${created.entity_id}/refund`, {
      items: [],
      arguments: { adjustment_negative: 2 },
    });
    expect(settled.status).toBe(200);
    order = await getOrder(magento.api, created.entity_id);
    expect(order).toMatchObject({
      state: 'closed',
      status: 'closed',
      total_refunded: 50,
      total_paid: 50,
      total_offline_refunded: 50,
    });
    expect(order.items.map((i) => i.qty_refunded)).toEqual([2, 1]);
    const closed = await magento.api.post(`/order/${created.entity_id}/refund`, {});
    expect(closed.data).toEqual({
      message: 'A creditmemo can not be created when an order has a status of %1',
      parameters: ['closed'],
    });
  });

  it('splits amounts without float drift and takes the remainder on the last part', async () => {
    const created = await createOrder(magento.api, {
      subtotal: 10,
      base_subtotal: 10,
      shipping_amount: 0,
      base_shipping_amount: 0,
      grand_total: 10,
      base_grand_total: 10,
      items: [{ sku: 'PEN-3', qty_ordered: 3, price: 3.3333, row_total: 10, base_row_total: 10 }],
    });
    const pen = created.items[0]?.item_id;
    await magento.api.post(`/order/${created.entity_id}/invoice`, {});
    const totals: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      await magento.api.post(`/order/${created.entity_id}/refund`, { items: [{ order_item_id: pen, qty: 1 }] });
      totals.push((await getOrder(magento.api, created.entity_id)).total_refunded as number);
    }
    // As Magento: each part is what is left divided by what is left to refund, rounded to cents.
    expect(totals).toEqual([3.33, 6.67, 10]);
    expect((await getOrder(magento.api, created.entity_id)).state).toBe('closed');
  });

  it('treats a configurable child row as following its parent when invoicing, shipping and refunding', async () => {
    const created = await createOrder(magento.api, {
      subtotal: 25,
      base_subtotal: 25,
      shipping_amount: 0,
      base_shipping_amount: 0,
      grand_total: 25,
      base_grand_total: 25,
      items: [
        {
          item_id: 7,
          sku: 'TEE-M',
          name: 'Tee',
          product_type: 'configurable',
          qty_ordered: 1,
          price: 25,
          row_total: 25,
        },
        {
          item_id: 8,
          sku: 'TEE-M',
          name: 'Tee (child row)',
          product_type: 'simple',
          qty_ordered: 1,
          price: 0,
          row_total: 0,
          parent_item_id: 7,
        },
      ],
    });
    const [parent, child] = created.items;
    expect(child).toMatchObject({ parent_item_id: parent?.item_id });
    await magento.api.post(`/order/${created.entity_id}/invoice`, {});
    const shipped = await magento.api.post(`/order/${created.entity_id}/ship`, {
      items: [{ order_item_id: parent?.item_id, qty: 1 }],
    });
    expect(shipped.status).toBe(200);
    const order = await getOrder(magento.api, created.entity_id);
    expect(order.state).toBe('complete');
    expect(order.items.map((i) => [i.qty_invoiced, i.qty_shipped])).toEqual([
      [1, 1],
      [1, 1],
    ]);
    await magento.api.post(`/order/${created.entity_id}/refund`, {});
    const refunded = await getOrder(magento.api, created.entity_id);
    expect(refunded).toMatchObject({ state: 'closed', total_refunded: 25 });
    expect(refunded.items.map((i) => i.qty_refunded)).toEqual([1, 1]);
  });

  it('refuses documents for an order that does not exist with 404, and for a held order with its status', async () => {
    const missing = await magento.api.post('/order/404/invoice', {});
    expect(missing.status).toBe(404);
    const { entity_id: id } = await createOrder(magento.api);
    await magento.api.post(`/orders/${id}/hold`);
    const held = await magento.api.post(`/order/${id}/invoice`, {});
    expect(held.data).toEqual({
      message: 'An invoice cannot be created when an order has a status of %1',
      parameters: ['holded'],
    });
  });
});
