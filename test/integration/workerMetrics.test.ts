import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { Client, Connection } from '@temporalio/client';
import { parsePrometheus, type Sample } from '../../scripts/bench/diagnostics';
import { freePort } from '../../scripts/ports';
import { magentoCreditMemoSync } from '../../workflows/magentoCreditMemoSync';
import { eventually } from '../harness/eventually';
import { startProductStack, type ProductStack } from '../harness/productStack';
import { spawnProductWorker, type WorkerProcess } from '../harness/workerProcess';

jest.setTimeout(120_000);

/**
 * `npm run worker` as its own process (the SDK's runtime, with its Prometheus exporter, is installed once per process),
 * on the dev server of the global setup, with the sandbox peers of this test file.
 */
describe('the worker’s Prometheus endpoint (WORKER_METRICS_PORT)', () => {
  const taskQueue = `worker-metrics-${randomUUID()}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'o2c-worker-metrics-'));
  let connection: Connection;
  let client: Client;
  let stack: ProductStack;
  let worker: WorkerProcess | undefined;
  let metricsUrl: string;

  // The worker's output is kept, not printed (the SDK logs every task), and shown when the worker is gone or cannot be scraped.
  const scrape = async (): Promise<Sample[]> => {
    if (!worker || worker.child.exitCode !== null)
      throw new Error(`the worker exited (${worker?.child.exitCode}):\n${worker?.output().slice(-4_000)}`);
    const res = await axios.get<string>(metricsUrl, { responseType: 'text', timeout: 5_000 }).catch((err: Error) => {
      throw new Error(`GET ${metricsUrl}: ${err.message}\nworker output:\n${worker?.output().slice(-4_000)}`);
    });
    return parsePrometheus(res.data).filter(
      (s) => s.labels.task_queue === undefined || s.labels.task_queue === taskQueue,
    );
  };
  const valueOf = (samples: Sample[], name: string, labels: Record<string, string>): number | undefined =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

  beforeAll(async () => {
    connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
    client = new Client({ connection });
    stack = await startProductStack({ temporal: client, taskQueue });
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    // PAYLOAD_ENCRYPTION_KEY removed: the test's client has no codec.
    worker = spawnProductWorker(
      stack,
      {
        TEMPORAL_TASK_QUEUE: taskQueue,
        WORKER_METRICS_PORT: String(port),
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        PAYLOAD_ENCRYPTION_KEY: undefined,
        WORKER_NICE: '7',
      },
      { keepLastChars: 100_000 },
    );
    await worker.ready(client);
  });

  afterAll(async () => {
    await worker?.stop();
    await stack?.close();
    await connection?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts completed workflows and times workflow and activity tasks, by type and task queue', async () => {
    const result = await client.workflow.execute(magentoCreditMemoSync, {
      taskQueue,
      workflowId: `worker-metrics-sync-${randomUUID()}`,
      args: [{}],
    });
    expect(result.syncState).toBe('completed');

    const samples = await eventually('the completed run in the worker’s metrics', async () => {
      const s = await scrape();
      return (valueOf(s, 'temporal_workflow_completed', { workflow_type: 'magentoCreditMemoSync' }) ?? 0) >= 1
        ? s
        : undefined;
    });
    expect(
      valueOf(samples, 'temporal_workflow_completed', {
        workflow_type: 'magentoCreditMemoSync',
        task_queue: taskQueue,
        namespace: 'default',
      }),
    ).toBe(1);
    expect(
      valueOf(samples, 'temporal_workflow_task_schedule_to_start_latency_count', { task_queue: taskQueue }),
    ).toBeGreaterThanOrEqual(1);
    const activityTypes = samples
      .filter((s) => s.name === 'temporal_activity_execution_latency_count' && s.value >= 1)
      .map((s) => s.labels.activity_type);
    expect(activityTypes.length).toBeGreaterThanOrEqual(1);
    expect(
      valueOf(samples, 'temporal_activity_schedule_to_start_latency_count', { task_queue: taskQueue }),
    ).toBeGreaterThanOrEqual(1);
    expect(samples.some((s) => s.name === 'temporal_request' && s.value >= 1)).toBe(true);
  });

  (process.platform === 'linux' ? it : it.skip)(
    "runs the SDK's threads at the CPU priority WORKER_NICE gives it (Linux: /proc)",
    () => {
      const pid = worker!.child.pid!;
      const threads = readdirSync(`/proc/${pid}/task`).map((tid) => {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        // Fields after the parenthesised name: state is the 3rd field, nice the 19th.
        const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
        return { name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(), nice };
      });
      // Every thread: those Node started before the worker's first line, and those started after (the SDK's runtime,
      // the workflow threads), which inherit it.
      expect(threads.length).toBeGreaterThan(5);
      expect(threads.filter((t) => t.nice !== 7)).toEqual([]);
      expect(threads.map((t) => t.name)).toEqual(expect.arrayContaining(['tokio-runtime-w', 'workflow-proces']));
    },
  );

  it('counts failed activity attempts by activity type while Magento is down', async () => {
    await axios.put(`${stack.urls.magento}/__sandbox/faults`, { outage: true });
    const handle = await client.workflow.start(magentoCreditMemoSync, {
      taskQueue,
      workflowId: `worker-metrics-outage-${randomUUID()}`,
      args: [{}],
    });
    try {
      const failed = await eventually(
        'a failed activity attempt in the worker’s metrics',
        async () => {
          const s = await scrape();
          return s.find((x) => x.name === 'temporal_activity_execution_failed' && x.value >= 1);
        },
        60_000,
      );
      expect(failed.labels).toMatchObject({ task_queue: taskQueue, workflow_type: 'magentoCreditMemoSync' });
      expect(failed.labels.activity_type).toMatch(/\w/);
    } finally {
      await handle.terminate('test over').catch(() => undefined);
      await axios.put(`${stack.urls.magento}/__sandbox/faults`, { outage: false });
    }
  });
});
