import type { Readable } from 'node:stream';
import axios, { AxiosError, type AxiosInstance, type AxiosRequestConfig } from 'axios';
import type { InventorySyncReport } from '../../api/inventorySync';
import type { OrderPage } from '../../api/orderPage';
import type { LinePage, PayoutReportHead } from '../../domain/payoutReport';
import type { BackfillSummary } from '../../domain/customerPoll';
import type { WorkflowTypeVersions } from '../../domain/versions';
import type { PayoutLine } from '../../domain/reconciliation';

/** One page of a payout's report as the API serves it: the head, a page of lines, and where the next page is. */
export type PayoutReportPage = Omit<PayoutReportHead, 'reading'> &
  Partial<Pick<PayoutReportHead, 'reading'>> & {
    lines: PayoutLine[];
    paging: Omit<LinePage, 'offset'>;
  };

/** A customer backfill's counts (`GET /admin/customers/sync/:id`). */
export type CustomerSyncProgress = {
  since: string;
  pages: number;
  read: number;
  alreadySeen: number;
  handedOver: number;
  unchanged: number;
  withoutEmail: number;
  more: boolean;
};
/** What each handed customer's run said its pass did, summed up. */
export type CustomerSyncSummary = BackfillSummary;

type Progress = { step: string; pages: number; lines: number };

/** `GET /admin/payouts/:id/reconciliation`: the report once reconciled (202 while the run is still going). */
export type PayoutReconciliationAnswer =
  { status: 'reconciled'; report: PayoutReportPage } | { status: 'running'; progress?: Progress };

/** The operator API over HTTP, as the CLI uses it. */
export class AdminClient {
  private readonly http: AxiosInstance;

  constructor(apiUrl: string, adminToken: string) {
    this.http = axios.create({
      baseURL: apiUrl.replace(/\/+$/, ''),
      headers: { Authorization: `Bearer ${adminToken}` },
      timeout: 30_000,
    });
  }

  private async call<T>(method: 'get' | 'post', path: string, data?: unknown): Promise<T> {
    return (await this.send<T>({ method, url: path, data })).data;
  }

