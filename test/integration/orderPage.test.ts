import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import axios from 'axios';
import pino from 'pino';
import { createApp } from '../../api/app';
import type { MagentoOrderDocuments } from '../../integrations/magento/orderDocuments';
import type { OrderPage } from '../../api/orderPage';
import type { OrderMoney } from '../../domain/orderLedger';
import type { MagentoOrder } from '../../domain/magento';
import { MagentoOrderId, SyncState } from '../../domain/searchAttributes';
import { startDevStack, type DevStack } from '../harness/devStack';
import { eventually } from '../harness/eventually';
import { testSecrets } from '../harness/productStack';
import { connectDevServer, registerEmptyNamespace } from '../harness/temporal';
import { pay, placeOrder, shipInWms, waitForStep } from '../workflows/orderFlow';

const run = promisify(execFile);
const repo = join(__dirname, '../..');

/** Every balance the page could compute is zero, or the differences against that system add up to it exactly. */
function expectZeroOrExplained(money: OrderMoney): void {
  const balances = {
    magento: money.balanceMinor,
    erp: money.erpBalanceMinor,
    erp_payments: money.erpPaymentsBalanceMinor,
  };
  for (const [system, balance] of Object.entries(balances)) {
    expect(balance).not.toBeNull();
    const explained = money.differences.filter((d) => d.against === system).reduce((sum, d) => sum + d.amountMinor, 0);
    expect({ system, explained }).toEqual({ system, explained: balance });
  }
  expect(money.explanations.length).toBeGreaterThanOrEqual(money.differences.length);
}

