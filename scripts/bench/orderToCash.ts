import { Client, Connection } from '@temporalio/client';
import { dataConverterFrom } from '../../config/payloadCodec';
import { Worker, NativeConnection } from '@temporalio/worker';
import { MagentoClient } from '../../integrations/magento/client';
import { createStripeClient } from '../../integrations/stripe/client';
import { orderWorkflowId } from '../../domain/eventRouting';
import type { OrderOutcome } from '../../messages/order';
import { shopConnections } from '../shop/config';
import { placeOrders } from '../shop/placeOrders';
import {
  cpuSpent,
  cpuUsage,
  historyWaits,
  orderToCashDiagnostics,
  workerMetrics,
  type HistoryWaits,
  type OrderToCashDiagnostics,
} from './diagnostics';
import type { BenchStack } from './stack';

export interface OrderToCashBenchResult {
  orders: number;
  concurrency: number;
  /** Orders completed end to end per second, from the first order placed to the last run completed. */
  rate: number;
  /** From the order run's start (its payment's webhook routed to it) to Magento invoiced. */
  p50Ms: number;
  p99Ms: number;
  /** Runs of the same shape (its steps as activities, and timers, in order) doing nothing, on the same server. */
  baselineRate: number;
  ratio: number;
  /** The same runs with their steps as local activities, as the order run makes them: the ratio against bare Temporal doing the same kind of work. */
  localBaselineRate: number;
  localRatio: number;
  shape: { activities: number; timers: number };
  /** Where the time went: the worker's Temporal metrics and the sandboxes' request counts over the measurement. */
  diagnostics: OrderToCashDiagnostics;
  /** CPU seconds each process spent on the baseline runs (`bench` runs their worker), beside `diagnostics.cpuSeconds` for the orders. */
  baselineCpuSeconds: Record<string, number>;
  /** Task waits read from the histories (server times) of a sample of order runs and of baseline runs. */
  waits: { orders: HistoryWaits; baseline: HistoryWaits };
}

export interface RecoveryBenchResult {
  orders: number;
  /** Seconds from the first order placed to the last run completed, without and with a worker SIGKILL. */
  baselineSeconds: number;
  seconds: number;
  ratio: number;
  /** Runs completed when the worker was killed. */
  completedAtKill: number;
}

type Step = 'activity' | 'timer';

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function completedOrders(client: Client): Promise<number> {
  return (await client.workflow.count(`WorkflowType = 'orderToCash' AND ExecutionStatus = 'Completed'`)).count;
}

/** Waits until `target` order runs have completed; names the stragglers' steps if they do not. */
async function untilCompleted(
  client: Client,
  target: number,
  timeoutMs: number,
  onProgress?: (done: number) => Promise<void> | void,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = await completedOrders(client);
    await onProgress?.(done);
    if (done >= target) return;
    if (Date.now() > deadline) {
      const open: string[] = [];
      for await (const wf of client.workflow.list({
        query: `WorkflowType = 'orderToCash' AND ExecutionStatus = 'Running'`,
      })) {
        open.push(wf.workflowId);
        if (open.length >= 5) break;
      }
      throw new Error(
        `${done} of ${target} order runs completed after ${timeoutMs / 1000} s; still running: ${open.join(', ')}`,
      );
    }
    // A count is a visibility query on the server under measurement: once a second is enough.
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** Places and pays orders through the storefront generator (sandbox Magento and Stripe): Stripe's webhooks do the rest. */
async function shop(stack: BenchStack, orders: number, concurrency: number, seed: number) {
  const connections = shopConnections(stack.env);
  const summary = await placeOrders(
    { orders, declineRate: 0, fraudRate: 0, currency: 'USD', concurrency, seed },
    { magento: new MagentoClient(connections.magento), stripe: createStripeClient(connections.stripe) },
  );
  if (summary.failed > 0 || summary.paid !== orders)
    throw new Error(
      `the storefront paid ${summary.paid} of ${orders} orders: ${summary.errors.slice(0, 3).join('; ')}`,
    );
  return summary.outcomes.map((o) => o.incrementId!).filter(Boolean);
}

/** The steps (activities or local activities) and timers of a completed order run, in order. */
async function shapeOf(client: Client, incrementId: string): Promise<Step[]> {
  const history = await client.workflow.getHandle(orderWorkflowId(incrementId)).fetchHistory();
  const isStep = (e: (typeof history.events & object)[number]) =>
    e.activityTaskScheduledEventAttributes || e.markerRecordedEventAttributes?.markerName === 'core_local_activity';
  return (history.events ?? []).flatMap((e): Step[] =>
    isStep(e) ? ['activity'] : e.timerStartedEventAttributes ? ['timer'] : [],
  );
}

/** The baseline: `orders` runs of the shape, started `concurrency` at a time, on a worker of the benchmark's own (in this process). */
async function sameShapeRate(
  stack: BenchStack,
  steps: Step[],
  orders: number,
  concurrency: number,
  local = false,
): Promise<{ rate: number; waits: HistoryWaits }> {
  const taskQueue = 'bench-same-shape';
  const native = await NativeConnection.connect({ address: stack.temporal.address });
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowsPath: require.resolve('./shapeWorkflow'),
    activities: { noop: async () => undefined },
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: stack.temporal.address });
  try {
    const client = new Client({ connection, dataConverter: dataConverterFrom(stack.env) });
    // As the storefront does with orders: started `concurrency` at a time, each then running on its own.
    const started = Date.now();
    const handles: Array<Promise<unknown>> = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < orders) {
          const id = next++;
          const handle = await client.workflow.start('sameShape', {
            workflowId: `bench-shape-${started}-${id}`,
            taskQueue,
            args: [steps, { local }],
          });
          handles.push(handle.result());
        }
      }),
    );
    await Promise.all(handles);
    const rate = orders / ((Date.now() - started) / 1000);
    const sample = Array.from(
      { length: Math.min(orders, 30) },
      (_, i) => `bench-shape-${started}-${Math.floor((i * orders) / Math.min(orders, 30))}`,
    );
    return { rate, waits: await historyWaits(client, sample) };
  } finally {
    worker.shutdown();
    await running;
    await native.close();
    await connection.close();
  }
}