  private async send<T>(
    config: AxiosRequestConfig & { method: 'get' | 'post'; url: string },
  ): Promise<{ status: number; data: T }> {
    const { method, url: path } = config;
    try {
      const { status, data } = await this.http.request<T>(config);
      return { status, data };
    } catch (err) {
      if (err instanceof AxiosError && err.response) {
        const body = errorBody(await textOf(err.response.data));
        const said = body?.error ? `${body.error}${body.reason ? `: ${body.reason}` : ''}` : err.message;
        throw new Error(`${method.toUpperCase()} ${path} → ${err.response.status}: ${said}`, { cause: err });
      }
      throw new Error(`cannot reach the API at ${this.http.defaults.baseURL}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /** `GET /admin/orders/:incrementId`: every run, document and money movement of one order. */
  orderPage(incrementId: string) {
    return this.call<OrderPage>('get', `/admin/orders/${encodeURIComponent(incrementId)}`);
  }

  fraudHolds() {
    return this.call<{
      holds: Array<{ incrementId: string; score?: number; reasons: string[]; heldSince?: string; heldUntil?: string }>;
    }>('get', '/admin/fraud-holds');
  }

  fraudDecision(incrementId: string, decision: 'approve' | 'reject', reviewer: string, note?: string) {
    return this.call<{ workflowId: string; decision: string }>(
      'post',
      `/admin/orders/${encodeURIComponent(incrementId)}/fraud-decision`,
      { decision, reviewer, note },
    );
  }

  /** `POST /admin/orders/:incrementId/refund`: refunds in Stripe once; 409 (thrown) with the reason when nothing can be refunded. */
  refundOrder(
    incrementId: string,
    body: { amount?: string; reason?: string; operator: string; note?: string; requestId?: string },
  ) {
    return this.call<{
      workflowId: string;
      outcome?: string;
      refundId?: string;
      amountMinor?: number;
      currency?: string;
      reason?: string;
      status?: string;
    }>('post', `/admin/orders/${encodeURIComponent(incrementId)}/refund`, body);
  }

  /** Per workflow type, its open runs per patch and per build (docs/versioning.md). */
  inventorySync() {
    return this.call<InventorySyncReport>('get', '/admin/inventory-sync');
  }

  requestInventorySync() {
    return this.call<{ requested: boolean }>('post', '/admin/inventory-sync');
  }

  versions() {
    return this.call<{ workflowTypes: WorkflowTypeVersions[] }>('get', '/admin/versions');
  }

  reviewQueue() {
    return this.call<{
      items: Array<{ workflowId: string; workflowType: string; since: string; reason: string | null }>;
    }>('get', '/admin/review-queue');
  }

  reviewAction(workflowId: string, action: 'retry' | 'skip') {
    return this.call<{ workflowId: string; action: string }>(
      'post',
      `/admin/review-queue/${encodeURIComponent(workflowId)}/${action}`,
      {},
    );
  }

  startReplay(sinceEpochSec: number) {
    return this.call<{ workflowId: string; status: string }>('post', '/admin/stripe/replay', { since: sinceEpochSec });
  }

  /** One page of the report (`pageSize` lines, at most 10,000). */
  async payoutReconciliation(payoutId: string, page = 1, pageSize = 1_000): Promise<PayoutReconciliationAnswer> {
    const path = `/admin/payouts/${encodeURIComponent(payoutId)}/reconciliation?page=${page}&pageSize=${pageSize}`;
    const { status, data } = await this.send<unknown>({
      method: 'get',
      url: path,
      responseType: 'text',
      transformResponse: (body: unknown) => body,
    });
    const text = String(data);
    if (status === 202) return { status: 'running', progress: (JSON.parse(text) as { progress?: Progress }).progress };
    return { status: 'reconciled', report: JSON.parse(text) as PayoutReportPage };
  }

  /** The report as CSV, streamed as the API sends it (202 while the run is still going). */
  async payoutReconciliationCsv(
    payoutId: string,
  ): Promise<{ status: 'reconciled'; csv: Readable } | { status: 'running'; progress?: Progress }> {
    const path = `/admin/payouts/${encodeURIComponent(payoutId)}/reconciliation?format=csv`;
    const { status, data } = await this.send<Readable>({ method: 'get', url: path, responseType: 'stream' });
    if (status !== 202) return { status: 'reconciled', csv: data };
    const chunks: Buffer[] = [];
    for await (const chunk of data) chunks.push(Buffer.from(chunk as Buffer));
    return {
      status: 'running',
      progress: (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { progress?: Progress }).progress,
    };
  }

  startCustomerSync(sinceEpochSec: number) {
    return this.call<{ workflowId: string; since: string; status: string }>('post', '/admin/customers/sync', {
      since: sinceEpochSec,
    });
  }

  customerSyncStatus(statusPath: string) {
    return this.call<{ status: string; progress: CustomerSyncProgress; summary?: CustomerSyncSummary }>(
      'get',
      statusPath,
    );
  }

  replayStatus(statusPath: string) {
    return this.call<{
      status: string;
      progress: { pages: number; seen: number; started: number; duplicates: number; ignored: number; done: boolean };
    }>('get', statusPath);
  }
}

/** A streamed error body (CSV requests) read whole; anything else as it is. */
async function textOf(data: unknown): Promise<unknown> {
  if (!data || typeof (data as Readable).pipe !== 'function') return data;
  const chunks: Buffer[] = [];
  for await (const chunk of data as Readable) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The API's error body `{error, reason?}`, also when the response was read as text. */
function errorBody(data: unknown): { error?: string; reason?: string | null } | undefined {
  if (typeof data !== 'string') return data as { error?: string; reason?: string | null } | undefined;
  try {
    return JSON.parse(data) as { error?: string; reason?: string | null };
  } catch {
    return undefined;
  }
}
