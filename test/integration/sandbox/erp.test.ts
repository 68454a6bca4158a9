import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import { createErpSandbox } from '../../../sandbox/erp';
import { startPeer, type RunningPeer } from '../../harness/peers';

const apiKey = 'erp-key';
const apiSecret = 'erp-secret';

describe('sandbox ERPNext', () => {
  let peer: RunningPeer;
  let erp: AxiosInstance;

  beforeAll(async () => {
    peer = await startPeer(createErpSandbox({ apiKey, apiSecret }));
    erp = axios.create({
      baseURL: peer.url,
      headers: { Authorization: `token ${apiKey}:${apiSecret}` },
      validateStatus: () => true,
    });
  });

  afterAll(async () => {
    await peer.close();
  });

  beforeEach(async () => {
    await erp.post('/__sandbox/reset');
  });

  async function createCustomer(name = 'Ada Lovelace'): Promise<string> {
    const res = await erp.post('/api/resource/Customer', { customer_name: name, customer_type: 'Individual' });
    expect(res.status).toBe(200);
    return res.data.data.name;
  }

  async function submitInvoice(
    customer: string,
    items = [
      { item_code: 'SKU-1', qty: 2, rate: 10.005 },
      { item_code: 'SKU-2', qty: 1, rate: 5.1 },
    ],
  ) {
    const res = await erp.post('/api/resource/Sales Invoice', { customer, items, docstatus: 1 });
    expect(res.status).toBe(200);
    return res.data.data;
  }

  it('answers 401 AuthenticationError without a token or with a wrong secret', async () => {
    const anonymous = await axios.get(`${peer.url}/api/resource/Customer`, { validateStatus: () => true });
    expect(anonymous.status).toBe(401);
    expect(anonymous.data.exc_type).toBe('AuthenticationError');

    const wrong = await axios.get(`${peer.url}/api/resource/Customer`, {
      headers: { Authorization: `token ${apiKey}:nope` },
      validateStatus: () => true,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.data.exc_type).toBe('AuthenticationError');

    const basic = await axios.get(`${peer.url}/api/resource/Customer`, {
      auth: { username: apiKey, password: apiSecret },
      validateStatus: () => true,
    });
    expect(basic.status).toBe(200);
  });

  it('names a customer after customer_name, adding a suffix when the name is taken', async () => {
    expect(await createCustomer('Grace Hopper')).toBe('Grace Hopper');
    expect(await createCustomer('Grace Hopper')).toBe('Grace Hopper - 1');
    const got = await erp.get(`/api/resource/Customer/${encodeURIComponent('Grace Hopper - 1')}`);
    expect(got.data.data).toMatchObject({
      name: 'Grace Hopper - 1',
      doctype: 'Customer',
      docstatus: 0,
      customer_name: 'Grace Hopper',
      owner: 'Administrator',
    });
    expect(got.data.data.creation).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  });

  it('creates a submitted Sales Order with computed totals that is findable by its po_no', async () => {
    const customer = await createCustomer();
    const year = new Date().getFullYear();
    const created = await erp.post('/api/resource/Sales Order', {
      customer,
      po_no: '000000123',
      delivery_date: '2099-01-31',
      docstatus: 1,
      items: [
        { item_code: 'SKU-1', qty: 3, rate: 19.99 },
        { item_code: 'SKU-2', qty: 1, rate: 0.1 },
      ],
      taxes: [{ charge_type: 'Actual', account_head: 'Freight - SC', description: 'Shipping', tax_amount: 4.95 }],
    });
    expect(created.status).toBe(200);
    expect(created.data.data).toMatchObject({
      name: `SAL-ORD-${year}-00001`,
      docstatus: 1,
      status: 'To Deliver and Bill',
      po_no: '000000123',
      total: 60.07,
      grand_total: 65.02,
      items: [
        { amount: 59.97, idx: 1 },
        { amount: 0.1, idx: 2 },
      ],
    });
    await erp.post('/api/resource/Sales Order', {
      customer,
      po_no: '000000124',
      delivery_date: '2099-01-31',
      items: [{ item_code: 'SKU-1', qty: 1, rate: 1 }],
    });

    const found = await erp.get('/api/resource/Sales Order', {
      params: {
        filters: JSON.stringify([['po_no', '=', '000000123']]),
        fields: JSON.stringify(['name', 'grand_total', 'docstatus']),
      },
    });
    expect(found.data).toEqual({ data: [{ name: `SAL-ORD-${year}-00001`, grand_total: 65.02, docstatus: 1 }] });

    const drafts = await erp.get('/api/resource/Sales Order', {
      params: { filters: JSON.stringify({ docstatus: 0 }) },
    });
    expect(drafts.data.data).toEqual([{ name: `SAL-ORD-${year}-00002` }]);

    const byItem = await erp.get('/api/resource/Sales Order', {
      params: { filters: JSON.stringify([['Sales Order Item', 'item_code', '=', 'SKU-2']]) },
    });
    expect(byItem.data.data).toEqual([{ name: `SAL-ORD-${year}-00001` }]);
  });

  it('amends a cancelled Sales Order as <name>-1, then -2, and refuses to amend one still submitted', async () => {
    const customer = await createCustomer();
    const order = {
      customer,
      po_no: '000000130',
      delivery_date: '2099-01-31',
      items: [{ item_code: 'SKU-1', qty: 2, rate: 10 }],
    };
    const { name } = (await erp.post('/api/resource/Sales Order', { ...order, docstatus: 1 })).data.data;
    const early = await erp.post('/api/resource/Sales Order', { ...order, amended_from: name, docstatus: 1 });
    expect(early.status).toBe(417);
    await erp.post('/api/method/frappe.client.cancel', { doctype: 'Sales Order', name });
    const first = await erp.post('/api/resource/Sales Order', {
      ...order,
      amended_from: name,
      items: [{ item_code: 'SKU-1', qty: 1, rate: 10 }],
      docstatus: 1,
    });
    expect(first.data.data).toMatchObject({ name: `${name}-1`, amended_from: name, grand_total: 10 });
    expect((await erp.post('/api/resource/Sales Order', { ...order, amended_from: name })).status).toBe(409);
    await erp.post('/api/method/frappe.client.cancel', { doctype: 'Sales Order', name: `${name}-1` });
    const second = await erp.post('/api/resource/Sales Order', { ...order, amended_from: `${name}-1`, docstatus: 1 });
    expect(second.data.data.name).toBe(`${name}-2`);
  });

  it('refuses to cancel a Sales Order a submitted invoice bills, and to invoice a cancelled one (LinkExistsError, CancelledLinkError)', async () => {
    const customer = await createCustomer();
    const order = {
      customer,
      po_no: '000000131',
      delivery_date: '2099-01-31',
      items: [{ item_code: 'SKU-1', qty: 1, rate: 10 }],
      docstatus: 1,
    };
    const billed = (await erp.post('/api/resource/Sales Order', order)).data.data.name;
    const invoice = { customer, items: [{ item_code: 'SKU-1', qty: 1, rate: 10, sales_order: billed }], docstatus: 1 };
    expect((await erp.post('/api/resource/Sales Invoice', invoice)).status).toBe(200);
    const cancel = await erp.post('/api/method/frappe.client.cancel', { doctype: 'Sales Order', name: billed });
    expect(cancel.status).toBe(417);
    expect(cancel.data.exc_type).toBe('LinkExistsError');
    expect(cancel.data.exception).toContain(`Sales Order ${billed} is linked with Sales Invoice`);

    const other = (await erp.post('/api/resource/Sales Order', { ...order, po_no: '000000132' })).data.data.name;
    await erp.post('/api/method/frappe.client.cancel', { doctype: 'Sales Order', name: other });
    const late = await erp.post('/api/resource/Sales Invoice', {
      ...invoice,
      items: [{ item_code: 'SKU-1', qty: 1, rate: 10, sales_order: other }],
    });
    expect(late.status).toBe(417);
    expect(late.data.exc_type).toBe('CancelledLinkError');
  });

  it('lists with operators, all fields, ordering and paging', async () => {
    const customer = await createCustomer();
    for (const rate of [5, 15, 25, 35]) {
      await erp.post('/api/resource/Sales Order', {
        customer,
        po_no: `PO-${rate}`,
        delivery_date: '2099-01-31',
        items: [{ item_code: 'SKU', qty: 1, rate }],
      });
    }
    const list = async (params: Record<string, unknown>) =>
      (await erp.get('/api/resource/Sales Order', { params })).data.data;

    expect(
      await list({
        filters: JSON.stringify([
          ['grand_total', '>=', 15],
          ['grand_total', '<', 35],
        ]),
        fields: '["po_no"]',
        order_by: 'grand_total asc',
      }),
    ).toEqual([{ po_no: 'PO-15' }, { po_no: 'PO-25' }]);
    expect(
      await list({
        filters: JSON.stringify([['po_no', 'in', ['PO-5', 'PO-35']]]),
        fields: '["po_no"]',
        order_by: 'po_no desc',
      }),
    ).toEqual([{ po_no: 'PO-5' }, { po_no: 'PO-35' }]);
    expect(
      await list({ filters: JSON.stringify([['Sales Order', 'po_no', 'like', 'po-1%']]), fields: '["po_no"]' }),
    ).toEqual([{ po_no: 'PO-15' }]);
    expect(
      await list({
        filters: JSON.stringify([['po_no', 'not in', 'PO-5,PO-15']]),
        fields: '["po_no"]',
        order_by: 'creation asc',
      }),
    ).toEqual([{ po_no: 'PO-25' }, { po_no: 'PO-35' }]);
    expect(
      await list({
        filters: JSON.stringify({ grand_total: ['!=', 5] }),
        fields: '["po_no"]',
        order_by: 'creation asc',
        limit_start: 1,
        limit_page_length: 1,
      }),
    ).toEqual([{ po_no: 'PO-25' }]);
    expect(await list({ fields: '["po_no"]' })).toEqual([
      { po_no: 'PO-35' },
      { po_no: 'PO-25' },
      { po_no: 'PO-15' },
      { po_no: 'PO-5' },
    ]);

    const [everything] = await list({ fields: '["*"]', limit_page_length: 1 });
    expect(everything).toMatchObject({ doctype: 'Sales Order', customer, po_no: 'PO-35', grand_total: 35 });
    expect(everything.items).toBeUndefined();
  });

  it('pages 20 at a time by default and returns everything with limit_page_length 0', async () => {
    for (let i = 0; i < 25; i++) await erp.post('/api/resource/Customer', { customer_name: `Customer ${i}` });
    expect((await erp.get('/api/resource/Customer')).data.data).toHaveLength(20);
    expect((await erp.get('/api/resource/Customer', { params: { limit_page_length: 0 } })).data.data).toHaveLength(25);
  });

  it('refuses a document missing a mandatory field with 417 MandatoryError naming the field', async () => {
    const res = await erp.post('/api/resource/Sales Order', {
      delivery_date: '2099-01-31',
      items: [{ item_code: 'SKU-1', qty: 1, rate: 1 }],
    });
    expect(res.status).toBe(417);
    expect(res.data.exc_type).toBe('MandatoryError');
    expect(res.data.exception).toMatch(
      /^frappe\.exceptions\.MandatoryError: \[Sales Order, SAL-ORD-\d{4}-00001\]: customer$/,
    );
    const messages = JSON.parse(res.data._server_messages).map((m: string) => JSON.parse(m).message);
    expect(messages).toEqual(['Error: Value missing for Sales Order: Customer']);
    expect((await erp.get('/api/resource/Sales Order')).data.data).toEqual([]);
  });

  it('refuses a link to a customer that does not exist', async () => {
    const res = await erp.post('/api/resource/Sales Invoice', {
      customer: 'Nobody',
      items: [{ item_code: 'SKU-1', qty: 1, rate: 1 }],
    });
    expect(res.status).toBe(417);
    expect(res.data).toMatchObject({
      exc_type: 'LinkValidationError',
      exception: 'frappe.exceptions.LinkValidationError: Could not find Customer: Nobody',
    });
  });

  it('answers 404 DoesNotExistError for a missing document and an unknown DocType', async () => {
    const missing = await erp.get('/api/resource/Sales Invoice/ACC-SINV-2020-99999');
    expect(missing.status).toBe(404);
    expect(missing.data.exc_type).toBe('DoesNotExistError');
    const unknown = await erp.post('/api/resource/Purchase Order', { supplier: 'X' });
    expect(unknown.status).toBe(404);
    expect(unknown.data).toMatchObject({
      exc_type: 'DoesNotExistError',
      exception: 'frappe.exceptions.DoesNotExistError: DocType Purchase Order not found',
    });
  });

  it('submits a draft with PUT docstatus 1 and then refuses edits except allowed fields', async () => {
    const customer = await createCustomer();
    const draft = (
      await erp.post('/api/resource/Sales Invoice', { customer, items: [{ item_code: 'SKU-1', qty: 1, rate: 10 }] })
    ).data.data;
    expect(draft).toMatchObject({ docstatus: 0, status: 'Draft', outstanding_amount: 10 });

    const edited = await erp.put(`/api/resource/Sales Invoice/${draft.name}`, {
      items: [{ item_code: 'SKU-1', qty: 2, rate: 10 }],
    });
    expect(edited.data.data).toMatchObject({ docstatus: 0, grand_total: 20 });

    const submitted = await erp.put(`/api/resource/Sales Invoice/${draft.name}`, { docstatus: 1 });
    expect(submitted.data.data).toMatchObject({
      docstatus: 1,
      status: 'Unpaid',
      outstanding_amount: 20,
      items: [{ docstatus: 1 }],
    });

    const refused = await erp.put(`/api/resource/Sales Invoice/${draft.name}`, { customer: 'Someone Else' });
    expect(refused.status).toBe(417);
    expect(refused.data.exc_type).toBe('UpdateAfterSubmitError');

    const remark = await erp.put(`/api/resource/Sales Invoice/${draft.name}`, { remarks: 'paid by card' });
    expect(remark.data.data).toMatchObject({ remarks: 'paid by card', docstatus: 1 });
  });

  it('records a return invoice against the original, reducing what the customer owes', async () => {
    const customer = await createCustomer();
    const invoice = await submitInvoice(customer);
    expect(invoice).toMatchObject({
      grand_total: 25.12,
      outstanding_amount: 25.12,
      items: [{ rate: 10.01, amount: 20.02 }, { amount: 5.1 }],
    });

    const credit = await erp.post('/api/resource/Sales Invoice', {
      customer,
      is_return: 1,
      return_against: invoice.name,
      docstatus: 1,
      items: [{ item_code: 'SKU-2', qty: -1, rate: 5.1 }],
    });
    expect(credit.status).toBe(200);
    expect(credit.data.data).toMatchObject({
      is_return: 1,
      return_against: invoice.name,
      grand_total: -5.1,
      status: 'Return',
      docstatus: 1,
    });
    expect((await erp.get(`/api/resource/Sales Invoice/${invoice.name}`)).data.data).toMatchObject({
      outstanding_amount: 20.02,
      status: 'Partly Paid',
    });

    const returns = await erp.get('/api/resource/Sales Invoice', {
      params: {
        filters: JSON.stringify([
          ['is_return', '=', 1],
          ['return_against', '=', invoice.name],
        ]),
      },
    });
    expect(returns.data.data).toEqual([{ name: credit.data.data.name }]);

    const tooMuch = await erp.post('/api/resource/Sales Invoice', {
      customer,
      is_return: 1,
      return_against: invoice.name,
      items: [{ item_code: 'SKU-2', qty: -1, rate: 5.1 }],
    });
    expect(tooMuch.status).toBe(417);
    expect(tooMuch.data.exception).toContain('Cannot return more than 0 for Item SKU-2');

    const positive = await erp.post('/api/resource/Sales Invoice', {
      customer,
      is_return: 1,
      return_against: invoice.name,
      items: [{ item_code: 'SKU-1', qty: 1, rate: 1 }],
    });
    expect(positive.status).toBe(417);
  });

  it('reduces the invoice outstanding amount by a Payment Entry allocation and restores it on cancel', async () => {
    const customer = await createCustomer();
    const invoice = await submitInvoice(customer);
    const payment = await erp.post('/api/resource/Payment Entry', {
      payment_type: 'Receive',
      party_type: 'Customer',
      party: customer,
      paid_to: 'Bank - SC',
      paid_amount: 20,
      received_amount: 20,
      reference_no: 'ch_123',
      reference_date: '2026-01-02',
      docstatus: 1,
      references: [{ reference_doctype: 'Sales Invoice', reference_name: invoice.name, allocated_amount: 20 }],
    });
    expect(payment.status).toBe(200);
    expect(payment.data.data).toMatchObject({
      name: expect.stringMatching(/^ACC-PAY-\d{4}-00001$/),
      total_allocated_amount: 20,
      unallocated_amount: 0,
      reference_no: 'ch_123',
    });
    expect((await erp.get(`/api/resource/Sales Invoice/${invoice.name}`)).data.data).toMatchObject({
      outstanding_amount: 5.12,
      status: 'Partly Paid',
    });

    const overpay = await erp.post('/api/resource/Payment Entry', {
      payment_type: 'Receive',
      party_type: 'Customer',
      party: customer,
      paid_to: 'Cash - SC',
      paid_amount: 6,
      references: [{ reference_doctype: 'Sales Invoice', reference_name: invoice.name, allocated_amount: 6 }],
    });
    expect(overpay.status).toBe(417);
    expect(overpay.data.exception).toContain('Allocated Amount cannot be greater than outstanding amount');

    const byReference = await erp.get('/api/resource/Payment Entry', {
      params: { filters: JSON.stringify([['reference_no', '=', 'ch_123']]) },
    });
    expect(byReference.data.data).toEqual([{ name: payment.data.data.name }]);

    const cancelled = await erp.post('/api/method/frappe.client.cancel', {
      doctype: 'Payment Entry',
      name: payment.data.data.name,
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.data.message).toMatchObject({ docstatus: 2, status: 'Cancelled' });
    expect((await erp.get(`/api/resource/Sales Invoice/${invoice.name}`)).data.data).toMatchObject({
      outstanding_amount: 25.12,
      status: 'Unpaid',
    });
  });

  it('refuses an unbalanced Journal Entry with 417 ValidationError giving the difference', async () => {
    const res = await erp.post('/api/resource/Journal Entry', {
      cheque_no: 'po_123',
      user_remark: 'Stripe payout',
      docstatus: 1,
      accounts: [
        { account: 'Stripe Clearing - SC', credit_in_account_currency: 100.1 },
        { account: 'Bank - SC', debit_in_account_currency: 97.0 },
        { account: 'Stripe Fees - SC', debit_in_account_currency: 3.09 },
      ],
    });
    expect(res.status).toBe(417);
    expect(res.data.exc_type).toBe('ValidationError');
    expect(res.data.exception).toBe(
      'frappe.exceptions.ValidationError: Total Debit must be equal to Total Credit. The difference is -0.01',
    );
    expect(JSON.parse(JSON.parse(res.data._server_messages)[0]).message).toBe(
      'Total Debit must be equal to Total Credit. The difference is -0.01',
    );
  });

  it('accepts a balanced Journal Entry whose lines only balance to the cent', async () => {
    const res = await erp.post('/api/resource/Journal Entry', {
      cheque_no: 'po_456',
      user_remark: 'Stripe payout',
      docstatus: 1,
      accounts: [
        { account: 'Stripe Clearing - SC', credit_in_account_currency: 0.3 },
        { account: 'Bank - SC', debit_in_account_currency: 0.1 },
        { account: 'Stripe Fees - SC', debit_in_account_currency: 0.2 },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.data.data).toMatchObject({
      name: expect.stringMatching(/^ACC-JV-\d{4}-00001$/),
      docstatus: 1,
      total_debit: 0.3,
      total_credit: 0.3,
      cheque_no: 'po_456',
    });
  });

  it('cancels a submitted document, refuses to cancel a draft and refuses edits once cancelled', async () => {
    const customer = await createCustomer();
    const order = (
      await erp.post('/api/resource/Sales Order', {
        customer,
        delivery_date: '2099-01-31',
        items: [{ item_code: 'SKU-1', qty: 1, rate: 1 }],
      })
    ).data.data;
    const early = await erp.post('/api/method/frappe.client.cancel', { doctype: 'Sales Order', name: order.name });
    expect(early.status).toBe(417);
    expect(early.data.exc_type).toBe('DocstatusTransitionError');

    await erp.put(`/api/resource/Sales Order/${order.name}`, { docstatus: 1 });
    const cancelled = await erp.post('/api/method/frappe.client.cancel', { doctype: 'Sales Order', name: order.name });
    expect(cancelled.data.message).toMatchObject({ name: order.name, docstatus: 2, status: 'Cancelled' });

    const edit = await erp.put(`/api/resource/Sales Order/${order.name}`, { po_no: 'late' });
    expect(edit.status).toBe(417);
    expect(edit.data.exception).toContain('Cannot edit cancelled document');
  });

  it('answers 503 during an outage and 5xx when every request fails, and recovers after reset', async () => {
    await erp.put('/__sandbox/faults', { outage: true });
    const down = await erp.get('/api/resource/Customer');
    expect(down.status).toBe(503);
    expect(down.headers['content-type']).toContain('text/html');

    await erp.put('/__sandbox/faults', { rate5xx: 1 });
    expect((await erp.get('/api/resource/Customer')).status).toBeGreaterThanOrEqual(500);

    await erp.post('/__sandbox/reset');
    expect((await erp.get('/api/resource/Customer')).status).toBe(200);
    const log = (await erp.get('/__sandbox/requests')).data;
    expect(log).toEqual([expect.objectContaining({ method: 'GET', path: '/api/resource/Customer', status: 200 })]);
  });

  it('keeps documents and naming series across a restart when given a data file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'erp-sandbox-'));
    try {
      const dataFile = join(dir, 'erp.json');
      const first = createErpSandbox({ apiKey, apiSecret, dataFile });
      const running = await startPeer(first);
      const auth = { Authorization: `token ${apiKey}:${apiSecret}` };
      await axios.post(`${running.url}/api/resource/Customer`, { customer_name: 'Kept' }, { headers: auth });
      const firstEntry = await axios.post(
        `${running.url}/api/resource/Journal Entry`,
        {
          accounts: [
            { account: 'Bank - SC', debit_in_account_currency: 1 },
            { account: 'Cash - SC', credit_in_account_currency: 1 },
          ],
        },
        { headers: auth },
      );
      first.store.flush();
      await running.close();

      const again = await startPeer(createErpSandbox({ apiKey, apiSecret, dataFile }));
      try {
        expect(
          (await axios.get(`${again.url}/api/resource/Customer/Kept`, { headers: auth })).data.data.customer_name,
        ).toBe('Kept');
        const secondEntry = await axios.post(
          `${again.url}/api/resource/Journal Entry`,
          {
            accounts: [
              { account: 'Bank - SC', debit_in_account_currency: 2 },
              { account: 'Cash - SC', credit_in_account_currency: 2 },
            ],
          },
          { headers: auth },
        );
        expect(secondEntry.data.data.name).toBe(firstEntry.data.data.name.replace(/00001$/, '00002'));
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
