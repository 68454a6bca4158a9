import { defaultPayloadConverter } from '@temporalio/common';
import type Stripe from 'stripe';
import {
  customerWorkflowId,
  customerWorkflowIdPattern,
  emailKey,
  legacyCustomerWorkflowId,
} from '../../domain/customerMapping';
import type { CustomerSyncStatus } from '../../workflows/customerSync';
import { deliver } from '../workflows/orderFlow';
import { startDevStack, type DevStack } from '../harness/devStack';
import { eventually } from '../harness/eventually';
import { recordHistories } from '../harness/recordHistories';
import { testCustomerIdKey } from '../harness/productStack';

jest.setTimeout(90_000);

/**
 * Release 1.2 ran each customer under `customer:<emailKey>`, a plain digest of the e-mail; now the id is keyed with
 * CUSTOMER_ID_KEY. A 1.2 run still open when the new worker starts is handed over on the customer's next change, on the
 * dev server with the real worker and the sandboxes: never two runs for one customer, nothing it knew lost.
 */
describe('customer runs under 1.2 ids move to their keyed ids', () => {
  let dev: DevStack;
  beforeAll(async () => {
    dev = await startDevStack();
  });
  afterAll(async () => dev?.close());

  const eventsOf = async (customerId: string, after = new Set<string>()): Promise<Stripe.Event[]> => {
    const found: Stripe.Event[] = [];
    for await (const e of dev.stack.stripe.events.list({ limit: 100 }))
      if ((e.data.object as { id?: string }).id === customerId && !after.has(e.id)) found.push(e);
    return found.reverse();
  };
  const statusOf = (workflowId: string) =>
    dev.client.workflow
      .getHandle(workflowId)
      .query<CustomerSyncStatus>('status')
      .catch(() => undefined);
  const openRuns = async (ids: string[]) => {
    const open: string[] = [];
    for await (const wf of dev.client.workflow.list({
      query: `WorkflowType = 'customerSync' AND ExecutionStatus = 'Running' AND TaskQueue = '${dev.taskQueue}'`,
    }))
      if (ids.includes(wf.workflowId)) open.push(wf.workflowId);
    return open;
  };

  it("hands an open 1.2 run over on the customer's next change: its state goes along, it ends, and the keyed run makes the pass", async () => {
    const email = `handover-${Date.now()}@example.com`;
    const key = emailKey(email);
    const [legacyId, keyedId] = [legacyCustomerWorkflowId(key), customerWorkflowId(key, testCustomerIdKey)];
    expect(keyedId).toMatch(customerWorkflowIdPattern);
    expect(keyedId).not.toContain(key.slice(1));

    const customer = await dev.stack.stripe.customers.create({ email, name: 'Hana Over' });
    const seen = new Set((await eventsOf(customer.id)).map((e) => e.id));
    // What 1.2's intake did with the customer.created event: signal-with-start under the plain digest.
    await dev.client.workflow.signalWithStart('customerSync', {
      workflowId: legacyId,
      taskQueue: dev.taskQueue,
      args: [{ key }],
      signal: 'stripeEvent',
      signalArgs: [
        { id: 'evt_legacy', type: 'customer.created', created: customer.created, objectId: customer.id, object: {} },
      ],
    });
    const before = await eventually('the 1.2 run made the customer in Magento', async () => {
      const s = await statusOf(legacyId);
      return s?.waiting && s.lastDecision === 'created_in_magento' ? s : undefined;
    });

    await dev.stack.stripe.customers.update(customer.id, { name: 'Hana Overton' });
    await deliver(dev.client, dev.taskQueue, await eventsOf(customer.id, seen));

    const ended = await dev.client.workflow.getHandle(legacyId).result();
    expect(ended).toMatchObject({ handedOverTo: keyedId, passes: 1, syncState: 'completed' });
    await recordHistories(dev.client, [{ name: 'customer-sync-handed-over', workflowId: legacyId }]);
    // The keyed run starts from what the 1.2 run knew (as a continue-as-new would carry it), then makes the pass.
    const history = await dev.client.workflow.getHandle(keyedId).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(defaultPayloadConverter.fromPayload(started!)).toEqual({
      key,
      magentoCustomerId: before.magentoCustomerId,
      stripeCustomerId: customer.id,
      stripeChangedAtMs: customer.created * 1000,
      passes: 1,
    });
    const after = await eventually('the keyed run copied the change', async () => {
      const s = await statusOf(keyedId);
      return s?.waiting && s.passes >= 2 ? s : undefined;
    });
    expect(after).toMatchObject({ key, magentoCustomerId: before.magentoCustomerId, stripeCustomerId: customer.id });
    expect(after.writes.magento).toBeGreaterThan(0);
    expect(await openRuns([legacyId, keyedId])).toEqual([keyedId]);
    const inMagento = await dev.stack.clients.magento.searchCustomers([[{ field: 'email', value: email }]]);
    expect(inMagento.items.map((c) => [c.id, c.firstname, c.lastname])).toEqual([
      [before.magentoCustomerId, 'Hana', 'Overton'],
    ]);
  });

  it('starts a customer with no 1.2 run under its keyed id only', async () => {
    const email = `fresh-${Date.now()}@example.com`;
    const key = emailKey(email);
    const customer = await dev.stack.stripe.customers.create({ email, name: 'Fresh Start' });
    await deliver(dev.client, dev.taskQueue, await eventsOf(customer.id));
    const keyedId = customerWorkflowId(key, testCustomerIdKey);
    await eventually('the keyed run synced it', async () => {
      const s = await statusOf(keyedId);
      return s?.lastDecision === 'created_in_magento' ? s : undefined;
    });
    expect(await openRuns([legacyCustomerWorkflowId(key), keyedId])).toEqual([keyedId]);
  });
});
