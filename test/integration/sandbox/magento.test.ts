import { createOrder, getOrder, searchParams, startMagento, type RunningMagento } from './magentoHelpers';

describe('Magento sandbox: orders', () => {
  let magento: RunningMagento;

  beforeAll(async () => {
    magento = await startMagento({ token: 'magento-sandbox-test-token', now: () => new Date('2024-03-01T10:20:30Z') });
  });
  afterAll(() => magento.close());
  beforeEach(() => magento.reset());

  it('creates an order as new/pending with ids, increment id, item counters and Magento timestamps', async () => {
    const created = await createOrder(magento.api);
    expect(created).toMatchObject({
      entity_id: 1,
      increment_id: '000000001',
      state: 'new',
      status: 'pending',
      grand_total: 50,
      base_grand_total: 50,
      subtotal: 45,
      shipping_amount: 5,
      customer_email: 'ada@example.com',
      customer_is_guest: 1,
      order_currency_code: 'USD',
      created_at: '2024-03-01 10:20:30',
      status_histories: [],
      payment: { method: 'stripe_payments', additional_information: [] },
      billing_address: { address_type: 'billing', city: 'London', parent_id: 1 },
    });
    expect(created).not.toHaveProperty('customer_id');
    expect(created.items).toEqual([
      expect.objectContaining({
        item_id: 1,
        order_id: 1,
        sku: 'MUG-1',
        qty_ordered: 2,
        qty_invoiced: 0,
        qty_shipped: 0,
        qty_refunded: 0,
        qty_canceled: 0,
      }),
      expect.objectContaining({ item_id: 2, sku: 'TEE-1', qty_ordered: 1, row_total: 25 }),
    ]);
    const assignment = (created.extension_attributes as { shipping_assignments: Record<string, unknown>[] })
      .shipping_assignments[0];
    expect(assignment).toMatchObject({
      shipping: { address: { address_type: 'shipping', postcode: 'N1 9GU' }, method: 'flatrate_flatrate' },
    });
    expect(assignment?.items).toHaveLength(2);

    expect(await getOrder(magento.api, created.entity_id)).toEqual(created);
  });

  it('keeps an increment id and totals the caller gave, and sums the ones it left out', async () => {
    const kept = await createOrder(magento.api, {
      increment_id: 'WEB-1001',
      grand_total: 61.5,
      base_grand_total: 61.5,
    });
    expect(kept).toMatchObject({ increment_id: 'WEB-1001', grand_total: 61.5 });
    const summed = await createOrder(magento.api, {
      subtotal: undefined,
      grand_total: undefined,
      base_subtotal: undefined,
      base_grand_total: undefined,
    });
    expect(summed).toMatchObject({ subtotal: 45, grand_total: 50, base_grand_total: 50, increment_id: '000000002' });
  });

  it('refuses a second order with the same increment id', async () => {
    await createOrder(magento.api, { increment_id: 'WEB-1' });
    const res = await magento.api.post('/orders', {
      entity: { customer_email: 'x@example.com', increment_id: 'WEB-1', items: [] },
    });
    expect(res.status).toBe(400);
    expect(res.data).toEqual({ message: 'Unique constraint violation found' });
  });

  it('answers 404 with Magento’s message for an order that does not exist, and for an unknown route', async () => {
    const missing = await magento.api.get('/orders/999');
    expect(missing.status).toBe(404);
    expect(missing.data).toEqual({
      message: "The entity that was requested doesn't exist. Verify the entity and try again.",
    });
    const unknown = await magento.api.get('/nothing/here');
    expect(unknown.status).toBe(404);
    expect(unknown.data).toEqual({ message: 'Request does not match any route.' });
  });

  it('serves the same API under /rest/V1 and /rest/all/V1', async () => {
    const created = await createOrder(magento.api);
    for (const prefix of ['/rest/V1', '/rest/all/V1']) {
      const res = await magento.api.get(`${magento.url}${prefix}/orders/${created.entity_id}`);
      expect(res.status).toBe(200);
      expect(res.data.increment_id).toBe(created.increment_id);
    }
  });

  it('appends comments to status_histories, newest first, and answers true', async () => {
    const { entity_id: id } = await createOrder(magento.api);
    for (const comment of ['Payment captured by Stripe (ch_1)', 'Sent to ERP']) {
      const res = await magento.api.post(`/orders/${id}/comments`, {
        statusHistory: { comment, is_customer_notified: 0, is_visible_on_front: 0, parent_id: id },
      });
      expect(res.status).toBe(200);
      expect(res.data).toBe(true);
    }
    const order = await getOrder(magento.api, id);
    expect(order.status_histories).toEqual([
      expect.objectContaining({
        comment: 'Sent to ERP',
        parent_id: id,
        status: 'pending',
        is_customer_notified: 0,
        entity_name: 'order',
      }),
      expect.objectContaining({ comment: 'Payment captured by Stripe (ch_1)' }),
    ]);
  });

  it('holds and unholds an order, restoring the state and status it had', async () => {
    const { entity_id: id } = await createOrder(magento.api);
    await magento.api.post(`/order/${id}/invoice`, {});
    expect((await magento.api.post(`/orders/${id}/hold`)).data).toBe(true);
    expect(await getOrder(magento.api, id)).toMatchObject({
      state: 'holded',
      status: 'holded',
      hold_before_state: 'processing',
      hold_before_status: 'processing',
    });

    const again = await magento.api.post(`/orders/${id}/hold`);
    expect(again.status).toBe(400);
    expect(again.data).toEqual({ message: 'A hold action is not available.' });

    expect((await magento.api.post(`/orders/${id}/unhold`)).data).toBe(true);
    const released = await getOrder(magento.api, id);
    expect(released).toMatchObject({ state: 'processing', status: 'processing' });
    expect(released).not.toHaveProperty('hold_before_state');

    const unheld = await magento.api.post(`/orders/${id}/unhold`);
    expect(unheld.status).toBe(400);
    expect(unheld.data).toEqual({ message: 'You cannot remove the hold.' });
  });

  it('cancels a new order, and answers false (as Magento does) for one that is held or fully invoiced', async () => {
    const fresh = await createOrder(magento.api);
    expect((await magento.api.post(`/orders/${fresh.entity_id}/cancel`)).data).toBe(true);
    const canceled = await getOrder(magento.api, fresh.entity_id);
    expect(canceled).toMatchObject({ state: 'canceled', status: 'canceled', total_canceled: 50 });
    expect(canceled.items.map((i) => i.qty_canceled)).toEqual([2, 1]);
    expect((await magento.api.post(`/orders/${fresh.entity_id}/hold`)).status).toBe(400);

    const held = await createOrder(magento.api);
    await magento.api.post(`/orders/${held.entity_id}/hold`);
    const heldCancel = await magento.api.post(`/orders/${held.entity_id}/cancel`);
    expect([heldCancel.status, heldCancel.data]).toEqual([200, false]);
    expect((await getOrder(magento.api, held.entity_id)).state).toBe('holded');

    const invoiced = await createOrder(magento.api);
    await magento.api.post(`/order/${invoiced.entity_id}/invoice`, {});
    expect((await magento.api.post(`/orders/${invoiced.entity_id}/cancel`)).data).toBe(false);
    expect((await getOrder(magento.api, invoiced.entity_id)).state).toBe('processing');
  });

  it('lets a comment move the status within the current state only', async () => {
    const { entity_id: id } = await createOrder(magento.api);
    await magento.api.post(`/order/${id}/invoice`, {});
    await magento.api.post(`/orders/${id}/comments`, {
      statusHistory: { comment: 'Risk elevated', is_visible_on_front: 0, parent_id: id, status: 'fraud' },
    });
    expect(await getOrder(magento.api, id)).toMatchObject({ state: 'processing', status: 'fraud' });
    await magento.api.post(`/orders/${id}/comments`, {
      statusHistory: { comment: 'Try to close', is_visible_on_front: 0, parent_id: id, status: 'closed' },
    });
    expect(await getOrder(magento.api, id)).toMatchObject({ state: 'processing', status: 'fraud' });
  });
});

