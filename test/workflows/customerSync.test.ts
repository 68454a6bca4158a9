import { customerWorkflowId, emailKey } from '../../domain/customerMapping';
import axios from 'axios';
import type Stripe from 'stripe';
import type { CustomerSyncStatus } from '../../workflows/customerSync';
import { testCustomerIdKey, testSecrets } from '../harness/productStack';
import { deliver, eventually } from './orderFlow';
import { startWorkflowStack, type WorkflowStack } from './workflowStack';

jest.setTimeout(240_000); // 100 alternating edits take about a minute alone, twice that beside other suites

interface MagentoCustomer {
  id: number;
  email: string;
  firstname: string;
  lastname: string;
  updated_at: string;
  custom_attributes?: Array<{ attribute_code: string; value: string }>;
  [k: string]: unknown;
}
interface LoggedRequest {
  method: string;
  path: string;
}

describe('customerSync on the time-skipping server, with real activities against the sandboxes', () => {
  let ws: WorkflowStack;
  beforeAll(async () => {
    ws = await startWorkflowStack('customer-sync');
  });
  afterAll(() => ws?.close());

  const magento = () =>
    axios.create({
      baseURL: `${ws.stack.urls.magento}/rest/default`,
      headers: { Authorization: `Bearer ${testSecrets.magentoToken}` },
    });
  const erpCustomers = async (email: string) =>
    await ws.stack.clients.erp.listDocs<{ name: string; customer_name: string; email_id: string }>('Customer', {
      filters: [['email_id', '=', email]],
      fields: ['name', 'customer_name', 'email_id'],
      limit: 0,
    });
  const requests = async (url: string): Promise<LoggedRequest[]> =>
    (await axios.get<LoggedRequest[]>(`${url}/__sandbox/requests`)).data;
  const writes = (log: LoggedRequest[], pattern: RegExp) =>
    log.filter((r) => r.method !== 'GET' && pattern.test(r.path)).length;
  let n = 0;
  const uniqueEmail = (who: string) => `${who}${++n}-${Date.now()}@example.com`;

  const delivered = new Set<string>();
  /** Hands every customer event not delivered yet to the product's intake, as Stripe's webhooks would. */
  async function deliverCustomerEvents(customerId: string): Promise<number> {
    const fresh: Stripe.Event[] = [];
    for await (const event of ws.stack.stripe.events.list({ limit: 100 })) {
      const o = event.data.object as { id?: string };
      if (o.id === customerId && event.type.startsWith('customer.') && !delivered.has(event.id)) fresh.push(event);
    }
    fresh.reverse().forEach((e) => delivered.add(e.id));
    await deliver(ws.env.client, ws.taskQueue, fresh);
    return fresh.length;
  }

  const handleOf = (email: string) =>
    ws.env.client.workflow.getHandle(customerWorkflowId(emailKey(email), testCustomerIdKey));
  const status = (email: string) => handleOf(email).query<CustomerSyncStatus>('status');
  /** Waits until the run has done `passes` passes and waits for the next change. */
  const settled = (email: string, passes: number) =>
    eventually(`customer:${email} after ${passes} passes`, async () => {
      const s = await status(email).catch(() => undefined);
      return s && s.waiting && s.passes >= passes ? s : undefined;
    });
  /** The Magento poll saw the customer change. */
  const magentoChanged = async (email: string, customerId: number) =>
    ws.env.client.workflow.signalWithStart('customerSync', {
      workflowId: customerWorkflowId(emailKey(email), testCustomerIdKey),
      taskQueue: ws.taskQueue,
      args: [{ key: emailKey(email) }],
      signal: 'magentoCustomerChanged',
      signalArgs: [{ customerId, updatedAt: '' }],
    });

  /** Delivers events and Magento changes until the run has nothing new: our own writes' echoes included. */
  async function settleAll(email: string, stripeId: string, magentoId: number): Promise<CustomerSyncStatus> {
    let s = await status(email);
    for (let round = 0; round < 6; round++) {
      const before = s.writes;
      const events = await deliverCustomerEvents(stripeId);
      await magentoChanged(email, magentoId);
      s = await settled(email, s.passes + 1);
      if (s.writes.magento === before.magento && s.writes.stripe === before.stripe && events === 0) return s;
    }
    throw new Error('the sync did not settle: ping-pong');
  }

  it('puts a customer made in Stripe into Magento and the ERP, linked both ways', async () => {
    const email = uniqueEmail('stripe-first');
    const customer = await ws.stack.stripe.customers.create({
      email,
      name: 'Dr. Anna van der Berg',
      phone: '+31 20 555 0101',
      address: { line1: 'Keizersgracht 1', city: 'Amsterdam', postal_code: '1015', country: 'NL' },
    });
    await deliverCustomerEvents(customer.id);
    const s = await settled(email, 1);
    expect(s.lastDecision).toBe('created_in_magento');
    const found = (
      await magento().get<{ items: MagentoCustomer[] }>(
        `/V1/customers/search?searchCriteria[filter_groups][0][filters][0][field]=email&searchCriteria[filter_groups][0][filters][0][value]=${encodeURIComponent(email)}`,
      )
    ).data.items;
    expect(found).toEqual([
      expect.objectContaining({ prefix: 'Dr.', firstname: 'Anna', lastname: 'van der Berg', email }),
    ]);
    expect(found[0]!.custom_attributes).toEqual(
      expect.arrayContaining([{ attribute_code: 'stripe_customer_id', value: customer.id }]),
    );
    expect(((await ws.stack.stripe.customers.retrieve(customer.id)) as Stripe.Customer).metadata).toMatchObject({
      magento_customer_id: String(found[0]!.id),
    });
    expect(await erpCustomers(email)).toEqual([
      expect.objectContaining({ customer_name: 'Dr. Anna van der Berg', email_id: email }),
    ]);
  });

  it('puts a customer made in Magento into Stripe', async () => {
    const email = uniqueEmail('magento-first');
    const created = (
      await magento().post<MagentoCustomer>('/V1/customers', {
        customer: { email, firstname: 'Cher', lastname: 'Cher' },
      })
    ).data;
    await magentoChanged(email, created.id);
    const s = await settled(email, 1);
    expect(s.lastDecision).toBe('created_in_stripe');
    const [customer] = (await ws.stack.stripe.customers.list({ email })).data;
    expect(customer).toMatchObject({ name: 'Cher', email, metadata: { magento_customer_id: String(created.id) } });
  });

  it('keeps both sides equal through 100 edits alternating between the sides, with a bounded number of writes (no ping-pong)', async () => {
    const email = uniqueEmail('alternating');
    const created = (
      await magento().post<MagentoCustomer>('/V1/customers', {
        customer: { email, firstname: 'Ada', lastname: 'Lovelace' },
      })
    ).data;
    await magentoChanged(email, created.id);
    const first = await settled(email, 1);
    const stripeId = first.stripeCustomerId!;
    await settleAll(email, stripeId, created.id);
    const stripeLog = (await requests(ws.stack.urls.stripe)).length;
    const magentoLog = (await requests(ws.stack.urls.magento)).length;
    // 100 edits in all, alternating sides.
    const rounds = 50;
    for (let i = 0; i < rounds; i++) {
      await ws.stack.stripe.customers.update(stripeId, { name: `Ada King${i}` });
      await settleAll(email, stripeId, created.id);
      const current = (await magento().get<MagentoCustomer>(`/V1/customers/${created.id}`)).data;
      expect(current.lastname).toBe(`King${i}`);
      await magento().put(`/V1/customers/${created.id}`, { customer: { ...current, lastname: `Byron${i}` } });
      await settleAll(email, stripeId, created.id);
      expect(((await ws.stack.stripe.customers.retrieve(stripeId)) as Stripe.Customer).name).toBe(`Ada Byron${i}`);
    }
    const stripeWrites = writes((await requests(ws.stack.urls.stripe)).slice(stripeLog), /^\/v1\/customers/);
    const magentoWrites = writes((await requests(ws.stack.urls.magento)).slice(magentoLog), /\/V1\/customers/);
    // Per round and side: the edit by hand, the copy of the other side's edit, the new hash stored back on the edited
    // side. Our own writes come back (events, the poll) as no change: settleAll would throw on a ping-pong.
    expect(stripeWrites).toBeLessThanOrEqual(rounds * 3);
    expect(magentoWrites).toBeLessThanOrEqual(rounds * 3);
    const final = await status(email);
    expect(final.conflicts).toEqual([]);
    expect(await erpCustomers(email)).toEqual([expect.objectContaining({ customer_name: `Ada Byron${rounds - 1}` })]);
  }, 600_000); // about 300 settle rounds: 60-100 s alone, over 240 s once in CI beside the heavier suites

  it('resolves an edit on both sides at once by the later change and records the conflict', async () => {
    const email = uniqueEmail('conflict');
    const created = (
      await magento().post<MagentoCustomer>('/V1/customers', {
        customer: { email, firstname: 'Grace', lastname: 'Hopper' },
      })
    ).data;
    await magentoChanged(email, created.id);
    const first = await settled(email, 1);
    const stripeId = first.stripeCustomerId!;
    await settleAll(email, stripeId, created.id);
    const current = (await magento().get<MagentoCustomer>(`/V1/customers/${created.id}`)).data;
    await magento().put(`/V1/customers/${created.id}`, { customer: { ...current, lastname: 'Magento' } });
    // Stripe's edit is later: its event's time is after Magento's updated_at (whole seconds).
    await new Promise((r) => setTimeout(r, 1100));
    await ws.stack.stripe.customers.update(stripeId, { name: 'Grace Stripe' });
    const s = await settleAll(email, stripeId, created.id);
    expect(s.conflicts).toEqual([expect.objectContaining({ kept: 'stripe' })]);
    expect((await magento().get<MagentoCustomer>(`/V1/customers/${created.id}`)).data.lastname).toBe('Stripe');
    expect(((await ws.stack.stripe.customers.retrieve(stripeId)) as Stripe.Customer).name).toBe('Grace Stripe');
  });

  it('flags the Magento customer when the Stripe customer is deleted, and deletes nothing', async () => {
    const email = uniqueEmail('deleted');
    const created = (
      await magento().post<MagentoCustomer>('/V1/customers', {
        customer: { email, firstname: 'Alan', lastname: 'Turing' },
      })
    ).data;
    await magentoChanged(email, created.id);
    const stripeId = (await settled(email, 1)).stripeCustomerId!;
    await settleAll(email, stripeId, created.id);
    await ws.stack.stripe.customers.del(stripeId);
    const s = await settleAll(email, stripeId, created.id);
    expect(s.lastDecision).toBe('stripe_deleted');
    const current = (await magento().get<MagentoCustomer>(`/V1/customers/${created.id}`)).data;
    expect(current.custom_attributes).toEqual(
      expect.arrayContaining([expect.objectContaining({ attribute_code: 'o2c_stripe_deleted_at' })]),
    );
  });

  it('removes the link from the Stripe customer when the Magento customer is deleted, keeps the Stripe customer, and links a new registration again', async () => {
    const email = uniqueEmail('magento-deleted');
    const created = (
      await magento().post<MagentoCustomer>('/V1/customers', {
        customer: { email, firstname: 'Grace', lastname: 'Hopper' },
      })
    ).data;
    await magentoChanged(email, created.id);
    const stripeId = (await settled(email, 1)).stripeCustomerId!;
    await settleAll(email, stripeId, created.id);

    expect((await magento().delete(`/V1/customers/${created.id}`)).data).toBe(true);
    // The next pass (a Stripe edit, a signal, a backfill) finds the linked customer gone.
    await ws.stack.stripe.customers.update(stripeId, { phone: '+1 555 0199' });
    const s = await settleAll(email, stripeId, created.id);
    expect(s).toMatchObject({ lastDecision: 'magento_deleted', magentoDeletedAt: expect.any(String) });
    expect(s.magentoCustomerId).toBeUndefined();
    const stripeCustomer = (await ws.stack.stripe.customers.retrieve(stripeId)) as Stripe.Customer;
    expect(stripeCustomer.deleted).toBeUndefined();
    expect(stripeCustomer.metadata.magento_customer_id).toBeUndefined();
    expect(stripeCustomer.metadata.o2c_magento_deleted_at).toBe(s.magentoDeletedAt);
    const search = `/V1/customers/search?searchCriteria[filter_groups][0][filters][0][field]=email&searchCriteria[filter_groups][0][filters][0][value]=${encodeURIComponent(email)}`;
    expect((await magento().get<{ items: MagentoCustomer[] }>(search)).data.items).toEqual([]);

    const again = (
      await magento().post<MagentoCustomer>('/V1/customers', {
        customer: { email, firstname: 'Grace', lastname: 'Hopper' },
      })
    ).data;
    const relinked = await settleAll(email, stripeId, again.id);
    expect(relinked).toMatchObject({ magentoCustomerId: again.id, stripeCustomerId: stripeId });
    const linked = (await ws.stack.stripe.customers.retrieve(stripeId)) as Stripe.Customer;
    expect(linked.metadata).toMatchObject({ magento_customer_id: String(again.id) });
    expect(linked.metadata.o2c_magento_deleted_at).toBeUndefined();
    expect((await ws.stack.stripe.customers.list({ email })).data).toHaveLength(1);
  });

  it('makes no Magento account for a guest’s Stripe customer, and links it when the guest registers in Magento', async () => {
    const email = uniqueEmail('guest');
    const guest = await ws.stack.stripe.customers.create({
      email,
      name: 'Ada Lovelace',
      metadata: { source: 'shop', o2c_guest: 'true' },
    });
    await deliverCustomerEvents(guest.id);
    const s = await settled(email, 1);
    expect(s).toMatchObject({ lastDecision: 'guest_without_account', writes: { magento: 0, stripe: 0, erp: 0 } });
    const search = `/V1/customers/search?searchCriteria[filter_groups][0][filters][0][field]=email&searchCriteria[filter_groups][0][filters][0][value]=${encodeURIComponent(email)}`;
    expect((await magento().get<{ items: MagentoCustomer[] }>(search)).data.items).toEqual([]);

    const registered = (
      await magento().post<MagentoCustomer>('/V1/customers', {
        customer: { email, firstname: 'Ada', lastname: 'Lovelace' },
      })
    ).data;
    const linked = await settleAll(email, guest.id, registered.id);
    expect(linked).toMatchObject({ magentoCustomerId: registered.id, stripeCustomerId: guest.id });
    const after = (await ws.stack.stripe.customers.retrieve(guest.id)) as Stripe.Customer;
    expect(after.metadata).toMatchObject({ magento_customer_id: String(registered.id), source: 'shop' });
    expect(after.metadata.o2c_guest).toBeUndefined();
    expect((await magento().get<MagentoCustomer>(`/V1/customers/${registered.id}`)).data.custom_attributes).toEqual(
      expect.arrayContaining([{ attribute_code: 'stripe_customer_id', value: guest.id }]),
    );
    expect((await ws.stack.stripe.customers.list({ email })).data).toHaveLength(1);
  });
});
