import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { PayoutReportStore } from '../../integrations/storage/payoutReportStore';
import type { Logger } from '../../config/logger';
import { orderWorkflowId, payoutIdPattern } from '../../domain/eventRouting';
import { retryUpdate, skipUpdate } from '../../messages/runs';
import { fraudDecisionUpdate } from '../../messages/order';
import { failedAttemptLimiter, type AttemptLimits } from '../attemptLimits';
import { html, page, type Html } from '../ops/html';
import { isPageToken, listRunPage } from '../ops/lists';
import * as pages from '../ops/pages';
import { isSameOriginRequest, sessionOf, setSessionCookie, type OperatorSessions, type Session } from '../ops/session';
import { inventorySyncReport } from '../inventorySync';
import { orderPage, type OrderSystems } from '../orderPage';
import { webUiUrl } from '../orderRuns';
import { isTemporalUnavailable } from '../temporalErrors';
import {
  answerOf,
  fraudHoldOf,
  fraudHoldQuery,
  incrementIdPattern,
  reviewQueueQuery,
  workflowIdPattern,
} from './admin';
import { reportOf, streamCsv } from './payoutReports';

export interface OpsDeps {
  temporal: Client;
  /** Unset without ADMIN_TOKEN: the page is off, as the operator API is. */
  sessions?: OperatorSessions;
  orderPage: { systems: OrderSystems; webUiUrl: string };
  payoutReports?: PayoutReportStore;
  /** Wrong tokens taken at `POST /ops/login` before it answers 429. */
  loginLimits: AttemptLimits;
  log: Logger;
}

type Flash = { text: string; isError?: boolean };
/** The session the auth middleware found (every route after it has one). */
const sessionIn = (res: Response): Session => res.locals.session as Session;

const reviewer = 'operator page';

function send(res: Response, status: number, title: string, body: Html, session?: Session, flash?: Flash): void {
  res
    .status(status)
    .type('html')
    .set({
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'same-origin',
      'Cache-Control': 'no-store',
      'X-Frame-Options': 'DENY',
    })
    .send(page({ title, csrfToken: session?.csrfToken, flash }, body));
}

/**
 * The operator page at `/ops/`: server-rendered HTML over the same Temporal calls as the operator API. Login with the
 * operator token sets a signed session cookie (HttpOnly, SameSite=Strict); every POST must come from this origin and
 * carry the session's CSRF token.
 */
