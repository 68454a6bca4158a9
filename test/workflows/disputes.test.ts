import axios from 'axios';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type Stripe from 'stripe';
import { toMinor } from '../../domain/money';
import type { OrderOutcome } from '../../messages/order';
import { merchantEmail, type ProductStack } from '../harness/productStack';
import { recordHistories } from '../harness/recordHistories';
import { deliver, eventsAbout, eventually, pay, placeOrder, shipInWms, waitForStep, shipAndDeliver } from './orderFlow';
import { closeDispute as closeDisputeIn, openDispute as openDisputeIn, type DisputeDelivery } from './disputeFlow';
import { startWorkflowStack, type WorkflowStack } from './workflowStack';

jest.setTimeout(180_000);

describe('disputes: one run per Stripe dispute, the money booked as it moves, and never a refund for a chargeback', () => {
  let ws: WorkflowStack;
  let env: TestWorkflowEnvironment;
  let stack: ProductStack;
  let taskQueue: string;
  const recorded: Array<{ name: string; workflowId: string }> = [];

  beforeAll(async () => {
    ws = await startWorkflowStack('disputes');
    ({ env, stack, taskQueue } = ws);
  });

  afterAll(async () => {
    if (!ws) return;
    await recordHistories(ws.env.client, recorded);
    await ws.close();
  });

  const orderHandle = (incrementId: string) => env.client.workflow.getHandle(`order:${incrementId}`);

  async function paidOrder() {
    const order = await placeOrder(stack);
    const pi = await pay(stack, order, 'pm_card_visa');
    await deliver(
      env.client,
      taskQueue,
      await eventsAbout(stack, pi.id, ['payment_intent.succeeded', 'charge.succeeded']),
    );
    await waitForStep(orderHandle(order.increment_id), 'awaiting_shipment');
    return { order, pi };
  }

  const delivery = (): DisputeDelivery => ({ stack, client: env.client, taskQueue });
  const openDispute = (pi: Stripe.PaymentIntent) => openDisputeIn(delivery(), pi);
  const closeDispute = (disputeId: string, outcome: 'won' | 'lost') => closeDisputeIn(delivery(), disputeId, outcome);

  async function journalLines(
    references: string[],
  ): Promise<Array<{ account: string; debit: number; credit: number }>> {
    const lines: Array<{ account: string; debit: number; credit: number }> = [];
    for (const reference of references) {
      const [entry] = await stack.clients.erp.listDocs<{ name: string }>('Journal Entry', {
        filters: [
          ['cheque_no', '=', reference],
          ['docstatus', '=', 1],
        ],
        fields: ['name'],
      });
      if (!entry) continue;
      const doc = await stack.clients.erp.getDoc('Journal Entry', entry.name);
      for (const row of doc.accounts as Array<{
        account: string;
        debit_in_account_currency: number;
        credit_in_account_currency: number;
      }>) {
        lines.push({
          account: row.account,
          debit: toMinor(row.debit_in_account_currency, 'USD'),
          credit: toMinor(row.credit_in_account_currency, 'USD'),
        });
      }
    }
    return lines;
  }

  const net = (lines: Array<{ account: string; debit: number; credit: number }>, account: string) =>
    lines.filter((l) => l.account === account).reduce((sum, l) => sum + l.debit - l.credit, 0);

  // First in the file: no other test has skipped the server's clock ahead of the sandbox's yet.
  it('reminds the merchant before the evidence is due, at the configured time (72 h before)', async () => {
    const { pi } = await paidOrder();
    const disputeId = await openDispute(pi);
    const dueByMs = ((await stack.stripe.disputes.retrieve(disputeId)).evidence_details?.due_by ?? 0) * 1000;
    const remindAtMs = dueByMs - 72 * 3600_000;
    const reminders = async () =>
      (await stack.mail.messages({ to: merchantEmail })).filter((m) =>
        m.subject.includes(`evidence for dispute ${disputeId}`),
      );

    await env.sleep(Math.max(0, remindAtMs - 3600_000 - (await env.currentTimeMs())));
    expect(await reminders()).toEqual([]);
    await env.sleep(2 * 3600_000);
    const sent = await eventually('the evidence reminder', async () =>
      (await reminders()).length > 0 ? reminders() : undefined,
    );
    expect(sent).toHaveLength(1);
    await closeDispute(disputeId, 'won');
  });

  it('holds an unshipped order when its payment is disputed, and reverses it without a Stripe refund when the dispute is lost', async () => {
    const { order, pi } = await paidOrder();
    const disputeId = await openDispute(pi);
    recorded.push({ name: 'dispute-lost-before-shipment', workflowId: `dispute:${disputeId}` });
    await eventually('the Magento hold', async () =>
      (await stack.clients.magento.getOrder(order.entity_id)).state === 'holded' ? true : undefined,
    );

    const outcome = await closeDispute(disputeId, 'lost');
    expect(outcome.outcome).toBe('lost_before_shipment');
    const reversed = (await orderHandle(order.increment_id).result()) as OrderOutcome;
    expect(reversed.outcome).toBe('compensated');
    expect(reversed.reason).toBe('the dispute was lost before shipment');

    expect((await stack.stripe.refunds.list({ payment_intent: pi.id })).data).toEqual([]);
    const memos = (await stack.clients.magento.listCreditMemos(order.entity_id)).items;
    expect(memos).toHaveLength(1);
    expect(JSON.stringify(memos[0]!.comments)).toContain('Chargeback');
    expect((await stack.clients.wms.findByReferenceId(order.increment_id))?.status).toBe('Cancelled');

    // Booked: the withdrawal (amount and fee) and, as nothing was invoiced, the charge cleared against the loss.
    const dispute = await stack.stripe.disputes.retrieve(disputeId);
    const lines = await journalLines([...dispute.balance_transactions.map((t) => t.id), `${disputeId}:unshipped`]);
    const { glAccounts, bankAccount } = stack.clients.settings.erp;
    const fee = dispute.balance_transactions[0]!.fee;
    expect(net(lines, glAccounts.dispute!)).toBe(0);
    expect(net(lines, glAccounts.fee!)).toBe(fee);
    expect(net(lines, bankAccount)).toBe(-fee);
  });

  it('books a dispute on a shipped order and its reversal when won: the chargeback entries net to zero, the order untouched', async () => {
    const { order, pi } = await paidOrder();
    await shipAndDeliver(orderHandle(order.increment_id), await shipInWms(stack, order.increment_id));
    expect(((await orderHandle(order.increment_id).result()) as OrderOutcome).outcome).toBe('completed');
    const { runId } = await orderHandle(order.increment_id).describe();

    const disputeId = await openDispute(pi);
    recorded.push({ name: 'dispute-won-after-shipment', workflowId: `dispute:${disputeId}` });
    const outcome = await closeDispute(disputeId, 'won');
    expect(outcome.outcome).toBe('won');

    const dispute = await stack.stripe.disputes.retrieve(disputeId);
    expect(dispute.balance_transactions).toHaveLength(2);
    const lines = await journalLines(dispute.balance_transactions.map((t) => t.id));
    const { glAccounts } = stack.clients.settings.erp;
    expect(lines.reduce((s, l) => s + l.debit - l.credit, 0)).toBe(0);
    expect(net(lines, glAccounts.dispute!)).toBe(0);
    expect(Object.keys(outcome.status.journalEntries)).toEqual(dispute.balance_transactions.map((t) => t.id));
    expect((await stack.clients.magento.listCreditMemos(order.entity_id)).items).toEqual([]);
    expect((await stack.stripe.refunds.list({ payment_intent: pi.id })).data).toEqual([]);
    expect((await orderHandle(order.increment_id).describe()).runId).toBe(runId);
    const comments =
      (await stack.clients.magento.getOrder(order.entity_id)).status_histories?.map((h) => h.comment ?? '') ?? [];
    expect(comments.some((c) => c.includes(`Stripe dispute ${disputeId} won`))).toBe(true);
  });

  it('records a lost dispute on a shipped order as a chargeback credit memo and ERP credit note, with no refund call', async () => {
    const { order, pi } = await paidOrder();
    await shipAndDeliver(orderHandle(order.increment_id), await shipInWms(stack, order.increment_id));
    expect(((await orderHandle(order.increment_id).result()) as OrderOutcome).outcome).toBe('completed');
    const disputeId = await openDispute(pi);
    const outcome = await closeDispute(disputeId, 'lost');
    expect(outcome.outcome).toBe('lost');
    const memos = (await stack.clients.magento.listCreditMemos(order.entity_id)).items;
    expect(memos.map((m) => m.grand_total)).toEqual([50]);
    expect(JSON.stringify(memos[0]!.comments)).toContain(`Chargeback: Stripe dispute lost: ${disputeId}`);
    const returns = await stack.clients.erp.listDocs<{ grand_total: number }>('Sales Invoice', {
      filters: [
        ['po_no', '=', order.increment_id],
        ['is_return', '=', 1],
        ['docstatus', '=', 1],
      ],
      fields: ['grand_total'],
    });
    expect(returns.map((r) => r.grand_total)).toEqual([-50]);
    expect((await stack.stripe.refunds.list({ payment_intent: pi.id })).data).toEqual([]);
  });

  it('alerts the merchant to an early fraud warning on an order that has shipped, recommending a refund, and starts no order run', async () => {
    const { order, pi } = await paidOrder();
    await shipAndDeliver(orderHandle(order.increment_id), await shipInWms(stack, order.increment_id));
    expect(((await orderHandle(order.increment_id).result()) as OrderOutcome).outcome).toBe('completed');
    const { runId } = await orderHandle(order.increment_id).describe();
    await axios.post(`${stack.urls.stripe}/__sandbox/charges/${pi.latest_charge as string}/early_fraud_warning`, {
      fraud_type: 'made_with_stolen_card',
    });
    const warnings: Stripe.Event[] = [];
    for await (const event of stack.stripe.events.list({ limit: 100 })) {
      if (
        event.type === 'radar.early_fraud_warning.created' &&
        (event.data.object as { charge?: string }).charge === pi.latest_charge
      )
        warnings.push(event);
    }
    expect(warnings).toHaveLength(1);
    await deliver(env.client, taskQueue, warnings);
    const intake = (await env.client.workflow.getHandle(`stripe:${warnings[0]!.id}`).result()) as { outcome: string };
    expect(intake.outcome).toBe('order_closed');
    const alerts = (await stack.mail.messages({ to: merchantEmail })).filter(
      (m) => m.subject === `Order ${order.increment_id}: early fraud warning after shipment`,
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.text).toContain(`npm run ops -- refund ${order.increment_id}`);
    expect((await orderHandle(order.increment_id).describe()).runId).toBe(runId);
  });
});
