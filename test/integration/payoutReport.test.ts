import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import axios, { type AxiosResponse } from 'axios';
import Stripe from 'stripe';
import { formatMoney, toMinor } from '../../domain/money';
import { csvHeader, type PayoutLine } from '../../domain/reconciliation';
import type { PayoutReportPage } from '../../scripts/ops/adminClient';
import { startDevStack, type DevStack } from '../harness/devStack';
import { testSecrets } from '../harness/productStack';
import { pay, placeOrder } from '../workflows/orderFlow';
import { failPayout, payOut, seedAndPayOut } from '../workflows/payoutFlow';

const run = promisify(execFile);
const repo = join(__dirname, '../..');

describe("payout reconciliation report, from Stripe's payout webhooks to the operator API", () => {
  let dev: DevStack;
  beforeAll(async () => {
    dev = await startDevStack({ stripeWebhooks: true });
  });
  afterAll(async () => {
    await dev?.close();
  });

  const report = (
    payoutId: string,
    query = '',
    headers: Record<string, string> = dev.admin,
  ): Promise<AxiosResponse<string>> =>
    axios.get(`${dev.apiUrl}/admin/payouts/${payoutId}/reconciliation${query}`, {
      headers,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: (b) => b,
    });

  async function until(
    payoutId: string,
    done: (res: AxiosResponse<string>) => boolean,
    timeoutMs = 30_000,
  ): Promise<AxiosResponse<string>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await report(payoutId);
      if (done(res)) return res;
      if (Date.now() > deadline) throw new Error(`payout ${payoutId}: still ${res.status} ${res.data}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('reports a payout of paid orders as JSON and CSV once its webhooks have been reconciled, and only with the admin token', async () => {
    const orders = [await placeOrder(dev.stack), await placeOrder(dev.stack), await placeOrder(dev.stack)];
    for (const order of orders) await pay(dev.stack, order, 'pm_card_visa');
    const payout = await payOut(dev.stack, 'USD'); // the sandbox sends payout.paid and payout.reconciliation_completed to the API

    const answered = await until(payout.id, (res) => res.status !== 404 && res.status !== 202);
    expect(answered.status).toBe(200);
    const json = JSON.parse(answered.data) as PayoutReportPage;
    expect(json).toMatchObject({
      outcome: 'reconciled',
      payout: { id: payout.id, amountMinor: payout.amount, currency: 'USD' },
      summary: { matches: true },
    });
    expect(json.lines.reduce((sum, l) => sum + l.netMinor, 0)).toBe(payout.amount);
    expect(json.lines.map((l) => l.magentoOrderId).sort()).toEqual(orders.map((o) => o.increment_id).sort());
    const entries = await dev.stack.clients.erp.listDocs<{ name: string; total_debit: number; total_credit: number }>(
      'Journal Entry',
      { filters: [['cheque_no', '=', payout.id]], fields: ['name', 'total_debit', 'total_credit'] },
    );
    expect(entries).toEqual([{ name: json.journalEntry.name, total_debit: 150, total_credit: 150 }]);

    const csv = await report(payout.id, '?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="${payout.id}-reconciliation.csv"`);
    const rows = csv.data
      .trimEnd()
      .split('\r\n')
      .map((row) => row.split(','));
    expect(rows[0]).toEqual([...csvHeader]);
    expect(rows).toHaveLength(1 + json.lines.length);
    expect(
      rows
        .slice(1)
        .map((row) => row[1])
        .sort(),
    ).toEqual(json.lines.map((l) => l.id).sort());
    expect(rows.slice(1).reduce((sum, row) => sum + toMinor(row[9]!, 'USD'), 0)).toBe(payout.amount);

    for (const headers of [{}, { Authorization: 'Bearer not-the-token' }] as Array<Record<string, string>>) {
      expect((await report(payout.id, '', headers)).status).toBe(401);
      expect((await report(payout.id, '?format=csv', headers)).status).toBe(401);
    }

    const ops = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', join(repo, 'scripts/ops.ts'), ...args], {
        cwd: repo,
        env: { ...process.env, API_URL: dev.apiUrl, ADMIN_TOKEN: testSecrets.adminToken },
      });
    const [table, asCsv] = await Promise.all([ops('payout', payout.id), ops('payout', payout.id, '--csv')]);
    expect(table.stdout).toContain(
      `${payout.id}  ${formatMoney(payout.amount, 'USD')}  reconciled  (3 transactions; journal entry ${json.journalEntry.name})`,
    );
    expect(asCsv.stdout).toBe(csv.data);
  });

  it('serves a payout of 450 transactions from the report store: JSON a page at a time, CSV streamed whole, the same lines in the same order', async () => {
    // The dev stack's account settles in USD, as `npm start`'s does (docs/books.md): its payouts are in USD.
    const payout = await seedAndPayOut(dev.stack, 450, 'USD');
    const first = await until(payout.id, (res) => res.status === 200);
    const head = JSON.parse(first.data) as PayoutReportPage;
    expect(head).toMatchObject({
      outcome: 'reconciled',
      summary: { matches: true, totals: { count: 450, netMinor: payout.amount } },
      reading: { lines: 450, pages: 5 },
      paging: { page: 1, pageSize: 1000, lineCount: 450, pageCount: 1, nextPage: null },
    });

    const paged: PayoutLine[] = [];
    for (let page: number | null = 1; page !== null;) {
      const res = await report(payout.id, `?page=${page}&pageSize=100`);
      expect(res.status).toBe(200);
      const body = JSON.parse(res.data) as PayoutReportPage;
      expect(body.paging).toMatchObject({ page, pageSize: 100, lineCount: 450, pageCount: 5 });
      expect(body.lines.length).toBe(page < 5 ? 100 : 50);
      paged.push(...body.lines);
      page = body.paging.nextPage;
    }
    expect(new Set(paged.map((l) => l.id)).size).toBe(450);
    expect(paged.reduce((sum, l) => sum + l.netMinor, 0)).toBe(payout.amount);

    const csv = await report(payout.id, '?format=csv');
    const rows = csv.data
      .trimEnd()
      .split('\r\n')
      .map((row) => row.split(','));
    expect(rows[0]).toEqual([...csvHeader]);
    expect(rows.slice(1).map((row) => row[1])).toEqual(paged.map((l) => l.id));
    expect(rows.slice(1).reduce((sum, row) => sum + toMinor(row[9]!, 'USD'), 0)).toBe(payout.amount);

    for (const query of ['?page=6&pageSize=100', '?page=0', '?pageSize=10001', '?page=x'])
      expect((await report(payout.id, query)).status).toBe(400);
  });

  it("shows the reversal once the bank returns a booked payout: payout.failed reaches the payout's run through the webhook, which reverses its entry once", async () => {
    const orders = [await placeOrder(dev.stack), await placeOrder(dev.stack)];
    for (const order of orders) await pay(dev.stack, order, 'pm_card_visa');
    const payout = await payOut(dev.stack, 'USD');
    const booked = JSON.parse((await until(payout.id, (res) => res.status === 200)).data) as PayoutReportPage;

    await failPayout(dev.stack, payout.id, 'account_closed');
    const reversed = JSON.parse(
      (await until(payout.id, (res) => res.status === 200 && JSON.parse(res.data).reversal !== undefined)).data,
    ) as PayoutReportPage;
    expect(reversed.reversal).toMatchObject({
      status: 'failed',
      failureCode: 'account_closed',
      reversedEntry: booked.journalEntry.name,
      created: true,
    });
    const entries = await dev.stack.clients.erp.listDocs<{
      name: string;
      cheque_no: string;
      total_debit: number;
      total_credit: number;
    }>('Journal Entry', {
      filters: [['cheque_no', 'like', `${payout.id}%`]],
      fields: ['name', 'cheque_no', 'total_debit', 'total_credit'],
    });
    expect(entries.map((e) => e.cheque_no).sort()).toEqual([payout.id, `${payout.id}:reversal`]);
    expect(entries.every((e) => e.total_debit === e.total_credit)).toBe(true);
  });

  it('answers 400 for what is not a payout id or format, and 404 for a payout it has not heard of', async () => {
    expect((await report('po_not-an-id')).status).toBe(400);
    expect((await report('ch_123')).status).toBe(400);
    expect((await report('po_123', '?format=xml')).status).toBe(400);
    const missing = await report('po_NeverPaid123');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.data).error).toBe(
      'no reconciliation for payout po_NeverPaid123: its payout.paid event has not arrived (yet), ' +
        'or it is not a payout of this Stripe account',
    );
  });

  it('answers 202 with the progress while a payout is being reconciled, and a bare "running" when no worker answers', async () => {
    const waiting = `po_Waiting${Date.now()}`;
    const handle = await dev.client.workflow.start('payoutReconciliation', {
      workflowId: `payout:${waiting}`,
      taskQueue: dev.taskQueue,
      args: [{ payoutId: waiting }],
    });
    const orphan = `po_NoWorker${Date.now()}`;
    const unserved = await dev.client.workflow.start('payoutReconciliation', {
      workflowId: `payout:${orphan}`,
      taskQueue: `${dev.taskQueue}-nobody`,
      args: [{ payoutId: orphan }],
    });
    try {
      const running = await until(waiting, (res) => res.status === 202 && JSON.parse(res.data).progress !== undefined);
      expect(JSON.parse(running.data)).toEqual({
        status: 'running',
        workflowId: `payout:${waiting}`,
        progress: { step: 'awaiting_payout_event', pages: 0, lines: 0 },
      });
      const started = Date.now();
      const bare = await report(orphan);
      expect([bare.status, JSON.parse(bare.data)]).toEqual([202, { status: 'running' }]);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await handle.terminate('test over');
      await unserved.terminate('test over');
    }
  });

  it('answers 409 with the review reason while a payout waits in the review queue, and after an operator skips it', async () => {
    // A signed payout.paid for a payout this Stripe account does not have: reading it fails for good, so the run parks.
    const payoutId = `po_Unknown${Date.now()}`;
    const event = {
      id: `evt_payout${Date.now()}`,
      object: 'event',
      type: 'payout.paid',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      api_version: '2024-06-20',
      data: {
        object: { id: payoutId, object: 'payout', amount: 1000, currency: 'usd', automatic: true, status: 'paid' },
      },
    };
    const body = JSON.stringify(event);
    const accepted = await axios.post(`${dev.apiUrl}/webhooks/stripe`, Buffer.from(body), {
      headers: {
        'content-type': 'application/json',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({
          payload: body,
          secret: testSecrets.stripeWebhookSecret,
        }),
      },
    });
    expect(accepted.data).toMatchObject({ received: true, duplicate: false });

    const parked = await until(payoutId, (res) => res.status === 409);
    expect(JSON.parse(parked.data)).toEqual({
      error: `the reconciliation of ${payoutId} is waiting in the review queue`,
      workflowId: `payout:${payoutId}`,
      status: 'needs_review',
      reason: expect.stringContaining(`No such payout: '${payoutId}'`),
    });

    await axios.post(
      `${dev.apiUrl}/admin/review-queue/${encodeURIComponent(`payout:${payoutId}`)}/skip`,
      {},
      { headers: dev.admin },
    );
    const skipped = await until(payoutId, (res) => res.status === 409 && JSON.parse(res.data).status === 'skipped');
    expect(JSON.parse(skipped.data)).toMatchObject({
      error: `the reconciliation of ${payoutId} was skipped by an operator; nothing was booked`,
    });
  });
});