describe('Magento sandbox: order search with searchCriteria', () => {
  let magento: RunningMagento;
  const search = async (entries: Record<string, string | number>) => {
    const res = await magento.api.get('/orders', { params: searchParams(entries) });
    expect(res.status).toBe(200);
    return res.data as {
      items: { increment_id: string }[];
      total_count: number;
      search_criteria: Record<string, unknown>;
    };
  };
  const ids = (result: { items: { increment_id: string }[] }) => result.items.map((o) => o.increment_id);

  beforeAll(async () => {
    magento = await startMagento();
    const rows: [string, string, number, string][] = [
      ['100', 'ada@example.com', 10, '2024-01-01 09:00:00'],
      ['101', 'bob@example.com', 20, '2024-01-02 09:00:00'],
      ['102', 'carol@shop.test', 30, '2024-01-03 09:00:00'],
      ['103', 'dave@shop.test', 40, '2024-01-04 09:00:00'],
      ['104', 'erin@example.com', 50, '2024-01-05 09:00:00'],
    ];
    for (const [increment, email, total, createdAt] of rows) {
      await createOrder(magento.api, {
        increment_id: increment,
        customer_email: email,
        grand_total: total,
        base_grand_total: total,
        created_at: createdAt,
      });
    }
  });
  afterAll(() => magento.close());

  it('filters with eq by default, comparing numbers and strings loosely', async () => {
    const byEmail = await search({
      '[filter_groups][0][filters][0][field]': 'customer_email',
      '[filter_groups][0][filters][0][value]': 'BOB@example.com',
    });
    expect(ids(byEmail)).toEqual(['101']);
    const byTotal = await search({
      '[filter_groups][0][filters][0][field]': 'grand_total',
      '[filter_groups][0][filters][0][value]': '30.00',
      '[filter_groups][0][filters][0][condition_type]': 'eq',
    });
    expect(ids(byTotal)).toEqual(['102']);
    expect(byTotal.search_criteria).toEqual({
      filter_groups: [{ filters: [{ field: 'grand_total', value: '30.00', condition_type: 'eq' }] }],
    });
  });

  it('filters with in, like and a gteq/lteq range', async () => {
    const inList = await search({
      '[filter_groups][0][filters][0][field]': 'increment_id',
      '[filter_groups][0][filters][0][value]': '100,104',
      '[filter_groups][0][filters][0][condition_type]': 'in',
    });
    expect(ids(inList)).toEqual(['100', '104']);
    const like = await search({
      '[filter_groups][0][filters][0][field]': 'customer_email',
      '[filter_groups][0][filters][0][value]': '%@shop.test',
      '[filter_groups][0][filters][0][condition_type]': 'like',
    });
    expect(ids(like)).toEqual(['102', '103']);
    const range = await search({
      '[filter_groups][0][filters][0][field]': 'created_at',
      '[filter_groups][0][filters][0][value]': '2024-01-02 00:00:00',
      '[filter_groups][0][filters][0][condition_type]': 'gteq',
      '[filter_groups][1][filters][0][field]': 'grand_total',
      '[filter_groups][1][filters][0][value]': '40',
      '[filter_groups][1][filters][0][condition_type]': 'lteq',
    });
    expect(ids(range)).toEqual(['101', '102', '103']);
  });

  it('ORs filters within a group and ANDs the groups', async () => {
    const result = await search({
      '[filter_groups][0][filters][0][field]': 'customer_email',
      '[filter_groups][0][filters][0][value]': 'ada@example.com',
      '[filter_groups][0][filters][1][field]': 'customer_email',
      '[filter_groups][0][filters][1][value]': '%shop.test',
      '[filter_groups][0][filters][1][condition_type]': 'like',
      '[filter_groups][1][filters][0][field]': 'grand_total',
      '[filter_groups][1][filters][0][value]': '30',
      '[filter_groups][1][filters][0][condition_type]': 'gt',
    });
    expect(ids(result)).toEqual(['103']);
  });

  it('sorts and pages with pageSize/currentPage while total_count counts every match', async () => {
    const sort = { '[sortOrders][0][field]': 'grand_total', '[sortOrders][0][direction]': 'DESC', '[pageSize]': 2 };
    const first = await search({ ...sort, '[currentPage]': 1 });
    const last = await search({ ...sort, '[currentPage]': 3 });
    const past = await search({ ...sort, '[currentPage]': 4 });
    expect([ids(first), ids(last), ids(past)]).toEqual([['104', '103'], ['100'], []]);
    expect([first.total_count, past.total_count]).toEqual([5, 5]);
    expect(first.search_criteria).toMatchObject({
      page_size: 2,
      current_page: 1,
      sort_orders: [{ field: 'grand_total', direction: 'DESC' }],
    });
  });

  it('accepts camelCase keys and null/notnull/neq/nin conditions', async () => {
    const neq = await search({
      '[filterGroups][0][filters][0][field]': 'increment_id',
      '[filterGroups][0][filters][0][value]': '100',
      '[filterGroups][0][filters][0][conditionType]': 'neq',
    });
    expect(neq.total_count).toBe(4);
    const nin = await search({
      '[filter_groups][0][filters][0][field]': 'increment_id',
      '[filter_groups][0][filters][0][value]': '100,101',
      '[filter_groups][0][filters][0][condition_type]': 'nin',
    });
    expect(ids(nin)).toEqual(['102', '103', '104']);
    const noCustomer = await search({
      '[filter_groups][0][filters][0][field]': 'customer_id',
      '[filter_groups][0][filters][0][value]': '',
      '[filter_groups][0][filters][0][condition_type]': 'null',
    });
    expect(noCustomer.total_count).toBe(5);
    const withCustomer = await search({
      '[filter_groups][0][filters][0][field]': 'customer_id',
      '[filter_groups][0][filters][0][value]': '',
      '[filter_groups][0][filters][0][condition_type]': 'notnull',
    });
    expect(withCustomer.total_count).toBe(0);
  });

  it('requires searchCriteria on a list request, as Magento does', async () => {
    const res = await magento.api.get('/orders');
    expect(res.status).toBe(400);
    expect(res.data).toEqual({
      message: '"%fieldName" is required. Enter and try again.',
      parameters: { fieldName: 'searchCriteria' },
    });
  });
});
