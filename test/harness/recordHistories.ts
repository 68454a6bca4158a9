import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export const historiesDir = join(__dirname, '../replay/histories');

/**
 * With RECORD_HISTORIES=1, writes the full event history of the named runs to test/replay/histories/, where the replay
 * test checks that today's workflow code still replays them. Record again only when a change is meant to be
 * incompatible (and then version the workflow with patched() instead, so running workflows keep working).
 */
export async function recordHistories(
  client: Client,
  runs: Array<{ name: string; workflowId: string; runId?: string }>,
): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  mkdirSync(historiesDir, { recursive: true });
  for (const { name, workflowId, runId } of runs) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const { History } = temporal.api.history.v1;
    writeFileSync(join(historiesDir, `${name}.binpb`), History.encode(History.fromObject(history)).finish());
  }
}
