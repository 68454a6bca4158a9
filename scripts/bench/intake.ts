import { randomUUID } from 'node:crypto';
import { dataConverterFrom } from '../../config/payloadCodec';
import { Agent } from 'node:http';
import axios from 'axios';
import autocannon from 'autocannon';
import { Client, Connection } from '@temporalio/client';
import Stripe from 'stripe';
import { intakeStart } from '../../domain/stripeEvents';
import { cpuSpent, cpuUsage, serverMetrics, serverProfile, type ServerProfile } from './diagnostics';
import type { BenchStack } from './stack';

export interface IntakeBenchOptions {
  /** Events per measurement (webhooks, and bare starts). */
  events: number;
  /** Concurrent senders. */
  connections: number;
  /** Seconds of the paced run at half the measured rate. */
  pacedSeconds: number;
}

export interface IntakeBenchResult {
  events: number;
  connections: number;
  /** Signed webhooks accepted per second (200) by the API, and their ack latency at full load. */
  rate: number;
  p50Ms: number;
  p99Ms: number;
  /** `client.workflow.start` of the same intake workflow, same concurrency, same server, same run. */
  baselineRate: number;
  ratio: number;
  /**
   * The server's own ceiling: bare starts of the same workflow on a task queue no worker polls, so that the server
   * only starts runs and runs none; and the webhook rate against it.
   */
  ceilingRate: number;
  ceilingRatio: number;
  /**
   * Ack latency at half the measured rate (the target: p99 ≤ 100 ms there), and what the Temporal server did in each
   * paced run, from its own metrics.
   */
  paced: {
    rate: number;
    p50Ms: number;
    p99Ms: number;
    bareP50Ms: number;
    bareP99Ms: number;
    server: ServerProfile;
    bareServer: ServerProfile;
    /** CPU cores each process used through the paced webhooks (CPU seconds per second: 2 is the whole machine). */
    cores: Record<string, number>;
  };
  non2xx: number;
}

/**
 * An `invoice.paid` for an invoice of no subscription: a handled event type whose intake run ends at once as not
 * ours, so what is measured is the door and the start, not the work behind it. It has the fields the door reads and
 * `intakeStart` takes, not all of a `Stripe.Event`'s.
 */
function event() {
  const id = randomUUID().replace(/-/g, '');
  return {
    id: `evt_bench${id}`,
    object: 'event',
    type: 'invoice.paid',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    api_version: '2024-06-20',
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object: { id: `in_bench${id}`, object: 'invoice', subscription: null } },
  };
}

async function webhooks(url: string, secret: string, options: { connections: number; amount: number }) {
  const result = await autocannon({
    url: `${url}/webhooks/stripe`,
    method: 'POST',
    connections: options.connections,
    amount: options.amount,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req) => {
          const body = JSON.stringify(event());
          return {
            ...req,
            body,
            headers: {
              ...req.headers,
              'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret }),
            },
          };
        },
      },
    ],
  });
  const seconds = result.duration;
  return {
    rate: result['2xx'] / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    completed: result['2xx'],
  };
}

/** Bare starts of the same workflow, with as many in flight at once as the webhook senders. */
async function bareStarts(client: Client, taskQueue: string, events: number, connections: number): Promise<number> {
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < events) {
        next += 1;
        const e = event();
        await client.workflow.start('stripeEventIntake', { ...intakeStart(e), taskQueue });
      }
    }),
  );
  return events / ((Date.now() - started) / 1000);
}

/**
 * `send` called at a steady rate for `seconds` (one every 1/rate s, not waiting for the previous answer), each call
 * timed. Stripe sends events as they happen; autocannon's `overallRate` releases each second's quota at once, which
 * measures its own bursts more than the door.
 */
async function paced(
  rate: number,
  seconds: number,
  send: () => Promise<void>,
): Promise<{ rate: number; p50Ms: number; p99Ms: number; failed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  const calls: Array<Promise<void>> = [];
  const began = performance.now();
  for (let i = 0; i < Math.round(rate * seconds); i++) {
    const wait = began + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    calls.push(
      send().then(
        () => void latencies.push(performance.now() - t0),
        () => void (failed += 1),
      ),
    );
  }
  await Promise.all(calls);
  const elapsed = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0);
  return { rate: latencies.length / elapsed, p50Ms: at(50), p99Ms: at(99), failed };
}

/** One signed webhook of a new event, over a kept-alive connection; anything but 200 counts as failed. */
function signedWebhook(url: string, secret: string, agent: Agent): () => Promise<void> {
  return async () => {
    const body = JSON.stringify(event());
    const res = await axios.post(`${url}/webhooks/stripe`, body, {
      httpAgent: agent,
      validateStatus: () => true,
      headers: {
        'content-type': 'application/json',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret }),
      },
    });
    if (res.status !== 200) throw new Error(`answered ${res.status}`);
  };
}

