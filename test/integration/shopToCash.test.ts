import { emailKey } from '../../domain/customerMapping';
import axios from 'axios';
import type Stripe from 'stripe';
import type { OrderStatus } from '../../messages/order';
import { placeOrders, type ShopSummary } from '../../scripts/shop/placeOrders';
import { startDevStack, type DevStack } from '../harness/devStack';
import { eventually } from '../harness/eventually';

jest.setTimeout(600_000);

type Final = { incrementId: string; entityId: number; syncState: string; step: string };

async function settle(dev: DevStack, summary: ShopSummary, timeoutMs: number): Promise<Final[]> {
  const paid = summary.outcomes.filter((o) => o.result === 'paid');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const finals = await Promise.all(
      paid.map(async (o) => {
        const status = await dev.client.workflow
          .getHandle(`order:${o.incrementId}`)
          .query<OrderStatus>('status')
          .catch(() => undefined);
        return {
          incrementId: o.incrementId!,
          entityId: o.entityId!,
          syncState: status?.syncState ?? 'not started',
          step: status?.step ?? 'none',
        };
      }),
    );
    const waiting = finals.filter((f) => !['completed', 'fraud_hold', 'compensated'].includes(f.syncState));
    if (waiting.length === 0) return finals;
    if (Date.now() > deadline)
      throw new Error(`orders still in flight: ${JSON.stringify(waiting.slice(0, 5))} (${waiting.length} in all)`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Every paid order that completed has exactly one of each document, and Magento says complete. */
async function expectOneOfEachDocument(dev: DevStack, finals: Final[]): Promise<void> {
  const { magento, erp } = dev.stack.clients;
  for (const f of finals.filter((x) => x.syncState === 'completed')) {
    const order = await magento.getOrder(f.entityId);
    expect({ id: f.incrementId, state: order.state }).toEqual({ id: f.incrementId, state: 'complete' });
    expect({ id: f.incrementId, invoices: (await magento.listInvoices(f.entityId)).total_count }).toEqual({
      id: f.incrementId,
      invoices: 1,
    });
    expect({ id: f.incrementId, shipments: (await magento.listShipments(f.entityId)).total_count }).toEqual({
      id: f.incrementId,
      shipments: 1,
    });
    const salesOrders = await erp.listDocs('Sales Order', {
      filters: [['po_no', '=', f.incrementId]],
      fields: ['name'],
    });
    const salesInvoices = await erp.listDocs('Sales Invoice', {
      filters: [['po_no', '=', f.incrementId]],
      fields: ['name'],
    });
    expect({ id: f.incrementId, so: salesOrders.length, si: salesInvoices.length }).toEqual({
      id: f.incrementId,
      so: 1,
      si: 1,
    });
    const wmsOrders = await axios.get(`${dev.stack.urls.wms}/2026-01/order`, {
      params: { ReferenceIds: f.incrementId },
      headers: { Authorization: 'Bearer stack-wms-token' },
    });
    expect({ id: f.incrementId, wms: wmsOrders.data.length }).toEqual({ id: f.incrementId, wms: 1 });
  }
}

async function shop(dev: DevStack, seed: number): Promise<ShopSummary> {
  const summary = await placeOrders(
    { orders: 50, declineRate: 0.1, fraudRate: 0.1, currency: 'mix', concurrency: 4, seed },
    { magento: dev.stack.clients.magento, stripe: dev.stack.stripe },
  );
  expect(summary).toMatchObject({ placed: 50, failed: 0 });
  expect(summary.paid + summary.declined).toBe(50);
  return summary;
}

describe('npm run shop -- --orders 50 --decline-rate 0.1 --fraud-rate 0.1, through webhooks, on the dev server', () => {
  it('invoices, orders, fulfils and ships every paid order exactly once, and holds the risky ones for a decision', async () => {
    const dev = await startDevStack({ stripeWebhooks: true, wmsShipDelayMs: 200 });
    try {
      const summary = await shop(dev, 4242);
      const finals = await settle(dev, summary, 240_000);
      const held = finals.filter((f) => f.syncState === 'fraud_hold');
      expect(held.length).toBeGreaterThanOrEqual(summary.flaggedElevated);
      expect(finals.filter((f) => f.syncState === 'completed').length).toBe(summary.paid - held.length);
      await expectOneOfEachDocument(dev, finals);
      // Shop orders are guest orders paid without a Stripe customer: the product made one per e-mail, marked a guest's,
      // for every completed order (returning customers' orders run at the same time), and no Magento account.
      const customers: Stripe.Customer[] = [];
      for await (const c of dev.stack.stripe.customers.list({ limit: 100 })) customers.push(c);
      const emails = new Set(customers.map((c) => c.email!));
      expect(emails.size).toBe(customers.length);
      for (const c of customers)
        expect(c.metadata).toMatchObject({ o2c_guest: 'true', o2c_customer_key: emailKey(c.email!) });
      for (const f of finals.filter((x) => x.syncState === 'completed')) {
        const email = (await dev.stack.clients.magento.getOrder(f.entityId)).customer_email.toLowerCase();
        expect({ id: f.incrementId, hasCustomer: emails.has(email) }).toEqual({ id: f.incrementId, hasCustomer: true });
      }
      // Each such customer's customer.created is the echo of our own write: the receiver acknowledges it as redundant and
      // starts no customer run (the customer sync links a guest's customer when the guest registers in Magento).
      await eventually('every guest customer’s customer.created acknowledged as redundant', async () => {
        const metrics = (await axios.get<string>(`${dev.apiUrl}/metrics`)).data;
        const ignored = Number(
          /^o2c_webhook_ignored_total\{type="customer\.created"\} (\d+)$/m.exec(metrics)?.[1] ?? 0,
        );
        return ignored >= emails.size ? ignored : undefined;
      });
      const customerRuns: string[] = [];
      for await (const wf of dev.client.workflow.list({
        query: `WorkflowType = 'customerSync' AND TaskQueue = '${dev.taskQueue}'`,
      }))
        customerRuns.push(wf.workflowId);
      expect(customerRuns).toEqual([]);
      expect((await dev.stack.clients.magento.searchCustomers([], { pageSize: 100 })).items).toEqual([]);

      const listed = (await axios.get(`${dev.apiUrl}/admin/fraud-holds`, { headers: dev.admin })).data.holds.map(
        (h: { incrementId: string }) => h.incrementId,
      );
      expect(listed).toEqual(expect.arrayContaining(held.map((h) => h.incrementId)));

      const [first] = held;
      await axios.post(
        `${dev.apiUrl}/admin/orders/${first!.incrementId}/fraud-decision`,
        { decision: 'approve', reviewer: 'ops' },
        { headers: dev.admin },
      );
      const result = (await dev.client.workflow.getHandle(`order:${first!.incrementId}`).result()) as {
        outcome: string;
      };
      expect(result.outcome).toBe('completed');
      expect((await dev.stack.clients.magento.getOrder(first!.entityId)).state).toBe('complete');
    } finally {
      await dev.close();
    }
  });

  it('reaches the same end state with no duplicate documents when Magento fails 30% of calls (429 and 5xx) and is 300 ms slow', async () => {
    const dev = await startDevStack({ stripeWebhooks: true, wmsShipDelayMs: 200 });
    try {
      // Orders are placed while Magento is healthy and their webhooks held back; then the faults start and the events flow.
      await axios.put(`${dev.stack.urls.stripe}/__sandbox/delivery`, { paused: true });
      const summary = await shop(dev, 4242);
      await axios.put(`${dev.stack.urls.magento}/__sandbox/faults`, { rate429: 0.15, rate5xx: 0.15, latencyMs: 300 });
      await axios.put(`${dev.stack.urls.stripe}/__sandbox/delivery`, { paused: false });
      const finals = await settle(dev, summary, 300_000);
      const held = finals.filter((f) => f.syncState === 'fraud_hold');
      expect(finals.filter((f) => f.syncState === 'completed').length).toBe(summary.paid - held.length);

      const requests = (await axios.get(`${dev.stack.urls.magento}/__sandbox/requests`)).data as Array<{
        status: number;
      }>;
      const faulted = requests.filter((r) => r.status === 429 || r.status >= 500).length;
      expect(faulted / requests.length).toBeGreaterThan(0.2);
      await axios.put(`${dev.stack.urls.magento}/__sandbox/faults`, { rate429: 0, rate5xx: 0, latencyMs: 0 });
      await expectOneOfEachDocument(dev, finals);
    } finally {
      await dev.close();
    }
  });
});
