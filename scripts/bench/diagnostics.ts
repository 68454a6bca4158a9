import { readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { google } from '@temporalio/proto';
import axios from 'axios';
import type { BenchStack } from './stack';

/** Where an order's time went, from the worker's own Temporal metrics and the sandboxes' request logs. */
export interface OrderToCashDiagnostics {
  /** Mean wait of a task in the task queue before the worker picked it up (Temporal's schedule-to-start), ms. */
  workflowTaskScheduleToStartMs?: number;
  activityScheduleToStartMs?: number;
  workflowTaskExecutionMs?: number;
  /** Workflow tasks run, and how many found their run out of the worker's sticky cache (a full replay each). */
  workflowTasks: number;
  stickyCacheMisses: number;
  /** Mean time per activity type, ms, slowest first (the SDK's `activity_execution_latency` and `local_activity_execution_latency`). */
  activityExecutionMs: Array<{ activityType: string; count: number; meanMs: number }>;
  /** CPU seconds each process spent over the measurement (Linux /proc; `bench` is this process: storefront and baseline). */
  cpuSeconds: Record<string, number>;
  /** HTTP requests each sandbox system received per order (undefined when its log wrapped). */
  requestsPerOrder: Record<string, number | undefined>;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]),
    );
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** A histogram's mean (sum / count) over every label set, optionally grouped by one label. */
function means(samples: Sample[], histogram: string, by?: string): Map<string, { sum: number; count: number }> {
  const out = new Map<string, { sum: number; count: number }>();
  for (const s of samples) {
    const part = s.name === `${histogram}_sum` ? 'sum' : s.name === `${histogram}_count` ? 'count' : undefined;
    if (!part) continue;
    const key = by ? (s.labels[by] ?? '') : '';
    const acc = out.get(key) ?? { sum: 0, count: 0 };
    acc[part] += s.value;
    out.set(key, acc);
  }
  return out;
}

/** CPU time (user + system) of a process so far, in seconds; Linux only (0 elsewhere). */
function cpuSecondsOf(pid: number | undefined): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds of each process of the stack, and of this one, so far. */
export function cpuUsage(stack: BenchStack): Record<string, number> {
  return {
    temporal: cpuSecondsOf(stack.temporal.process.pid),
    ...Object.fromEntries(Object.entries(stack.processes).map(([name, p]) => [name, cpuSecondsOf(p?.child.pid)])),
    bench: cpuSecondsOf(process.pid),
  };
}

/** CPU seconds each process spent between two readings of `cpuUsage`. */
export function cpuSpent(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, Math.round((v - (before[k] ?? 0)) * 10) / 10]));
}

/** The worker's metrics now: cumulative since it started, so take them right after the measurement. */
export async function workerMetrics(stack: BenchStack): Promise<Sample[]> {
  const res = await axios.get<string>(`http://127.0.0.1:${stack.env.WORKER_METRICS_PORT}/metrics`, {
    responseType: 'text',
    timeout: 5_000,
  });
  return parsePrometheus(res.data);
}

/** Requests each sandbox recorded since `sinceIso`. The logs keep the last 10,000 entries: a wrapped log says so. */
async function requestCounts(stack: BenchStack, sinceIso: string): Promise<Record<string, number | undefined>> {
  const counts: Record<string, number | undefined> = {};
  for (const system of ['magento', 'erp', 'wms', 'stripe'] as const) {
    const log = (
      await axios.get<Array<{ at: string }>>(`${stack.urls[system]}/__sandbox/requests`, { timeout: 10_000 })
    ).data;
    const wrapped = log.length >= 10_000 && (log[0]?.at ?? '') >= sinceIso;
    counts[system] = wrapped ? undefined : log.filter((r) => r.at >= sinceIso).length;
  }
  return counts;
}

