import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import { createErpActivities } from '../../activities/erp/activities';
import { ErpClient } from '../../integrations/erp/client';
import { loadMappings, orderSettingsFrom } from '../../config/mappings';
import { erpCustomerFor, erpSalesOrderFor } from '../../domain/fulfilment';
import { orderSnapshotOf } from '../../domain/orderSnapshot';
import type { MagentoOrder } from '../../domain/magento';
import { journalFor, summarizePayout, type PayoutLine } from '../../domain/reconciliation';
import { createErpSandbox } from '../../sandbox/erp';
import { startPeer, type RunningPeer } from '../harness/peers';

/**
 * Every request the product's ERP activities send, checked against ERPNext v15's own doctype JSON: each field a
 * real `fieldname` (Frappe drops unknown ones silently), `reqd` fields present unless the server fills them,
 * Select values within `options`, child rows against the doctype their Table field names.
 */
const repoRoot = path.resolve(__dirname, '../..');
const doctypesPath = path.resolve(repoRoot, process.env.ERPNEXT_DOCTYPES_PATH ?? '../shared/contracts/erpnext-v15');
const hasDoctypes = existsSync(doctypesPath);
if (!hasDoctypes)
  console.warn(`ERPNext contract test skipped: no doctype definitions at ${doctypesPath} (set ERPNEXT_DOCTYPES_PATH).`);

interface DocField {
  fieldname: string;
  fieldtype: string;
  options?: string;
  reqd?: 0 | 1;
  default?: string;
  fetch_from?: string;
  read_only?: 0 | 1;
}
interface DocTypeJson {
  name: string;
  fields: DocField[];
}

/** Layout-only field types: no value is stored under their fieldname. */
const noValueTypes = new Set([
  'Section Break',
  'Column Break',
  'Tab Break',
  'HTML',
  'Button',
  'Fold',
  'Heading',
  'Image',
]);
/** Standard fields every document takes besides its DocType's own. */
const standardFields = new Set(['docstatus']);

/**
 * `reqd` fields the ERPNext controllers fill during `validate` (Frappe checks mandatory fields after it), besides
 * those the JSON itself fills (a `default`, `fetch_from`, read-only computed values, the naming series).
 */
const filledByServer: Record<string, readonly string[]> = {
  // SellingController.set_missing_values → set_price_list_currency: the company's selling price list and its rates.
  'Sales Order': ['conversion_rate', 'selling_price_list', 'plc_conversion_rate'],
  'Sales Invoice': ['conversion_rate', 'selling_price_list', 'plc_conversion_rate', 'debit_to'],
  // get_item_details: from the Item master (name, UOM) and the company's defaults (income account).
  'Sales Order Item': ['item_name', 'uom', 'conversion_factor'],
  'Sales Invoice Item': ['item_name', 'uom', 'conversion_factor', 'income_account'],
  // PaymentEntry.set_exchange_rate: rate 1 in company currency (the party's account: see partyAccountField).
  'Payment Entry': ['source_exchange_rate', 'target_exchange_rate'],
};

/** PaymentEntry.set_missing_values fills the party's receivable account: `paid_from` on a Receive, `paid_to` on a Pay. */
const partyAccountField = (body: Record<string, unknown>): string | undefined =>
  body.payment_type === 'Receive' ? 'paid_from' : body.payment_type === 'Pay' ? 'paid_to' : undefined;

const fileOf = (doctype: string): string => path.join(doctypesPath, `${doctype.toLowerCase().replace(/ /g, '_')}.json`);
const loaded = new Map<string, DocTypeJson>();
function doctypeJson(doctype: string): DocTypeJson {
  let found = loaded.get(doctype);
  if (!found) loaded.set(doctype, (found = JSON.parse(readFileSync(fileOf(doctype), 'utf8')) as DocTypeJson));
  return found;
}

function isBlank(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === 'string' && value.trim() === '') ||
    (Array.isArray(value) && value.length === 0)
  );
}

function isServerFilled(doctype: string, field: DocField, body: Record<string, unknown>): boolean {
  return (
    field.fieldname === 'naming_series' ||
    field.default !== undefined ||
    Boolean(field.fetch_from) ||
    field.read_only === 1 ||
    (filledByServer[doctype] ?? []).includes(field.fieldname) ||
    (doctype === 'Payment Entry' && partyAccountField(body) === field.fieldname)
  );
}