/**
 * Waits until the worker has finished every intake run and the server its work behind them (each started workflow
 * task leaves a timeout timer that fires 10 s later, and visibility catches up), so that one measurement does not pay
 * for the last one's backlog: the server then uses under a tenth of a core for two seconds.
 */
async function drained(client: Client, taskQueue: string, stack: BenchStack): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const { count } = await client.workflow.count(
      `WorkflowType = 'stripeEventIntake' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`,
    );
    if (count === 0) break;
    if (Date.now() > deadline)
      throw new Error('intake runs still running after 5 minutes: the worker is not keeping up');
    await new Promise((r) => setTimeout(r, 1_000));
  }
  for (const quietBy = Date.now() + 60_000; Date.now() < quietBy;) {
    const before = cpuUsage(stack).temporal!;
    await new Promise((r) => setTimeout(r, 2_000));
    if (cpuUsage(stack).temporal! - before < 0.2) return;
  }
}

/**
 * Intake (docs/benchmark-and-chaos.md): signed webhooks accepted per second by the API (load from autocannon, each request a new event signed
 * with the webhook secret), beside bare `client.workflow.start` of the same intake workflow at the same concurrency on
 * the same server in the same run; then the ack latency at half the measured rate.
 */
export async function benchIntake(stack: BenchStack, options: IntakeBenchOptions): Promise<IntakeBenchResult> {
  const secret = String(stack.env.STRIPE_WEBHOOK_SECRET).split(',')[0]!;
  const connection = await Connection.connect({ address: stack.temporal.address });
  try {
    const client = new Client({ connection, dataConverter: dataConverterFrom(stack.env) });
    const taskQueue = stack.env.TEMPORAL_TASK_QUEUE ?? 'order-to-cash';
    // Warm both paths (connections, the worker's cache) before measuring.
    await webhooks(stack.urls.api, secret, { connections: 4, amount: 100 });
    await bareStarts(client, taskQueue, 100, 4);
    await drained(client, taskQueue, stack);

    // No worker polls this queue: its runs stay unstarted in the benchmark's throw-away database.
    const ceilingRate = await bareStarts(client, 'bench-unpolled', options.events, options.connections);
    const baselineRate = await bareStarts(client, taskQueue, options.events, options.connections);
    await drained(client, taskQueue, stack);
    const full = await webhooks(stack.urls.api, secret, { connections: options.connections, amount: options.events });
    await drained(client, taskQueue, stack);
    const halfRate = Math.max(1, Math.floor(full.rate / 2));
    const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
    // What the server did through a measurement, from its own metrics, and the CPU cores each process used.
    const profiled = async <T>(measure: () => Promise<T>): Promise<[T, ServerProfile, Record<string, number>]> => {
      const before = await serverMetrics(stack);
      const [cpuBefore, began] = [cpuUsage(stack), performance.now()];
      const result = await measure();
      const seconds = (performance.now() - began) / 1000;
      const cores = Object.fromEntries(
        Object.entries(cpuSpent(cpuBefore, cpuUsage(stack))).map(([k, v]) => [k, round(v / seconds, 2)]),
      );
      return [result, serverProfile(before, await serverMetrics(stack)), cores];
    };
    const [pacedWebhooks, server, pacedCores] = await profiled(() =>
      paced(halfRate, options.pacedSeconds, signedWebhook(stack.urls.api, secret, agent)),
    );
    agent.destroy();
    await drained(client, taskQueue, stack);
    const [pacedBare, bareServer] = await profiled(() =>
      paced(halfRate, options.pacedSeconds, async () => {
        const e = event();
        await client.workflow.start('stripeEventIntake', { ...intakeStart(e), taskQueue });
      }),
    );
    await drained(client, taskQueue, stack);
    return {
      events: options.events,
      connections: options.connections,
      rate: round(full.rate),
      p50Ms: full.p50Ms,
      p99Ms: full.p99Ms,
      baselineRate: round(baselineRate),
      ratio: round(full.rate / baselineRate, 2),
      ceilingRate: round(ceilingRate),
      ceilingRatio: round(full.rate / ceilingRate, 2),
      paced: {
        rate: round(pacedWebhooks.rate),
        p50Ms: pacedWebhooks.p50Ms,
        p99Ms: pacedWebhooks.p99Ms,
        bareP50Ms: pacedBare.p50Ms,
        bareP99Ms: pacedBare.p99Ms,
        server,
        bareServer,
        cores: pacedCores,
      },
      non2xx: full.non2xx + pacedWebhooks.failed,
    };
  } finally {
    await connection.close();
  }
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
