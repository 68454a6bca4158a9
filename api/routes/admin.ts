import { randomUUID } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { z } from 'zod';
import { orderWorkflowId } from '../../domain/eventRouting';
import type { Logger } from '../../config/logger';
import { retryUpdate, skipUpdate } from '../../messages/runs';
import { fraudDecisionUpdate } from '../../messages/order';
import { operatorRefund, type OperatorRefundOutcome } from '../../workflows/operatorRefund';
import type { CatchUpProgress } from '../../workflows/stripeCatchUp';
import { backfillSummary } from '../../domain/customerPoll';
import type { CustomerPollStatus } from '../../workflows/magentoCustomerPoll';
import { orderPage, type OrderSystems } from '../orderPage';
import { isTemporalUnavailable } from '../temporalErrors';
import { versionsOf } from '../versions';
import { inventorySyncReport, requestInventorySync } from '../inventorySync';

export interface AdminDeps {
  temporal: Client;
  taskQueue: string;
  log: Logger;
  orderPage: { systems: OrderSystems; webUiUrl: string };
}

const fraudDecisionSchema = z
  .object({
    decision: z.enum(['approve', 'reject']),
    reviewer: z.string().trim().min(1).max(200),
    note: z.string().max(2000).optional(),
  })
  .strict();

const operatorRefundSchema = z
  .object({
    amountMinor: z.number().int().positive().optional(),
    amount: z
      .string()
      .regex(/^\d+(\.\d+)?$/, 'a decimal amount such as 12.50')
      .optional(),
    reason: z.enum(['fraudulent', 'requested_by_customer', 'duplicate']).default('requested_by_customer'),
    operator: z.string().trim().min(1).max(200),
    note: z.string().max(500).optional(),
    /** The same request id twice refunds once (it is the Stripe idempotency key). */
    requestId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{8,64}$/)
      .optional(),
  })
  .strict()
  .refine(
    (body) => body.amountMinor === undefined || body.amount === undefined,
    'give amountMinor or amount, not both',
  );

const replaySchema = z
  .object({
    since: z.union([z.number().int().positive(), z.string().datetime({ offset: true })]),
  })
  .strict();

interface FraudHoldMemo {
  score: number;
  reasons: string[];
  heldSince?: string;
  heldUntil?: string;
  paymentIntentId?: string;
}

export const incrementIdPattern = /^[A-Za-z0-9_-]{1,50}$/;
export const workflowIdPattern = /^[A-Za-z0-9_:.-]{1,200}$/;

export const fraudHoldQuery = `WorkflowType = 'orderToCash' AND SyncState = 'fraud_hold' AND ExecutionStatus = 'Running'`;
export const reviewQueueQuery = `SyncState = 'needs_review' AND ExecutionStatus = 'Running'`;

export interface FraudHold {
  incrementId: string;
  workflowId: string;
  score?: number;
  reasons: string[];
  heldSince?: string;
  heldUntil?: string;
  paymentIntentId?: string;
}

/** A held order as its run's memo records it (the run writes it in the workflow task that holds the order). */
export function fraudHoldOf(wf: WorkflowExecutionInfo): FraudHold {
  const incrementId = wf.workflowId.replace(/^order:/, '');
  const memo = wf.memo?.fraudHold as FraudHoldMemo | undefined;
  return { incrementId, workflowId: wf.workflowId, reasons: [], ...memo };
}

async function listRunning(temporal: Client, query: string): Promise<WorkflowExecutionInfo[]> {
  const found: WorkflowExecutionInfo[] = [];
  for await (const wf of temporal.workflow.list({ query })) found.push(wf);
  return found;
}

/**
 * Sends an operator's Update and turns the run's answer into HTTP: undefined when accepted; 409 with the validator's
 * reason ("not held", "already decided", "not parked"); 404 when there is no running run.
 */
export async function answerOf(send: () => Promise<unknown>): Promise<{ status: number; error: string } | undefined> {
  try {
    await send();
    return undefined;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return { status: 409, error: err.cause?.message ?? err.message };
    if (err instanceof WorkflowNotFoundError)
      return { status: 404, error: 'no running workflow (it has ended, or never started)' };
    throw err;
  }
}

