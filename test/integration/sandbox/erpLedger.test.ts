import axios, { type AxiosInstance } from 'axios';
import { createErpSandbox } from '../../../sandbox/erp';
import { startPeer, type RunningPeer } from '../../harness/peers';

const apiKey = 'erp-key';
const apiSecret = 'erp-secret';
const company = 'Sandbox Shop';

interface Gl {
  account: string;
  debit: number;
  credit: number;
  account_currency: string;
  debit_in_account_currency: number;
  credit_in_account_currency: number;
  voucher_type: string;
  voucher_no: string;
  party: string;
  against_voucher: string;
  is_cancelled: number;
}

/** The sandbox ERP keeps books as ERPNext does: GL Entry rows per submitted voucher, in the company's and each account's currency. */
describe('sandbox ERPNext general ledger', () => {
  let peer: RunningPeer;
  let erp: AxiosInstance;
  let customer: string;

  beforeAll(async () => {
    peer = await startPeer(createErpSandbox({ apiKey, apiSecret }));
    erp = axios.create({
      baseURL: peer.url,
      headers: { Authorization: `token ${apiKey}:${apiSecret}` },
      validateStatus: () => true,
    });
  });
  afterAll(() => peer.close());
  beforeEach(async () => {
    await erp.post('/__sandbox/reset');
    const made = await erp.post('/api/resource/Customer', { customer_name: 'Ada', customer_type: 'Individual' });
    customer = made.data.data.name;
  });

  async function create(doctype: string, body: Record<string, unknown>) {
    const res = await erp.post(`/api/resource/${doctype}`, { company, ...body });
    return res;
  }
  async function ok(doctype: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await create(doctype, body);
    if (res.status !== 200) throw new Error(`${doctype}: ${res.status} ${JSON.stringify(res.data)}`);
    return res.data.data;
  }
  async function gl(filters: unknown[] = []): Promise<Gl[]> {
    const res = await erp.get('/api/resource/GL Entry', {
      params: { fields: JSON.stringify(['*']), filters: JSON.stringify(filters), limit_page_length: 0 },
    });
    expect(res.status).toBe(200);
    return res.data.data;
  }
  /** Σ debit − Σ credit per account over entries not cancelled, in minor units of the given precision. */
  function balances(entries: Gl[], field: 'company' | 'account' = 'company', decimals = 2): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of entries.filter((x) => x.is_cancelled === 0)) {
      const [d, c] =
        field === 'company' ? [e.debit, e.credit] : [e.debit_in_account_currency, e.credit_in_account_currency];
      out[e.account] = (out[e.account] ?? 0) + Math.round((d - c) * 10 ** decimals);
    }
    return out;
  }
  const invoice = (currency: string, rate: number, conversion = 1, extra: Record<string, unknown> = {}) =>
    ok('Sales Invoice', {
      customer,
      currency,
      ...(conversion !== 1 ? { conversion_rate: conversion } : {}),
      items: [{ item_code: 'SKU-1', qty: 1, rate }],
      taxes: [],
      docstatus: 1,
      ...extra,
    });

  it('seeds the companies and their accounts, readable as ERPNext has them', async () => {
    const shop = await erp.get(`/api/resource/Company/${company}`);
    expect(shop.data.data).toMatchObject({
      default_currency: 'USD',
      abbr: 'SS',
      exchange_gain_loss_account: 'Exchange Gain/Loss - SS',
      default_receivable_account: 'Debtors - SS',
    });
    const clearing = await erp.get('/api/resource/Account/Stripe Clearing - SS');
    expect(clearing.data.data).toMatchObject({ account_currency: 'USD', account_type: 'Bank', root_type: 'Asset' });
  });

  it('posts an invoice and its payment to the GL, each balanced, and reverses a cancel with is_cancelled', async () => {
    const si = await invoice('USD', 100, 1, {
      taxes: [{ charge_type: 'Actual', account_head: 'VAT - SS', description: 'VAT', tax_amount: 20 }],
    });
    const pe = await ok('Payment Entry', {
      payment_type: 'Receive',
      party_type: 'Customer',
      party: customer,
      paid_to: 'Stripe Clearing - SS',
      paid_amount: 120,
      reference_no: 'ch_1',
      reference_date: '2026-12-01',
      references: [{ reference_doctype: 'Sales Invoice', reference_name: si.name, allocated_amount: 120 }],
      docstatus: 1,
    });
    expect(await gl([['voucher_no', '=', si.name]])).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          account: 'Debtors - SS',
          debit: 120,
          credit: 0,
          party: customer,
          against_voucher: si.name,
        }),
        expect.objectContaining({ account: 'Sales - SS', debit: 0, credit: 100 }),
        expect.objectContaining({ account: 'VAT - SS', debit: 0, credit: 20 }),
      ]),
    );
    expect(balances(await gl())).toEqual({
      'Debtors - SS': 0,
      'Sales - SS': -10000,
      'VAT - SS': -2000,
      'Stripe Clearing - SS': 12000,
    });

    const cancel = await erp.post('/api/method/frappe.client.cancel', { doctype: 'Payment Entry', name: pe.name });
    expect(cancel.status).toBe(200);
    const paymentRows = await gl([['voucher_no', '=', pe.name]]);
    expect(paymentRows).toHaveLength(4);
    expect(paymentRows.every((r) => r.is_cancelled === 1)).toBe(true);
    expect(balances(await gl())).toEqual({ 'Debtors - SS': 12000, 'Sales - SS': -10000, 'VAT - SS': -2000 });
  });

  it('keeps an invoice in another currency at its conversion rate, owed in the company currency', async () => {
    const si = await invoice('JPY', 10000, 0.0067);
    expect(si).toMatchObject({
      grand_total: 10000,
      base_grand_total: 67,
      party_account_currency: 'USD',
      outstanding_amount: 67,
    });
    const missingRate = await create('Sales Invoice', {
      customer,
      currency: 'EUR',
      items: [{ item_code: 'X', qty: 1, rate: 5 }],
    });
    expect(missingRate.status).toBe(417);
    expect(missingRate.data._server_messages).toContain('Exchange Rate is mandatory');
  });

  it('keeps KWD to three decimals and JPY to none', async () => {
    const kwd = await invoice('KWD', 6.133, 3.25);
    expect(kwd).toMatchObject({ grand_total: 6.133, base_grand_total: 19.93 });
    const jpy = await invoice('JPY', 1779.4, 0.0067);
    expect(jpy.grand_total).toBe(1779);
  });

  it("refuses a payment whose difference from the invoice's booked value is not booked, and books it to exchange gain/loss", async () => {
    const si = await invoice('JPY', 10000, 0.0067);
    const payment = {
      payment_type: 'Receive',
      party_type: 'Customer',
      party: customer,
      paid_to: 'Stripe Clearing - SS',
      paid_amount: 66.5,
      received_amount: 66.5,
      reference_no: 'ch_jpy',
      reference_date: '2026-12-01',
      references: [{ reference_doctype: 'Sales Invoice', reference_name: si.name, allocated_amount: 67 }],
      docstatus: 1,
    };
    const refused = await create('Payment Entry', payment);
    expect(refused.status).toBe(417);
    expect(refused.data._server_messages).toContain('Difference Amount must be zero');

    const pe = await ok('Payment Entry', {
      ...payment,
      deductions: [
        { account: 'Exchange Gain/Loss - SS', cost_center: 'Main - SS', amount: 0.5, is_exchange_gain_loss: 1 },
      ],
    });
    expect(pe.difference_amount).toBe(0);
    expect(balances(await gl())).toEqual({
      'Debtors - SS': 0,
      'Sales - SS': -6700,
      'Stripe Clearing - SS': 6650,
      'Exchange Gain/Loss - SS': 50,
    });
  });

  it('refuses a payment into an account of another currency stated in the wrong one or without its rate', async () => {
    const si = await invoice('USD', 50);
    const base = {
      payment_type: 'Receive',
      party_type: 'Customer',
      party: customer,
      paid_to: 'Stripe Clearing - SS',
      paid_amount: 50,
      received_amount: 50,
      reference_no: 'ch_x',
      reference_date: '2026-12-01',
      references: [{ reference_doctype: 'Sales Invoice', reference_name: si.name, allocated_amount: 50 }],
      docstatus: 1,
    };
    const wrongCurrency = await create('Payment Entry', { ...base, paid_to_account_currency: 'JPY' });
    expect(wrongCurrency.status).toBe(417);
    expect(wrongCurrency.data.exc_type).toBe('InvalidAccountCurrency');

    await ok('Account', {
      account_name: 'Stripe EUR',
      company,
      root_type: 'Asset',
      account_type: 'Bank',
      account_currency: 'EUR',
    });
    const eur = { ...base, paid_to: 'Stripe EUR - SS', received_amount: 46 };
    const noRate = await create('Payment Entry', eur);
    expect(noRate.status).toBe(417);
    expect(noRate.data._server_messages).toContain('Target Exchange Rate is mandatory');

    await ok('Payment Entry', { ...eur, target_exchange_rate: 1.087 });
    const clearing = (await gl([['account', '=', 'Stripe EUR - SS']]))[0]!;
    expect(clearing).toMatchObject({ account_currency: 'EUR', debit_in_account_currency: 46, debit: 50 });
  });

  it('books a multi-currency journal at its rows’ rates, only with Multi Currency checked', async () => {
    await ok('Account', {
      account_name: 'Bank EUR',
      company,
      root_type: 'Asset',
      account_type: 'Bank',
      account_currency: 'EUR',
    });
    const rows = [
      { account: 'Bank EUR - SS', debit_in_account_currency: 100, exchange_rate: 1.1 },
      { account: 'Bank - SS', credit_in_account_currency: 110 },
    ];
    const unflagged = await create('Journal Entry', { accounts: rows });
    expect(unflagged.status).toBe(417);
    expect(unflagged.data._server_messages).toContain('Multi Currency');
    const je = await ok('Journal Entry', { accounts: rows, multi_currency: 1, docstatus: 1 });
    expect(balances(await gl([['voucher_no', '=', je.name]]))).toEqual({ 'Bank EUR - SS': 11000, 'Bank - SS': -11000 });
    expect(balances(await gl([['voucher_no', '=', je.name]]), 'account')).toEqual({
      'Bank EUR - SS': 10000,
      'Bank - SS': -11000,
    });
  });

  it('refuses an account that does not exist, and any write to the GL through the API', async () => {
    const unknown = await create('Journal Entry', {
      accounts: [
        { account: 'Nowhere - SS', debit_in_account_currency: 1 },
        { account: 'Bank - SS', credit_in_account_currency: 1 },
      ],
    });
    expect(unknown.status).toBe(417);
    expect(unknown.data.exc_type).toBe('LinkValidationError');
    const write = await erp.post('/api/resource/GL Entry', { account: 'Bank - SS', debit: 1 });
    expect(write.status).toBe(403);
    expect(write.data.exc_type).toBe('PermissionError');
  });
});
