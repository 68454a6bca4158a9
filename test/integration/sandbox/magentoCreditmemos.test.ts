import axios from 'axios';
import {
  bearerToken,
  createOrder,
  getOrder,
  searchParams,
  startMagento,
  type CreatedOrder,
  type RunningMagento,
} from './magentoHelpers';

interface Comment {
  entity_id: number;
  parent_id: number;
  comment: string;
  is_customer_notified: number;
  is_visible_on_front: number;
  created_at: string;
}
interface Memo {
  entity_id: number;
  order_id: number;
  grand_total: number;
  created_at: string;
  updated_at: string;
  comments: Comment[];
  [field: string]: unknown;
}

describe('Magento sandbox: credit memos made in the admin, their comments and updated_at', () => {
  let magento: RunningMagento;
  let clockMs = Date.UTC(2024, 4, 1, 10, 0, 0);
  const at = (iso: string) => {
    clockMs = Date.parse(iso);
  };

  beforeAll(async () => {
    magento = await startMagento({ token: bearerToken, now: () => new Date(clockMs) });
  });
  afterAll(() => magento.close());
  beforeEach(async () => {
    await magento.reset();
    at('2024-05-01T10:00:00Z');
  });

  const staffMemo = (incrementId: string, body: unknown) =>
    axios.post<Memo>(`${magento.url}/__sandbox/orders/${incrementId}/creditmemos`, body, {
      validateStatus: () => true,
    });

  async function paidOrder(): Promise<CreatedOrder> {
    const order = await createOrder(magento.api);
    expect((await magento.api.post(`/order/${order.entity_id}/invoice`, {})).status).toBe(200);
    return order;
  }

  async function memo(id: number): Promise<Memo> {
    const res = await magento.api.get(`/creditmemo/${id}`);
    expect(res.status).toBe(200);
    return res.data as Memo;
  }

  const partialRefund = (mugItemId: number | undefined) => ({
    items: [{ order_item_id: mugItemId, qty: 1 }],
    notify: false,
    arguments: { shipping_amount: 0, adjustment_positive: 1, adjustment_negative: 0.5 },
    comment: { comment: 'Damaged in transit', is_visible_on_front: 0 },
  });

  it('makes a staff credit memo exactly as the refund route does, marked by a "Created by admin" comment', async () => {
    const viaRest = await paidOrder();
    const viaAdmin = await paidOrder();
    at('2024-05-02T08:30:00Z');

    const restId = await magento.api.post(
      `/order/${viaRest.entity_id}/refund`,
      partialRefund(viaRest.items[0]?.item_id),
    );
    expect(restId.status).toBe(200);
    const created = await staffMemo(viaAdmin.increment_id, partialRefund(viaAdmin.items[0]?.item_id));
    expect(created.status).toBe(200);
    expect(created.data).toMatchObject({
      order_id: viaAdmin.entity_id,
      subtotal: 10,
      shipping_amount: 0,
      adjustment_positive: 1,
      adjustment_negative: 0.5,
      grand_total: 10.5,
      state: 2,
      created_at: '2024-05-02 08:30:00',
      updated_at: '2024-05-02 08:30:00',
    });
    expect(created.data.comments.map((c) => c.comment)).toEqual(['Damaged in transit', 'Created by admin']);
    expect(created.data.comments[1]).toMatchObject({
      parent_id: created.data.entity_id,
      is_customer_notified: 0,
      is_visible_on_front: 0,
    });
    expect(await memo(created.data.entity_id)).toEqual(created.data);

    // Nothing but Magento's own fields: the same fields, with the same amounts, as the memo the REST route made.
    const rest = await memo(restId.data as number);
    expect(Object.keys(created.data).sort()).toEqual(Object.keys(rest).sort());
    const amounts = (m: Memo) =>
      Object.fromEntries(Object.entries(m).filter(([k, v]) => typeof v === 'number' && !/(^|_)id$/.test(k)));
    expect(amounts(created.data)).toEqual(amounts(rest));

    const order = await getOrder(magento.api, viaAdmin.entity_id);
    expect(order).toMatchObject({
      total_refunded: 10.5,
      total_offline_refunded: 10.5,
      updated_at: '2024-05-02 08:30:00',
      state: 'processing',
    });
    expect(order.items.map((i) => i.qty_refunded)).toEqual([1, 0]);
  });

  it('refuses a staff credit memo for an unknown order or one with nothing paid, in Magento’s words', async () => {
    const missing = await staffMemo('999999999', {});
    expect([missing.status, missing.data]).toEqual([
      404,
      { message: "The entity that was requested doesn't exist. Verify the entity and try again." },
    ]);
    const unpaid = await createOrder(magento.api);
    const refused = await staffMemo(unpaid.increment_id, {});
    expect([refused.status, refused.data]).toEqual([
      400,
      { message: 'The order does not allow a creditmemo to be created.' },
    ]);
    const paid = await paidOrder();
    const tooMuch = await staffMemo(paid.increment_id, { arguments: { adjustment_positive: 10 } });
    expect(tooMuch.data).toEqual({ message: 'The most money available to refund is %1.', parameters: ['$50.00'] });
    const full = await staffMemo(paid.increment_id, {});
    expect(full.data.grand_total).toBe(50);
    expect((await getOrder(magento.api, paid.entity_id)).state).toBe('closed');
  });

  it('keeps the transaction id of a staff memo refunded online (as a payment module records it); offline memos have none', async () => {
    const online = await staffMemo((await paidOrder()).increment_id, { transaction_id: 're_online123' });
    const offline = await staffMemo((await paidOrder()).increment_id, {});
    expect((await memo(online.data.entity_id)).transaction_id).toBe('re_online123');
    expect(await memo(offline.data.entity_id)).not.toHaveProperty('transaction_id');
  });

  it('adds a comment with POST /V1/creditmemo/{id}/comments, newest first, moving the memo’s updated_at only', async () => {
    const order = await paidOrder();
    const memoId = (
      await magento.api.post(`/order/${order.entity_id}/refund`, {
        items: [],
        comment: { comment: 'Refunded in Stripe: re_123', is_visible_on_front: 0 },
        arguments: { extension_attributes: { return_to_stock_items: [order.items[0]?.item_id] } },
      })
    ).data as number;
    expect(typeof memoId).toBe('number');
    const before = await memo(memoId);
    expect(before.comments.map((c) => c.comment)).toEqual(['Refunded in Stripe: re_123']);

    at('2024-05-03T12:00:00Z');
    const added = await magento.api.post(`/creditmemo/${memoId}/comments`, {
      entity: {
        parent_id: memoId,
        comment: 'Stripe refund re_123 failed: expired_or_canceled_card',
        is_customer_notified: 0,
        is_visible_on_front: 0,
      },
    });
    expect(added.status).toBe(200);
    expect(added.data).toMatchObject({
      parent_id: memoId,
      comment: 'Stripe refund re_123 failed: expired_or_canceled_card',
      is_customer_notified: 0,
      is_visible_on_front: 0,
      created_at: '2024-05-03 12:00:00',
    });
    expect(typeof added.data.entity_id).toBe('number');

    const after = await memo(memoId);
    expect(after).toMatchObject({ created_at: before.created_at, updated_at: '2024-05-03 12:00:00' });
    expect(after.comments.map((c) => c.comment)).toEqual([
      'Stripe refund re_123 failed: expired_or_canceled_card',
      'Refunded in Stripe: re_123',
    ]);
    expect((await getOrder(magento.api, order.entity_id)).updated_at).toBe(before.updated_at);

    const listed = await magento.api.get(`/creditmemo/${memoId}/comments`);
    expect(listed.status).toBe(200);
    expect(listed.data).toMatchObject({ total_count: 2, items: after.comments });
  });

  it('refuses a comment without entity, text or an existing parent_id, and lists comments of a known memo only', async () => {
    const order = await paidOrder();
    const memoId = (await magento.api.post(`/order/${order.entity_id}/refund`, {})).data as number;
    const noEntity = await magento.api.post(`/creditmemo/${memoId}/comments`, {});
    expect([noEntity.status, noEntity.data]).toEqual([
      400,
      { message: '"%fieldName" is required. Enter and try again.', parameters: { fieldName: 'entity' } },
    ]);
    for (const entity of [
      { comment: 'no parent', is_customer_notified: 0, is_visible_on_front: 0 },
      { parent_id: 999, comment: 'unknown parent', is_customer_notified: 0, is_visible_on_front: 0 },
      { parent_id: memoId, comment: '  ', is_customer_notified: 0, is_visible_on_front: 0 },
    ]) {
      const res = await magento.api.post(`/creditmemo/${memoId}/comments`, { entity });
      expect([res.status, res.data]).toEqual([400, { message: 'Could not save the creditmemo comment.' }]);
    }
    expect((await memo(memoId)).comments).toEqual([]);
    expect((await magento.api.get('/creditmemo/999/comments')).status).toBe(404);
    expect(
      (await magento.api.get(`/creditmemo/${memoId}/comments`, { headers: { Authorization: 'Bearer wrong' } })).status,
    ).toBe(401);
  });

  it('finds memos changed since a time with an updated_at filter, sorted by updated_at and paged', async () => {
    const orders = [await paidOrder(), await paidOrder(), await paidOrder()];
    const memoIds: number[] = [];
    for (const [i, order] of orders.entries()) {
      at(`2024-05-0${i + 2}T09:00:00Z`);
      memoIds.push(
        (await staffMemo(order.increment_id, { items: [{ order_item_id: order.items[1]?.item_id, qty: 1 }] })).data
          .entity_id,
      );
    }
    // The first memo changes last: a comment on the 6th.
    at('2024-05-06T09:00:00Z');
    await magento.api.post(`/creditmemo/${memoIds[0]}/comments`, {
      entity: { parent_id: memoIds[0], comment: 'Checked', is_customer_notified: 0, is_visible_on_front: 0 },
    });

    const since = async (condition: string, value: string, page: Record<string, number> = {}) => {
      const res = await magento.api.get('/creditmemos', {
        params: searchParams({
          '[filter_groups][0][filters][0][field]': 'updated_at',
          '[filter_groups][0][filters][0][value]': value,
          '[filter_groups][0][filters][0][condition_type]': condition,
          '[sortOrders][0][field]': 'updated_at',
          '[sortOrders][0][direction]': 'ASC',
          ...page,
        }),
      });
      expect(res.status).toBe(200);
      return { ids: (res.data.items as Memo[]).map((m) => m.entity_id), total: res.data.total_count as number };
    };

    expect(await since('gteq', '2024-05-03 09:00:00')).toEqual({ ids: [memoIds[1], memoIds[2], memoIds[0]], total: 3 });
    expect(await since('gt', '2024-05-03 09:00:00')).toEqual({ ids: [memoIds[2], memoIds[0]], total: 2 });
    // As MySQL reads a date against a DATETIME: missing seconds are zero, a bare date is midnight, and ISO 8601 with a
    // zone is converted to UTC.
    expect((await since('gt', '2024-05-03 09:00')).ids).toEqual([memoIds[2], memoIds[0]]);
    expect((await since('lt', '2024-05-04')).ids).toEqual([memoIds[1]]);
    expect((await since('gt', '2024-05-04T10:00:00+02:00')).ids).toEqual([memoIds[2], memoIds[0]]);
    expect((await since('gteq', '2024-05-04T09:00:00.000Z')).ids).toEqual([memoIds[2], memoIds[0]]);
    expect(await since('gteq', '2024-05-02 09:00:00', { '[pageSize]': 2, '[currentPage]': 1 })).toEqual({
      ids: [memoIds[1], memoIds[2]],
      total: 3,
    });
    expect(await since('gteq', '2024-05-02 09:00:00', { '[pageSize]': 2, '[currentPage]': 2 })).toEqual({
      ids: [memoIds[0]],
      total: 3,
    });

    const newestFirst = await magento.api.get('/creditmemos', {
      params: searchParams({
        '[sortOrders][0][field]': 'updated_at',
        '[sortOrders][0][direction]': 'DESC',
        '[pageSize]': 1,
      }),
    });
    expect(newestFirst.data.items.map((m: Memo) => m.entity_id)).toEqual([memoIds[0]]);
    expect(newestFirst.data.items[0].comments.map((c: Comment) => c.comment)).toEqual(['Checked', 'Created by admin']);
  });
});
