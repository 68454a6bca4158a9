import axios from 'axios';
import type { ScheduleHandle } from '@temporalio/client';
import { magentoDateTime } from '../../domain/magento';
import type { CreditMemoRefundOutcome } from '../../workflows/magentoCreditMemoRefund';
import type { CreditMemoSyncStatus } from '../../workflows/magentoCreditMemoSync';
import { creditMemoSyncScheduleId, ensureCreditMemoSyncSchedule } from '../../worker/creditMemoSyncSchedule';
import { startDevStack, type DevStack } from '../harness/devStack';
import { eventually } from '../harness/eventually';
import { pay, placeOrder } from '../workflows/orderFlow';

jest.setTimeout(90_000);

describe('the magento-creditmemo-poll Schedule on the dev server', () => {
  let dev: DevStack;
  beforeAll(async () => {
    dev = await startDevStack();
  });
  afterAll(async () => {
    await dev?.client.schedule
      .getHandle(creditMemoSyncScheduleId)
      .delete()
      .catch(() => undefined);
    await dev?.close();
  });

  /** A paid order, invoiced by the product's own invoicing step, and a credit memo staff make for one mug in the admin. */
  async function staffMemoOnPaidOrder(): Promise<{ creditMemoId: number; paymentIntentId: string }> {
    const { stack } = dev;
    const order = await placeOrder(stack);
    const pi = await pay(stack, order, 'pm_card_visa');
    await stack.activities.invoiceMagentoOrder({
      entityId: order.entity_id,
      chargeId: pi.latest_charge as string,
      paymentIntentId: pi.id,
      notifyCustomer: false,
    });
    const mug = order.items.find((i) => i.sku === 'MUG-1')!;
    const memo = await axios.post<{ entity_id: number }>(
      `${stack.urls.magento}/__sandbox/orders/${order.increment_id}/creditmemos`,
      { items: [{ order_item_id: mug.item_id, qty: 1 }], arguments: { shipping_amount: 0 } },
    );
    return { creditMemoId: memo.data.entity_id, paymentIntentId: pi.id };
  }

  /**
   * Triggers the Schedule under its own overlap policy once it runs nothing, and waits for the run. (A trigger's
   * default is ALLOW_ALL, whose runs the Schedule does not follow: their results would not become the next lastResult.)
   */
  async function scheduledRun(schedule: ScheduleHandle): Promise<CreditMemoSyncStatus> {
    const taken = await eventually('the schedule to be idle', async () => {
      const { info } = await schedule.describe();
      return info.runningActions.length === 0 ? info.numActionsTaken : undefined;
    });
    await schedule.trigger('SKIP');
    const action = await eventually('the scheduled run', async () => {
      const { info } = await schedule.describe();
      return info.numActionsTaken > taken ? info.recentActions.at(-1)?.action : undefined;
    });
    return dev.client.workflow.getHandle(action.workflow.workflowId, action.workflow.firstExecutionRunId).result();
  }

  const refundsOf = async (paymentIntentId: string) =>
    (await dev.stack.stripe.refunds.list({ payment_intent: paymentIntentId })).data;

  it('refunds a staff memo on its first run and hands its cursor on to the next runs, which refund only what is new', async () => {
    const { client, taskQueue } = dev;
    expect(await ensureCreditMemoSyncSchedule(client, taskQueue, '1h')).toBe('created');
    expect(await ensureCreditMemoSyncSchedule(client, taskQueue, '1h')).toBe('updated');
    const schedule = client.schedule.getHandle(creditMemoSyncScheduleId);
    expect((await schedule.describe()).policies.overlap).toBe('SKIP');
    await schedule.pause('only the test’s triggers run (an hourly interval fires on the hour)');

    const one = await staffMemoOnPaidOrder();
    const first = await scheduledRun(schedule);
    expect(first).toMatchObject({ cursorFrom: 'first_run', started: [one.creditMemoId], syncState: 'completed' });
    expect(
      ((await client.workflow.getHandle(`creditmemo:${one.creditMemoId}`).result()) as CreditMemoRefundOutcome).outcome,
    ).toBe('refunded');
    expect((await refundsOf(one.paymentIntentId)).map((r) => r.amount)).toEqual([1000]);

    const second = await scheduledRun(schedule);
    expect(second).toMatchObject({ cursorFrom: 'last_run', started: [], alreadyStarted: [] });
    expect(second.cursor.updatedAt >= first.cursor.updatedAt).toBe(true);

    const two = await staffMemoOnPaidOrder();
    const third = await scheduledRun(schedule);
    expect(third).toMatchObject({ cursorFrom: 'last_run', started: [two.creditMemoId] });
    expect(
      ((await client.workflow.getHandle(`creditmemo:${two.creditMemoId}`).result()) as CreditMemoRefundOutcome).outcome,
    ).toBe('refunded');
    expect((await refundsOf(one.paymentIntentId)).map((r) => r.amount)).toEqual([1000]);
    expect((await refundsOf(two.paymentIntentId)).map((r) => r.amount)).toEqual([1000]);
  });

  it('starts a memo’s run once when two polls read it at the same moment (a run started by hand beside the scheduled one)', async () => {
    const { client, taskQueue } = dev;
    const memo = await staffMemoOnPaidOrder();
    const since = magentoDateTime(Date.now() - 5000);
    const polls: CreditMemoSyncStatus[] = await Promise.all(
      [1, 2].map((n) =>
        client.workflow.execute('magentoCreditMemoSync', {
          workflowId: `creditmemo-sync-by-hand-${n}-${memo.creditMemoId}`,
          taskQueue,
          args: [{ since }],
        }),
      ),
    );
    expect(polls.filter((poll) => poll.started.includes(memo.creditMemoId))).toHaveLength(1);
    expect(
      ((await client.workflow.getHandle(`creditmemo:${memo.creditMemoId}`).result()) as CreditMemoRefundOutcome)
        .outcome,
    ).toBe('refunded');
    expect((await refundsOf(memo.paymentIntentId)).map((r) => r.amount)).toEqual([1000]);
  });
});
