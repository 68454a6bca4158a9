import type { Client } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { versionsReport, type OpenRun, type WorkflowTypeVersions } from '../domain/versions';
import { patches } from '../workflows/patches';

const openRunsQuery = `ExecutionStatus = 'Running'`;

const TemporalChangeVersion = defineSearchAttributeKey('TemporalChangeVersion', SearchAttributeType.KEYWORD_LIST);
const BuildIds = defineSearchAttributeKey('BuildIds', SearchAttributeType.KEYWORD_LIST);

/**
 * Every open run's patches and builds, from visibility (answers without a worker): one page of the list per 1,000
 * runs. `TemporalChangeVersion` and `BuildIds` are Temporal's own search attributes.
 */
export async function openRunVersions(temporal: Client): Promise<OpenRun[]> {
  const runs: OpenRun[] = [];
  for await (const wf of temporal.workflow.list({ query: openRunsQuery, pageSize: 1_000 })) {
    runs.push({
      workflowType: wf.type,
      changeVersions: wf.typedSearchAttributes.get(TemporalChangeVersion) ?? [],
      buildIds: wf.typedSearchAttributes.get(BuildIds) ?? [],
    });
  }
  return runs;
}

/** `GET /admin/versions`: per workflow type, its open runs per patch and per build (docs/versioning.md). */
export async function versionsOf(temporal: Client): Promise<WorkflowTypeVersions[]> {
  return versionsReport(await openRunVersions(temporal), patches);
}
