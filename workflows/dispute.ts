import { condition, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { disputeJournalFor } from '../domain/disputes';
import { formatMoney } from '../domain/money';
import { StripeObjectId, type SyncStateValue } from '../domain/searchAttributes';
import type { Settlement } from '../domain/settlement';
import type { OrderSettings } from '../domain/settings';
import type { DisputeSnapshot } from '../activities/stripe/activities';
import { trackSteps, type TrackedRun } from './runStatus';
import { systems } from './systems';
import { magentoOrderOrPark, orderNamedBy, tagOrder } from './afterSale';
import { defineStatusQuery, stripeEventSignal } from '../messages/runs';
import { type DisputeNotice } from '../messages/afterSale';
import { permanentFailure, setSyncState, SkippedByOperator } from './reviewQueue';
import type { Tracked } from '../messages/runs';

export interface DisputeStatus extends Tracked {
  disputeId: string;
  step: string;
  incrementId?: string;
  dispute?: DisputeSnapshot;
  outcome?: DisputeOutcome['outcome'];
  /** Journal Entries booked, by the balance transaction (or event) they book. */
  journalEntries: Record<string, string>;
  ids: Record<string, string | number | undefined>;
  timestamps: Record<string, string>;
}

export interface DisputeOutcome {
  /**
   * `won`: the money came back and its entries were reversed; `lost`: a chargeback credit memo and ERP credit note (no
   * Stripe refund: the money is already gone); `lost_before_shipment`: the order's run reversed the unshipped order;
   * `closed`: an inquiry closed without a dispute; `not_for_us`: a subscription's payment.
   */
  outcome: 'won' | 'lost' | 'lost_before_shipment' | 'closed' | 'not_for_us' | 'skipped';
  reason?: string;
  status: DisputeStatus;
}

export const disputeStatusQuery = defineStatusQuery<DisputeStatus>();

const { stripe, magento, erp, intake, notify, config } = systems;

const hour = 3600_000;
const closedStatuses = new Set(['won', 'lost', 'warning_closed', 'prevented']);

/** One dispute's run: the pieces of state its steps share. Fields marked `!` are set by the step that reads them. */
class DisputeRun {
  readonly tracker: TrackedRun<DisputeOutcome['outcome'], DisputeStatus>;
  settings!: OrderSettings;
  dispute!: DisputeSnapshot;
  incrementId!: string;
  /** Stripe events about this dispute since the last look (each is a reason to read it again). */
  nudges = 0;
  reminded = false;

  constructor(disputeId: string) {
    this.tracker = trackSteps(
      { disputeId, step: 'started', syncState: 'running', journalEntries: {}, ids: {}, timestamps: {} },
      disputeStatusQuery,
    );
  }

  get status(): DisputeStatus {
    return this.tracker.status;
  }

  get review() {
    return this.tracker.review;
  }
}

/**
 * One Stripe dispute (chargeback), ID `dispute:<dp_…>`, from `charge.dispute.*`: a comment on the Magento order (and
 * a hold while it is unshipped, through the order's run), an ERP Journal Entry for each movement of money the dispute
 * causes (the disputed amount and Stripe's fee, from its balance transactions), a reminder to the merchant before the
 * evidence is due, and on closing: won → the reinstatement booked back; lost → a chargeback credit memo and ERP credit
 * note, and never a Stripe refund (the money is already gone).
 */
export async function dispute(input: { disputeId: string }): Promise<DisputeOutcome> {
  const run = startRun(input.disputeId);
  try {
    run.settings = await run.review.step(() => config.orderSettings());
    run.dispute = await run.review.step(() => stripe.getDispute(input.disputeId));
    if (run.dispute.invoiceId && !run.dispute.magentoOrderId)
      return end(run, 'not_for_us', 'completed', `dispute of Stripe invoice ${run.dispute.invoiceId} (a subscription)`);
    await findOrder(run);
    await opened(run);
    await awaitClosing(run);
    if (run.dispute.status === 'won') return await won(run);
    if (run.dispute.status === 'lost') return await lost(run);
    return end(run, 'closed', 'completed', `the dispute closed as ${run.dispute.status}`);
  } catch (err) {
    if (err instanceof SkippedByOperator) return end(run, 'skipped', 'failed', err.message);
    throw err;
  }
}

function startRun(disputeId: string): DisputeRun {
  const run = new DisputeRun(disputeId);
  setHandler(stripeEventSignal, () => void (run.nudges += 1));
  upsertSearchAttributes([{ key: StripeObjectId, value: disputeId }]);
  setSyncState(run.status, 'running');
  return run;
}

function reached(run: DisputeRun, step: string): void {
  run.tracker.reached(step);
}

function end(
  run: DisputeRun,
  outcome: DisputeOutcome['outcome'],
  state: SyncStateValue,
  reason?: string,
): DisputeOutcome {
  run.status.dispute = run.dispute;
  return run.tracker.end(outcome, state, reason);
}

async function findOrder(run: DisputeRun): Promise<void> {
  const found = await orderNamedBy(run.review, `Stripe dispute ${run.dispute.disputeId}`, run.dispute, () =>
    stripe.getDispute(run.dispute.disputeId),
  );
  run.dispute = found.object;
  run.incrementId = found.incrementId;
  run.status.incrementId = run.incrementId;
  tagOrder(run.incrementId);
  reached(run, 'order_found');
}

function notice(run: DisputeRun, status: DisputeNotice['status']): DisputeNotice {
  return {
    disputeId: run.dispute.disputeId,
    status,
    amountMinor: run.dispute.amountMinor,
    currency: run.dispute.currency,
    reason: run.dispute.reason,
  };
}

/** The Magento comment, the order's run told (it holds an unshipped order), the money that left booked, the merchant told. */
async function opened(run: DisputeRun): Promise<void> {
  const { disputeId, amountMinor, currency, reason, evidenceDueBy } = run.dispute;
  const order = await run.review.step(() => magento.loadOrderSnapshot(run.incrementId));
  if (order) {
    run.status.ids.magentoEntityId = order.entityId;
    await run.review.step(() =>
      magento.addMagentoComment({
        entityId: order.entityId,
        key: `dispute_opened:${disputeId}`,
        comment: `Disputed in Stripe (${reason}): ${disputeId}, ${formatMoney(amountMinor, currency)}${evidenceDueBy ? `; evidence due by ${evidenceDueBy}` : ''}.`,
      }),
    );
  }
  const told = await run.review.step(() =>
    intake.tellOrderAboutDispute({ incrementId: run.incrementId, dispute: notice(run, 'opened') }),
  );
  run.status.ids.orderRun = told.orderRun;
  await bookMovements(run);
  await run.review.step(() =>
    notify.notifyMerchant({
      key: `dispute_opened:${disputeId}`,
      template: 'dispute_opened',
      orderId: run.incrementId,
      subject: `Order ${run.incrementId}: the payment is disputed (${reason})`,
      detail: `${formatMoney(amountMinor, currency)} and Stripe's fee were withdrawn. Submit evidence in Stripe${evidenceDueBy ? ` by ${evidenceDueBy}` : ''}.`,
    }),
  );
  reached(run, 'awaiting_outcome');
}

/** One balanced Journal Entry per balance transaction of the dispute (withdrawal, reinstatement), each booked once. */
async function bookMovements(run: DisputeRun): Promise<void> {
  const { glAccounts, bankAccount, company } = run.settings.erp;
  for (const movement of run.dispute.movements) {
    if (run.status.journalEntries[movement.balanceTransactionId]) continue;
    const entry = await run.review.step(() => {
      const journal = disputeJournalFor(
        movement,
        {
          chargebacks: glAccounts.dispute,
          reversals: glAccounts.dispute_reversal ?? glAccounts.dispute,
          fees: glAccounts.fee,
          clearing: bankAccount,
        },
        run.dispute.disputeId,
      );
      return erp.postErpJournalEntry({
        reference: movement.balanceTransactionId,
        date: movement.createdAt.slice(0, 10),
        company,
        currency: movement.currency,
        accounts: journal.lines,
        remark: journal.remark,
      });
    });
    run.status.journalEntries[movement.balanceTransactionId] = entry.name;
  }
}

/** Waits for Stripe's decision, following the money as it moves, and reminds the merchant before the evidence is due. */
async function awaitClosing(run: DisputeRun): Promise<void> {
  const reminderBeforeMs = run.settings.disputes.evidenceReminderBeforeMs;
  while (!closedStatuses.has(run.dispute.status)) {
    const dueAt = run.dispute.evidenceDueBy ? Date.parse(run.dispute.evidenceDueBy) : undefined;
    const remindAt = dueAt !== undefined && !run.reminded ? dueAt - reminderBeforeMs : undefined;
    const seen = run.nudges;
    const wait = remindAt !== undefined ? Math.max(0, remindAt - Date.now()) : 24 * hour;
    const nudged = wait > 0 ? await condition(() => run.nudges > seen, wait) : false;
    if (!nudged && remindAt !== undefined && Date.now() >= remindAt) await remind(run);
    run.dispute = await run.review.step(() => stripe.getDispute(run.dispute.disputeId));
    await bookMovements(run);
  }
}

async function remind(run: DisputeRun): Promise<void> {
  run.reminded = true;
  const { disputeId, amountMinor, currency, evidenceDueBy, status } = run.dispute;
  if (status !== 'needs_response' && status !== 'warning_needs_response') return;
  await run.review.step(() =>
    notify.notifyMerchant({
      key: `dispute_evidence_due:${disputeId}`,
      template: 'dispute_evidence_due',
      orderId: run.incrementId,
      subject: `Order ${run.incrementId}: evidence for dispute ${disputeId} is due by ${evidenceDueBy}`,
      detail: `${formatMoney(amountMinor, currency)} is at stake. Without evidence the dispute is lost.`,
    }),
  );
  run.status.timestamps.evidence_reminder = new Date().toISOString();
}

/** Won: the reinstatement is booked (bookMovements); the order's run releases an unshipped order's hold; a comment. */
async function won(run: DisputeRun): Promise<DisputeOutcome> {
  await comment(run, 'won', 'the money was returned');
  await run.review.step(() =>
    intake.tellOrderAboutDispute({ incrementId: run.incrementId, dispute: notice(run, 'won') }),
  );
  return end(run, 'won', 'completed');
}

/**
 * Lost: no Stripe refund (the money is gone). An unshipped order is reversed by its own run; otherwise, once the ERP
 * has the order's invoice, a credit memo marked as a chargeback and an ERP credit note settled from the chargebacks account.
 */
async function lost(run: DisputeRun): Promise<DisputeOutcome> {
  const { disputeId, amountMinor, currency } = run.dispute;
  await comment(run, 'lost', 'the money stays with the cardholder');
  const told = await run.review.step(() =>
    intake.tellOrderAboutDispute({ incrementId: run.incrementId, dispute: notice(run, 'lost') }),
  );
  const { bankAccount, company } = run.settings.erp;
  if (told.handledByOrder) {
    // No ERP revenue was booked for an unshipped order: the charge that reached the clearing account is cleared against
    // the loss, at what the withdrawal took out of the Stripe balance (the settlement currency's amount).
    const withdrawal = withdrawalOf(run);
    const clearedMinor = withdrawal ? Math.abs(withdrawal.amountMinor) : amountMinor;
    const entry = await run.review.step(() =>
      erp.postErpJournalEntry({
        reference: `${disputeId}:unshipped`,
        date: run.dispute.createdAt.slice(0, 10),
        company,
        currency: withdrawal?.currency ?? currency,
        remark: `Stripe dispute ${disputeId} lost before shipment: the charge it took back was never invoiced`,
        accounts: [
          { account: bankAccount, debitMinor: clearedMinor, creditMinor: 0 },
          { account: chargebackAccount(run), debitMinor: 0, creditMinor: clearedMinor },
        ],
      }),
    );
    run.status.journalEntries[`${disputeId}:unshipped`] = entry.name;
    return end(
      run,
      'lost_before_shipment',
      'completed',
      `order ${run.incrementId} was not shipped: its run reverses it`,
    );
  }
  const docs = await awaitErpInvoice(run);
  const order = await magentoOrderOrPark(run.review, run.incrementId, `Stripe dispute ${disputeId}`);
  const memoAmountMinor = Math.min(amountMinor, order.totalPaidMinor - order.totalRefundedMinor);
  if (memoAmountMinor > 0) {
    const memo = await run.review.step(() =>
      magento.creditMemoForRefund({
        entityId: order.entityId,
        refundId: disputeId,
        amountMinor: memoAmountMinor,
        currency,
        chargeback: true,
        returnToStock: false,
      }),
    );
    run.status.ids.magentoCreditMemoId = memo.creditMemoId;
  }
  if (docs.salesInvoice && docs.customer) {
    const salesInvoice = docs.salesInvoice;
    const customer = docs.customer;
    const date = run.dispute.createdAt.slice(0, 10);
    const note = await run.review.step(() =>
      erp.createErpCreditNote({
        salesInvoice,
        referenceNo: disputeId,
        amountMinor,
        date,
        reason: 'chargeback: dispute lost',
      }),
    );
    run.status.ids.erpCreditNote = note.name;
    const payment = await run.review.step(() =>
      erp.createErpRefundPayment({
        creditNote: note.name,
        customer,
        company,
        amountMinor,
        currency,
        referenceNo: disputeId,
        date,
        paidFrom: chargebackAccount(run),
        ...(withdrawalOf(run) ? { settlement: withdrawalOf(run) } : {}),
      }),
    );
    run.status.ids.erpChargebackPayment = payment.name;
  }
  return end(run, 'lost', 'completed');
}

function chargebackAccount(run: DisputeRun): string {
  const account = run.settings.erp.glAccounts.dispute;
  if (!account)
    throw permanentFailure(
      'config/mappings.yaml has no erp.glAccounts.dispute (the chargebacks account); add it, restart the worker, then retry',
    );
  return account;
}

async function comment(run: DisputeRun, result: string, what: string): Promise<void> {
  const entityId = run.status.ids.magentoEntityId;
  if (typeof entityId !== 'number') return;
  await run.review.step(() =>
    magento.addMagentoComment({
      entityId,
      key: `dispute_${result}:${run.dispute.disputeId}`,
      comment: `Stripe dispute ${run.dispute.disputeId} ${result}: ${what}.`,
    }),
  );
}

/** The order's ERP invoice, once the order has shipped; an order the ERP never had (or reversed) has none to credit. */
async function awaitErpInvoice(run: DisputeRun) {
  for (;;) {
    const docs = await run.review.step(() => erp.erpDocsOfOrder(run.incrementId));
    if (docs.salesInvoice || !docs.salesOrder || docs.salesOrderCancelled) return docs;
    reached(run, 'awaiting_erp_invoice');
    await sleep(run.settings.refunds.erpInvoiceWaitMs);
  }
}

/** The dispute's withdrawal from the Stripe balance (its amount, not its fee), once Stripe has made it. */
function withdrawalOf(run: DisputeRun): Settlement | undefined {
  const movement = run.dispute.movements.find((m) => m.amountMinor < 0);
  return movement
    ? {
        balanceTransactionId: movement.balanceTransactionId,
        amountMinor: movement.amountMinor,
        feeMinor: movement.feeMinor,
        currency: movement.currency,
      }
    : undefined;
}