export async function orderToCashDiagnostics(
  stack: BenchStack,
  before: Sample[],
  cpuBefore: Record<string, number>,
  sinceIso: string,
  orders: number,
): Promise<OrderToCashDiagnostics> {
  const after = await workerMetrics(stack);
  const cpuAfter = cpuUsage(stack);
  // Counters and histograms only grow: the measurement's share is after minus before.
  const delta = (histogram: string, by?: string) => {
    const a = means(after, histogram, by);
    const b = means(before, histogram, by);
    return new Map(
      [...a].map(([k, v]) => [k, { sum: v.sum - (b.get(k)?.sum ?? 0), count: v.count - (b.get(k)?.count ?? 0) }]),
    );
  };
  const mean = (histogram: string) => {
    const v = delta(histogram).get('');
    return v && v.count > 0 ? Math.round(v.sum / v.count) : undefined;
  };
  const byType = (histogram: string, suffix: string) =>
    [...delta(histogram, 'activity_type')]
      .filter(([, v]) => v.count > 0)
      .map(([activityType, v]) => ({
        activityType: `${activityType}${suffix}`,
        count: v.count,
        meanMs: Math.round(v.sum / v.count),
      }));
  const perType = [
    ...byType('temporal_activity_execution_latency', ''),
    ...byType('temporal_local_activity_execution_latency', ' (local)'),
  ].sort((x, y) => y.meanMs - x.meanMs);
  const counts = await requestCounts(stack, sinceIso);
  const counter = (name: string) =>
    after.filter((x) => x.name === name).reduce((a, x) => a + x.value, 0) -
    before.filter((x) => x.name === name).reduce((a, x) => a + x.value, 0);
  return {
    workflowTaskScheduleToStartMs: mean('temporal_workflow_task_schedule_to_start_latency'),
    activityScheduleToStartMs: mean('temporal_activity_schedule_to_start_latency'),
    workflowTaskExecutionMs: mean('temporal_workflow_task_execution_latency'),
    workflowTasks: delta('temporal_workflow_task_execution_latency').get('')?.count ?? 0,
    stickyCacheMisses: counter('temporal_sticky_cache_miss'),
    activityExecutionMs: perType,
    cpuSeconds: cpuSpent(cpuBefore, cpuAfter),
    requestsPerOrder: Object.fromEntries(
      Object.entries(counts).map(([k, n]) => [k, n === undefined ? undefined : Math.round((n / orders) * 10) / 10]),
    ),
  };
}

/** Mean wait, from the histories, of workflow and activity tasks between scheduled and picked up by a worker, in ms. */
export interface HistoryWaits {
  workflowTaskMs: number;
  activityTaskMs: number;
  runs: number;
}

export async function historyWaits(client: Client, workflowIds: readonly string[]): Promise<HistoryWaits> {
  const ms = (t: google.protobuf.ITimestamp | null | undefined) =>
    Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
  const waits = { workflowTask: [] as number[], activityTask: [] as number[] };
  for (const workflowId of workflowIds) {
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const scheduledAt = new Map<string, number>();
    for (const e of events) {
      const id = String(e.eventId);
      if (e.workflowTaskScheduledEventAttributes || e.activityTaskScheduledEventAttributes)
        scheduledAt.set(id, ms(e.eventTime));
      const wft = e.workflowTaskStartedEventAttributes;
      if (wft)
        waits.workflowTask.push(ms(e.eventTime) - (scheduledAt.get(String(wft.scheduledEventId)) ?? ms(e.eventTime)));
      const act = e.activityTaskStartedEventAttributes;
      if (act)
        waits.activityTask.push(ms(e.eventTime) - (scheduledAt.get(String(act.scheduledEventId)) ?? ms(e.eventTime)));
    }
  }
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : Math.round(xs.reduce((a, x) => a + x, 0) / xs.length));
  return {
    workflowTaskMs: mean(waits.workflowTask),
    activityTaskMs: mean(waits.activityTask),
    runs: workflowIds.length,
  };
}

/** The Temporal dev server's own metrics now (cumulative since it started: take one reading before and one after). */
export async function serverMetrics(stack: BenchStack): Promise<Sample[]> {
  const res = await axios.get<string>(`${stack.urls.temporalMetrics}/metrics`, {
    responseType: 'text',
    timeout: 5_000,
  });
  return parsePrometheus(res.data);
}

