import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { WorkflowFailedError, type Client, type Connection } from '@temporalio/client';
import { productInterceptors } from '../../worker/worker';
import { connectDevServer, devServerAddress, uniqueTaskQueue } from '../harness/temporal';
import type { slowCall } from '../workflows/fixtures/slowCall';

jest.setTimeout(60_000);

describe('liveness heartbeats (worker/livenessHeartbeat.ts)', () => {
  let client: Client;
  let connection: Connection;
  let native: NativeConnection;
  beforeAll(async () => {
    ({ client, connection } = await connectDevServer());
    native = await NativeConnection.connect({ address: devServerAddress() });
  });
  afterAll(async () => {
    await native?.close();
    await connection?.close();
  });

  const run = async (
    interceptors: WorkerOptions['interceptors'] | undefined,
    ms: number,
    heartbeatTimeoutMs: number,
  ) => {
    const taskQueue = uniqueTaskQueue('liveness');
    const worker = await Worker.create({
      connection: native,
      taskQueue,
      workflowsPath: require.resolve('../workflows/fixtures/slowCall'),
      activities: { slowCall: async (d: number) => new Promise<number>((r) => setTimeout(() => r(d), d)) },
      ...(interceptors ? { interceptors } : {}),
    });
    return worker.runUntil(
      client.workflow.execute<typeof slowCall>('slowCall', {
        taskQueue,
        workflowId: taskQueue,
        args: [ms, heartbeatTimeoutMs],
      }),
    );
  };

  it('keeps a call that outlasts its heartbeat timeout alive on the product worker', async () => {
    await expect(run(productInterceptors, 4_000, 1_500)).resolves.toBe(4_000);
  });

  it('is what keeps it alive: without the interceptor the same call times out on its heartbeat', async () => {
    const failed = await run(undefined, 4_000, 1_500).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(WorkflowFailedError);
    // The activity's failure is a timeout of type HEARTBEAT (the run itself fails here: no product policy in this fixture).
    expect(
      JSON.stringify((failed as WorkflowFailedError).cause?.cause ?? {}, ['timeoutType', 'cause', 'message']),
    ).toMatch(/HEARTBEAT/);
  });
});
