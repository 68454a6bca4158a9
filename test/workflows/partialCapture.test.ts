import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { toMinor } from '../../domain/money';
import { fraudDecisionUpdate, type OrderOutcome } from '../../messages/order';
import type { RefundOutcome } from '../../workflows/refund';
import type { ProductStack } from '../harness/productStack';
import { recordHistories } from '../harness/recordHistories';
import { basketOrder } from './baskets';
import { deliver, eventsAbout, eventually, placeOrder, shipInWms, waitForStep, shipAndDeliver } from './orderFlow';
import { startWorkflowStack, type WorkflowStack } from './workflowStack';

jest.setTimeout(180_000);

/** Patch 1.2:invoice-what-was-captured: authorise 50.00, capture 40.00, and every book says 40.00. */
describe('a payment captured for less than was authorised', () => {
  let ws: WorkflowStack;
  let env: TestWorkflowEnvironment;
  let stack: ProductStack;
  let taskQueue: string;
  const recorded: Array<{ name: string; workflowId: string }> = [];

  beforeAll(async () => {
    ws = await startWorkflowStack('partial-capture');
    ({ env, stack, taskQueue } = ws);
  });
  afterAll(async () => {
    if (!ws) return;
    await recordHistories(ws.env.client, recorded);
    await ws.close();
  });

  it('invoices, receives and measures "fully refunded" against the captured amount', async () => {
    const order = await placeOrder(stack, basketOrder('USD'));
    const handle = env.client.workflow.getHandle(`order:${order.increment_id}`);
    recorded.push({ name: 'order-captured-in-part', workflowId: handle.workflowId });
    // Authorised only, and held for review: the merchant captures part of it in the Stripe Dashboard meanwhile.
    const pi = await stack.stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      confirm: true,
      capture_method: 'manual',
      payment_method: 'pm_card_riskLevelElevated',
      metadata: { magento_order_id: order.increment_id },
    });
    await deliver(env.client, taskQueue, await eventsAbout(stack, pi.id));
    await waitForStep(handle, 'fraud_hold');
    await stack.stripe.paymentIntents.capture(pi.id, { amount_to_capture: 4000 });
    await handle.executeUpdate(fraudDecisionUpdate, { args: [{ decision: 'approve', reviewer: 'ops@shop.example' }] });

    const waiting = await waitForStep(handle, 'awaiting_shipment');
    expect(waiting.ids.magentoUncapturedMemoId).toBeDefined();
    await shipAndDeliver(handle, await shipInWms(stack, order.increment_id));
    expect(((await handle.result()) as OrderOutcome).outcome).toBe('completed');

    // Magento: the invoice, less a memo for the 10.00 never captured, is the 40.00 paid.
    const memos = (await stack.clients.magento.listCreditMemos(order.entity_id)).items;
    expect(memos.map((m) => toMinor(m.grand_total ?? 0, 'USD'))).toEqual([1000]);
    expect(JSON.stringify(memos[0]!.comments)).toContain('Not captured in Stripe');
    const magentoOrder = await stack.clients.magento.getOrder(order.entity_id);
    expect(toMinor((magentoOrder.total_paid ?? 0) - (magentoOrder.total_refunded ?? 0), 'USD')).toBe(4000);

    // ERP: the invoice is made from the amended Sales Order, and the receipt is the captured charge.
    const invoices = await stack.clients.erp.listDocs<{ grand_total: number; outstanding_amount: number }>(
      'Sales Invoice',
      {
        filters: [
          ['po_no', '=', order.increment_id],
          ['docstatus', '=', 1],
        ],
        fields: ['grand_total', 'outstanding_amount'],
        limit: 0,
      },
    );
    expect(invoices).toEqual([{ grand_total: 40, outstanding_amount: 0 }]);
    const chargeId = (await stack.stripe.paymentIntents.retrieve(pi.id)).latest_charge as string;
    const receipts = await stack.clients.erp.listDocs<{ paid_amount: number; payment_type: string }>('Payment Entry', {
      filters: [
        ['reference_no', '=', chargeId],
        ['docstatus', '=', 1],
      ],
      fields: ['paid_amount', 'payment_type'],
      limit: 0,
    });
    expect(receipts).toEqual([{ paid_amount: 40, payment_type: 'Receive' }]);

    // Refunding the 40.00 captured refunds the charge in full: one memo for it, and the order is closed.
    const refund = await stack.stripe.refunds.create({ payment_intent: pi.id });
    expect(refund.amount).toBe(4000);
    await deliver(env.client, taskQueue, await eventsAbout(stack, pi.id, ['refund.created']));
    const refundRun = env.client.workflow.getHandle(`refund:${refund.id}`);
    await eventually('the refund run to end', async () =>
      (await refundRun.describe()).status.name !== 'RUNNING' ? true : undefined,
    );
    expect(((await refundRun.result()) as RefundOutcome).outcome).toBe('recorded');
    const after = await stack.clients.magento.getOrder(order.entity_id);
    expect(toMinor(after.total_refunded ?? 0, 'USD')).toBe(5000);
    expect(after.state).toBe('closed');
  });
});
