import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';

/** Rows on one operator page: visibility is asked for this many and no more, whatever it holds. */
export const opsPageSize = 50;
/** The most rows a page may ask for (`?pageSize=`). */
export const maxOpsPageSize = 200;

export interface RunPage {
  runs: WorkflowExecutionInfo[];
  /** Visibility's token for the next page (base64url), when there is one. */
  nextPageToken?: string;
}

const tokenPattern = /^[A-Za-z0-9_-]{1,4096}$/;

export function isPageToken(value: unknown): value is string {
  return typeof value === 'string' && tokenPattern.test(value);
}

/**
 * One page of the runs a visibility query matches: a single `ListWorkflowExecutions` call with `pageSize`, whose
 * `nextPageToken` becomes the page's "next" link, so a namespace with a million runs costs the same as one with fifty.
 * Memos are decoded with the client's data converter (encrypted memos included).
 */
export async function listRunPage(
  temporal: Client,
  query: string,
  options: { pageSize?: number; pageToken?: string } = {},
): Promise<RunPage> {
  const pageSize = Math.min(Math.max(1, options.pageSize ?? opsPageSize), maxOpsPageSize);
  const { namespace, loadedDataConverter } = temporal.workflow.options;
  const response = await temporal.workflowService.listWorkflowExecutions({
    namespace,
    query,
    pageSize,
    nextPageToken: options.pageToken ? Buffer.from(options.pageToken, 'base64url') : undefined,
  });
  const executions = (response.executions ?? []).slice(0, pageSize);
  const runs = await Promise.all(
    executions.map((raw) => executionInfoFromRaw(raw, loadedDataConverter, raw, namespace)),
  );
  const token =
    response.nextPageToken && response.nextPageToken.length > 0
      ? Buffer.from(response.nextPageToken).toString('base64url')
      : undefined;
  return { runs, ...(token && runs.length > 0 ? { nextPageToken: token } : {}) };
}
