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
    expect(inStripe).toMatchObject({ name: 'Polly Magento', email, metadata: { magento_customer_id: String(made.id), o2c_customer_key: email } });

    const sync = client.workflow.getHandle(`customer:${email}`);
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
  });
});
