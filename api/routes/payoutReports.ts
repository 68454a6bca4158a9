import { once } from 'node:events';
import { Router, type Request, type Response } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PayoutReportStore } from '../../integrations/storage/payoutReportStore';
import type { Logger } from '../../config/logger';
import { payoutIdPattern, payoutWorkflowId } from '../../domain/eventRouting';
import { linePage, type PayoutReportHead, type PayoutRunResult } from '../../domain/payoutReport';
import { csvHeaderLine, csvLine, type PayoutLine } from '../../domain/reconciliation';
import { SyncState } from '../../domain/searchAttributes';
import type { PayoutStatus } from '../../workflows/payoutReconciliation';
import { isTemporalUnavailable } from '../temporalErrors';

export interface PayoutReportDeps {
  temporal: Client;
  /** Where the worker publishes reports (the same store). */
  reports?: PayoutReportStore;
  log: Logger;
}

export const defaultPageSize = 1_000;
export const maxPageSize = 10_000;

/** A report to serve: its head, and its lines from the report store. */
export interface ReportSource {
  head: PayoutReportHead;
  lineCount: number;
  readLines(offset: number, limit: number): Promise<PayoutLine[]>;
  pages(): AsyncIterable<PayoutLine[]>;
}

export type Answer = { source: ReportSource } | { status: number; body: Record<string, unknown> };

function positiveInteger(value: unknown, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  return typeof value === 'string' && /^[1-9]\d{0,8}$/.test(value) ? Number(value) : undefined;
}

/**
 * `GET /admin/payouts/:payoutId/reconciliation`: the report of a reconciled payout, as JSON a page of lines at a time
 * (`?page=1&pageSize=1000`, at most 10,000 a page; `paging.nextPage` says what to ask for next) or as CSV, streamed
 * from the report store line by line (`?format=csv`). The report is served from the store as soon as the payout is
 * booked, even while Temporal is unreachable; otherwise the payout's run says why there is none (yet).
 */
export function payoutReportRoutes(deps: PayoutReportDeps): Router {
  const router = Router();

  router.get('/admin/payouts/:payoutId/reconciliation', async (req: Request<{ payoutId: string }>, res: Response) => {
    const { payoutId } = req.params;
    const format = req.query.format ?? 'json';
    if (!payoutIdPattern.test(payoutId)) return void res.status(400).json({ error: 'not a Stripe payout id (po_…)' });
    if (format !== 'json' && format !== 'csv')
      return void res.status(400).json({ error: 'format must be json or csv' });
    const page = positiveInteger(req.query.page, 1);
    const pageSize = positiveInteger(req.query.pageSize, defaultPageSize);
    if (page === undefined || pageSize === undefined || pageSize > maxPageSize) {
      return void res
        .status(400)
        .json({ error: `page must be a whole number from 1, pageSize from 1 to ${maxPageSize}` });
    }

    const answer = await reportOf(deps, payoutId);
    if (!('source' in answer)) return void res.status(answer.status).json(answer.body);
    const { source } = answer;
    if (format === 'csv') return streamCsv(res, payoutId, source);

    const paging = linePage(source.lineCount, page, pageSize);
    if (page > paging.pageCount)
      return void res
        .status(400)
        .json({ error: `page ${page} is past the last page (${paging.pageCount} of ${pageSize} lines)` });
    const lines = await source.readLines(paging.offset, pageSize);
    const { offset: _offset, ...shown } = paging;
    res.json({ ...source.head, lines, paging: shown });
  });

  router.use((err: unknown, _req: Request, res: Response, next: (err?: unknown) => void) => {
    if (isTemporalUnavailable(err)) return void res.status(503).json({ error: 'Temporal is unreachable, retry later' });
    next(err);
  });
  return router;
}