export function opsRoutes(deps: OpsDeps): Router {
  const router = Router();
  const { temporal, sessions } = deps;
  const webUi = (wf: WorkflowExecutionInfo) =>
    webUiUrl(deps.orderPage.webUiUrl, temporal.options.namespace, wf.workflowId, wf.runId);
  router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));

  router.use((req, res, next) => {
    if (!sessions)
      return void send(
        res,
        503,
        'Operator page off',
        html`<p>ADMIN_TOKEN is not configured: the operator page is off.</p>`,
      );
    if (req.method === 'POST' && !isSameOriginRequest(req)) {
      deps.log.warn({ path: req.path, outcome: 'cross_origin' }, 'operator page refused a cross-origin POST');
      return void send(res, 403, 'Refused', html`<p>This form was posted from another site.</p>`);
    }
    next();
  });

  const sessionUnknown = (res: Response) =>
    send(
      res,
      503,
      'Temporal unavailable',
      html`<p>Temporal does not answer, so your session cannot be checked: try again in a moment.</p>`,
    );

  router.get('/login', async (req, res) => {
    try {
      if (await sessionOf(sessions, req)) return void res.redirect(303, '/ops/');
    } catch {
      // Temporal cannot say: the form is still worth showing.
    }
    send(res, 200, 'Log in', pages.loginForm());
  });

  const loginLimits = failedAttemptLimiter('operator page login', deps.loginLimits, deps.log, (res, retryAfterSec) =>
    send(res, 429, 'Log in', pages.loginForm(), undefined, {
      text: `Too many wrong tokens: try again in ${Math.ceil(retryAfterSec / 60)} min.`,
      isError: true,
    }),
  );
  router.post('/login', ...loginLimits, async (req, res) => {
    const token: unknown = req.body?.token;
    if (typeof token !== 'string' || !sessions!.isAdminToken(token)) {
      deps.log.warn({ outcome: 'unauthorized' }, 'operator page login refused');
      return void send(res, 401, 'Log in', pages.loginForm(), undefined, {
        text: 'That is not the operator token.',
        isError: true,
      });
    }
    let cookieValue: string;
    try {
      ({ cookieValue } = await sessions!.create());
    } catch (err) {
      deps.log.error({ outcome: 'session_not_started', err: (err as Error).message }, 'operator page login failed');
      return void sessionUnknown(res);
    }
    setSessionCookie(req, res, cookieValue, sessions!.cookieMaxAgeSec);
    deps.log.info({ outcome: 'logged_in' }, 'operator page login');
    res.redirect(303, '/ops/');
  });

  // Everything below needs a session; POSTs also need its CSRF token.
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    let session: Session | undefined;
    try {
      session = await sessionOf(sessions, req);
    } catch {
      return void sessionUnknown(res);
    }
    if (!session) {
      if (req.method === 'GET' || req.method === 'HEAD') return void res.redirect(303, '/ops/login');
      return void send(res, 401, 'Log in', pages.loginForm(), undefined, {
        text: 'Your session has ended: log in again.',
        isError: true,
      });
    }
    if (req.method === 'POST' && !sessions!.isCsrfToken(session, req.body?.csrf)) {
      deps.log.warn({ path: req.path, outcome: 'csrf' }, 'operator page refused a POST without its CSRF token');
      return void send(
        res,
        403,
        'Refused',
        html`<p>This form is out of date or was not sent by this page: reload the page and try again.</p>`,
        session,
      );
    }
    res.locals.session = session;
    next();
  });

  router.post('/logout', async (req, res) => {
    try {
      await sessions!.revoke(sessionIn(res));
    } catch {
      return void sessionUnknown(res);
    }
    setSessionCookie(req, res, '', 0);
    deps.log.info({ outcome: 'logged_out' }, 'operator page logout');
    res.redirect(303, '/ops/login');
  });

  router.post('/logout-everywhere', async (req, res) => {
    let ended: number;
    try {
      ended = await sessions!.revokeAll();
    } catch {
      return void sessionUnknown(res);
    }
    setSessionCookie(req, res, '', 0);
    deps.log.info({ outcome: 'logged_out_everywhere', sessions: ended }, 'operator page: every session ended');
    res.redirect(303, '/ops/login');
  });

  router.get('/', async (req, res) => {
    const count = (query: string) =>
      temporal.workflow.count(query).then(
        (c) => c.count,
        () => 'unknown',
      );
    const [fraudHolds, reviewQueue] = await Promise.all([count(fraudHoldQuery), count(reviewQueueQuery)]);
    send(res, 200, 'Operator page', pages.home({ fraudHolds, reviewQueue }), sessionIn(res));
  });

  const showFraudHolds = async (req: Request, res: Response, status = 200, flash?: Flash) => {
    const { runs, nextPageToken } = await listRunPage(temporal, fraudHoldQuery, { pageToken: pageTokenOf(req) });
    const holds = runs.map(fraudHoldOf);
    send(
      res,
      status,
      'Fraud holds',
      pages.fraudHolds(holds, sessionIn(res).csrfToken, nextPageToken),
      sessionIn(res),
      flash,
    );
  };
  router.get('/fraud-holds', (req, res) => showFraudHolds(req, res));

  router.post('/fraud-holds/:incrementId/decision', async (req: Request<{ incrementId: string }>, res: Response) => {
    const { incrementId } = req.params;
    const decision: unknown = req.body?.decision;
    const note =
      typeof req.body?.note === 'string' && req.body.note.trim() ? req.body.note.trim().slice(0, 2000) : undefined;
    if (!incrementIdPattern.test(incrementId) || (decision !== 'approve' && decision !== 'reject')) {
      return void showFraudHolds(req, res, 400, {
        text: 'Choose Approve or Reject for an order in the list.',
        isError: true,
      });
    }
    const handle = temporal.workflow.getHandle(orderWorkflowId(incrementId));
    const refused = await answerOf(() =>
      handle.executeUpdate(fraudDecisionUpdate, { args: [{ decision, reviewer, ...(note ? { note } : {}) }] }),
    );
    if (refused)
      return void showFraudHolds(req, res, refused.status, {
        text: `Order ${incrementId}: ${refused.error}`,
        isError: true,
      });
    deps.log.info({ workflowId: handle.workflowId, decision, via: 'ops' }, 'fraud decision accepted');
    await showFraudHolds(req, res, 200, {
      text: `Order ${incrementId} ${decision === 'approve' ? 'approved: it continues to invoicing and fulfilment' : 'rejected: its payment is refunded and the order cancelled'}.`,
    });
  });

  const showReviewQueue = async (req: Request, res: Response, status = 200, flash?: Flash) => {
    const { runs, nextPageToken } = await listRunPage(temporal, reviewQueueQuery, { pageToken: pageTokenOf(req) });
    send(
      res,
      status,
      'Review queue',
      pages.reviewQueue(runs, sessionIn(res).csrfToken, webUi, nextPageToken),
      sessionIn(res),
      flash,
    );
  };
  router.get('/review-queue', (req, res) => showReviewQueue(req, res));

  router.post(
    '/review-queue/:workflowId/:action',
    async (req: Request<{ workflowId: string; action: string }>, res: Response) => {
      const { workflowId, action } = req.params;
      if ((action !== 'retry' && action !== 'skip') || !workflowIdPattern.test(workflowId)) {
        return void showReviewQueue(req, res, 400, {
          text: 'Choose Retry or Skip for a run in the list.',
          isError: true,
        });
      }
      const handle = temporal.workflow.getHandle(workflowId);
      const refused = await answerOf(() =>
        handle.executeUpdate(action === 'retry' ? retryUpdate : skipUpdate, { args: [{ operator: reviewer }] }),
      );
      if (refused)
        return void showReviewQueue(req, res, refused.status, {
          text: `${workflowId}: ${refused.error}`,
          isError: true,
        });
      deps.log.info({ workflowId, action, via: 'ops' }, 'review action accepted');
      await showReviewQueue(req, res, 200, {
        text: `${workflowId}: ${action === 'retry' ? 'retrying from the step it parked at' : 'skipped'}.`,
      });
    },
  );

  router.get('/runs', async (req, res) => {
    const state =
      typeof req.query.state === 'string' && (pages.syncStates as readonly string[]).includes(req.query.state)
        ? req.query.state
        : undefined;
    const { runs, nextPageToken } = await listRunPage(temporal, state ? `SyncState = '${state}'` : '', {
      pageToken: pageTokenOf(req),
    });
    send(
      res,
      200,
      state ? `Recent runs: ${state}` : 'Recent runs',
      pages.recentRuns(runs, state, webUi, nextPageToken),
      sessionIn(res),
    );
  });

  router.get('/orders', (req, res) => {
    const id = req.query.id;
    if (typeof id === 'string' && incrementIdPattern.test(id.trim()))
      return void res.redirect(303, `/ops/orders/${encodeURIComponent(id.trim())}`);
    send(
      res,
      200,
      'Orders',
      pages.lookupForm('/ops/orders', 'Magento order number (increment id)', 'id', '[A-Za-z0-9_\\-]{1,50}'),
      sessionIn(res),
    );
  });

  router.get('/orders/:incrementId', async (req: Request<{ incrementId: string }>, res: Response) => {
    const { incrementId } = req.params;
    const session = sessionIn(res);
    if (!incrementIdPattern.test(incrementId))
      return void send(res, 400, 'Orders', html`<p>That is not an order number.</p>`, session);
    const answer = await orderPage({ temporal, ...deps.orderPage, queryTimeoutMs: 2_000 }, incrementId);
    if (answer.kind === 'not_found')
      return void send(
        res,
        404,
        `Order ${incrementId}`,
        html`<p>Temporal has no run of it and Magento has no such order.</p>`,
        session,
      );
    if (answer.kind === 'unknown')
      return void send(res, 503, `Order ${incrementId}`, html`<p>${answer.reason}</p>`, session);
    send(res, 200, `Order ${incrementId}`, pages.orderPageBody(answer.page), session);
  });

  router.get('/inventory', async (_req, res) => {
    send(res, 200, 'Stock sync', pages.inventorySync(await inventorySyncReport(temporal)), sessionIn(res));
  });

  router.get('/payouts', async (req, res) => {
    const id = req.query.id;
    if (typeof id === 'string' && payoutIdPattern.test(id.trim()))
      return void res.redirect(303, `/ops/payouts/${encodeURIComponent(id.trim())}`);
    const { runs, nextPageToken } = await listRunPage(temporal, `WorkflowType = 'payoutReconciliation'`, {
      pageToken: pageTokenOf(req),
    });
    send(res, 200, 'Payout reports', pages.payoutList(runs, nextPageToken), sessionIn(res));
  });

  router.get('/payouts/:payoutId', async (req: Request<{ payoutId: string }>, res: Response) => {
    const { payoutId } = req.params;
    const session = sessionIn(res);
    if (!payoutIdPattern.test(payoutId))
      return void send(res, 400, 'Payout reports', html`<p>That is not a Stripe payout id (po_…).</p>`, session);
    const answer = await reportOf({ temporal, reports: deps.payoutReports, log: deps.log }, payoutId);
    if (!('source' in answer)) {
      const reason =
        typeof answer.body.error === 'string'
          ? answer.body.error
          : `the reconciliation is ${String(answer.body.status)}`;
      return void send(
        res,
        answer.status === 202 ? 200 : answer.status,
        `Payout ${payoutId}`,
        html`<p>No report to show: ${reason}.</p>`,
        session,
      );
    }
    const lines = await answer.source.readLines(0, 100);
    send(res, 200, `Payout ${payoutId}`, pages.payoutReport(payoutId, answer.source, lines), session);
  });

  router.get('/payouts/:payoutId/reconciliation.csv', async (req: Request<{ payoutId: string }>, res: Response) => {
    const { payoutId } = req.params;
    if (!payoutIdPattern.test(payoutId)) return void res.status(400).type('text').send('not a Stripe payout id (po_…)');
    const answer = await reportOf({ temporal, reports: deps.payoutReports, log: deps.log }, payoutId);
    if (!('source' in answer)) return void res.status(answer.status).json(answer.body);
    await streamCsv(res, payoutId, answer.source);
  });

  router.use((err: unknown, req: Request, res: Response, next: (err?: unknown) => void) => {
    if (!isTemporalUnavailable(err) || res.headersSent) return next(err);
    send(
      res,
      503,
      'Temporal is unreachable',
      html`<p>Temporal is unreachable: retry in a moment.</p>`,
      res.locals.session as Session | undefined,
    );
  });
  return router;
}

function pageTokenOf(req: Request): string | undefined {
  const token = req.query.pageToken;
  return isPageToken(token) ? token : undefined;
}
