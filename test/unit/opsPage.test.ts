import type { Client } from '@temporalio/client';
import Long from 'long';
import { html, esc, raw } from '../../api/ops/html';
import { listRunPage, maxOpsPageSize, opsPageSize } from '../../api/ops/lists';
import { inventorySync } from '../../api/ops/pages';

describe('operator page HTML', () => {
  it('escapes every value put into a page, and nothing marked as already HTML', () => {
    const evil = `<script>alert("x")</script>'&`;
    expect(esc(evil)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;');
    expect(html`<td title="${evil}">${[evil, raw('<b>ok</b>')]}</td>`.text).toBe(
      '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;<b>ok</b></td>',
    );
  });
});

describe('the stock sync page', () => {
  it('shows the newest run with its SKUs on one side only and low stock, escaped', () => {
    const page = inventorySync({
      scheduleId: 'inventory-sync',
      scheduled: true,
      paused: false,
      nextRunAt: '2026-12-07T10:05:00.000Z',
      lastRun: {
        workflowId: 'inventory-sync-workflow-2026-12-07T10:00:00Z',
        state: 'COMPLETED',
        status: {
          syncState: 'completed',
          step: 'done',
          startedAt: '2026-12-07T10:00:00.000Z',
          fullReadAt: '2026-12-07T10:00:00.000Z',
          magento: {},
          warehouseOnly: ['<NEW-SKU>'],
          magentoOnly: ['OLD-SKU'],
          low: ['MUG'],
          written: ['MUG', 'TEE'],
          unchanged: 3,
          rewritten: [],
          awaitingMagentoShipment: [],
        },
      },
    }).text;
    expect(page).toContain('2 SKUs; 3 unchanged');
    expect(page).toContain('&lt;NEW-SKU&gt;');
    expect(page).toContain('OLD-SKU');
    expect(page).toContain('MUG');
    expect(inventorySync({ scheduleId: 'inventory-sync', scheduled: false }).text).toContain('does not exist');
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