/** Header, then each stored page's rows as they are read, waiting whenever the client reads slower than the store. */
export async function streamCsv(res: Response, payoutId: string, source: ReportSource): Promise<void> {
  // The id is checked against payoutIdPattern above, so it needs no escaping inside the quotes.
  res.status(200).type('text/csv').set('Content-Disposition', `attachment; filename="${payoutId}-reconciliation.csv"`);
  res.write(csvHeaderLine());
  for await (const lines of source.pages()) {
    if (res.destroyed) return;
    if (!res.write(lines.map((line) => csvLine(payoutId, line)).join(''))) await once(res, 'drain');
  }
  res.end();
}

export async function reportOf(deps: PayoutReportDeps, payoutId: string): Promise<Answer> {
  const stored = await deps.reports?.getReport(payoutId);
  if (stored && deps.reports) {
    const reports = deps.reports;
    return {
      source: {
        head: stored,
        lineCount: stored.reading.lines,
        readLines: (offset, limit) => reports.readLines(payoutId, offset, limit),
        pages: () => reports.pages(payoutId),
      },
    };
  }
  const handle = deps.temporal.workflow.getHandle(payoutWorkflowId(payoutId));
  let description: Awaited<ReturnType<typeof handle.describe>>;
  try {
    description = await handle.describe();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    return {
      status: 404,
      body: {
        error:
          `no reconciliation for payout ${payoutId}: its payout.paid event has not arrived (yet), ` +
          'or it is not a payout of this Stripe account',
      },
    };
  }
  const workflowId = handle.workflowId;
  if (description.status.name === 'RUNNING') {
    if (description.typedSearchAttributes.get(SyncState) === 'needs_review') {
      const reason = description.memo?.reviewReason;
      return {
        status: 409,
        body: {
          error: `the reconciliation of ${payoutId} is waiting in the review queue`,
          workflowId,
          status: 'needs_review',
          reason: typeof reason === 'string' ? reason : null,
        },
      };
    }
    // Progress needs a worker to answer the query: ask briefly, and say only "running" when none does.
    const progress = await deps.temporal
      .withDeadline(Date.now() + 2_000, () => handle.query<PayoutStatus>('status'))
      .then(
        (s) => ({ step: s.step, pages: s.pages, lines: s.lines }),
        () => undefined,
      );
    // While one activity reads the whole payout, the store knows how far it has got.
    const reading =
      progress?.step === 'reading_transactions'
        ? await deps.reports?.readingProgress(payoutId).catch(() => undefined)
        : undefined;
    if (progress && reading) Object.assign(progress, { pages: reading.pages, lines: reading.lines });
    return { status: 202, body: progress ? { status: 'running', workflowId, progress } : { status: 'running' } };
  }
  if (description.status.name !== 'COMPLETED') {
    return {
      status: 409,
      body: {
        error: `the reconciliation of ${payoutId} ended ${description.status.name.toLowerCase()}`,
        workflowId,
        status: description.status.name.toLowerCase(),
      },
    };
  }
  const result = (await handle.result()) as PayoutRunResult;
  switch (result.outcome) {
    case 'skipped':
      return {
        status: 409,
        body: {
          error: `the reconciliation of ${payoutId} was skipped by an operator; nothing was booked`,
          workflowId,
          status: 'skipped',
          reason: result.reason,
        },
      };
    case 'not_paid':
      return {
        status: 409,
        body: {
          error: `payout ${payoutId} failed or was canceled before it was booked; nothing was booked`,
          workflowId,
          status: 'not_paid',
          reason: result.reason,
        },
      };
    case 'reversed':
      return {
        status: 409,
        body: {
          error: `payout ${payoutId} ${result.payout.status} and its Journal Entry was reversed; its report is not in the report store`,
          workflowId,
          status: 'reversed',
          reversal: result.reversal,
        },
      };
    case 'reconciled':
      return {
        status: 409,
        body: {
          error: `the report of ${payoutId} (reading ${result.reading.readingId}) is missing from the report store`,
          workflowId,
          status: 'missing',
        },
      };
  }
}
