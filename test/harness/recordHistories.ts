import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export const historiesDir = join(__dirname, '../replay/histories');

/**
 * With RECORD_HISTORIES=1, writes the full event history of the named runs to test/replay/histories/, where the replay
 * test checks that today's workflow code still replays them. A change that does not replay them needs a patch or a new
 * workflow type (docs/versioning.md); record a path again only when that change has shipped.
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