describe('one page of truth per order: GET /admin/orders/:incrementId and npm run ops -- order', () => {
  let dev: DevStack;
  beforeAll(async () => {
    dev = await startDevStack({ stripeWebhooks: true });
  });
  afterAll(async () => {
    await dev?.close();
  });

  const page = async (incrementId: string) =>
    (
      await axios.get<OrderPage>(`${dev.apiUrl}/admin/orders/${encodeURIComponent(incrementId)}`, {
        headers: dev.admin,
      })
    ).data;
  const uiLink = (workflowId: string, runId: string) =>
    `${dev.webUiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${runId}`;
  const ops = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', join(repo, 'scripts/ops.ts'), ...args], {
      cwd: repo,
      env: { ...process.env, API_URL: dev.apiUrl, ADMIN_TOKEN: testSecrets.adminToken },
    });

  describe('an order paid, shipped and partly refunded', () => {
    let order: MagentoOrder;
    let paymentIntentId: string;
    let refundId: string;

    it('says the ERP invoice is not created yet while the order waits for shipment', async () => {
      order = await placeOrder(dev.stack);
      paymentIntentId = (await pay(dev.stack, order, 'pm_card_visa')).id;
      await waitForStep(dev.client.workflow.getHandle(`order:${order.increment_id}`), 'awaiting_shipment');
      const body = await page(order.increment_id);
      const orderRun = body.runs.find((r) => r.workflowId === `order:${order.increment_id}`)!;
      expect(orderRun).toMatchObject({
        type: 'orderToCash',
        status: 'running',
        syncState: 'awaiting_shipment',
        step: 'awaiting_shipment',
        statusFrom: 'query',
      });
      expect(orderRun.webUiUrl).toBe(uiLink(orderRun.workflowId, orderRun.runId));
      expect(body.money).toMatchObject({
        currency: 'USD',
        paidMinor: 5000,
        invoicedInMagentoMinor: 5000,
        balanceMinor: 0,
        invoicedInErpMinor: 0,
        erpBalanceMinor: 5000,
      });
      expect(body.money.explanations).toContainEqual(
        expect.stringMatching(
          /^ERP \+50\.00 USD: charge ch_\w+ \(50\.00 USD\) was captured in Stripe, but the ERP has no Sales Invoice for it: ERP invoice not yet created: order not shipped$/,
        ),
      );
      expectZeroOrExplained(body.money);
    });

    it("shows the order run and the refund run with their Web UI links, each system's documents, and the money balanced or explained", async () => {
      await shipInWms(dev.stack, order.increment_id); // the sandbox sends the signed order.shipped webhook
      await expect(dev.client.workflow.getHandle(`order:${order.increment_id}`).result()).resolves.toMatchObject({
        outcome: 'completed',
      });
      refundId = (await dev.stack.stripe.refunds.create({ payment_intent: paymentIntentId, amount: 1000 })).id; // its webhooks start refund:<re_…>

      // The refund's run has recorded it (credit memo, ERP credit note and refund payment) once it has ended.
      const body = await eventually(
        'the refund run to end',
        async () => {
          const p = await page(order.increment_id);
          const refundRun = p.runs.find((r) => r.workflowId === `refund:${refundId}`);
          if (refundRun?.syncState === 'needs_review')
            throw new Error(`refund run parked: ${JSON.stringify(refundRun)}`);
          return refundRun?.status === 'completed' ? p : undefined;
        },
        30_000,
      );

      const orderRun = body.runs.find((r) => r.workflowId === `order:${order.increment_id}`)!;
      expect(orderRun).toMatchObject({
        type: 'orderToCash',
        status: 'completed',
        syncState: 'completed',
        step: 'completed',
        outcome: 'completed',
        statusFrom: 'result',
      });
      expect(orderRun.webUiUrl).toBe(uiLink(orderRun.workflowId, orderRun.runId));
      const refundRun = body.runs.find((r) => r.workflowId === `refund:${refundId}`)!;
      expect(refundRun.type).toBe('refund');
      expect(refundRun.webUiUrl).toBe(uiLink(refundRun.workflowId, refundRun.runId));
      expect(body.runs.some((r) => r.type === 'stripeEventIntake')).toBe(true);

      const magento = body.documents.magento as MagentoOrderDocuments;
      expect(magento).toMatchObject({
        entityId: order.entity_id,
        incrementId: order.increment_id,
        state: 'complete',
        currency: 'USD',
        grandTotalMinor: 5000,
      });
      expect(magento.invoices).toEqual([
        expect.objectContaining({ grandTotalMinor: 5000, chargeId: expect.stringMatching(/^ch_/), paymentIntentId }),
      ]);
      expect(magento.shipments).toHaveLength(1);
      expect(magento.creditMemos).toEqual([expect.objectContaining({ grandTotalMinor: 1000, refundId })]);
      expect(orderRun.ids).toMatchObject({
        magentoEntityId: order.entity_id,
        magentoInvoiceId: magento.invoices[0]!.id,
        magentoShipmentId: magento.shipments[0]!.id,
      });
      expect(body.documents.wms).toMatchObject({ orderId: orderRun.ids.wmsOrderId, status: 'Fulfilled' });
      expect(body.documents.erp).toMatchObject({
        salesOrders: [expect.objectContaining({ name: orderRun.ids.erpSalesOrder })],
        salesInvoices: [expect.objectContaining({ name: orderRun.ids.erpSalesInvoice, grandTotalMinor: 5000 })],
        creditNotes: [expect.objectContaining({ grandTotalMinor: 1000, refundId })],
      });
      expect(body.documents.stripe).toMatchObject({
        refunds: [expect.objectContaining({ id: refundId, status: 'succeeded', amountMinor: 1000 })],
      });

      expect(body.money).toMatchObject({
        paidMinor: 5000,
        refundedMinor: 1000,
        disputedMinor: 0,
        netMinor: 4000,
        invoicedInMagentoMinor: 5000,
        creditedInMagentoMinor: 1000,
        creditedInErpMinor: 1000,
        balanceMinor: 0,
        erpBalanceMinor: 0,
      });
      expectZeroOrExplained(body.money);
      expect(body.money.explanations).toEqual([]);
      expect(body.money).toMatchObject({ erpPaymentsBalanceMinor: 0 });
    }, 90_000);

    it('prints the same page in the terminal, and the same JSON with --json', async () => {
      const { stdout } = await ops('order', order.increment_id);
      const body = await page(order.increment_id);
      expect(stdout).toContain(`Order ${order.increment_id}: Magento complete (entity ${order.entity_id}), 50.00 USD`);
      for (const r of body.runs) expect(stdout).toContain(r.webUiUrl);
      expect(stdout).toContain(`refund:${refundId}  (refund)`);
      expect(stdout).toMatch(new RegExp(`credit memo \\d+ \\(#\\d+\\)  10\\.00 USD  ${refundId}`));
      expect(stdout).toContain('paid 50.00 USD · refunded 10.00 USD');
      expect(stdout).toContain('Magento   invoiced 50.00 USD, credited 10.00 USD  →  balance 0.00 USD');
      for (const explanation of body.money.explanations) expect(stdout).toContain(explanation);

      const json = JSON.parse((await ops('--json', 'order', order.increment_id)).stdout) as OrderPage;
      expect(json.documents).toEqual(body.documents);
      expect(json.money).toEqual(body.money);
      expect(json.runs.map((r) => r.webUiUrl)).toEqual(body.runs.map((r) => r.webUiUrl));
    }, 60_000);
  });

  it('still shows the documents and balances from the systems themselves when Temporal has no run of the order (its retention has passed)', async () => {
    const order = await placeOrder(dev.stack);
    const pi = await pay(dev.stack, order, 'pm_card_visa');
    await waitForStep(dev.client.workflow.getHandle(`order:${order.increment_id}`), 'awaiting_shipment');
    await shipInWms(dev.stack, order.increment_id);
    await dev.client.workflow.getHandle(`order:${order.increment_id}`).result();

    // An API on a namespace that has never run the order sees what one sees once retention has removed its runs.
    const { connection } = await connectDevServer();
    const namespace = await registerEmptyNamespace(connection, 'retention');
    const { magento, erp, wms, stripe } = dev.stack.clients;
    const app = createApp({
      temporal: new Client({ connection, namespace }),
      taskQueue: dev.taskQueue,
      stripeWebhookSecrets: [testSecrets.stripeWebhookSecret],
      adminToken: testSecrets.adminToken,
      orderPage: { systems: { magento, erp, wms, stripe }, webUiUrl: dev.webUiUrl },
      log: pino({ level: 'silent' }),
    });
    const server = app.listen(0, '127.0.0.1');
    try {
      await new Promise((r) => server.once('listening', r));
      const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const body = (await axios.get<OrderPage>(`${apiUrl}/admin/orders/${order.increment_id}`, { headers: dev.admin }))
        .data;
      expect(body.runs).toEqual([]);
      expect(body.documents.magento).toMatchObject({
        state: 'complete',
        invoices: [expect.objectContaining({ grandTotalMinor: 5000, paymentIntentId: pi.id })],
      });
      expect(body.documents.stripe).toMatchObject({
        paymentIntents: [expect.objectContaining({ id: pi.id })],
        charges: [expect.objectContaining({ capturedMinor: 5000 })],
      });
      expect(body.documents.erp).toMatchObject({
        salesInvoices: [expect.objectContaining({ grandTotalMinor: 5000 })],
        paymentEntries: [expect.objectContaining({ paymentType: 'Receive', amountMinor: 5000 })],
      });
      expect(body.money).toMatchObject({
        paidMinor: 5000,
        netMinor: 5000,
        balanceMinor: 0,
        erpBalanceMinor: 0,
        erpPaymentsBalanceMinor: 0,
        explanations: [],
      });
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', join(repo, 'scripts/ops.ts'), 'order', order.increment_id],
        { cwd: repo, env: { ...process.env, API_URL: apiUrl, ADMIN_TOKEN: testSecrets.adminToken } },
      );
      expect(stdout).toContain('none in Temporal (its retention may have passed)');
      expect(stdout).toContain('every balance is zero: Stripe, Magento and the ERP agree');
    } finally {
      server.closeAllConnections();
      server.close();
      await connection.close();
    }
  }, 60_000);

  it('shows a run no worker answers for from its search attributes, and says so', async () => {
    const incrementId = `NOWORKER-${Date.now()}`;
    const handle = await dev.client.workflow.start('orderToCash', {
      workflowId: `order:${incrementId}`,
      taskQueue: `${dev.taskQueue}-nobody-listens`,
      args: [{ incrementId }],
      typedSearchAttributes: [
        { key: MagentoOrderId, value: incrementId },
        { key: SyncState, value: 'running' },
      ],
    });
    try {
      const body = await page(incrementId);
      expect(body.runs).toEqual([
        expect.objectContaining({
          workflowId: `order:${incrementId}`,
          runId: handle.firstExecutionRunId,
          status: 'running',
          syncState: 'running',
          step: null,
          statusFrom: 'search_attributes',
          note: expect.stringMatching(
            /^the run did not answer its status query \(.+\): state from its search attributes and memo$/,
          ),
        }),
      ]);
      expect(body.documents.magento).toBeNull();
      // Nothing names its payment, so Stripe's search on metadata['magento_order_id'] is asked, and finds none.
      expect(body.documents.stripe).toMatchObject({ paymentIntents: [], charges: [] });
      expect(body.money.explanations.join('\n')).not.toMatch(/search could not be used/);
    } finally {
      await handle.terminate('test over');
    }
  });

  it('answers 404 for an order neither Temporal nor Magento knows, and 400 for what is not an increment id', async () => {
    const missing = await axios.get(`${dev.apiUrl}/admin/orders/NOPE-404`, {
      headers: dev.admin,
      validateStatus: () => true,
    });
    expect(missing.status).toBe(404);
    expect(missing.data.error).toBe('no order NOPE-404: Temporal has no run of it and Magento has no such order');
    const bad = await axios.get(`${dev.apiUrl}/admin/orders/${encodeURIComponent("1' OR 1=1")}`, {
      headers: dev.admin,
      validateStatus: () => true,
    });
    expect(bad.status).toBe(400);
    await expect(ops('order', 'NOPE-404')).rejects.toMatchObject({
      stderr: expect.stringContaining('404: no order NOPE-404'),
    });
  }, 60_000);

  it('refuses the page without the admin token', async () => {
    const res = await axios.get(`${dev.apiUrl}/admin/orders/000000001`, { validateStatus: () => true });
    expect(res.status).toBe(401);
  });
});
