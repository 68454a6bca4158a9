import type { Client } from '@temporalio/client';
import Long from 'long';
import { html, esc, raw } from '../../api/ops/html';
import { listRunPage, maxOpsPageSize, opsPageSize } from '../../api/ops/lists';

describe('operator page HTML', () => {
  it('escapes every value put into a page, and nothing marked as already HTML', () => {
    const evil = `<script>alert("x")</script>'&`;
    expect(esc(evil)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;');
    expect(html`<td title="${evil}">${[evil, raw('<b>ok</b>')]}</td>`.text).toBe(
      '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;<b>ok</b></td>',
    );
  });
});

describe('operator page lists', () => {
  /** A visibility store of `total` runs that answers pages as the server does, counting what it is asked for. */
  function visibilityOf(total: number) {
    const calls: Array<{ pageSize?: number | null; query?: string | null }> = [];
    const client = {
      workflow: {
        options: {
          namespace: 'default',
          loadedDataConverter: { payloadConverter: {}, failureConverter: {}, payloadCodecs: [] },
        },
      },
      workflowService: {
        listWorkflowExecutions: async (req: { pageSize?: number; query?: string; nextPageToken?: Uint8Array }) => {
          calls.push({ pageSize: req.pageSize, query: req.query });
          const start = req.nextPageToken?.length ? Number(Buffer.from(req.nextPageToken).toString()) : 0;
          const size = req.pageSize || 1000;
          const executions = Array.from({ length: Math.min(size, total - start) }, (_, i) => ({
            execution: { workflowId: `order:${start + i}`, runId: `run-${start + i}` },
            type: { name: 'orderToCash' },
            status: 1,
            startTime: { seconds: Long.fromNumber(1_700_000_000 - start - i), nanos: 0 },
            historyLength: Long.fromNumber(10),
          }));
          return {
            executions,
            nextPageToken: start + size < total ? Buffer.from(String(start + size)) : Buffer.alloc(0),
          };
        },
      },
    };
    return { client: client as unknown as Client, calls };
  }

  it('asks visibility for one page of 50, however many runs it holds, and links the next page by its token', async () => {
    const { client, calls } = visibilityOf(100_000);
    const first = await listRunPage(client, `SyncState = 'completed'`);
    expect(calls).toEqual([{ pageSize: opsPageSize, query: `SyncState = 'completed'` }]);
    expect(first.runs).toHaveLength(opsPageSize);
    expect(first.nextPageToken).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await listRunPage(client, `SyncState = 'completed'`, { pageToken: first.nextPageToken });
    expect(calls).toHaveLength(2);
    expect(second.runs[0]!.workflowId).toBe(`order:${opsPageSize}`);
  });

  it('never asks for more than 200 a page, and ends without a next link', async () => {
    const { client, calls } = visibilityOf(30);
    const page = await listRunPage(client, '', { pageSize: 1_000_000 });
    expect(calls[0]!.pageSize).toBe(maxOpsPageSize);
    expect(page.runs).toHaveLength(30);
    expect(page.nextPageToken).toBeUndefined();
  });
});