/** What the server did for the `default` namespace between two readings of its metrics. */
export interface ServerProfile {
  /** The frontend's `StartWorkflowExecution`: calls, mean, share over 100 ms, and the bucket bound under which 99% fell. */
  starts: number;
  startMeanMs: number;
  startsOver100MsShare: number;
  startP99UpToMs?: number;
  /** The same call's time inside the history service (the frontend's minus this is the frontend's own). */
  historyStartMeanMs: number;
  /** The history service's SQLite write of a new run (persistence `CreateWorkflowExecution`), its mean and 99% bound. */
  createMeanMs: number;
  createP99UpToMs?: number;
  /** Workflow tasks polled, and the share handed straight to a waiting poller (sync match): the rest went through the task table. */
  workflowTasks: number;
  syncMatchedShare: number;
  /** Persistence writes (create, update, delete, complete) per workflow start. */
  writesPerStart: number;
}

type Labels = Record<string, string>;

/** After minus before for the samples of `name` whose labels include `match`, per `le` bucket (histograms) or summed. */
function grew(before: Sample[], after: Sample[], name: string, match: Labels): Map<string, number> {
  const pick = (samples: Sample[]) => {
    const out = new Map<string, number>();
    for (const s of samples) {
      if (s.name !== name || !Object.entries(match).every(([k, v]) => s.labels[k] === v)) continue;
      const key = s.labels.le ?? '';
      out.set(key, (out.get(key) ?? 0) + s.value);
    }
    return out;
  };
  const b = pick(before);
  return new Map([...pick(after)].map(([k, v]) => [k, v - (b.get(k) ?? 0)]));
}

/** Count, mean (ms), share over `overMs` and the smallest bucket bound holding 99% of a seconds histogram's growth. */
function latency(before: Sample[], after: Sample[], histogram: string, match: Labels, overMs = 100) {
  const count = grew(before, after, `${histogram}_count`, match).get('') ?? 0;
  const sum = grew(before, after, `${histogram}_sum`, match).get('') ?? 0;
  const buckets = [...grew(before, after, `${histogram}_bucket`, match)]
    .map(([le, n]) => ({ leMs: le === '+Inf' ? Infinity : Number(le) * 1000, n }))
    .sort((x, y) => x.leMs - y.leMs);
  const within = (ms: number) => buckets.find((b) => b.leMs >= ms)?.n ?? count;
  const p99 = buckets.find((b) => b.n >= 0.99 * count)?.leMs;
  return {
    count,
    meanMs: count > 0 ? Math.round((sum * 1000) / count) : 0,
    overShare: count > 0 ? Math.round(((count - within(overMs)) / count) * 1000) / 1000 : 0,
    p99UpToMs: p99 === undefined || !Number.isFinite(p99) ? undefined : p99,
  };
}

export function serverProfile(before: Sample[], after: Sample[]): ServerProfile {
  const ns = { namespace: 'default' };
  const start = latency(before, after, 'service_latency', {
    ...ns,
    operation: 'StartWorkflowExecution',
    service_name: 'frontend',
  });
  const history = latency(before, after, 'service_latency', {
    ...ns,
    operation: 'StartWorkflowExecution',
    service_name: 'history',
  });
  const create = latency(before, after, 'persistence_latency', { ...ns, operation: 'CreateWorkflowExecution' });
  const workflowPolls = (name: string) =>
    [...grew(before, after, name, { ...ns, task_type: 'Workflow' }).values()].reduce((a, n) => a + n, 0);
  const polled = workflowPolls('poll_success');
  const writesSoFar = (samples: Sample[]) =>
    samples
      .filter(
        (s) =>
          s.name === 'persistence_requests' &&
          s.labels.namespace === 'default' &&
          /^(Create|Update|Delete|Complete|RangeComplete|Put|Upsert|Set)/.test(s.labels.operation ?? ''),
      )
      .reduce((a, s) => a + s.value, 0);
  const writes = writesSoFar(after) - writesSoFar(before);
  return {
    starts: start.count,
    startMeanMs: start.meanMs,
    startsOver100MsShare: start.overShare,
    startP99UpToMs: start.p99UpToMs,
    historyStartMeanMs: history.meanMs,
    createMeanMs: create.meanMs,
    createP99UpToMs: create.p99UpToMs,
    workflowTasks: polled,
    syncMatchedShare: polled > 0 ? Math.round((workflowPolls('poll_success_sync') / polled) * 100) / 100 : 0,
    writesPerStart: start.count > 0 ? Math.round((writes / start.count) * 10) / 10 : 0,
  };
}
