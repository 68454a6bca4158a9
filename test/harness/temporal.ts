import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { searchAttributeKeys } from '../../domain/searchAttributes';
import { resolveBinary, temporalTestServer } from '../../scripts/temporalBinaries';

/** Time-skipping environment on the project's own test-server binary (the SDK's download does not work everywhere). */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = process.env.TEMPORAL_TEST_SERVER_PATH ?? resolveBinary(temporalTestServer);
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path } },
  });
  // The test server starts with no custom search attributes; register the project's, as the worker does on a cluster (docs/beyond-one-machine.md).
  const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(searchAttributeKeys.map((key) => [key.name, keyword])),
  });
  return env;
}

/** The dev server started by the jest global setup. */
export function devServerAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address)
    throw new Error('TEMPORAL_ADDRESS is unset: run the tests through jest so the global setup starts a dev server');
  return address;
}

export async function connectDevServer(): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: devServerAddress() });
  return { client: new Client({ connection, namespace: 'default' }), connection };
}

/** A task queue of this test's own, so test files sharing one dev server never take each other's tasks. */
export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/**
 * A new namespace on the dev server with the project's search attributes and no runs: what an API sees of an order
 * whose runs Temporal's retention period has removed.
 */
export async function registerEmptyNamespace(connection: Connection, prefix = 'empty'): Promise<string> {
  const namespace = `${prefix}-${randomUUID()}`;
  await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(searchAttributeKeys.map((key) => [key.name, keyword])),
  });
  return namespace;
}