/** The operator API: order pages, fraud holds and decisions, the review queue, catch-up from Stripe (payout reports: payoutReports.ts). Mounted behind the admin token. */
export function adminRoutes(deps: AdminDeps): Router {
  const router = Router();
  router.use(express.json({ limit: '64kb' }));

  router.get('/admin/fraud-holds', async (_req, res) => {
    const held = await listRunning(deps.temporal, fraudHoldQuery);
    res.json({ holds: held.map(fraudHoldOf) });
  });

  router.get('/admin/orders/:incrementId', async (req: Request<{ incrementId: string }>, res: Response) => {
    const { incrementId } = req.params;
    if (!incrementIdPattern.test(incrementId)) return void res.status(400).json({ error: 'not an order increment id' });
    const answer = await orderPage({ temporal: deps.temporal, ...deps.orderPage, queryTimeoutMs: 2_000 }, incrementId);
    if (answer.kind === 'not_found')
      return void res
        .status(404)
        .json({ error: `no order ${incrementId}: Temporal has no run of it and Magento has no such order` });
    if (answer.kind === 'unknown') return void res.status(503).json({ error: answer.reason });
    res.json(answer.page);
  });

  router.post(
    '/admin/orders/:incrementId/fraud-decision',
    async (req: Request<{ incrementId: string }>, res: Response) => {
      if (!incrementIdPattern.test(req.params.incrementId))
        return void res.status(400).json({ error: 'not an order increment id' });
      const parsed = fraudDecisionSchema.safeParse(req.body);
      if (!parsed.success)
        return void res
          .status(400)
          .json({ error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
      const handle = deps.temporal.workflow.getHandle(orderWorkflowId(req.params.incrementId));
      const refused = await answerOf(() => handle.executeUpdate(fraudDecisionUpdate, { args: [parsed.data] }));
      if (refused)
        return void res.status(refused.status).json({ error: `order ${req.params.incrementId}: ${refused.error}` });
      deps.log.info({ workflowId: handle.workflowId, decision: parsed.data.decision }, 'fraud decision accepted');
      res.json({ workflowId: handle.workflowId, decision: parsed.data.decision });
    },
  );

  // An operator's refund (e.g. after an early fraud warning on a shipped order): a run refunds it in Stripe once, and
  // the refund's own run records the credit memo and ERP credit note.
  router.post('/admin/orders/:incrementId/refund', async (req: Request<{ incrementId: string }>, res: Response) => {
    const { incrementId } = req.params;
    if (!incrementIdPattern.test(incrementId)) return void res.status(400).json({ error: 'not an order increment id' });
    const parsed = operatorRefundSchema.safeParse(req.body);
    if (!parsed.success)
      return void res
        .status(400)
        .json({ error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
    const { requestId = randomUUID(), ...request } = parsed.data;
    const workflowId = `operator-refund:${incrementId}:${requestId}`;
    const handle = await deps.temporal.workflow
      .start(operatorRefund, {
        workflowId,
        taskQueue: deps.taskQueue,
        args: [{ ...request, incrementId, requestId }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      })
      .catch((err: unknown) => {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return deps.temporal.workflow.getHandle(workflowId);
        throw err;
      });
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      handle.result() as Promise<OperatorRefundOutcome>,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), 20_000);
      }),
    ]).finally(() => clearTimeout(timer));
    if (!outcome)
      return void res.status(202).json({ workflowId, status: 'running (see the review queue if it parks)' });
    deps.log.info({ workflowId, outcome: outcome.outcome, refundId: outcome.refundId }, 'operator refund');
    res.status(outcome.outcome === 'refunded' ? 200 : 409).json({ workflowId, ...outcome });
  });

  router.get('/admin/inventory-sync', async (_req, res) => {
    res.json(await inventorySyncReport(deps.temporal));
  });

  router.post('/admin/inventory-sync', async (_req, res) => {
    if (await requestInventorySync(deps.temporal)) return void res.status(202).json({ requested: true });
    res
      .status(409)
      .json({ error: 'no inventory-sync schedule (INVENTORY_SYNC_INTERVAL=off, or no worker started yet)' });
  });

  router.get('/admin/versions', async (_req, res) => {
    res.json({ workflowTypes: await versionsOf(deps.temporal) });
  });

  router.get('/admin/review-queue', async (_req, res) => {
    const parked = await listRunning(deps.temporal, reviewQueueQuery);
    res.json({
      items: parked.map((wf) => ({
        workflowId: wf.workflowId,
        workflowType: wf.type,
        since: wf.startTime,
        reason: wf.memo?.reviewReason ?? null,
      })),
    });
  });

  router.post(
    '/admin/review-queue/:workflowId/:action',
    async (req: Request<{ workflowId: string; action: string }>, res: Response) => {
      const { workflowId, action } = req.params;
      if (action !== 'retry' && action !== 'skip')
        return void res.status(404).json({ error: `unknown action ${action}: use retry or skip` });
      if (!workflowIdPattern.test(workflowId)) return void res.status(400).json({ error: 'not a workflow id' });
      const note = { operator: 'admin-api', note: typeof req.body?.note === 'string' ? req.body.note : undefined };
      const handle = deps.temporal.workflow.getHandle(workflowId);
      const refused = await answerOf(() =>
        handle.executeUpdate(action === 'retry' ? retryUpdate : skipUpdate, { args: [note] }),
      );
      if (refused) return void res.status(refused.status).json({ error: `${workflowId}: ${refused.error}` });
      deps.log.info({ workflowId, action }, 'review action accepted');
      res.json({ workflowId, action });
    },
  );

  router.post('/admin/stripe/replay', async (req, res) => {
    const parsed = replaySchema.safeParse(req.body);
    if (!parsed.success)
      return void res.status(400).json({ error: 'body must be {"since": <epoch seconds or ISO 8601 time>}' });
    const since =
      typeof parsed.data.since === 'number' ? parsed.data.since : Math.floor(Date.parse(parsed.data.since) / 1000);
    const workflowId = `stripe-catch-up:manual:${randomUUID()}`;
    await deps.temporal.workflow.start('stripeCatchUp', {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [{ sinceEpochSec: since }],
    });
    res
      .status(202)
      .json({ workflowId, sinceEpochSec: since, status: `/admin/stripe/replay/${encodeURIComponent(workflowId)}` });
  });

  router.get('/admin/stripe/replay/:workflowId', async (req: Request<{ workflowId: string }>, res: Response) => {
    if (!workflowIdPattern.test(req.params.workflowId))
      return void res.status(400).json({ error: 'not a workflow id' });
    const handle = deps.temporal.workflow.getHandle(req.params.workflowId);
    const description = await handle.describe();
    const progress =
      description.status.name === 'COMPLETED'
        ? ((await handle.result()) as CatchUpProgress)
        : await handle.query<CatchUpProgress>('status');
    res.json({ workflowId: handle.workflowId, status: description.status.name, progress });
  });

  // A customer backfill: a `magentoCustomerPoll` from `since`, a workflow, so it survives restarts and resumes where it was.
  router.post('/admin/customers/sync', async (req, res) => {
    const parsed = replaySchema.safeParse(req.body);
    if (!parsed.success)
      return void res.status(400).json({ error: 'body must be {"since": <epoch seconds or ISO 8601 time>}' });
    const since = new Date(
      typeof parsed.data.since === 'number' ? parsed.data.since * 1000 : Date.parse(parsed.data.since),
    ).toISOString();
    const workflowId = `customer-backfill:${randomUUID()}`;
    await deps.temporal.workflow.start('magentoCustomerPoll', {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [{ since }],
    });
    res.status(202).json({ workflowId, since, status: `/admin/customers/sync/${encodeURIComponent(workflowId)}` });
  });

  router.get('/admin/customers/sync/:workflowId', async (req: Request<{ workflowId: string }>, res: Response) => {
    if (!/^customer-backfill:[0-9a-f-]{36}$/.test(req.params.workflowId))
      return void res.status(400).json({ error: 'not a customer backfill id' });
    const handle = deps.temporal.workflow.getHandle(req.params.workflowId);
    const description = await handle.describe();
    const progress =
      description.status.name === 'COMPLETED'
        ? ((await handle.result()) as CustomerPollStatus)
        : await handle.query<CustomerPollStatus>('status');
    const { pages, read, alreadySeen, handedOver, unchanged, withoutEmail, more, since } = progress;
    // The summary sums what each customer's run said about its pass; while running, it covers the customers heard from so far.
    const summary = backfillSummary(progress);
    res.json({
      workflowId: handle.workflowId,
      status: description.status.name,
      progress: { since, pages, read, alreadySeen, handedOver, unchanged, withoutEmail, more },
      ...(summary ? { summary } : {}),
    });
  });

  router.use((err: unknown, _req: Request, res: Response, next: (err?: unknown) => void) => {
    if (err instanceof WorkflowNotFoundError) return void res.status(404).json({ error: 'no such workflow' });
    if (isTemporalUnavailable(err)) return void res.status(503).json({ error: 'Temporal is unreachable, retry later' });
    next(err);
  });
  return router;
}
