import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { orderWorkflowId } from '../domain/eventRouting';
import { SyncState } from '../domain/searchAttributes';
import { statusQueryName } from '../messages/runs';

/** One run that touched an order, as the order page shows it. */
export interface RunView {
  workflowId: string;
  runId: string;
  type: string;
  /** Temporal's execution status, lower case: `running`, `completed`, `failed`, `terminated`, `timed_out`, `canceled`. */
  status: string;
  syncState: string | null;
  step: string | null;
  outcome: string | null;
  reviewReason: string | null;
  startedAt: string;
  closedAt: string | null;
  webUiUrl: string;
  /** Where `step` and `outcome` come from: the run's `status` query, its result (a completed run), or its search attributes and memo only. */
  statusFrom: 'query' | 'result' | 'search_attributes';
  /** Why the status is partial (no worker answered the query, say). */
  note?: string;
  /** The document and Stripe ids the run recorded (Magento entity, invoice, shipment, credit memo; ERP documents; WMS order; charge…). */
  ids: Record<string, string | number>;
}

export interface RunLookupOptions {
  /** The Temporal Web UI, e.g. `http://127.0.0.1:8233`. */
  webUiUrl: string;
  /** How long a `status` query may take (it needs a worker to answer). */
  queryTimeoutMs: number;
}

/** What visibility (or a describe) says about a run. */
type RunInfo = Pick<
  WorkflowExecutionInfo,
  'workflowId' | 'runId' | 'type' | 'status' | 'memo' | 'typedSearchAttributes' | 'startTime' | 'closeTime'
>;

/** The status every long-running workflow answers, and the result it ends with; only the fields the page reads. */
interface StatusLike {
  step?: unknown;
  syncState?: unknown;
  outcome?: unknown;
  reviewReason?: unknown;
  ids?: Record<string, unknown>;
}

export function webUiUrl(base: string, namespace: string, workflowId: string, runId: string): string {
  return `${base.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}`;
}

/**
 * Every run whose `MagentoOrderId` is the order (its order run, refund and dispute runs), newest first, each with its
 * state. The order run is also looked up by its id, in case visibility has not caught up with it yet.
 */
export async function findOrderRuns(
  temporal: Client,
  incrementId: string,
  options: RunLookupOptions,
): Promise<RunView[]> {
  const found: RunInfo[] = await listRuns(temporal, `MagentoOrderId = '${incrementId}'`);
  if (!found.some((wf) => wf.workflowId === orderWorkflowId(incrementId))) {
    const described = await temporal.workflow
      .getHandle(orderWorkflowId(incrementId))
      .describe()
      .catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      });
    if (described) found.push(described);
  }
  return viewsOf(temporal, found, options);
}

/** The intake runs (`stripe:<evt_…>`) of events about these Stripe objects: one visibility query. */
export async function findIntakeRuns(
  temporal: Client,
  stripeObjectIds: readonly string[],
  options: RunLookupOptions,
): Promise<RunView[]> {
  const ids = [...new Set(stripeObjectIds)].filter((id) => /^[A-Za-z0-9_]+$/.test(id));
  if (ids.length === 0) return [];
  const found = await listRuns(
    temporal,
    `WorkflowType = 'stripeEventIntake' AND StripeObjectId IN (${ids.map((id) => `'${id}'`).join(', ')})`,
    100,
  );
  return viewsOf(temporal, found, options);
}

async function listRuns(temporal: Client, query: string, limit = 200): Promise<WorkflowExecutionInfo[]> {
  const found: WorkflowExecutionInfo[] = [];
  for await (const wf of temporal.workflow.list({ query })) {
    found.push(wf);
    if (found.length >= limit) break;
  }
  return found;
}

async function viewsOf(temporal: Client, runs: RunInfo[], options: RunLookupOptions): Promise<RunView[]> {
  const sorted = [...runs].sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
  return Promise.all(sorted.map((wf) => viewOf(temporal, wf, options)));
}

/** A running run answers its `status` query; a completed one's result holds its last status; otherwise visibility says what it can. */
async function viewOf(temporal: Client, wf: RunInfo, options: RunLookupOptions): Promise<RunView> {
  const handle = temporal.workflow.getHandle(wf.workflowId, wf.runId);
  const status = wf.status.name.toLowerCase();
  const memoReason = typeof wf.memo?.reviewReason === 'string' ? wf.memo.reviewReason : null;
  const view: RunView = {
    workflowId: wf.workflowId,
    runId: wf.runId,
    type: wf.type,
    status,
    syncState: wf.typedSearchAttributes.get(SyncState) ?? null,
    step: null,
    outcome: null,
    reviewReason: memoReason,
    startedAt: wf.startTime.toISOString(),
    closedAt: wf.closeTime?.toISOString() ?? null,
    webUiUrl: webUiUrl(options.webUiUrl, temporal.options.namespace, wf.workflowId, wf.runId),
    statusFrom: 'search_attributes',
    ids: {},
  };
  if (status === 'completed') {
    const result = await handle.result().then(
      (r) => r as (StatusLike & { status?: StatusLike }) | undefined,
      () => undefined,
    );
    if (result) return withStatus(view, result.status ?? {}, 'result', result.outcome);
  }
  const queried = await temporal
    .withDeadline(Date.now() + options.queryTimeoutMs, () => handle.query<StatusLike>(statusQueryName))
    .then(
      (s) => ({ ok: true as const, status: s }),
      (err: unknown) => ({ ok: false as const, error: err instanceof Error ? err.message : String(err) }),
    );
  if (queried.ok) return withStatus(view, queried.status ?? {}, 'query');
  return {
    ...view,
    note: `the run did not answer its status query (${queried.error}): state from its search attributes and memo`,
  };
}

function withStatus(view: RunView, status: StatusLike, from: RunView['statusFrom'], outcome?: unknown): RunView {
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
  const ids = Object.fromEntries(
    Object.entries(status.ids ?? {}).filter(
      (entry): entry is [string, string | number] => typeof entry[1] === 'string' || typeof entry[1] === 'number',
    ),
  );
  return {
    ...view,
    statusFrom: from,
    ids,
    step: text(status.step),
    outcome: text(outcome) ?? text(status.outcome),
    syncState: text(status.syncState) ?? view.syncState,
    reviewReason: text(status.reviewReason) ?? view.reviewReason,
  };
}
