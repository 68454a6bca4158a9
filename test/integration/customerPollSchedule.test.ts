import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { customerWorkflowId, emailKey } from '../../domain/customerMapping';
import type { BackfillSummary } from '../../domain/customerPoll';
import axios from 'axios';
import type Stripe from 'stripe';
import type { CustomerSyncStatus } from '../../workflows/customerSync';
import type { CustomerPollStatus } from '../../workflows/magentoCustomerPoll';
import { customerPollScheduleId, ensureCustomerPollSchedule } from '../../worker/customerPollSchedule';
import { startDevStack, type DevStack } from '../harness/devStack';
import { eventually } from '../harness/eventually';
import { everyByteString } from '../harness/historyBytes';
import { recordHistories } from '../harness/recordHistories';
import { testCustomerIdKey, testSecrets } from '../harness/productStack';

jest.setTimeout(90_000);

const run = promisify(execFile);
const repo = join(__dirname, '../..');

describe('the magento-customer-poll Schedule on the dev server', () => {
  let dev: DevStack;
  beforeAll(async () => {
    dev = await startDevStack();
  });
  const recorded: Array<{ name: string; workflowId: string }> = [];
  afterAll(async () => {
    await dev?.client.schedule
      .getHandle(customerPollScheduleId)
      .delete()
      .catch(() => undefined);
    if (dev) await recordHistories(dev.client, recorded);
    await dev?.close();
  });

  const magento = () =>
    axios.create({
      baseURL: `${dev.stack.urls.magento}/rest/default`,
      headers: { Authorization: `Bearer ${testSecrets.magentoToken}` },
    });
  const stripeCustomerWith = async (email: string): Promise<Stripe.Customer | undefined> =>
    (await dev.stack.stripe.customers.list({ email, limit: 1 })).data[0];
  /** The last completed run of the Schedule. */
  async function lastScheduledRun(after: number): Promise<CustomerPollStatus> {
    const schedule = dev.client.schedule.getHandle(customerPollScheduleId);
    const action = await eventually('a scheduled run', async () => {
      const { info } = await schedule.describe();
      return info.numActionsTaken > after && info.runningActions.length === 0
        ? info.recentActions.at(-1)?.action
        : undefined;
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
    const made = (
      await magento().post<{ id: number }>('/V1/customers', {
        customer: { email, firstname: 'Polly', lastname: 'Magento' },
      })
    ).data;
    const madeAt = Date.now();
    const inStripe = await eventually(
      'the customer in Stripe',
      async () => {
        const found = await stripeCustomerWith(email);
        return found?.metadata?.magento_customer_id === String(made.id) ? found : undefined;
      },
      everyMs + 15_000,
    );
    expect(Date.now() - madeAt).toBeLessThan(everyMs + 15_000);
    expect(inStripe).toMatchObject({
      name: 'Polly Magento',
      email,
      metadata: { magento_customer_id: String(made.id), o2c_customer_key: emailKey(email) },
    });

    const sync = client.workflow.getHandle(customerWorkflowId(emailKey(email), testCustomerIdKey));
    const first = await eventually('the run to wait', async () => {
      const s = await sync.query<CustomerSyncStatus>('status');
      return s.waiting && s.passes >= 1 ? s : undefined;
    });
    expect(first).toMatchObject({
      magentoCustomerId: made.id,
      stripeCustomerId: inStripe.id,
      lastDecision: 'created_in_stripe',
    });

    // The run's own write to Magento (the link) moved updated_at: later polls read the customer as unchanged.
    const taken = (await client.schedule.getHandle(customerPollScheduleId).describe()).info.numActionsTaken;
    const later = await lastScheduledRun(taken + 1);
    expect(later).toMatchObject({ cursorFrom: 'last_run', syncState: 'completed' });
    expect((await sync.query<CustomerSyncStatus>('status')).passes).toBe(first.passes);
    expect((await dev.stack.stripe.customers.list({ email, limit: 10 })).data).toHaveLength(1);
    await client.schedule.getHandle(customerPollScheduleId).delete();
  });

  it('backfills through the CLI and the operator API, and sums up what each customer’s run did: created, updated, unchanged, conflicts', async () => {
    const api = axios.create({ baseURL: dev.apiUrl, headers: dev.admin, validateStatus: () => true });
    expect((await api.post('/admin/customers/sync', { since: 'yesterday' })).status).toBe(400);
    expect((await api.get('/admin/customers/sync/not-a-backfill')).status).toBe(400);
    // Whole seconds: from here on, nothing the test before wrote is in the window.
    await new Promise((r) => setTimeout(r, 1100));
    const since = Math.floor(Date.now() / 1000);
    const stamp = Date.now();
    type Made = { id: number; email: string };
    const make = async (name: string): Promise<Made> =>
      (
        await magento().post<Made>('/V1/customers', {
          customer: { email: `backfill-${name.toLowerCase()}-${stamp}@example.com`, firstname: 'Back', lastname: name },
        })
      ).data;
    const edit = async (c: Made, lastname: string) => {
      const current = (await magento().get<Record<string, unknown>>(`/V1/customers/${c.id}`)).data;
      await magento().put(`/V1/customers/${c.id}`, { customer: { ...current, lastname } });
    };
    /** Synced once already, as a scheduled poll would have: linked both ways, with the hashes stored. */
    const linked = async (c: Made): Promise<string> => {
      await dev.client.workflow.signalWithStart('customerSync', {
        workflowId: customerWorkflowId(emailKey(c.email), testCustomerIdKey),
        taskQueue: dev.taskQueue,
        args: [{ key: emailKey(c.email) }],
        signal: 'magentoCustomerChanged',
        signalArgs: [{ customerId: c.id, updatedAt: '' }],
      });
      return eventually(`${c.email} linked`, async () => {
        const s = await dev.client.workflow
          .getHandle(customerWorkflowId(emailKey(c.email), testCustomerIdKey))
          .query<CustomerSyncStatus>('status')
          .catch(() => undefined);
        return s?.waiting && s.passes >= 1 && s.stripeCustomerId ? s.stripeCustomerId : undefined;
      });
    };
    const same = await make('Same');
    const edited = await make('Edited');
    const both = await make('Both');
    await linked(same);
    await linked(edited);
    const bothInStripe = await linked(both);
    await edit(edited, 'Changed');
    // Changed on both sides since the last sync (no Stripe webhooks here: the run hears of it from the backfill).
    await edit(both, 'MagentoSide');
    await dev.stack.stripe.customers.update(bothInStripe, { name: 'Back StripeSide' });
    const fresh = await make('Fresh');

    const ops = async (...args: string[]) =>
      (
        await run(process.execPath, ['--import', 'tsx', join(repo, 'scripts/ops.ts'), ...args], {
          cwd: repo,
          env: { ...process.env, API_URL: dev.apiUrl, ADMIN_TOKEN: testSecrets.adminToken },
        })
      ).stdout;
    const first = JSON.parse(
      await ops('--json', 'customers', 'sync', '--since', String(since)),
    ) as CustomerPollStatus & { workflowId: string; status: string; summary: BackfillSummary };
    expect(first).toMatchObject({ status: 'COMPLETED', read: 4, handedOver: 3, unchanged: 1 });
    expect(first.summary).toEqual({
      read: 4,
      alreadySeen: 0,
      withoutEmail: 0,
      created: 1,
      updated: 1,
      unchanged: 1,
      conflicts: 1,
      notSynced: 0,
      unanswered: 0,
    });
    expect((await stripeCustomerWith(fresh.email))?.metadata?.magento_customer_id).toBe(String(fresh.id));
    expect((await stripeCustomerWith(edited.email))?.name).toBe('Back Changed');
    expect(
      (
        await dev.client.workflow
          .getHandle(customerWorkflowId(emailKey(both.email), testCustomerIdKey))
          .query<CustomerSyncStatus>('status')
      ).conflicts,
    ).toEqual([expect.objectContaining({ kept: 'magento' })]);
    recorded.push(
      { name: 'customer-backfill-summed-up', workflowId: first.workflowId },
      {
        name: 'customer-sync-conflict-answered-backfill',
        workflowId: customerWorkflowId(emailKey(both.email), testCustomerIdKey),
      },
    );
    // What the backfill's history holds: ids and counts, never an e-mail or a name.
    const history = everyByteString(
      (await dev.client.workflow.getHandle(first.workflowId).fetchHistory()).events ?? [],
    );
    expect(history).toContain('"outcome":"conflict"');
    for (const c of [same, edited, both, fresh]) expect(history).not.toContain(c.email);
    expect(history).not.toMatch(/Back|Changed|MagentoSide|StripeSide/);

    // Again from the same time: every run's own writes come back as no change, so no run is woken.
    const again = await ops('customers', 'sync', '--since', String(since));
    expect(again.trim()).toMatch(
      new RegExp(
        '^completed: 4 customers read since [0-9: -]+: 0 created, 0 updated, 4 unchanged, 0 conflicts \\(the later change kept\\); ' +
          '0 not synced \\(guests without an account, deleted on one side\\), 0 without e-mail$',
      ),
    );
  });
});