/** What is wrong with one document body (or child row), each problem naming where it is. */
function contractProblems(doctype: string, body: Record<string, unknown>, where: string, isPartial = false): string[] {
  const fields = new Map(
    doctypeJson(doctype)
      .fields.filter((f) => !noValueTypes.has(f.fieldtype))
      .map((f) => [f.fieldname, f]),
  );
  const problems: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (standardFields.has(key)) continue;
    const field = fields.get(key);
    if (!field) {
      problems.push(`${where}: "${key}" is not a field of ${doctype}`);
    } else if (field.fieldtype === 'Table') {
      if (!Array.isArray(value)) problems.push(`${where}.${key}: a ${field.options} table must be a list`);
      else
        value.forEach((row, i) =>
          problems.push(
            ...contractProblems(String(field.options), row as Record<string, unknown>, `${where}.${key}[${i}]`),
          ),
        );
    } else if (
      field.fieldtype === 'Select' &&
      !isBlank(value) &&
      !(field.options ?? '').split('\n').includes(String(value))
    ) {
      problems.push(
        `${where}.${key}: "${String(value)}" is not one of ${doctype}'s options (${(field.options ?? '').split('\n').filter(Boolean).join(', ')})`,
      );
    }
  }
  if (isPartial) return problems;
  for (const field of fields.values()) {
    if (field.reqd === 1 && !isServerFilled(doctype, field, body) && isBlank(body[field.fieldname])) {
      problems.push(`${where}: required ${doctype} field "${field.fieldname}" is missing`);
    }
  }
  return problems;
}

interface LoggedRequest {
  method: string;
  path: string;
  body: unknown;
  status: number;
}

/** The documents a request writes: POST/PUT on `/api/resource/{DocType}[/{name}]`. */
function writes(
  requests: readonly LoggedRequest[],
): Array<{ doctype: string; body: Record<string, unknown>; request: LoggedRequest }> {
  return requests.flatMap((request) => {
    const match = /^\/api\/resource\/([^/?]+)(\/[^?]+)?/.exec(request.path);
    if (!match || !['POST', 'PUT'].includes(request.method)) return [];
    return [{ doctype: decodeURIComponent(match[1]!), body: request.body as Record<string, unknown>, request }];
  });
}

const settings = orderSettingsFrom(loadMappings(path.join(repoRoot, 'config/mappings.yaml')));
const date = '2026-03-02';
const order: MagentoOrder = {
  entity_id: 7,
  increment_id: '000000007',
  state: 'processing',
  status: 'processing',
  order_currency_code: 'USD',
  grand_total: 38.5,
  shipping_amount: 5,
  tax_amount: 3.5,
  customer_email: ' Ada.Lovelace@Example.com ',
  customer_firstname: 'Ada',
  customer_lastname: 'Lovelace',
  items: [
    { item_id: 1, sku: 'MUG-01', name: 'Mug', qty_ordered: 3, price: 3.3333, row_total: 10 },
    { item_id: 2, sku: 'TEE-M', name: 'Tee', qty_ordered: 1, price: 20, row_total: 20 },
  ],
};

const describeIfDoctypes = hasDoctypes ? describe : describe.skip;

