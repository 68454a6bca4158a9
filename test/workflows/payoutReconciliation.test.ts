import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type Stripe from 'stripe';
import type { ProductActivities } from '../../activities';
import type { FrappeDoc } from '../../activities/erp/client';
import { temporalEnvSchema } from '../../config/env';
import { toMinor } from '../../domain/money';
import type { PayoutReconciliationResult, PayoutReport } from '../../domain/reconciliation';
import type { PayoutStatus } from '../../workflows/payoutReconciliation';
import { createWorker } from '../../worker/worker';
import { startProductStack, type ProductStack } from '../harness/productStack';
import { recordHistories } from '../harness/recordHistories';
import { createTimeSkippingEnv, uniqueTaskQueue } from '../harness/temporal';
import { deliver } from './orderFlow';
import { payInStripe, payOut, payoutEvents, sweptTransactions } from './payoutFlow';

jest.setTimeout(120_000);

interface JournalEntryDoc extends FrappeDoc {
  cheque_no: string;
  total_debit: number;
  total_credit: number;
  accounts: Array<{ account: string; debit: number; credit: number }>;
}

describe('payoutReconciliation on the time-skipping server, with real activities against the sandbox', () => {
  const taskQueue = uniqueTaskQueue('payout-reconciliation');
  let env: TestWorkflowEnvironment;
  let stack: ProductStack;
  let worker: Worker;
  let running: Promise<void>;
  /**
   * Deliveries wait for their intake runs with a client that does not skip time: the time-skipping client lets the
   * server jump ahead whenever nothing is in flight, which would time a parked run out (after ten test-server years)
   * in the moment between an intake run finishing and the client locking time again.
   */
  let steadyClient: Client;
  /**
   * What Stripe shows that the sandbox cannot: real Stripe reports an automatic payout's reconciliation `in_progress`
   * for a while after `payout.paid`, and lists its transactions completely only once it is done.
   */
  const stripeView = { reconciling: new Set<string>(), hiddenTransactions: new Set<string>() };

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    stack = await startProductStack({ temporal: env.client, taskQueue });
    steadyClient = new Client({ connection: env.connection });
    const real = stack.activities;
    const activities: ProductActivities = {
      ...real,
      getPayout: async (payoutId) => {
        const payout = await real.getPayout(payoutId);
        return stripeView.reconciling.has(payoutId) ? { ...payout, reconciliationStatus: 'in_progress' } : payout;
      },
      listPayoutTransactionsPage: async (input) => {
        const page = await real.listPayoutTransactionsPage(input);
        return { ...page, lines: page.lines.filter((l) => !stripeView.hiddenTransactions.has(l.id)) };
      },
    };
    ({ worker } = await createWorker({ env: temporalEnvSchema.parse({ TEMPORAL_TASK_QUEUE: taskQueue }), activities, connection: env.nativeConnection }));
    running = worker.run();
  });

  const recorded: Array<{ name: string; workflowId: string; runId?: string }> = [];

  afterAll(async () => {
    if (env) await recordHistories(env.client, recorded);
    worker?.shutdown();
    await running;
    await stack?.close();
    await env?.teardown();
  });

  const handleOf = (payoutId: string) => env.client.workflow.getHandle(`payout:${payoutId}`);

  async function journalEntries(payoutId: string): Promise<JournalEntryDoc[]> {
    const found = await stack.clients.erp.listDocs<{ name: string }>('Journal Entry', { filters: [['cheque_no', '=', payoutId]], fields: ['name'] });
    return Promise.all(found.map((doc) => stack.clients.erp.getDoc<JournalEntryDoc>('Journal Entry', doc.name)));
  }

  async function statusOf(payoutId: string, until: (s: PayoutStatus) => boolean): Promise<PayoutStatus> {
    let last: PayoutStatus | undefined;
    for (let i = 0; i < 200; i++) {
      last = await handleOf(payoutId).query<PayoutStatus>('status').catch(() => undefined);
      if (last && until(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`payout ${payoutId} never got there; last status ${JSON.stringify(last)}`);
  }

  /** What a reconciled payout must show, whatever its currency: Stripe's own figures, to the minor unit, booked once and balanced. */
  async function expectReconciled(payout: Stripe.Payout, report: PayoutReport): Promise<void> {
    const currency = payout.currency.toUpperCase();
    expect(report.outcome).toBe('reconciled');
    expect(report.payout).toMatchObject({ id: payout.id, amountMinor: payout.amount, currency, automatic: true });
    expect(report.summary).toMatchObject({ matches: true, differenceMinor: 0, currency });
    expect(report.lines.reduce((sum, l) => sum + l.netMinor, 0)).toBe(payout.amount);
    expect(report.summary.totals.netMinor).toBe(payout.amount);

    const swept = new Map((await sweptTransactions(stack, payout.id)).map((t) => [t.id, t]));
    expect(report.lines.map((l) => l.id).sort()).toEqual([...swept.keys()].sort());
    for (const line of report.lines) {
      const txn = swept.get(line.id)!;
      expect([line.grossMinor, line.feeMinor, line.netMinor, line.reportingCategory]).toEqual([txn.amount, txn.fee, txn.net, txn.reporting_category]);
    }

    const entries = await journalEntries(payout.id);
    expect(entries).toHaveLength(1);
    const [entry] = entries as [JournalEntryDoc];
    expect(entry).toMatchObject({ name: report.journalEntry.name, docstatus: 1, cheque_no: payout.id });
    const debit = entry.accounts.reduce((sum, row) => sum + toMinor(row.debit, currency), 0);
    const credit = entry.accounts.reduce((sum, row) => sum + toMinor(row.credit, currency), 0);
    expect(debit).toBe(credit);
    expect(debit).toBe(report.journalEntry.journal.totalDebitMinor);
    const bank = entry.accounts.filter((row) => row.account === 'Bank - SS');
    expect(bank.map((row) => toMinor(row.debit, currency))).toEqual([payout.amount]);
    const fees = entry.accounts.filter((row) => row.account === 'Stripe Fees - SS').map((row) => toMinor(row.debit, currency));
    // Dispute fees are booked by the dispute's own run when the dispute opens; the payout books every other fee.
    const payoutFeesMinor = report.lines.filter((l) => !['dispute', 'dispute_reversal'].includes(l.reportingCategory)).reduce((sum, l) => sum + l.feeMinor, 0);
    expect(fees).toEqual(payoutFeesMinor > 0 ? [payoutFeesMinor] : []);
  }

  it('reconciles a USD payout with partial refunds and a dispute, books one balanced journal, and books nothing twice on redelivery', async () => {
    const paid = [
      await payInStripe(stack, 10_000, 'USD', { refundMinor: 1_250 }),
      await payInStripe(stack, 2_599, 'USD'),
      await payInStripe(stack, 7_350, 'USD', { refundMinor: 350 }),
      await payInStripe(stack, 4_000, 'USD', { paymentMethod: 'pm_card_createDispute' }),
    ];
    const payout = await payOut(stack, 'USD');
    const events = await payoutEvents(stack, payout.id);
    expect(events.map((e) => e.type)).toEqual(['payout.paid', 'payout.reconciliation_completed']);

    await deliver(steadyClient, taskQueue, events);
    const report = await handleOf(payout.id).result() as PayoutReport;
    recorded.push({ name: 'payout-reconciled', workflowId: `payout:${payout.id}`, runId: (await handleOf(payout.id).describe()).runId });

    await expectReconciled(payout, report);
    expect(report.summary.byCategory).toEqual({
      charge: expect.objectContaining({ count: 4, grossMinor: 10_000 + 2_599 + 7_350 + 4_000 }),
      refund: expect.objectContaining({ count: 2, grossMinor: -1_600, feeMinor: 0 }),
      dispute: expect.objectContaining({ count: 1, grossMinor: -4_000, feeMinor: 1_500 }),
    });
    const charges = report.lines.filter((l) => l.reportingCategory === 'charge');
    expect(charges.map((l) => l.magentoOrderId).sort()).toEqual(paid.map((p) => p.magentoOrderId).sort());
    expect(charges.map((l) => l.feeMinor).sort((a, b) => a - b)).toEqual([105, 243, 320, 146].sort((a, b) => a - b)); // 2.9% + 30¢
    expect(report.journalEntry.created).toBe(true);
    expect(report.notes).toEqual([]);

    // Stripe redelivers both events after the run has finished: a new run finds the journal entry and books nothing.
    await deliver(steadyClient, taskQueue, events);
    const again = await handleOf(payout.id).result() as PayoutReport;
    expect(again.journalEntry).toMatchObject({ name: report.journalEntry.name, created: false });
    expect(again.notes).toEqual([`The ERP already had Journal Entry ${report.journalEntry.name} for this payout; nothing was booked twice.`]);
    expect(await journalEntries(payout.id)).toHaveLength(1);
  });

  it('reconciles a JPY payout of 204 transactions read in three pages, amounts in whole yen', async () => {
    for (let i = 0; i < 200; i++) await payInStripe(stack, 500 + i * 7, 'JPY');
    await payInStripe(stack, 5_000, 'JPY', { refundMinor: 700 });
    await payInStripe(stack, 3_000, 'JPY', { paymentMethod: 'pm_card_createDispute' });
    const payout = await payOut(stack, 'JPY');
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id));
    const report = await handleOf(payout.id).result() as PayoutReport;

    await expectReconciled(payout, report);
    expect(report.lines).toHaveLength(204);
    expect((await handleOf(payout.id).query<PayoutStatus>('status'))).toMatchObject({ pages: 3, lines: 204, syncState: 'completed', step: 'completed' });
    const first = report.lines.find((l) => l.grossMinor === 5_000)!;
    expect(first.feeMinor).toBe(180); // 3.6%, no fixed part
    const entry = (await journalEntries(payout.id))[0]!;
    expect(entry.accounts.every((row) => Number.isInteger(row.debit) && Number.isInteger(row.credit))).toBe(true);
  });

  it('reconciles a KWD payout in fils (three decimals), charges in multiples of 10', async () => {
    await payInStripe(stack, 12_340, 'KWD', { refundMinor: 1_230 });
    await payInStripe(stack, 5_000, 'KWD');
    await payInStripe(stack, 20_000, 'KWD', { paymentMethod: 'pm_card_createDispute' });
    const payout = await payOut(stack, 'KWD');
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id));
    const report = await handleOf(payout.id).result() as PayoutReport;

    await expectReconciled(payout, report);
    expect(report.lines.filter((l) => l.reportingCategory === 'charge').map((l) => l.feeMinor).sort((a, b) => a - b)).toEqual([250, 460, 680]);
    expect(report.summary.byCategory.dispute).toMatchObject({ grossMinor: -20_000, feeMinor: 5_000 });
  });

  it('waits for Stripe to finish reconciling an automatic payout, and after 24 hours goes on and says so', async () => {
    await payInStripe(stack, 3_300, 'USD');
    const payout = await payOut(stack, 'USD');
    stripeView.reconciling.add(payout.id);
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id, ['payout.paid']));
    await statusOf(payout.id, (s) => s.step === 'awaiting_reconciliation');
    stripeView.reconciling.delete(payout.id);

    const report = await handleOf(payout.id).result() as PayoutReport; // time skips through the 24 h wait
    recorded.push({ name: 'payout-reconciled-after-24h', workflowId: `payout:${payout.id}` });
    await expectReconciled(payout, report);
    expect(report.notes).toEqual(['Stripe had not sent payout.reconciliation_completed 24 hours after payout.paid; '
      + 'reconciled with the balance transactions Stripe listed then.']);
    const { timestamps } = await handleOf(payout.id).query<PayoutStatus>('status');
    expect(Date.parse(timestamps.reading_transactions!) - Date.parse(timestamps.awaiting_reconciliation!)).toBeGreaterThanOrEqual(24 * 3600 * 1000);
  });

  it('goes on as soon as payout.reconciliation_completed arrives', async () => {
    await payInStripe(stack, 2_000, 'USD');
    const payout = await payOut(stack, 'USD');
    stripeView.reconciling.add(payout.id);
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id, ['payout.paid']));
    await statusOf(payout.id, (s) => s.step === 'awaiting_reconciliation');
    stripeView.reconciling.delete(payout.id);
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id, ['payout.reconciliation_completed']));

    const report = await handleOf(payout.id).result() as PayoutReport;
    await expectReconciled(payout, report);
    expect(report.notes).toEqual([]);
  });

  it('parks a payout its transactions do not explain, books nothing, and reconciles it when an operator retries', async () => {
    await payInStripe(stack, 10_000, 'USD');
    const { paymentIntent } = await payInStripe(stack, 1_999, 'USD');
    const payout = await payOut(stack, 'USD');
    const missing = (await sweptTransactions(stack, payout.id)).find((t) => t.source === paymentIntent.latest_charge)!;
    stripeView.hiddenTransactions.add(missing.id);
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id));

    const parked = await statusOf(payout.id, (s) => s.syncState === 'needs_review');
    expect(parked.reviewReason).toBe(`Stripe payout ${payout.id} of 115.91 USD is not explained by its 1 balance transactions: they net to 96.80 USD `
      + '(difference -19.11 USD). Nothing was booked in the ERP. Check the payout in the Stripe Dashboard, then retry or skip.');
    expect((await handleOf(payout.id).describe()).memo?.reviewReason).toBe(parked.reviewReason);
    expect(await journalEntries(payout.id)).toHaveLength(0);

    stripeView.hiddenTransactions.delete(missing.id);
    await handleOf(payout.id).signal('retry', { operator: 'ops' });
    const report = await handleOf(payout.id).result() as PayoutReport;
    recorded.push({ name: 'payout-parked-then-retried', workflowId: `payout:${payout.id}` });
    await expectReconciled(payout, report);
  });

  it('parks a payout whose reporting category has no ERP account, and books it once the mapping has one', async () => {
    const { glAccounts } = stack.clients.settings.erp;
    const disputeAccount = glAccounts.dispute!;
    delete glAccounts.dispute;
    try {
      await payInStripe(stack, 6_000, 'USD');
      await payInStripe(stack, 2_500, 'USD', { paymentMethod: 'pm_card_createDispute' });
      const payout = await payOut(stack, 'USD');
      await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id));
      const parked = await statusOf(payout.id, (s) => s.syncState === 'needs_review');
      expect(parked.reviewReason).toBe(`payout ${payout.id}: config/mappings.yaml has no ERP account under erp.glAccounts for dispute; `
        + 'add it, restart the worker, then retry');
      expect(await journalEntries(payout.id)).toHaveLength(0);

      glAccounts.dispute = disputeAccount;
      await handleOf(payout.id).signal('retry', { operator: 'ops' });
      const report = await handleOf(payout.id).result() as PayoutReport;
      await expectReconciled(payout, report);
      // The dispute's own run books the chargeback and its fee when they happen; the payout clears their net (2 500 + 1 500 fee).
      const { bankAccount } = stack.clients.settings.erp;
      expect(report.journalEntry.journal.lines).toContainEqual({ account: bankAccount, booking: 'category', category: 'dispute', debitMinor: 4_000, creditMinor: 0 });
    } finally {
      glAccounts.dispute = disputeAccount;
    }
  });

  it('ends without booking when an operator skips a parked payout', async () => {
    const { paymentIntent } = await payInStripe(stack, 4_200, 'USD');
    const payout = await payOut(stack, 'USD');
    const only = (await sweptTransactions(stack, payout.id)).find((t) => t.source === paymentIntent.latest_charge)!;
    stripeView.hiddenTransactions.add(only.id);
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id));
    await statusOf(payout.id, (s) => s.syncState === 'needs_review');
    await handleOf(payout.id).signal('skip', { operator: 'ops' });

    const result = await handleOf(payout.id).result() as PayoutReconciliationResult;
    expect(result).toMatchObject({ outcome: 'skipped', payoutId: payout.id, reason: expect.stringContaining('is not explained by its 0 balance transactions') });
    expect(await journalEntries(payout.id)).toHaveLength(0);
    expect((await handleOf(payout.id).query<PayoutStatus>('status')).syncState).toBe('failed');
  });
});