/**
 * Order to cash (docs/benchmark-and-chaos.md): orders placed and paid through the sandbox storefront, each run end to end by the product (webhook,
 * intake, order run: invoice, ERP, WMS, shipment, ERP invoice and payment) with peers answering at once; beside runs
 * of the same shape doing nothing, on the same server, in the same process of the benchmark.
 */
export async function benchOrderToCash(
  stack: BenchStack,
  options: { orders: number; concurrency: number },
): Promise<OrderToCashBenchResult> {
  const connection = await Connection.connect({ address: stack.temporal.address });
  try {
    const client = new Client({ connection, dataConverter: dataConverterFrom(stack.env) });
    const before = await completedOrders(client);
    const metricsBefore = await workerMetrics(stack);
    const cpuBefore = cpuUsage(stack);
    const started = Date.now();
    const startedIso = new Date(started).toISOString();
    const incrementIds = await shop(stack, options.orders, options.concurrency, 1);
    await untilCompleted(client, before + incrementIds.length, 600_000);
    const rate = incrementIds.length / ((Date.now() - started) / 1000);
    const diagnostics = await orderToCashDiagnostics(stack, metricsBefore, cpuBefore, startedIso, incrementIds.length);

    const latencies: number[] = [];
    for (const id of incrementIds) {
      const handle = client.workflow.getHandle(orderWorkflowId(id));
      const [{ startTime }, result] = await Promise.all([handle.describe(), handle.result() as Promise<OrderOutcome>]);
      const invoicedAt = result.status.timestamps.invoiced;
      if (invoicedAt) latencies.push(Date.parse(invoicedAt) - startTime.getTime());
    }
    latencies.sort((a, b) => a - b);
    const steps = await shapeOf(client, incrementIds[0]!);
    const orderWaits = await historyWaits(
      client,
      incrementIds.filter((_, i) => i % Math.max(1, Math.floor(incrementIds.length / 30)) === 0).map(orderWorkflowId),
    );
    const cpuBeforeBaseline = cpuUsage(stack);
    const { rate: baselineRate, waits: baselineWaits } = await sameShapeRate(
      stack,
      steps,
      incrementIds.length,
      options.concurrency,
    );
    const baselineCpuSeconds = cpuSpent(cpuBeforeBaseline, cpuUsage(stack));
    const { rate: localBaselineRate } = await sameShapeRate(
      stack,
      steps,
      incrementIds.length,
      options.concurrency,
      true,
    );
    return {
      orders: incrementIds.length,
      concurrency: options.concurrency,
      rate: round(rate),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      baselineRate: round(baselineRate),
      ratio: round(rate / baselineRate, 2),
      localBaselineRate: round(localBaselineRate),
      localRatio: round(rate / localBaselineRate, 2),
      shape: {
        activities: steps.filter((s) => s === 'activity').length,
        timers: steps.filter((s) => s === 'timer').length,
      },
      diagnostics,
      baselineCpuSeconds,
      waits: { orders: orderWaits, baseline: baselineWaits },
    };
  } finally {
    await connection.close();
  }
}

/**
 * Recovery (docs/benchmark-and-chaos.md): `orders` orders in flight; once a third of them have completed the worker is SIGKILLed and started
 * again. Time to all completed, beside the same run without the kill (run first, on the same stack).
 */
export async function benchRecovery(
  stack: BenchStack,
  options: { orders: number; concurrency: number },
): Promise<RecoveryBenchResult> {
  const connection = await Connection.connect({ address: stack.temporal.address });
  try {
    const client = new Client({ connection, dataConverter: dataConverterFrom(stack.env) });
    const timed = async (seed: number, kill: boolean) => {
      const before = await completedOrders(client);
      const started = Date.now();
      let completedAtKill = -1;
      const placing = shop(stack, options.orders, options.concurrency, seed);
      const target = before + options.orders;
      await untilCompleted(client, target, 900_000, async (done) => {
        if (kill && completedAtKill < 0 && done - before >= Math.ceil(options.orders / 3)) {
          completedAtKill = done - before;
          await stack.killAndRestartWorker();
        }
      });
      await placing;
      return { seconds: (Date.now() - started) / 1000, completedAtKill };
    };
    const baseline = await timed(2, false);
    const killed = await timed(3, true);
    return {
      orders: options.orders,
      baselineSeconds: round(baseline.seconds),
      seconds: round(killed.seconds),
      ratio: round(killed.seconds / baseline.seconds, 2),
      completedAtKill: killed.completedAtKill,
    };
  } finally {
    await connection.close();
  }
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
