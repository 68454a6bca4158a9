import axios, { AxiosError, type AxiosInstance } from 'axios';

/** The operator API over HTTP, as the CLI uses it. */
export class AdminClient {
  private readonly http: AxiosInstance;

  constructor(apiUrl: string, adminToken: string) {
    this.http = axios.create({ baseURL: apiUrl.replace(/\/+$/, ''), headers: { Authorization: `Bearer ${adminToken}` }, timeout: 30_000 });
  }

  private async call<T>(method: 'get' | 'post', path: string, data?: unknown): Promise<T> {
    try {
      return (await this.http.request<T>({ method, url: path, data })).data;
    } catch (err) {
      if (err instanceof AxiosError && err.response) {
        throw new Error(`${method.toUpperCase()} ${path} → ${err.response.status}: ${(err.response.data as { error?: string })?.error ?? err.message}`, { cause: err });
      }
      throw new Error(`cannot reach the API at ${this.http.defaults.baseURL}: ${(err as Error).message}`, { cause: err });
    }
  }

  fraudHolds() {
    return this.call<{ holds: Array<{ incrementId: string; score?: number; reasons: string[]; heldSince?: string; heldUntil?: string }> }>('get', '/admin/fraud-holds');
  }

  fraudDecision(incrementId: string, decision: 'approve' | 'reject', reviewer: string, note?: string) {
    return this.call<{ workflowId: string; decision: string }>('post', `/admin/orders/${encodeURIComponent(incrementId)}/fraud-decision`, { decision, reviewer, note });
  }

  reviewQueue() {
    return this.call<{ items: Array<{ workflowId: string; workflowType: string; since: string; reason: string | null }> }>('get', '/admin/review-queue');
  }

  reviewAction(workflowId: string, action: 'retry' | 'skip') {
    return this.call<{ workflowId: string; action: string }>('post', `/admin/review-queue/${encodeURIComponent(workflowId)}/${action}`, {});
  }

  startReplay(sinceEpochSec: number) {
    return this.call<{ workflowId: string; status: string }>('post', '/admin/stripe/replay', { since: sinceEpochSec });
  }

  replayStatus(statusPath: string) {
    return this.call<{ status: string; progress: { pages: number; seen: number; started: number; duplicates: number; ignored: number; done: boolean } }>('get', statusPath);
  }
}
