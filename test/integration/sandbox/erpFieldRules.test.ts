import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import { createErpSandbox } from '../../../sandbox/erp';
import { docTypes } from '../../../sandbox/erp/doctypes';
import { startPeer, type RunningPeer } from '../../harness/peers';

const apiKey = 'erp-key';
const apiSecret = 'erp-secret';
const repoRoot = path.resolve(__dirname, '../../..');
const doctypesPath = path.resolve(repoRoot, process.env.ERPNEXT_DOCTYPES_PATH ?? '../shared/contracts/erpnext-v15');
const hasDoctypes = existsSync(doctypesPath);
if (!hasDoctypes)
  console.warn(
    `Sandbox ERP field lists not compared: no doctype definitions at ${doctypesPath} (set ERPNEXT_DOCTYPES_PATH).`,
  );

interface DocField {
  fieldname: string;
  fieldtype: string;
  options?: string;
}
const doctypeFile = (doctype: string) => path.join(doctypesPath, `${doctype.toLowerCase().replace(/ /g, '_')}.json`);
const fieldsOf = (doctype: string): Map<string, DocField> => {
  const file = doctypeFile(doctype);
  return new Map(
    (JSON.parse(readFileSync(file, 'utf8')) as { fields: DocField[] }).fields.map((f) => [f.fieldname, f]),
  );
};

/** Each rule list of the sandbox, with the doctype it was written from. */
const allRuleSets = [...docTypes.values()].flatMap((d) => [
  { doctype: d.doctype, rules: d },
  ...d.tables.map((t) => ({ doctype: t.childDoctype, rules: t })),
]);
/**
 * The ledger's masters, Currency Exchange and GL Entry are read by the product, never written (beyond the deductions
 * of a Payment Entry): the contracts folder has no JSON for them, so their fields are ERPNext v15's as its source
 * names them.
 */
const withoutContract = ['Company', 'Account', 'Currency Exchange', 'GL Entry', 'Payment Entry Deduction'];
const ruleSets = allRuleSets.filter((r) => !withoutContract.includes(r.doctype));

