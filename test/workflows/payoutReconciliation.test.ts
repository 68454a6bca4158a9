import { retryUpdate, skipUpdate } from '../../messages/runs';
import { Client } from '@temporalio/client';
import axios from 'axios';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type Stripe from 'stripe';
import type { ProductActivities } from '../../activities';
import type { FrappeDoc } from '../../integrations/erp/client';
import { temporalEnvSchema } from '../../config/env';
import { formatMoney, toMinor } from '../../domain/money';
import { createPayoutTransactionActivities } from '../../activities/stripe/payoutTransactions';
import type { PayoutReportHead, ReversedPayoutResult, UnpaidPayoutResult } from '../../domain/payoutReport';
import type { PayoutLine, PayoutReconciliationResult } from '../../domain/reconciliation';
import type { PayoutStatus } from '../../workflows/payoutReconciliation';
import { createWorker } from '../../worker/worker';
import { startProductStack, type ProductStack } from '../harness/productStack';
import { recordHistories } from '../harness/recordHistories';
import { createTimeSkippingEnv, uniqueTaskQueue } from '../harness/temporal';
import { deliver } from './orderFlow';
import {
  failPayout,
  historyPayloads,
  payInStripe,
  payOut,
  payoutEvents,
  seedAndPayOut,
  sweptTransactions,
} from './payoutFlow';

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
      // The real reading activity, over a Stripe client that leaves out what Stripe has not listed yet.
      collectPayoutTransactions: createPayoutTransactionActivities(
        hidingStripe(stack.stripe),
        stack.clients.payoutReports,
      ).collectPayoutTransactions,
    };
    ({ worker } = await createWorker({
      env: temporalEnvSchema.parse({ TEMPORAL_TASK_QUEUE: taskQueue }),
      activities,
      connection: env.nativeConnection,
    }));
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

  /** The official client, with the balance transactions Stripe has not listed yet left out of every page. */
  function hidingStripe(stripe: Stripe): Stripe {
    const balanceTransactions = Object.create(stripe.balanceTransactions) as Stripe['balanceTransactions'];
    balanceTransactions.list = (async (params: Stripe.BalanceTransactionListParams) => {
      const page = await stripe.balanceTransactions.list(params);
      return { ...page, data: page.data.filter((t) => !stripeView.hiddenTransactions.has(t.id)) };
    }) as unknown as Stripe['balanceTransactions']['list'];
    return Object.assign(Object.create(stripe) as Stripe, { balanceTransactions });
  }

  const handleOf = (payoutId: string) => env.client.workflow.getHandle(`payout:${payoutId}`);
  const storedLines = (payoutId: string): Promise<PayoutLine[]> =>
    stack.clients.payoutReports.readLines(payoutId, 0, Number.MAX_SAFE_INTEGER);

  async function journalEntries(payoutId: string): Promise<JournalEntryDoc[]> {
    const found = await stack.clients.erp.listDocs<{ name: string }>('Journal Entry', {
      filters: [['cheque_no', '=', payoutId]],
      fields: ['name'],
    });
    return Promise.all(found.map((doc) => stack.clients.erp.getDoc<JournalEntryDoc>('Journal Entry', doc.name)));
  }

  async function statusOf(payoutId: string, until: (s: PayoutStatus) => boolean): Promise<PayoutStatus> {
    let last: PayoutStatus | undefined;
    for (let i = 0; i < 200; i++) {
      last = await handleOf(payoutId)
        .query<PayoutStatus>('status')
        .catch(() => undefined);
      if (last && until(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`payout ${payoutId} never got there; last status ${JSON.stringify(last)}`);
  }

  /** What a reconciled payout must show, whatever its currency: Stripe's own figures, to the minor unit, booked once and balanced. */
  async function expectReconciled(payout: Stripe.Payout, report: PayoutReportHead): Promise<PayoutLine[]> {
    const currency = payout.currency.toUpperCase();
    expect(report.outcome).toBe('reconciled');
    expect(report.payout).toMatchObject({
      id: payout.id,
      amountMinor: payout.amount,
      currency,
      automatic: payout.automatic,
    });
    expect(report.summary).toMatchObject({ matches: true, differenceMinor: 0, currency });
    expect(report.summary.totals.netMinor).toBe(payout.amount);
    // The lines are in the report store, as published: the run's result carries only their count.
    expect(await stack.clients.payoutReports.getReport(payout.id)).toEqual(report);
    const lines = await storedLines(payout.id);
    expect(report.reading.lines).toBe(lines.length);
    expect(lines.reduce((sum, l) => sum + l.netMinor, 0)).toBe(payout.amount);
    if (!payout.automatic) return lines;

    const swept = new Map((await sweptTransactions(stack, payout.id)).map((t) => [t.id, t]));
    expect(lines.map((l) => l.id).sort()).toEqual([...swept.keys()].sort());
    for (const line of lines) {
      const txn = swept.get(line.id)!;
      expect([line.grossMinor, line.feeMinor, line.netMinor, line.reportingCategory]).toEqual([
        txn.amount,
        txn.fee,
        txn.net,
        txn.reporting_category,
      ]);
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
    const fees = entry.accounts
      .filter((row) => row.account === 'Stripe Fees - SS')
      .map((row) => toMinor(row.debit, currency));
    // Dispute fees are booked by the dispute's own run when the dispute opens; the payout books every other fee.
    const payoutFeesMinor = lines
      .filter((l) => !['dispute', 'dispute_reversal'].includes(l.reportingCategory))
      .reduce((sum, l) => sum + l.feeMinor, 0);
    expect(fees).toEqual(payoutFeesMinor > 0 ? [payoutFeesMinor] : []);
    return lines;
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
    const report = (await handleOf(payout.id).result()) as PayoutReportHead;
    recorded.push({
      name: 'payout-reconciled',
      workflowId: `payout:${payout.id}`,
      runId: (await handleOf(payout.id).describe()).runId,
    });

    const lines = await expectReconciled(payout, report);
    expect(report.summary.byCategory).toEqual({
      charge: expect.objectContaining({ count: 4, grossMinor: 10_000 + 2_599 + 7_350 + 4_000 }),
      refund: expect.objectContaining({ count: 2, grossMinor: -1_600, feeMinor: 0 }),
      dispute: expect.objectContaining({ count: 1, grossMinor: -4_000, feeMinor: 1_500 }),
    });
    const charges = lines.filter((l) => l.reportingCategory === 'charge');
    expect(charges.map((l) => l.magentoOrderId).sort()).toEqual(paid.map((p) => p.magentoOrderId).sort());
    expect(charges.map((l) => l.feeMinor).sort((a, b) => a - b)).toEqual([105, 243, 320, 146].sort((a, b) => a - b)); // 2.9% + 30¢
    expect(report.journalEntry.created).toBe(true);
    expect(report.notes).toEqual([]);

    // Stripe redelivers both events after the run has finished: a new run finds the journal entry and books nothing.
    await deliver(steadyClient, taskQueue, events);
    const again = (await handleOf(payout.id).result()) as PayoutReportHead;
    expect(again.journalEntry).toMatchObject({ name: report.journalEntry.name, created: false });
    expect(again.notes).toEqual([
      `The ERP already had Journal Entry ${report.journalEntry.name} for this payout; nothing was booked twice.`,
    ]);
    expect(await journalEntries(payout.id)).toHaveLength(1);
  });

  it('reconciles a JPY payout of 204 transactions read in three pages, amounts in whole yen', async () => {
    for (let i = 0; i < 200; i++) await payInStripe(stack, 500 + i * 7, 'JPY');
    await payInStripe(stack, 5_000, 'JPY', { refundMinor: 700 });
    await payInStripe(stack, 3_000, 'JPY', { paymentMethod: 'pm_card_createDispute' });
    const payout = await payOut(stack, 'JPY');
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id));
    const report = (await handleOf(payout.id).result()) as PayoutReportHead;

    const lines = await expectReconciled(payout, report);
    expect(lines).toHaveLength(204);
    expect(await handleOf(payout.id).query<PayoutStatus>('status')).toMatchObject({
      pages: 3,
      lines: 204,
      syncState: 'completed',
      step: 'completed',
    });
    const first = lines.find((l) => l.grossMinor === 5_000)!;
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
    const report = (await handleOf(payout.id).result()) as PayoutReportHead;

    const lines = await expectReconciled(payout, report);
    expect(
      lines
        .filter((l) => l.reportingCategory === 'charge')
        .map((l) => l.feeMinor)
        .sort((a, b) => a - b),
    ).toEqual([250, 460, 680]);
    expect(report.summary.byCategory.dispute).toMatchObject({ grossMinor: -20_000, feeMinor: 5_000 });
  });

  it('waits for Stripe to finish reconciling an automatic payout, and after 24 hours goes on and says so', async () => {
    await payInStripe(stack, 3_300, 'USD');
    const payout = await payOut(stack, 'USD');
    stripeView.reconciling.add(payout.id);
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id, ['payout.paid']));
    await statusOf(payout.id, (s) => s.step === 'awaiting_reconciliation');
    stripeView.reconciling.delete(payout.id);

    const report = (await handleOf(payout.id).result()) as PayoutReportHead; // time skips through the 24 h wait
    recorded.push({ name: 'payout-reconciled-after-24h', workflowId: `payout:${payout.id}` });
    await expectReconciled(payout, report);
    expect(report.notes).toEqual([
      'Stripe had not sent payout.reconciliation_completed 24 hours after payout.paid; ' +
        'reconciled with the balance transactions Stripe listed then.',
    ]);
    const { timestamps } = await handleOf(payout.id).query<PayoutStatus>('status');
    expect(
      Date.parse(timestamps.reading_transactions!) - Date.parse(timestamps.awaiting_reconciliation!),
    ).toBeGreaterThanOrEqual(24 * 3600 * 1000);
  });

  it('goes on as soon as payout.reconciliation_completed arrives', async () => {
    await payInStripe(stack, 2_000, 'USD');
    const payout = await payOut(stack, 'USD');
    stripeView.reconciling.add(payout.id);
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id, ['payout.paid']));
    await statusOf(payout.id, (s) => s.step === 'awaiting_reconciliation');
    stripeView.reconciling.delete(payout.id);
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id, ['payout.reconciliation_completed']));

    const report = (await handleOf(payout.id).result()) as PayoutReportHead;
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
    expect(parked.reviewReason).toBe(
      `Stripe payout ${payout.id} of 115.91 USD is not explained by its 1 balance transactions: they net to 96.80 USD ` +
        '(difference -19.11 USD). Nothing was booked in the ERP. Check the payout in the Stripe Dashboard, then retry or skip.',
    );
    expect((await handleOf(payout.id).describe()).memo?.reviewReason).toBe(parked.reviewReason);
    expect(await journalEntries(payout.id)).toHaveLength(0);

    stripeView.hiddenTransactions.delete(missing.id);
    await handleOf(payout.id).executeUpdate(retryUpdate, { args: [{ operator: 'ops' }] });
    const report = (await handleOf(payout.id).result()) as PayoutReportHead;
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
      expect(parked.reviewReason).toBe(
        `payout ${payout.id}: config/mappings.yaml has no ERP account under erp.glAccounts for dispute; ` +
          'add it, restart the worker, then retry',
      );
      expect(await journalEntries(payout.id)).toHaveLength(0);

      glAccounts.dispute = disputeAccount;
      await handleOf(payout.id).executeUpdate(retryUpdate, { args: [{ operator: 'ops' }] });
      const report = (await handleOf(payout.id).result()) as PayoutReportHead;
      await expectReconciled(payout, report);
      // The dispute's own run books the chargeback and its fee when they happen; the payout clears their net (2 500 + 1 500 fee).
      const { bankAccount } = stack.clients.settings.erp;
      expect(report.journalEntry.journal.lines).toContainEqual({
        account: bankAccount,
        booking: 'category',
        category: 'dispute',
        debitMinor: 4_000,
        creditMinor: 0,
      });
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
    await handleOf(payout.id).executeUpdate(skipUpdate, { args: [{ operator: 'ops' }] });

    const result = (await handleOf(payout.id).result()) as PayoutReconciliationResult;
    expect(result).toMatchObject({
      outcome: 'skipped',
      payoutId: payout.id,
      reason: expect.stringContaining('is not explained by its 0 balance transactions'),
    });
    expect(await journalEntries(payout.id)).toHaveLength(0);
    expect((await handleOf(payout.id).query<PayoutStatus>('status')).syncState).toBe('failed');
  });

  it('reconciles 600 balance transactions with the same history as 3: one reading activity, every payload under 8 KB, nothing growing with the lines', async () => {
    await payInStripe(stack, 4_000, 'GBP');
    await payInStripe(stack, 2_500, 'GBP', { refundMinor: 500 });
    const small = await payOut(stack, 'GBP');
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, small.id));
    await expectReconciled(small, (await handleOf(small.id).result()) as PayoutReportHead);

    const large = await seedAndPayOut(stack, 600, 'EUR');
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, large.id));
    const report = (await handleOf(large.id).result()) as PayoutReportHead;
    const lines = await expectReconciled(large, report);
    expect(report.reading).toMatchObject({ pages: 6, lines: 600 });
    expect(lines.every((l) => l.magentoOrderId?.startsWith('SEED-'))).toBe(true);

    const [smallHistory, largeHistory] = await Promise.all([
      handleOf(small.id).fetchHistory(),
      handleOf(large.id).fetchHistory(),
    ]);
    // The same activities in the same order, whatever the size: the whole payout is one reading activity.
    const activities = (h: typeof smallHistory) =>
      (h.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
    expect(activities(largeHistory)).toEqual(activities(smallHistory));
    expect(activities(largeHistory)).toEqual([
      'getPayout',
      'collectPayoutTransactions',
      'orderSettings',
      'postErpJournalEntry',
      'publishPayoutReport',
    ]);
    // As many events as the 3-line payout's, give or take a workflow task (its two events can arrive in one task or two).
    expect(Math.abs((largeHistory.events?.length ?? 0) - (smallHistory.events?.length ?? 0))).toBeLessThanOrEqual(6);
    expect(largeHistory.events?.length).toBeLessThan(60);
    const [smallPayloads, largePayloads] = [historyPayloads(smallHistory), historyPayloads(largeHistory)];
    expect(Math.max(...largePayloads.map((p) => p.bytes))).toBeLessThan(8 * 1024);
    const total = (ps: typeof smallPayloads) => ps.reduce((sum, p) => sum + p.bytes, 0);
    // Ids and amounts differ by a few digits; 600 lines would add tens of kilobytes.
    expect(Math.abs(total(largePayloads) - total(smallPayloads))).toBeLessThan(1_024);
    expect(JSON.stringify(report).length).toBeLessThan(4 * 1024);
  });

  it('undoes the transfer once when payout.failed arrives after payout.paid (the money back in Stripe, the sales it settled kept), and the next payout sweeps it', async () => {
    await payInStripe(stack, 8_000, 'CAD');
    await payInStripe(stack, 3_000, 'CAD', { refundMinor: 1_000 });
    const payout = await payOut(stack, 'CAD');
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id));
    const report = (await handleOf(payout.id).result()) as PayoutReportHead;
    await expectReconciled(payout, report);

    await failPayout(stack, payout.id, 'account_closed');
    const failedEvents = await payoutEvents(stack, payout.id, ['payout.failed']);
    expect(failedEvents).toHaveLength(1);
    await deliver(steadyClient, taskQueue, failedEvents);
    const reversed = (await handleOf(payout.id).result()) as ReversedPayoutResult;
    recorded.push({
      name: 'payout-failed-reversed',
      workflowId: `payout:${payout.id}`,
      runId: (await handleOf(payout.id).describe()).runId,
    });
    expect(reversed).toMatchObject({
      outcome: 'reversed',
      payoutId: payout.id,
      payout: { status: 'failed', failureCode: 'account_closed' },
      reversal: {
        status: 'failed',
        failureCode: 'account_closed',
        reversedEntry: report.journalEntry.name,
        created: true,
      },
      notes: [],
    });

    const [original] = await journalEntries(payout.id);
    const reversals = await journalEntries(`${payout.id}:reversal`);
    expect(reversals).toHaveLength(1);
    const [reversal] = reversals as [JournalEntryDoc];
    const rows = (e: JournalEntryDoc) =>
      e.accounts.map((r) => [r.account, toMinor(r.debit, 'CAD'), toMinor(r.credit, 'CAD')]);
    // Only the bank row goes back, to the clearing account where the returned money now waits in the Stripe balance.
    expect(rows(original!)).toContainEqual(['Bank - SS', payout.amount, 0]);
    expect(reversal).toMatchObject({ name: reversed.reversal.name, docstatus: 1 });
    expect(rows(reversal)).toEqual([
      ['Stripe Clearing - SS', payout.amount, 0],
      ['Bank - SS', 0, payout.amount],
    ]);
    expect((await stack.clients.payoutReports.getReport(payout.id))?.reversal).toEqual(reversed.reversal);

    // Stripe sends payout.failed again: the reversal is found, not booked twice.
    await deliver(steadyClient, taskQueue, failedEvents);
    const again = (await handleOf(payout.id).result()) as ReversedPayoutResult;
    expect(again.reversal).toMatchObject({ name: reversed.reversal.name, created: false });
    expect(await journalEntries(`${payout.id}:reversal`)).toHaveLength(1);

    // Stripe's next payout sweeps the returned money (a payout_reversal line): it reconciles, and across the three
    // entries the bank holds exactly the second payout and the clearing account what the sales settled.
    await payInStripe(stack, 1_500, 'CAD');
    const next = await payOut(stack, 'CAD');
    expect(next.amount).toBeGreaterThan(payout.amount);
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, next.id));
    const nextLines = await expectReconciled(next, (await handleOf(next.id).result()) as PayoutReportHead);
    expect(nextLines.map((l) => l.reportingCategory)).toContain('payout_reversal');
    const all = [original!, reversal, ...(await journalEntries(next.id))];
    const balance = (account: string) =>
      all
        .flatMap(rows)
        .filter(([a]) => a === account)
        .reduce((sum, [, debit, credit]) => sum + Number(debit) - Number(credit), 0);
    expect(balance('Bank - SS')).toBe(next.amount);
  });

  it("books nothing for a payout that fails while its run waits for Stripe's reconciliation", async () => {
    await payInStripe(stack, 2_200, 'AUD');
    const payout = await payOut(stack, 'AUD');
    stripeView.reconciling.add(payout.id);
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id, ['payout.paid']));
    await statusOf(payout.id, (s) => s.step === 'awaiting_reconciliation');
    stripeView.reconciling.delete(payout.id);
    await failPayout(stack, payout.id, 'no_account');
    await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id, ['payout.failed']));

    const result = (await handleOf(payout.id).result()) as UnpaidPayoutResult;
    expect(result).toMatchObject({
      outcome: 'not_paid',
      payoutId: payout.id,
      reason: `Stripe payout ${payout.id} of ${formatMoney(payout.amount, 'AUD')} is failed (no_account): its money stays in the Stripe balance and nothing was booked for it, so there is nothing to reverse.`,
    });
    expect(await journalEntries(payout.id)).toHaveLength(0);
    expect(await stack.clients.payoutReports.getReport(payout.id)).toBeUndefined();
  });

  it('reconciles manual payouts by their date window, which Stripe does not let a payout filter', async () => {
    const seed = (count: number) =>
      axios.post(`${stack.urls.stripe}/__sandbox/balance/seed`, { count, currency: 'sgd', orderPrefix: `SG${count}-` });
    const manualPayout = async () => {
      const balance = (await stack.stripe.balance.retrieve()).available.find((b) => b.currency === 'sgd')!.amount;
      const created = await stack.stripe.payouts.create({ amount: balance, currency: 'sgd' });
      await axios.post(`${stack.urls.stripe}/__sandbox/payouts/${created.id}/outcome`, { status: 'paid' });
      return stack.stripe.payouts.retrieve(created.id);
    };
    const second = (ms = 1_100) => new Promise((r) => setTimeout(r, ms)); // Stripe's `created` is in whole seconds
    await seed(3);
    await second();
    const first = await manualPayout();
    await second();
    await seed(5);
    await second();
    const later = await manualPayout();

    for (const [payout, count] of [
      [first, 3],
      [later, 5],
    ] as const) {
      await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id, ['payout.paid']));
      const report = (await handleOf(payout.id).result()) as PayoutReportHead;
      if (payout === later) recorded.push({ name: 'payout-manual-reconciled', workflowId: `payout:${payout.id}` });
      const lines = await expectReconciled(payout, report);
      expect(lines.map((l) => l.magentoOrderId?.slice(0, 4))).toEqual(Array(count).fill(`SG${count}-`));
      expect(report.window).toEqual(
        payout === first
          ? { createdUpTo: first.created }
          : { afterPayoutId: first.id, createdAfter: first.created, createdUpTo: later.created },
      );
    }
  });

  it("reconciles charges presented in EUR and settled in NZD with the balance transaction's own amounts, keeping Stripe's exchange_rate", async () => {
    await axios.put(`${stack.urls.stripe}/__sandbox/settlement`, {
      default_currency: 'nzd',
      exchange_rates: { eur: 1.7912 },
    });
    try {
      const { paymentIntent } = await payInStripe(stack, 10_000, 'EUR', { refundMinor: 2_500 });
      await payInStripe(stack, 4_990, 'EUR');
      const payout = await payOut(stack, 'NZD');
      await deliver(steadyClient, taskQueue, await payoutEvents(stack, payout.id));
      const report = (await handleOf(payout.id).result()) as PayoutReportHead;
      const lines = await expectReconciled(payout, report);
      const charge = lines.find((l) => l.sourceId === paymentIntent.latest_charge)!;
      // €100.00 × 1.7912 = NZ$179.12; the fee (2.9% + 30¢, and 1% for converting) is Stripe's, never recomputed here.
      expect(charge).toMatchObject({
        currency: 'NZD',
        grossMinor: 17_912,
        exchangeRate: 1.7912,
        customerFacingAmountMinor: 10_000,
        customerFacingCurrency: 'EUR',
      });
      const txn = await stack.stripe.balanceTransactions.retrieve(lines.find((l) => l.id === charge.id)!.id);
      expect([charge.feeMinor, charge.netMinor]).toEqual([txn.fee, txn.net]);
      expect(lines.find((l) => l.reportingCategory === 'refund')).toMatchObject({
        grossMinor: -4_478,
        exchangeRate: 1.7912,
      });
    } finally {
      await axios.put(`${stack.urls.stripe}/__sandbox/settlement`, { default_currency: 'usd' });
    }
  });
});
