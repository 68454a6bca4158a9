import { customerWorkflowId, emailKey } from '../../domain/customerMapping';
import axios from 'axios';
import type Stripe from 'stripe';
import type { CustomerSyncStatus } from '../../workflows/customerSync';
import type { CustomerPollStatus } from '../../workflows/magentoCustomerPoll';
import { customerPollScheduleId, ensureCustomerPollSchedule } from '../../worker/customerPollSchedule';
import { startDevStack, type DevStack } from '../harness/devStack';
import { eventually } from '../harness/eventually';
import { testSecrets } from '../harness/productStack';

jest.setTimeout(90_000);

describe('the magento-customer-poll Schedule on the dev server', () => {
  let dev: DevStack;
  beforeAll(async () => {
    dev = await startDevStack();
  });
  afterAll(async () => {
    await dev?.client.schedule.getHandle(customerPollScheduleId).delete().catch(() => undefined);
    await dev?.close();
  });

  const magento = () => axios.create({ baseURL: `${dev.stack.urls.magento}/rest/default`, headers: { Authorization: `Bearer ${testSecrets.magentoToken}` } });
  const stripeCustomerWith = async (email: string): Promise<Stripe.Customer | undefined> =>
    (await dev.stack.stripe.customers.list({ email, limit: 1 })).data[0];
  /** The last completed run of the Schedule. */
  async function lastScheduledRun(after: number): Promise<CustomerPollStatus> {
    const schedule = dev.client.schedule.getHandle(customerPollScheduleId);
    const action = await eventually('a scheduled run', async () => {
      const { info } = await schedule.describe();
      return info.numActionsTaken > after && info.runningActions.length === 0 ? info.recentActions.at(-1)?.action : undefined;
    });
    return dev.client.workflow.getHandle(action.workflow.workflowId, action.workflow.firstExecutionRunId).result();
  }

  it('puts a customer made in Magento into Stripe within one poll interval, and does not wake its run again for the echo of its own write', async () => {
    const { client, taskQueue } = dev;
    const everyMs = 3000;
    expect(await ensureCustomerPollSchedule(client, taskQueue, '3s')).toBe('created');
    expect(await ensureCustomerPollSchedule(client, taskQueue, '3s')).toBe('updated');
    expect((await client.schedule.getHandle(customerPollScheduleId).describe()).policies.overlap).toBe('SKIP');

    const email = `poll-${Date.now()}@example.com`;
    const made = (await magento().post<{ id: number }>('/V1/customers', { customer: { email, firstname: 'Polly', lastname: 'Magento' } })).data;
    const madeAt = Date.now();
    const inStripe = await eventually('the customer in Stripe', async () => {
      const found = await stripeCustomerWith(email);
      return found?.metadata?.magento_customer_id === String(made.id) ? found : undefined;
    }, everyMs + 15_000);
    expect(Date.now() - madeAt).toBeLessThan(everyMs + 15_000);
    expect(inStripe).toMatchObject({ name: 'Polly Magento', email, metadata: { magento_customer_id: String(made.id), o2c_customer_key: emailKey(email) } });

    const sync = client.workflow.getHandle(customerWorkflowId(emailKey(email)));
    const first = await eventually('the run to wait', async () => {
      const s = await sync.query<CustomerSyncStatus>('status');
      return s.waiting && s.passes >= 1 ? s : undefined;
    });
    expect(first).toMatchObject({ magentoCustomerId: made.id, stripeCustomerId: inStripe.id, lastDecision: 'created_in_stripe' });

    // The run's own write to Magento (the link) moved updated_at: later polls read the customer as unchanged.
    const taken = (await client.schedule.getHandle(customerPollScheduleId).describe()).info.numActionsTaken;
    const later = await lastScheduledRun(taken + 1);
    expect(later).toMatchObject({ cursorFrom: 'last_run', syncState: 'completed' });
    expect((await sync.query<CustomerSyncStatus>('status')).passes).toBe(first.passes);
    expect((await dev.stack.stripe.customers.list({ email, limit: 10 })).data).toHaveLength(1);
    await client.schedule.getHandle(customerPollScheduleId).delete();
  });

  it('backfills through the operator API: every Magento customer changed since a time is handed to its run, and the progress says so', async () => {
    const emails = [1, 2, 3].map((n) => `backfill-${n}-${Date.now()}@example.com`);
    for (const email of emails) await magento().post('/V1/customers', { customer: { email, firstname: 'Back', lastname: 'Fill' } });
    const api = axios.create({ baseURL: dev.apiUrl, headers: dev.admin, validateStatus: () => true });
    expect((await api.post('/admin/customers/sync', { since: 'yesterday' })).status).toBe(400);
    const started = await api.post<{ workflowId: string; status: string }>('/admin/customers/sync', { since: Math.floor(Date.now() / 1000) - 3600 });
    expect(started.status).toBe(202);
    const done = await eventually('the backfill', async () => {
      const answer = (await api.get<{ status: string; progress: { read: number; handedOver: number; unchanged: number } }>(started.data.status)).data;
      return answer.status === 'COMPLETED' ? answer : undefined;
    });
    expect(done.progress.read).toBeGreaterThanOrEqual(3);
    expect(done.progress.handedOver).toBeGreaterThanOrEqual(3);
    for (const email of emails) {
      await eventually(`${email} in Stripe`, async () => ((await stripeCustomerWith(email))?.metadata?.magento_customer_id ? true : undefined));
    }
    expect((await api.get('/admin/customers/sync/not-a-backfill')).status).toBe(400);
  });
});
