import axios, { type AxiosInstance } from 'axios';
import { createErpActivities, type ErpActivities } from '../../../activities/erp/activities';
import { ErpClient } from '../../../integrations/erp/client';
import { ExternalSystemError } from '../../../integrations/http/errors';
import { MappingError, type ErpCustomerInput, type ErpSalesOrderInput } from '../../../domain/fulfilment';
import { createErpSandbox } from '../../../sandbox/erp';
import { startPeer, type RunningPeer } from '../../harness/peers';
import { thrown } from '../../harness/thrown';

const apiKey = 'erp-key';
const apiSecret = 'erp-secret';
const company = 'Sandbox Shop';
const date = '2026-03-02';

const customerInput = (email = 'ada@example.com', name = 'Ada Lovelace'): ErpCustomerInput => ({
  customer_name: name,
  customer_type: 'Individual',
  customer_group: 'Individual',
  territory: 'All Territories',
  email_id: email,
});

function salesOrderInput(customer: string, poNo = '000000101'): ErpSalesOrderInput {
  return {
    customer,
    company,
    po_no: poNo,
    transaction_date: date,
    delivery_date: date,
    currency: 'USD',
    items: [
      { item_code: 'SKU-1', item_name: 'Widget', qty: 2, rateMinor: 1000 },
      { item_code: 'SHIPPING', item_name: 'Shipping', qty: 1, rateMinor: 500 },
    ],
    taxes: [{ charge_type: 'Actual', account_head: 'VAT - SS', taxMinor: 250, description: 'Tax' }],
    docstatus: 1,
  };
}

