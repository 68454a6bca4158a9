import { randomUUID } from 'node:crypto';
import { InterceptingCall, Metadata, status, type Interceptor } from '@grpc/grpc-js';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { ConfigError } from '../../config/env';
import { searchAttributeKeys } from '../../domain/searchAttributes';
import { ensureSearchAttributes } from '../../worker/searchAttributes';
import { devServerAddress } from '../harness/temporal';

const productAttributes = searchAttributeKeys.map((key) => key.name).sort();

/** Answers AddSearchAttributes as Temporal Cloud does for an API key without the right, without sending it. */
const refuseAdding: Interceptor = (options, nextCall) =>
  options.method_definition.path.endsWith('/AddSearchAttributes')
    ? new InterceptingCall(nextCall(options), {
        start: (_metadata, listener) =>
          listener.onReceiveStatus({
            code: status.PERMISSION_DENIED,
            details: 'Request unauthorized.',
            metadata: new Metadata(),
          }),
        sendMessage: () => undefined,
        halfClose: () => undefined,
      })
    : new InterceptingCall(nextCall(options));

describe('the worker prepares a namespace that lacks the product’s search attributes', () => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await Connection.connect({ address: devServerAddress() });
  });
  afterAll(() => connection?.close());

  async function freshNamespace(): Promise<string> {
    const namespace = `fresh-${randomUUID()}`;
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    return namespace;
  }
  const present = async (namespace: string) =>
    Object.keys((await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {}).sort();

  it('adds the missing ones once, when three workers start at once, and finds them there the next time', async () => {
    const namespace = await freshNamespace();
    expect(await present(namespace)).toEqual([]);
    const outcomes = await Promise.all([1, 2, 3].map(() => ensureSearchAttributes(connection, namespace)));
    expect(outcomes.some((o) => o.added.length === productAttributes.length)).toBe(true);
    expect(await present(namespace)).toEqual(productAttributes);
    expect(await ensureSearchAttributes(connection, namespace)).toEqual({ added: [] });
    // Visibility takes them: a query on SyncState is valid on the namespace now.
    await expect(
      connection.workflowService.countWorkflowExecutions({ namespace, query: `SyncState = 'completed'` }),
    ).resolves.toBeDefined();
  });

  it('refuses to start where the credentials may not add them, naming each missing one and its command', async () => {
    const namespace = await freshNamespace();
    const limited = await Connection.connect({ address: devServerAddress(), interceptors: [refuseAdding] });
    try {
      const refusal = await ensureSearchAttributes(limited, namespace).catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(ConfigError);
      const message = (refusal as Error).message;
      for (const name of productAttributes) {
        expect(message).toContain(name);
        expect(message).toContain(
          `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type Keyword`,
        );
      }
      expect(await present(namespace)).toEqual([]);
    } finally {
      await limited.close();
    }
  });
});
