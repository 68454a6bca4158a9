import axios from 'axios';
import { WorkflowNotFoundError } from '@temporalio/client';
import { toEnvelope } from '../../domain/stripeEvents';
import type { OrderOutcome } from '../../messages/order';
import type { RefundOutcome } from '../../workflows/refund';
import { startDevStack, type DevStack } from '../harness/devStack';
import { eventually } from '../harness/eventually';
import { eventsAbout, pay, placeOrder, waitForStep } from '../workflows/orderFlow';

jest.setTimeout(120_000);

/** Temporal keeps a closed run's history only for the namespace's retention period; Magento keeps the order for good. */
describe("after the order run's history is gone (deleted here, as retention would)", () => {
  let dev: DevStack;
  beforeAll(async () => {
    dev = await startDevStack({ stripeWebhooks: true });
  });
  afterAll(async () => {
    await dev?.close();
  });

  const exists = (workflowId: string) =>
    dev.client.workflow
      .getHandle(workflowId)
      .describe()
      .then(
        () => true,
        (err) => {
          if (err instanceof WorkflowNotFoundError) return false;
          throw err;
        },
      );

  it('records a refund with exactly one credit memo and starts no new order run; a late order event ends already_settled', async () => {
    const order = await placeOrder(dev.stack);
    const pi = await pay(dev.stack, order, 'pm_card_visa');
    const workflowId = `order:${order.increment_id}`;
    const handle = dev.client.workflow.getHandle(workflowId);
    await waitForStep(handle, 'awaiting_shipment');
    const wmsOrder = await dev.stack.clients.wms.findByReferenceId(order.increment_id);
    await axios.post(`${dev.stack.urls.wms}/__sandbox/orders/${wmsOrder!.id}/ship`);
    expect(((await handle.result()) as OrderOutcome).outcome).toBe('completed');

    await dev.client.workflowService.deleteWorkflowExecution({
      namespace: dev.client.options.namespace,
      workflowExecution: { workflowId },
    });
    await eventually('the order run deleted', async () => ((await exists(workflowId)) ? undefined : true), 90_000);

    const refund = await dev.stack.stripe.refunds.create({ payment_intent: pi.id, amount: 1000 });
    const refundRun = dev.client.workflow.getHandle(`refund:${refund.id}`);
    await eventually('the refund run', async () => ((await exists(refundRun.workflowId)) ? true : undefined));
    const outcome = (await refundRun.result()) as RefundOutcome;
    expect(outcome.outcome).toBe('recorded');
    const memos = (await dev.stack.clients.magento.listCreditMemos(order.entity_id)).items;
    expect(memos.map((m) => m.grand_total)).toEqual([10]);
    expect(await exists(workflowId)).toBe(false);

    // A late event for the order (its payment's, replayed under a new id) starts a run, which finds Magento done with it.
    const [succeeded] = await eventsAbout(dev.stack, pi.id, ['payment_intent.succeeded']);
    await dev.client.workflow.start('stripeEventIntake', {
      workflowId: `stripe:${succeeded!.id}_late`,
      taskQueue: dev.taskQueue,
      args: [{ ...toEnvelope(succeeded!), id: `${succeeded!.id}_late` }],
    });
    const late = await eventually('the order run started again', async () =>
      (await exists(workflowId)) ? handle : undefined,
    );
    const settled = (await late.result()) as OrderOutcome;
    expect(settled.outcome).toBe('already_settled');
    expect((await dev.stack.clients.magento.listInvoices(order.entity_id)).total_count).toBe(1);
    expect((await dev.stack.clients.magento.listCreditMemos(order.entity_id)).items).toHaveLength(1);
    expect((await dev.stack.stripe.refunds.list({ payment_intent: pi.id })).data).toHaveLength(1);
  });
});
