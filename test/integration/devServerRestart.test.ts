import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startDevServer } from '../../scripts/devServer';
import { freePort } from '../../scripts/ports';
import { SyncState } from '../../domain/searchAttributes';

async function withClient<T>(address: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await fn(new Client({ connection }));
  } finally {
    await connection.close();
  }
}

describe('embedded dev server started by npm start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'o2c-devserver-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a workflow started before a restart, with the project search attributes registered', async () => {
    const dbFile = join(dir, 'temporal.db');
    const port = await freePort();
    const workflowId = `restart-check-${port}`;

    const first = await startDevServer({ port, dbFile });
    try {
      await withClient(first.address, (client) =>
        client.workflow.start('notRegisteredAnywhere', {
          workflowId,
          taskQueue: 'nobody-polls-this',
          typedSearchAttributes: [{ key: SyncState, value: 'running' }],
        }),
      );
    } finally {
      await first.stop();
    }

    const second = await startDevServer({ port, dbFile });
    try {
      const found = await withClient(second.address, async (client) => {
        const ids: string[] = [];
        for await (const wf of client.workflow.list({
          query: `WorkflowId = '${workflowId}' AND SyncState = 'running'`,
        }))
          ids.push(wf.workflowId);
        return ids;
      });
      expect(found).toEqual([workflowId]);
    } finally {
      await second.stop();
    }
  });

  it('runs its SQLite file in write-ahead-log mode and keeps every acknowledged start through a SIGKILL', async () => {
    const dbFile = join(dir, 'killed.db');
    const port = await freePort();
    const ids = Array.from({ length: 25 }, (_, i) => `kill-check-${port}-${i}`);

    const first = await startDevServer({ port, dbFile });
    try {
      await withClient(first.address, async (client) => {
        for (const workflowId of ids)
          await client.workflow.start('notRegisteredAnywhere', { workflowId, taskQueue: 'nobody-polls-this' });
      });
      expect(existsSync(`${dbFile}-wal`)).toBe(true);
    } finally {
      const exited = new Promise((resolve) => first.process.once('exit', resolve));
      first.process.kill('SIGKILL');
      await exited;
    }

    const second = await startDevServer({ port, dbFile });
    try {
      const found = await withClient(second.address, async (client) => {
        const seen: string[] = [];
        for await (const wf of client.workflow.list({ query: `WorkflowId STARTS_WITH 'kill-check-${port}-'` }))
          seen.push(wf.workflowId);
        return seen.sort();
      });
      expect(found).toEqual([...ids].sort());
    } finally {
      await second.stop();
    }
  });
});