describeIfDoctypes('ERP requests against ERPNext v15’s own doctypes', () => {
  const apiKey = 'erp-key';
  const apiSecret = 'erp-secret';
  let peer: RunningPeer;
  let sandbox: AxiosInstance;

  beforeAll(async () => {
    peer = await startPeer(createErpSandbox({ apiKey, apiSecret }));
    sandbox = axios.create({ baseURL: peer.url, headers: { Authorization: `token ${apiKey}:${apiSecret}` } });
  });

  afterAll(async () => {
    await peer.close();
  });

  it('refuses a misspelt field, a Select value outside its options and a missing required field, in a row too', () => {
    expect(
      contractProblems(
        'Customer',
        { customer_name: 'Ada', customer_type: 'Individual', email: 'ada@example.com' },
        'Customer',
      ),
    ).toEqual(['Customer: "email" is not a field of Customer']);
    expect(contractProblems('Customer', { customer_name: 'Ada', customer_type: 'Person' }, 'Customer')).toEqual([
      'Customer.customer_type: "Person" is not one of Customer\'s options (Company, Individual, Partnership)',
    ]);
    expect(
      contractProblems('Journal Entry', { company: 'C', posting_date: date, accounts: [{ debit: 1 }] }, 'JE'),
    ).toEqual(['JE.accounts[0]: required Journal Entry Account field "account" is missing']);
    expect(
      contractProblems(
        'Sales Order',
        { customer: 'Ada', company: 'C', currency: 'USD', transaction_date: date, items: [] },
        'SO',
      ),
    ).toEqual(['SO: required Sales Order field "items" is missing']);
    expect(
      contractProblems(
        'Sales Taxes and Charges',
        { charge_type: 'Flat', account_head: 'VAT', description: 'Tax', tax_ammount: 1 },
        'tax',
      ),
    ).toEqual([
      'tax.charge_type: "Flat" is not one of Sales Taxes and Charges\'s options (Actual, On Net Total, On Previous Row Amount, On Previous Row Total, On Item Quantity)',
      'tax: "tax_ammount" is not a field of Sales Taxes and Charges',
    ]);
  });

  it('sends only real fields, every required one and valid options in every request of the order-to-cash and payout flows', async () => {
    await sandbox.post('/__sandbox/reset');
    const erp = createErpActivities(new ErpClient({ baseUrl: peer.url, apiKey, apiSecret }));

    const customer = await erp.upsertErpCustomer(erpCustomerFor(orderSnapshotOf(order), settings.erp));
    const salesOrderInput = erpSalesOrderFor(orderSnapshotOf(order), customer, settings.erp, date);
    expect(salesOrderInput.taxes).not.toEqual([]);
    expect(salesOrderInput.items.map((i) => i.item_code)).toContain(settings.erp.shippingItemCode);
    await erp.createErpSalesOrder(salesOrderInput);
    // A partial refund before shipment amends the Sales Order and pays back unallocated; the invoice is made from the amendment.
    const amended = await erp.amendErpSalesOrderForRefund({
      poNo: order.increment_id,
      refundId: 're_before',
      amountMinor: 500,
    });
    expect(amended).toMatchObject({ outcome: 'amended', amended: true });
    await erp.createErpRefundPayment({
      poNo: order.increment_id,
      customer,
      company: settings.erp.company,
      amountMinor: 500,
      currency: 'USD',
      referenceNo: 're_before',
      date,
      paidFrom: settings.erp.bankAccount,
    });
    const invoice = await erp.invoiceErpSalesOrder({ poNo: order.increment_id, date });
    expect(invoice.grandTotalMinor).toBe(3350);
    await erp.createErpPaymentEntry({
      salesInvoice: invoice.name,
      customer,
      company: settings.erp.company,
      amountMinor: 3850,
      currency: 'USD',
      referenceNo: 'ch_contract',
      date,
      paidTo: settings.erp.bankAccount,
    });
    await erp.createErpCreditNote({
      salesInvoice: invoice.name,
      referenceNo: 're_contract',
      amountMinor: 1234,
      date,
      reason: 'requested_by_customer',
    });

    const lines: PayoutLine[] = [
      {
        id: 'txn_1',
        type: 'charge',
        reportingCategory: 'charge',
        grossMinor: 3850,
        feeMinor: 142,
        netMinor: 3708,
        currency: 'USD',
        availableOn: 1_800_000_000,
      },
      {
        id: 'txn_2',
        type: 'refund',
        reportingCategory: 'refund',
        grossMinor: -1234,
        feeMinor: 0,
        netMinor: -1234,
        currency: 'USD',
        availableOn: 1_800_000_000,
      },
    ];
    const journal = journalFor(
      summarizePayout(lines, { id: 'po_contract', amountMinor: 2474, currency: 'USD' }),
      settings.erp.glAccounts,
      settings.erp.glAccounts.payout!,
      settings.erp.glAccounts.fee!,
    );
    await erp.postErpJournalEntry({
      reference: 'po_contract',
      date,
      company: settings.erp.company,
      currency: 'USD',
      remark: 'Stripe payout po_contract',
      accounts: journal.lines.map(({ account, debitMinor, creditMinor }) => ({ account, debitMinor, creditMinor })),
    });
    // An order reversed before shipment: its Sales Order cancelled.
    await erp.createErpSalesOrder({ ...salesOrderInput, po_no: '000000008' });
    await erp.cancelErpSalesOrder('000000008');

    const requests: LoggedRequest[] = (await sandbox.get('/__sandbox/requests')).data;
    const written = writes(requests);
    expect(written.map((w) => `${w.request.method} ${w.doctype}`)).toEqual([
      'POST Customer',
      'POST Sales Order',
      'PUT Sales Order',
      'POST Sales Order',
      'POST Payment Entry',
      'POST Sales Invoice',
      'POST Payment Entry',
      'POST Sales Invoice',
      'POST Journal Entry',
      'POST Sales Order',
    ]);
    expect(written.filter((w) => w.request.status !== 200)).toEqual([]);
    const problems = written.flatMap((w, i) =>
      contractProblems(w.doctype, w.body, `#${i + 1} ${w.request.method} ${w.doctype}`, w.request.method === 'PUT'),
    );
    expect(problems).toEqual([]);

    const cancels = requests.filter((r) => r.path === '/api/method/frappe.client.cancel');
    expect(cancels.map((r) => [r.status, (r.body as Record<string, unknown>).doctype])).toEqual([
      [200, 'Sales Order'],
      [200, 'Sales Order'],
    ]);
  });
});