describe('ERPNext activities', () => {
  let peer: RunningPeer;
  let sandbox: AxiosInstance;
  let client: ErpClient;
  let erp: ErpActivities;

  beforeAll(async () => {
    peer = await startPeer(createErpSandbox({ apiKey, apiSecret }));
    sandbox = axios.create({ baseURL: peer.url, headers: { Authorization: `token ${apiKey}:${apiSecret}` } });
  });

  afterAll(async () => {
    await peer.close();
  });

  beforeEach(async () => {
    await sandbox.post('/__sandbox/reset');
    client = new ErpClient({ baseUrl: peer.url, apiKey, apiSecret });
    erp = createErpActivities(client);
  });

  /** What the sandbox holds, read through its own API rather than the client under test. */
  async function listed(
    doctype: string,
    filters: unknown[],
    fields = ['name', 'docstatus'],
  ): Promise<Array<Record<string, unknown>>> {
    const res = await sandbox.get(`/api/resource/${encodeURIComponent(doctype)}`, {
      params: { filters: JSON.stringify(filters), fields: JSON.stringify(fields), limit_page_length: 0 },
    });
    return res.data.data;
  }

  async function doc(doctype: string, name: string): Promise<Record<string, unknown>> {
    return (await sandbox.get(`/api/resource/${encodeURIComponent(doctype)}/${encodeURIComponent(name)}`)).data.data;
  }

  async function invoicedOrder(poNo = '000000101') {
    const customer = await erp.upsertErpCustomer(customerInput());
    const order = salesOrderInput(customer, poNo);
    const salesOrder = await erp.createErpSalesOrder(order);
    const invoice = await erp.invoiceErpSalesOrder({ poNo, date });
    return { customer, salesOrder: salesOrder.name, invoice: invoice.name };
  }

  it('creates the customer once when the activity runs twice', async () => {
    const first = await erp.upsertErpCustomer(customerInput());
    const second = await erp.upsertErpCustomer(customerInput());
    expect(second).toBe(first);
    expect(await listed('Customer', [['email_id', '=', 'ada@example.com']])).toHaveLength(1);
  });

  it('finds an existing customer by e-mail even when it is named differently', async () => {
    const created = await sandbox.post('/api/resource/Customer', {
      customer_name: 'A. Lovelace (wholesale)',
      customer_type: 'Company',
      email_id: 'ada@example.com',
    });
    expect(await erp.upsertErpCustomer(customerInput())).toBe(created.data.data.name);
    expect(await listed('Customer', [])).toHaveLength(1);
  });

  it('makes one customer when two orders for the same e-mail create it at the same moment', async () => {
    for (let round = 0; round < 10; round++) {
      const email = `race${round}@example.com`;
      const names = await Promise.all([
        erp.upsertErpCustomer(customerInput(email)),
        erp.upsertErpCustomer(customerInput(email)),
      ]);
      const customers = await listed('Customer', [['email_id', '=', email]]);
      expect(customers).toHaveLength(1);
      expect(names).toEqual([customers[0]!.name, customers[0]!.name]);
    }
    expect(await listed('Customer', [])).toHaveLength(10);
  });

  it('matches the e-mail case-insensitively and trimmed, and stores it normalised', async () => {
    const names = await Promise.all([
      erp.upsertErpCustomer(customerInput(' Ada@Example.COM ')),
      erp.upsertErpCustomer(customerInput('ada@example.com')),
    ]);
    expect(names[1]).toBe(names[0]);
    expect(await erp.upsertErpCustomer(customerInput('ADA@example.com\t'))).toBe(names[0]);
    expect(await listed('Customer', [], ['name', 'email_id'])).toEqual([
      { name: names[0], email_id: 'ada@example.com' },
    ]);
  });

  it('finds a customer an operator entered with a capitalised e-mail', async () => {
    const created = await sandbox.post('/api/resource/Customer', {
      customer_name: 'Grace Hopper',
      customer_type: 'Individual',
      email_id: 'Grace.Hopper@Navy.mil',
    });
    expect(await erp.upsertErpCustomer(customerInput('grace.hopper@navy.mil', 'Grace Hopper'))).toBe(
      created.data.data.name,
    );
    expect(await listed('Customer', [])).toHaveLength(1);
  });

  it('creates a separate customer for another e-mail with the same name', async () => {
    const ada = await erp.upsertErpCustomer(customerInput('ada@example.com'));
    const namesake = await erp.upsertErpCustomer(customerInput('ada.l@example.org'));
    expect(namesake).not.toBe(ada);
    expect(await listed('Customer', [])).toHaveLength(2);
  });

  it('creates the sales order once when the activity runs twice', async () => {
    const customer = await erp.upsertErpCustomer(customerInput());
    const first = await erp.createErpSalesOrder(salesOrderInput(customer));
    const second = await erp.createErpSalesOrder(salesOrderInput(customer));
    expect(first.created).toBe(true);
    expect(second).toEqual({ name: first.name, created: false });
    const orders = await listed('Sales Order', [['po_no', '=', '000000101']], ['name', 'docstatus', 'grand_total']);
    expect(orders).toEqual([{ name: first.name, docstatus: 1, grand_total: 27.5 }]);
  });

  it('cancels the submitted sales order once, and cancelling again changes nothing', async () => {
    const customer = await erp.upsertErpCustomer(customerInput());
    const { name } = await erp.createErpSalesOrder(salesOrderInput(customer));
    expect(await erp.cancelErpSalesOrder('000000101')).toEqual([name]);
    expect(await erp.cancelErpSalesOrder('000000101')).toEqual([]);
    expect(await listed('Sales Order', [['po_no', '=', '000000101']])).toEqual([{ name, docstatus: 2 }]);
  });

  it('treats cancelling an order ERPNext never had as done', async () => {
    expect(await erp.cancelErpSalesOrder('000000999')).toEqual([]);
  });

  it('creates a new sales order when the only one with that po_no was cancelled', async () => {
    const customer = await erp.upsertErpCustomer(customerInput());
    const cancelled = await erp.createErpSalesOrder(salesOrderInput(customer));
    await erp.cancelErpSalesOrder('000000101');
    const again = await erp.createErpSalesOrder(salesOrderInput(customer));
    expect(again.created).toBe(true);
    expect(again.name).not.toBe(cancelled.name);
  });

  it('creates the sales invoice once, carrying the po_no and linked to the sales order', async () => {
    const { salesOrder, invoice } = await invoicedOrder();
    const again = await erp.invoiceErpSalesOrder({ poNo: '000000101', date });
    expect(again).toMatchObject({ name: invoice, created: false, salesOrder });
    expect(
      await listed(
        'Sales Invoice',
        [['po_no', '=', '000000101']],
        ['name', 'docstatus', 'is_return', 'grand_total', 'outstanding_amount'],
      ),
    ).toEqual([{ name: invoice, docstatus: 1, is_return: 0, grand_total: 27.5, outstanding_amount: 27.5 }]);
    const items = (await doc('Sales Invoice', invoice)).items as Array<Record<string, unknown>>;
    expect(items.map((row) => row.sales_order)).toEqual([salesOrder, salesOrder]);
  });

  it('records the payment once and it clears the invoice outstanding', async () => {
    const { customer, invoice } = await invoicedOrder();
    const input = {
      salesInvoice: invoice,
      customer,
      company,
      amountMinor: 2750,
      currency: 'USD',
      referenceNo: 'ch_3PaidOnce',
      date,
      paidTo: 'Stripe Clearing - SS',
    };
    const first = await erp.createErpPaymentEntry(input);
    const second = await erp.createErpPaymentEntry(input);
    expect(first.created).toBe(true);
    expect(second).toEqual({ name: first.name, created: false });
    expect(
      await listed(
        'Payment Entry',
        [['reference_no', '=', 'ch_3PaidOnce']],
        ['name', 'docstatus', 'paid_amount', 'paid_to'],
      ),
    ).toEqual([{ name: first.name, docstatus: 1, paid_amount: 27.5, paid_to: 'Stripe Clearing - SS' }]);
    expect(await doc('Sales Invoice', invoice)).toMatchObject({ outstanding_amount: 0, status: 'Paid' });
  });

  describe('Stripe settling in another currency than the company keeps its books in (EUR into a USD company)', () => {
    const gl = async () =>
      (await listed(
        'GL Entry',
        [['is_cancelled', '=', 0]],
        ['account', 'debit', 'credit', 'debit_in_account_currency', 'credit_in_account_currency'],
      )) as Array<{
        account: string;
        debit: number;
        credit: number;
        debit_in_account_currency: number;
        credit_in_account_currency: number;
      }>;
    const balance = (rows: Awaited<ReturnType<typeof gl>>, account: string, inAccount = false) =>
      rows
        .filter((r) => r.account === account)
        .reduce(
          (sum, r) =>
            sum +
            Math.round(
              ((inAccount ? r.debit_in_account_currency : r.debit) -
                (inAccount ? r.credit_in_account_currency : r.credit)) *
                100,
            ),
          0,
        );

    beforeEach(async () => {
      await sandbox.post('/api/resource/Account', {
        account_name: 'Stripe Clearing EUR',
        company,
        root_type: 'Asset',
        account_type: 'Bank',
        account_currency: 'EUR',
      });
      await sandbox.post('/api/resource/Currency Exchange', {
        date: '2026-01-01',
        from_currency: 'EUR',
        to_currency: 'USD',
        exchange_rate: 1.1,
      });
    });

    it('receives and pays back in EUR at the ERP’s own rate; the customer nets to zero, the rate’s move is an exchange difference', async () => {
      const customer = await erp.upsertErpCustomer(customerInput());
      await erp.createErpSalesOrder({ ...salesOrderInput(customer), currency: 'EUR' });
      const invoice = await erp.invoiceErpSalesOrder({ poNo: '000000101', date });
      // The invoice took the ERP's rate: 27.50 EUR at 1.10 is 30.25 USD.
      expect(await doc('Sales Invoice', invoice.name)).toMatchObject({ conversion_rate: 1.1, base_grand_total: 30.25 });
      await sandbox.post('/api/resource/Currency Exchange', {
        date,
        from_currency: 'EUR',
        to_currency: 'USD',
        exchange_rate: 1.12,
      });
      const settlement = (amountMinor: number) => ({
        balanceTransactionId: 'txn_x',
        amountMinor,
        feeMinor: 0,
        currency: 'EUR',
      });
      const receipt = await erp.createErpPaymentEntry({
        salesInvoice: invoice.name,
        customer,
        company,
        amountMinor: 2750,
        currency: 'EUR',
        settlement: settlement(2750),
        referenceNo: 'ch_eur',
        date,
        paidTo: 'Stripe Clearing EUR - SS',
      });
      expect(await doc('Payment Entry', receipt.name)).toMatchObject({
        received_amount: 27.5,
        paid_amount: 30.8,
        target_exchange_rate: 1.12,
      });
      expect(await doc('Sales Invoice', invoice.name)).toMatchObject({ outstanding_amount: 0 });

      const note = await erp.createErpCreditNote({
        salesInvoice: invoice.name,
        referenceNo: 're_eur',
        amountMinor: 1000,
        date,
        reason: 'refunded in Stripe',
      });
      await erp.createErpRefundPayment({
        creditNote: note.name,
        customer,
        company,
        amountMinor: 1000,
        currency: 'EUR',
        settlement: settlement(-1000),
        referenceNo: 're_eur',
        date,
        paidFrom: 'Stripe Clearing EUR - SS',
      });

      const rows = await gl();
      const debits = rows.reduce((sum, r) => sum + Math.round(r.debit * 100), 0);
      expect(debits).toBe(rows.reduce((sum, r) => sum + Math.round(r.credit * 100), 0));
      // Clearing holds the 17.50 EUR Stripe kept, at 1.12; the customer owes nothing.
      expect(balance(rows, 'Stripe Clearing EUR - SS', true)).toBe(1750);
      expect(balance(rows, 'Stripe Clearing EUR - SS')).toBe(1960);
      expect(balance(rows, 'Debtors - SS')).toBe(0);
      // Sold at 1.10, received at 1.12: 0.55 USD gained on the 27.50, 0.20 given back on the refund's 10.00.
      expect(balance(rows, 'Exchange Gain/Loss - SS')).toBe(-35);
    });

    it('journals a EUR payout in the USD company: EUR accounts at the ERP’s rate, USD accounts converted, the rounding to exchange gain/loss', async () => {
      await sandbox.post('/api/resource/Account', {
        account_name: 'Bank EUR',
        company,
        root_type: 'Asset',
        account_type: 'Bank',
        account_currency: 'EUR',
      });
      await sandbox.post('/api/resource/Currency Exchange', {
        date,
        from_currency: 'EUR',
        to_currency: 'USD',
        exchange_rate: 1.005,
      });
      const input = {
        reference: 'po_eur',
        date,
        company,
        currency: 'EUR',
        remark: 'Stripe payout po_eur',
        accounts: [
          { account: 'Bank EUR - SS', debitMinor: 3333, creditMinor: 0 },
          { account: 'Bank EUR - SS', debitMinor: 3333, creditMinor: 0 },
          { account: 'Stripe Fees - SS', debitMinor: 3334, creditMinor: 0 },
          { account: 'Stripe Clearing EUR - SS', debitMinor: 0, creditMinor: 10000 },
        ],
      };
      const entry = await erp.postErpJournalEntry(input);
      expect(await erp.postErpJournalEntry(input)).toEqual({ name: entry.name, created: false });
      expect(await doc('Journal Entry', entry.name)).toMatchObject({ multi_currency: 1, docstatus: 1 });
      const rows = await gl();
      expect(balance(rows, 'Bank EUR - SS', true)).toBe(6666);
      expect(balance(rows, 'Stripe Clearing EUR - SS', true)).toBe(-10000);
      // At 1.005: 33.33 EUR is 33.50 USD (twice), 33.34 EUR of fees 33.51 USD, 100.00 EUR 100.50 USD. The debits come
      // to 100.51 USD: the cent the conversions made is credited to exchange gain/loss, so the entry balances.
      expect(balance(rows, 'Bank EUR - SS')).toBe(6700);
      expect(balance(rows, 'Stripe Fees - SS')).toBe(3351);
      expect(balance(rows, 'Stripe Clearing EUR - SS')).toBe(-10050);
      expect(balance(rows, 'Exchange Gain/Loss - SS')).toBe(-1);
      // Read back (a returned payout reverses it) in the entry's currency, without the rounding row.
      expect((await erp.findErpJournalEntry({ reference: 'po_eur', currency: 'EUR' }))?.accounts).toEqual(
        input.accounts,
      );
    });

    it('parks a receipt when the ERP has no rate for the settlement currency', async () => {
      const customer = await erp.upsertErpCustomer(customerInput());
      await erp.createErpSalesOrder(salesOrderInput(customer));
      const invoice = await erp.invoiceErpSalesOrder({ poNo: '000000101', date });
      const failure = await thrown(
        erp.createErpPaymentEntry({
          salesInvoice: invoice.name,
          customer,
          company,
          amountMinor: 2750,
          currency: 'USD',
          settlement: { balanceTransactionId: 'txn_g', amountMinor: 2200, feeMinor: 0, currency: 'GBP' },
          referenceNo: 'ch_gbp',
          date,
          paidTo: 'Stripe Clearing EUR - SS',
        }),
      );
      expect(failure).toBeInstanceOf(MappingError);
      expect((failure as Error).message).toMatch(/no Currency Exchange rate from GBP to USD/);
    });
  });

  it('allocates no more than is outstanding when a payment exceeds it', async () => {
    const { customer, invoice } = await invoicedOrder();
    await erp.createErpPaymentEntry({
      salesInvoice: invoice,
      customer,
      company,
      amountMinor: 2000,
      currency: 'USD',
      referenceNo: 'ch_first',
      date,
      paidTo: 'Stripe Clearing - SS',
    });
    expect(await doc('Sales Invoice', invoice)).toMatchObject({ outstanding_amount: 7.5, status: 'Partly Paid' });
    const over = await erp.createErpPaymentEntry({
      salesInvoice: invoice,
      customer,
      company,
      amountMinor: 1000,
      currency: 'USD',
      referenceNo: 'ch_second',
      date,
      paidTo: 'Stripe Clearing - SS',
    });
    expect(await doc('Payment Entry', over.name)).toMatchObject({
      total_allocated_amount: 7.5,
      unallocated_amount: 2.5,
    });
    expect(await doc('Sales Invoice', invoice)).toMatchObject({ outstanding_amount: 0 });
  });

  it('issues the credit note once per refund, for exactly the refunded amount', async () => {
    const { invoice } = await invoicedOrder();
    const input = {
      salesInvoice: invoice,
      referenceNo: 're_partial1',
      amountMinor: 1234,
      date,
      reason: 'requested_by_customer',
    };
    const first = await erp.createErpCreditNote(input);
    const second = await erp.createErpCreditNote(input);
    expect(first.created).toBe(true);
    expect(second).toEqual({ name: first.name, created: false });
    const returns = await listed(
      'Sales Invoice',
      [['return_against', '=', invoice]],
      ['name', 'is_return', 'docstatus', 'grand_total', 'remarks'],
    );
    expect(returns).toEqual([
      {
        name: first.name,
        is_return: 1,
        docstatus: 1,
        grand_total: -12.34,
        remarks: 'Stripe refund re_partial1. requested_by_customer',
      },
    ]);
    expect(await doc('Sales Invoice', invoice)).toMatchObject({ outstanding_amount: 15.16 });
  });

  it('credits a second refund separately and a full remaining refund returns everything left', async () => {
    const { invoice } = await invoicedOrder();
    await erp.createErpCreditNote({ salesInvoice: invoice, referenceNo: 're_1', amountMinor: 1000, date });
    const rest = await erp.createErpCreditNote({
      salesInvoice: invoice,
      referenceNo: 're_12',
      amountMinor: 1750,
      date,
    });
    expect(rest.created).toBe(true);
    const returns = await listed(
      'Sales Invoice',
      [
        ['return_against', '=', invoice],
        ['docstatus', '=', 1],
      ],
      ['name', 'grand_total'],
    );
    expect(returns.map((r) => Number(r.grand_total)).sort((a, b) => a - b)).toEqual([-17.5, -10]);
    expect(await doc('Sales Invoice', invoice)).toMatchObject({ outstanding_amount: 0 });
    const refused = await thrown(
      erp.createErpCreditNote({ salesInvoice: invoice, referenceNo: 're_123', amountMinor: 1, date }),
    );
    expect(refused).toBeInstanceOf(MappingError);
  });

  it('lets part refunds of split-price lines add up to the whole invoice', async () => {
    const customer = await erp.upsertErpCustomer(customerInput());
    await erp.createErpSalesOrder({
      ...salesOrderInput(customer, '000000103'),
      items: [
        { item_code: 'SKU-1', item_name: 'Widget', qty: 2, rateMinor: 333 },
        { item_code: 'SKU-1', item_name: 'Widget', qty: 1, rateMinor: 334 },
        { item_code: 'SHIPPING', item_name: 'Shipping', qty: 1, rateMinor: 500 },
      ],
      taxes: [{ charge_type: 'Actual', account_head: 'VAT - SS', taxMinor: 150, description: 'Tax' }],
    });
    const { name: invoice } = await erp.invoiceErpSalesOrder({ poNo: '000000103', date });
    for (const [i, amountMinor] of [334, 1, 777, 538].entries()) {
      expect(
        await erp.createErpCreditNote({ salesInvoice: invoice, referenceNo: `re_split${i}`, amountMinor, date }),
      ).toMatchObject({ created: true });
    }
    expect(await doc('Sales Invoice', invoice)).toMatchObject({ grand_total: 16.5, outstanding_amount: 0 });
  });

  it('refuses a refund larger than the invoice without creating anything', async () => {
    const { invoice } = await invoicedOrder();
    const err = await thrown(
      erp.createErpCreditNote({ salesInvoice: invoice, referenceNo: 're_toomuch', amountMinor: 3000, date }),
    );
    expect(err).toBeInstanceOf(MappingError);
    expect((err as Error).message).toContain('30.00 USD');
    expect(await listed('Sales Invoice', [['is_return', '=', 1]])).toEqual([]);
  });

  describe('a refund before the order is invoiced', () => {
    const pay = (customer: string, referenceNo: string, amountMinor: number) =>
      erp.createErpRefundPayment({
        poNo: '000000101',
        customer,
        company,
        amountMinor,
        currency: 'USD',
        referenceNo,
        date,
        paidFrom: 'Stripe Clearing - SS',
      });

    it('amends the Sales Order once per refund, and the invoice is made from the amendment', async () => {
      const customer = await erp.upsertErpCustomer(customerInput());
      const { name: original } = await erp.createErpSalesOrder(salesOrderInput(customer));
      const first = await erp.amendErpSalesOrderForRefund({
        poNo: '000000101',
        refundId: 're_before1',
        amountMinor: 1100,
      });
      expect(first).toEqual({ outcome: 'amended', salesOrder: `${original}-1`, customer, amended: true });
      expect(
        await erp.amendErpSalesOrderForRefund({ poNo: '000000101', refundId: 're_before1', amountMinor: 1100 }),
      ).toEqual({ outcome: 'amended', salesOrder: `${original}-1`, customer, amended: false });
      const second = await erp.amendErpSalesOrderForRefund({
        poNo: '000000101',
        refundId: 're_before2',
        amountMinor: 550,
      });
      expect(second).toMatchObject({ outcome: 'amended', salesOrder: `${original}-2`, amended: true });
      const chain = await listed(
        'Sales Order',
        [['po_no', '=', '000000101']],
        ['name', 'docstatus', 'grand_total', 'amended_from'],
      );
      expect(chain.map((o) => [o.name, o.docstatus, o.grand_total, o.amended_from ?? null]).sort()).toEqual([
        [original, 2, 27.5, null],
        [`${original}-1`, 2, 16.5, original],
        [`${original}-2`, 1, 11, `${original}-1`],
      ]);

      const invoice = await erp.invoiceErpSalesOrder({ poNo: '000000101', date });
      expect(invoice).toMatchObject({ created: true, salesOrder: `${original}-2`, grandTotalMinor: 1100 });
      expect(await erp.invoiceErpSalesOrder({ poNo: '000000101', date })).toMatchObject({
        name: invoice.name,
        created: false,
      });
      // Once invoiced, a refund is a credit note instead.
      expect(
        await erp.amendErpSalesOrderForRefund({ poNo: '000000101', refundId: 're_after', amountMinor: 100 }),
      ).toEqual({ outcome: 'invoiced', salesInvoice: invoice.name, customer });
    });

    it('finishes an amendment interrupted between the cancel and the new order, and invoicing waits for it', async () => {
      const customer = await erp.upsertErpCustomer(customerInput());
      const { name: original } = await erp.createErpSalesOrder(salesOrderInput(customer));
      // What an attempt that died after the cancel leaves behind: the marked, cancelled order and no amendment.
      await sandbox.put(`/api/resource/Sales Order/${original}`, { terms: '[o2c:amending:re_cut]' });
      await sandbox.put(`/api/resource/Sales Order/${original}`, { docstatus: 2 });
      const waiting = await thrown(erp.invoiceErpSalesOrder({ poNo: '000000101', date }));
      expect(waiting).toBeInstanceOf(ExternalSystemError);
      expect((waiting as ExternalSystemError).retryable).toBe(true);
      expect(
        await erp.amendErpSalesOrderForRefund({ poNo: '000000101', refundId: 're_cut', amountMinor: 2000 }),
      ).toMatchObject({ outcome: 'amended', salesOrder: `${original}-1`, amended: true });
      expect(await doc('Sales Order', `${original}-1`)).toMatchObject({
        docstatus: 1,
        grand_total: 7.5,
        terms: '[o2c:refund:re_cut]',
      });
      expect(await erp.invoiceErpSalesOrder({ poNo: '000000101', date })).toMatchObject({
        created: true,
        grandTotalMinor: 750,
      });
    });

    it('says nothing is left to amend for an order reversed in the ERP, and refuses a refund the order cannot carry without changing it', async () => {
      const customer = await erp.upsertErpCustomer(customerInput());
      const { name } = await erp.createErpSalesOrder(salesOrderInput(customer));
      const err = await thrown(
        erp.amendErpSalesOrderForRefund({ poNo: '000000101', refundId: 're_big', amountMinor: 2750 }),
      );
      expect(err).toBeInstanceOf(MappingError);
      expect(await doc('Sales Order', name)).toMatchObject({ docstatus: 1 });
      await erp.cancelErpSalesOrder('000000101');
      expect(
        await erp.amendErpSalesOrderForRefund({ poNo: '000000101', refundId: 're_late', amountMinor: 100 }),
      ).toEqual({ outcome: 'nothing_to_amend', reason: `Sales Order ${name} is cancelled` });
    });

    it('pays the refund back unallocated, once, and a reversal of the order cancels that payment with the order', async () => {
      const customer = await erp.upsertErpCustomer(customerInput());
      await erp.createErpSalesOrder(salesOrderInput(customer));
      await erp.amendErpSalesOrderForRefund({ poNo: '000000101', refundId: 're_paid', amountMinor: 500 });
      const payment = await pay(customer, 're_paid', 500);
      expect(await pay(customer, 're_paid', 500)).toEqual({ name: payment.name, created: false });
      expect(await doc('Payment Entry', payment.name)).toMatchObject({
        payment_type: 'Pay',
        paid_amount: 5,
        unallocated_amount: 5,
        docstatus: 1,
      });
      const cancelled = await erp.cancelErpSalesOrder('000000101');
      expect(cancelled).toContain(payment.name);
      expect(await doc('Payment Entry', payment.name)).toMatchObject({ docstatus: 2 });
    });
  });

  describe('an order number with LIKE wildcards in it', () => {
    // `100%_x` read as a LIKE pattern also matches `1000Zx`: `%` any run, `_` any one character.
    const [wild, other] = ['100%_x', '1000Zx'];

    it('reverses only its own payments, not those of an order its number would match as a pattern', async () => {
      const customer = await erp.upsertErpCustomer(customerInput());
      for (const poNo of [wild, other]) {
        await erp.createErpSalesOrder(salesOrderInput(customer, poNo));
        await erp.amendErpSalesOrderForRefund({ poNo, refundId: `re_${poNo}`, amountMinor: 500 });
      }
      const paid = await Promise.all(
        [wild, other].map((poNo) =>
          erp.createErpRefundPayment({
            poNo,
            customer,
            company,
            amountMinor: 500,
            currency: 'USD',
            referenceNo: `re_${poNo}`,
            date,
            paidFrom: 'Stripe Clearing - SS',
          }),
        ),
      );
      const cancelled = await erp.cancelErpSalesOrder(wild);
      expect(cancelled).toContain(paid[0]!.name);
      expect(cancelled).not.toContain(paid[1]!.name);
      expect(await doc('Payment Entry', paid[1]!.name)).toMatchObject({ docstatus: 1 });
    });

    it('the sandbox ERP reads a LIKE value as MariaDB does: wildcards unless escaped with a backslash', async () => {
      const customer = await erp.upsertErpCustomer(customerInput());
      await erp.createErpSalesOrder(salesOrderInput(customer, wild));
      await erp.createErpSalesOrder(salesOrderInput(customer, other));
      const poNos = async (value: string) =>
        (await listed('Sales Order', [['po_no', 'like', value]], ['po_no'])).map((o) => o.po_no).sort();
      expect(await poNos(wild)).toEqual([wild, other]);
      expect(await poNos('100\\%\\_x')).toEqual([wild]);
      expect(await poNos('1000\\Zx')).toEqual([other]);
    });
  });

  it('refuses an unbalanced journal entry locally, without calling ERPNext', async () => {
    const err = await thrown(
      erp.postErpJournalEntry({
        reference: 'po_unbalanced',
        date,
        company,
        currency: 'USD',
        accounts: [
          { account: 'Bank - SS', debitMinor: 10010, creditMinor: 0 },
          { account: 'Stripe Clearing - SS', debitMinor: 0, creditMinor: 10009 },
        ],
      }),
    );
    expect(err).toBeInstanceOf(MappingError);
    expect((err as Error).message).toMatch(/po_unbalanced.*100\.10 USD.*100\.09 USD/);
    const requests: Array<{ path: string }> = (await sandbox.get('/__sandbox/requests')).data;
    expect(requests.filter((r) => r.path.includes('Journal'))).toEqual([]);
  });

  it('posts a balanced journal entry once when the activity runs twice', async () => {
    // 0.1 + 0.2 ≠ 0.3 in floating point; in cents it balances, and ERPNext receives 0.3 = 0.1 + 0.2.
    const input = {
      reference: 'po_1Payout',
      date,
      company,
      currency: 'USD',
      accounts: [
        { account: 'Bank - SS', debitMinor: 30, creditMinor: 0 },
        { account: 'Stripe Clearing - SS', debitMinor: 0, creditMinor: 10 },
        { account: 'Stripe Clearing - SS', debitMinor: 0, creditMinor: 20 },
      ],
    };
    const first = await erp.postErpJournalEntry(input);
    const second = await erp.postErpJournalEntry(input);
    expect(first.created).toBe(true);
    expect(second).toEqual({ name: first.name, created: false });
    expect(
      await listed(
        'Journal Entry',
        [['cheque_no', '=', 'po_1Payout']],
        ['name', 'docstatus', 'total_debit', 'total_credit'],
      ),
    ).toEqual([{ name: first.name, docstatus: 1, total_debit: 0.3, total_credit: 0.3 }]);
  });

  it('reports a sandbox server fault as a retryable error', async () => {
    await sandbox.put('/__sandbox/faults', { rate5xx: 1 });
    const err = await thrown(erp.upsertErpCustomer(customerInput()));
    await sandbox.put('/__sandbox/faults', {});
    expect(err).toBeInstanceOf(ExternalSystemError);
    expect(err).toMatchObject({ system: 'Erp', retryable: true, failureType: 'ErpUnavailable' });
    expect([500, 502, 503]).toContain((err as ExternalSystemError).status);
  });

  it('reports a wrong API secret as a non-retryable authentication error', async () => {
    const wrong = createErpActivities(new ErpClient({ baseUrl: peer.url, apiKey, apiSecret: 'not-the-secret' }));
    const err = await thrown(wrong.upsertErpCustomer(customerInput()));
    expect(err).toBeInstanceOf(ExternalSystemError);
    expect(err).toMatchObject({ status: 401, retryable: false });
    expect((err as Error).message).toContain('AuthenticationError: Invalid API key or secret');
  });

  it('reports ERPNext validation (417) and a missing document (404) as bad data that parks the run, with ERPNext’s message', async () => {
    const invalid = await thrown(erp.createErpSalesOrder(salesOrderInput('Nobody')));
    expect(invalid).toMatchObject({ status: 417, kind: 'bad_data', retryable: false, failureType: 'BadData' });
    expect((invalid as Error).message).toContain('LinkValidationError: Could not find Customer: Nobody');

    const missing = await thrown(client.getDoc('Sales Invoice', 'ACC-SINV-2026-99999'));
    expect(missing).toMatchObject({ status: 404, kind: 'bad_data', retryable: false, failureType: 'BadData' });
    expect((missing as Error).message).toContain('DoesNotExistError');
  });
});