describe('sandbox ERPNext field rules', () => {
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

  const messagesOf = (body: { _server_messages?: string }): string[] =>
    JSON.parse(body._server_messages ?? '[]').map((m: string) => JSON.parse(m).message);

  async function customer(): Promise<string> {
    return (await erp.post('/api/resource/Customer', { customer_name: 'Ada Lovelace', customer_type: 'Individual' }))
      .data.data.name;
  }

  it('refuses a field the DocType does not have, on the document and in a row, naming it and saving nothing', async () => {
    const header = await erp.post('/api/resource/Customer', { customer_name: 'Ada', email: 'ada@example.com' });
    expect(header.status).toBe(417);
    expect(header.data.exc_type).toBe('ValidationError');
    expect(messagesOf(header.data)).toEqual(['Customer has no field "email"; ERPNext would drop it without saving it']);

    const row = await erp.post('/api/resource/Sales Order', {
      customer: await customer(),
      delivery_date: '2099-01-31',
      items: [
        { item_code: 'SKU-1', qty: 1, rate: 1 },
        { item_code: 'SKU-2', quantity: 1, rate: 1 },
      ],
    });
    expect(row.status).toBe(417);
    expect(messagesOf(row.data)).toEqual([
      'Row #2: Sales Order Item has no field "quantity"; ERPNext would drop it without saving it',
    ]);
    expect((await erp.get('/api/resource/Sales Order')).data.data).toEqual([]);
    expect((await erp.get('/api/resource/Customer')).data.data).toHaveLength(1);
  });

  it('refuses a Select value outside its options as Frappe words it', async () => {
    const res = await erp.post('/api/resource/Customer', { customer_name: 'Ada', customer_type: 'Person' });
    expect(res.status).toBe(417);
    expect(messagesOf(res.data)).toEqual([
      'Customer Type cannot be "Person". It should be one of "Company", "Individual", "Partnership"',
    ]);

    const tax = await erp.post('/api/resource/Sales Invoice', {
      customer: await customer(),
      items: [{ item_code: 'SKU-1', qty: 1, rate: 1 }],
      taxes: [{ charge_type: 'Flat', account_head: 'VAT - SC', description: 'VAT', tax_amount: 1 }],
    });
    expect(tax.status).toBe(417);
    expect(messagesOf(tax.data)[0]).toMatch(
      /^Row #1: Charge Type cannot be "Flat". It should be one of "Actual", "On Net Total"/,
    );
  });

  it('needs a delivery date on a Sales Order of type Sales only, taking the latest row date when the header has none', async () => {
    const name = await customer();
    const items = [{ item_code: 'SKU-1', qty: 1, rate: 1 }];
    const sales = await erp.post('/api/resource/Sales Order', { customer: name, items });
    expect(sales.status).toBe(417);
    expect(messagesOf(sales.data)).toEqual(['Please enter Delivery Date']);
    const maintenance = await erp.post('/api/resource/Sales Order', {
      customer: name,
      order_type: 'Maintenance',
      items,
    });
    expect(maintenance.status).toBe(200);
    const fromRows = await erp.post('/api/resource/Sales Order', {
      customer: name,
      items: [
        { ...items[0], delivery_date: '2099-02-01' },
        { ...items[0], delivery_date: '2099-03-01' },
      ],
    });
    expect(fromRows.data.data).toMatchObject({ delivery_date: '2099-03-01' });
  });

  it('needs a party unless the payment is an internal transfer, and a reference for a bank account', async () => {
    const party = await customer();
    const base = { payment_type: 'Receive', paid_amount: 5, received_amount: 5 };
    const noParty = await erp.post('/api/resource/Payment Entry', { ...base, paid_to: 'Cash - SC' });
    expect(messagesOf(noParty.data)).toEqual(['Party Type is mandatory']);
    const noReference = await erp.post('/api/resource/Payment Entry', {
      ...base,
      party_type: 'Customer',
      party,
      paid_to: 'Stripe Clearing - SC',
    });
    expect(noReference.status).toBe(417);
    expect(messagesOf(noReference.data)).toEqual(['Reference No and Reference Date is mandatory for Bank transaction']);
    const noBankSide = await erp.post('/api/resource/Payment Entry', { ...base, party_type: 'Customer', party });
    expect(noBankSide.data.exc_type).toBe('MandatoryError');
    expect(messagesOf(noBankSide.data)).toEqual(['Error: Value missing for Payment Entry: Paid To']);
    const cash = await erp.post('/api/resource/Payment Entry', {
      ...base,
      party_type: 'Customer',
      party,
      paid_to: 'Cash - SC',
    });
    expect(cash.status).toBe(200);
    const transfer = await erp.post('/api/resource/Payment Entry', {
      ...base,
      payment_type: 'Internal Transfer',
      paid_from: 'Cash - SC',
      paid_to: 'Bank - SC',
      reference_no: 'tr_1',
      reference_date: '2026-01-02',
    });
    expect(transfer.status).toBe(200);
    expect(transfer.data.data.party).toBeUndefined();
  });

  it('needs cheque_no and cheque_date on a Bank Entry', async () => {
    const accounts = [
      { account: 'Bank - SC', debit_in_account_currency: 1 },
      { account: 'Cash - SC', credit_in_account_currency: 1 },
    ];
    const res = await erp.post('/api/resource/Journal Entry', {
      voucher_type: 'Bank Entry',
      cheque_no: 'po_1',
      accounts,
    });
    expect(res.status).toBe(417);
    expect(messagesOf(res.data)).toEqual(['Reference No & Reference Date is required for Bank Entry']);
    expect(
      (
        await erp.post('/api/resource/Journal Entry', {
          voucher_type: 'Bank Entry',
          cheque_no: 'po_1',
          cheque_date: '2026-01-02',
          accounts,
        })
      ).status,
    ).toBe(200);
  });

  (hasDoctypes ? it : it.skip)(
    'takes only fieldnames ERPNext v15 has, with its Select options, for every Select it takes',
    () => {
      const problems: string[] = [];
      expect(allRuleSets.filter((r) => !existsSync(doctypeFile(r.doctype))).map((r) => r.doctype)).toEqual(
        withoutContract,
      );
      for (const { doctype, rules } of ruleSets) {
        const real = fieldsOf(doctype);
        for (const field of rules.fields) {
          const df = real.get(field);
          if (!df) problems.push(`${doctype}.${field} is not in the doctype JSON`);
          else if (
            df.fieldtype === 'Select' &&
            JSON.stringify(rules.selects?.[field]) !== JSON.stringify((df.options ?? '').split('\n'))
          ) {
            problems.push(`${doctype}.${field}: options differ from the doctype JSON`);
          }
        }
        for (const field of Object.keys(rules.selects ?? {}))
          if (!rules.fields.includes(field)) problems.push(`${doctype}.${field}: a Select not in fields`);
      }
      for (const definition of docTypes.values()) {
        if (withoutContract.includes(definition.doctype)) continue;
        const real = fieldsOf(definition.doctype);
        for (const table of definition.tables) {
          const df = real.get(table.fieldname);
          if (df?.fieldtype !== 'Table' || df.options !== table.childDoctype)
            problems.push(`${definition.doctype}.${table.fieldname} is not a ${table.childDoctype} table`);
        }
      }
      expect(problems).toEqual([]);
    },
  );
});
