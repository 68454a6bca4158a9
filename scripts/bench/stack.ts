import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import axios from 'axios';
import { startDevServer, stopProcess, type DevServer } from '../devServer';
import { freePort } from '../ports';
import { prefixLines } from '../processes';
import { loadOrCreateSandboxSecrets, oneMachineDefaults, sandboxWmsChannelId } from '../sandboxEnv';
import { repoRoot } from '../temporalBinaries';

/** One product process under measurement: its pid for /proc, and its own resource usage once it has exited. */
export interface BenchProcess {
  name: string;
  child: ChildProcess;
  usageFile: string;
  /** Its last lines of output (quiet mode), for when the benchmark fails. */
  tail: string[];
  /** `process.resourceUsage()` the child wrote as it exited (maxRSS in kB). */
  usage(): NodeJS.ResourceUsage | undefined;
}

/** The product as `npm start` runs it, on free ports, state in a directory of its own; the sandbox keeps its state in memory. */
export interface BenchStack {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  temporal: DevServer;
  /** `temporalMetrics`: the dev server's own Prometheus metrics (persistence and task-matching figures). */
  urls: { api: string; stripe: string; erp: string; magento: string; wms: string; temporalMetrics: string };
  /** `worker2` only when two workers were asked for. */
  processes: Record<'sandbox' | 'worker' | 'api', BenchProcess> & { worker2?: BenchProcess };
  /** SIGKILLs the worker (no goodbye to Temporal: its tasks in flight time out) and starts a new one. */
  killAndRestartWorker(name?: 'worker' | 'worker2'): Promise<void>;
  /** SIGKILLs the API and starts it again on the same port; resolves once it answers /readyz. */
  killAndRestartApi(): Promise<void>;
  /** SIGKILLs the Temporal dev server and starts it again on the same SQLite file and port. */
  killAndRestartTemporal(pauseMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function startProcess(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  dataDir: string,
  quiet: boolean,
  profileDir?: string,
): BenchProcess {
  const usageFile = join(dataDir, `${name}.usage.json`);
  // V8 CPU profiles, one per thread (main, workflow threads, tsx's loader), in a directory per process, written as it
  // exits (a SIGKILLed process writes none).
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`] : [];
  const child = spawn(
    process.execPath,
    [
      ...profile,
      '--require',
      join(repoRoot, 'scripts/bench/reportUsage.cjs'),
      '--import',
      'tsx',
      join(repoRoot, entry),
    ],
    { env: { ...env, BENCH_USAGE_FILE: usageFile }, stdio: ['ignore', 'pipe', 'pipe'], cwd: repoRoot },
  );
  const tail: string[] = [];
  if (!quiet) {
    prefixLines(child.stdout, name, process.stderr);
    prefixLines(child.stderr, name, process.stderr);
  } else {
    // Quiet: keep the last lines, shown only if the benchmark fails.
    for (const stream of [child.stdout, child.stderr]) {
      if (stream)
        createInterface({ input: stream }).on(
          'line',
          (line) => void (tail.push(`[${name}] ${line}`) > 40 && tail.shift()),
        );
    }
  }
  return {
    name,
    child,
    usageFile,
    tail,
    usage: () =>
      existsSync(usageFile) ? (JSON.parse(readFileSync(usageFile, 'utf8')) as NodeJS.ResourceUsage) : undefined,
  };
}

async function waitFor(url: string, timeoutMs: number, serving: BenchProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await axios.get(url, { timeout: 2_000, validateStatus: () => true }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    const { exitCode, signalCode } = serving.child;
    if (exitCode !== null || signalCode !== null)
      throw new Error(`${serving.name} exited (${exitCode ?? signalCode}):\n${serving.tail.join('\n')}`);
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${serving.tail.join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function waitForWorker(metricsUrl: string, timeoutMs: number, worker: BenchProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const metrics = await axios.get<string>(`${metricsUrl}/metrics`, { timeout: 2_000, responseType: 'text' }).then(
      (r) => r.data,
      () => '',
    );
    if (/^temporal_worker_start\b/m.test(metrics)) return;
    const { exitCode, signalCode } = worker.child;
    if (exitCode !== null || signalCode !== null)
      throw new Error(`worker exited (${exitCode ?? signalCode}):\n${worker.tail.join('\n')}`);
    if (Date.now() > deadline)
      throw new Error(`the worker did not start polling within ${timeoutMs} ms:\n${worker.tail.join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

type StackOptions = Parameters<typeof startBenchStackOnce>[1];

/**
 * Starts the stack, on new ports when one it picked was taken before its process could listen on it (a free port is
 * only free until someone else binds it: jest's other workers start servers too).
 */
export async function startBenchStack(dataDir: string, options: StackOptions = {}): Promise<BenchStack> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startBenchStackOnce(dataDir, options);
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test(String((err as Error).message))) throw err;
    }
  }
}

async function startBenchStackOnce(
  dataDir: string,
  options: {
    verbose?: boolean;
    /** Worker processes on the task queue (default 1). */
    workers?: 1 | 2;
    /** Where each product process writes its V8 CPU profile (`node --cpu-prof`) when it stops. */
    profileDir?: string;
    /** Called with the stack's stop as soon as there is something to stop (a signal during start-up must stop it too). */
    onStop?: (stop: () => Promise<void>) => void;
  } = {},
): Promise<BenchStack> {
  const ports = await distinctPorts([
    'temporal',
    'temporalMetrics',
    'api',
    'magento',
    'erp',
    'wms',
    'stripe',
    'mail',
    'smtp',
    'workerMetrics',
    'worker2Metrics',
  ]);
  // The product's default: the embedded dev server on a SQLite file.
  const dbFile = join(dataDir, 'temporal.db');
  const startTemporal = () => startDevServer({ port: ports.temporal!, metricsPort: ports.temporalMetrics!, dbFile });
  let temporal = await startTemporal();
  const local = (port: number | undefined) => `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...oneMachineDefaults, // as `npm start` runs it
    ...process.env,
    ...loadOrCreateSandboxSecrets(dataDir, {}),
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: temporal.address,
    API_PORT: String(ports.api),
    API_HOST: '127.0.0.1',
    WORKER_METRICS_PORT: String(ports.workerMetrics), // beside an `npm start` worker on the default 9464
    STRIPE_API_BASE: local(ports.stripe),
    MAGENTO_BASE_URL: `${local(ports.magento)}/rest/default`,
    ERP_BASE_URL: local(ports.erp),
    WMS_BASE_URL: local(ports.wms),
    WMS_CHANNEL_ID: sandboxWmsChannelId,
    SMTP_URL: `smtp://127.0.0.1:${ports.smtp}`,
    MAIL_SANDBOX_URL: local(ports.mail),
    STRIPE_SANDBOX_WEBHOOK_URL: `${local(ports.api)}/webhooks/stripe`,
    WMS_SANDBOX_WEBHOOK_URL: `${local(ports.api)}/webhooks/wms`,
    SANDBOX_PERSIST: 'false',
    STRIPE_CATCH_UP_INTERVAL: 'off',
    // The warehouse ships each order a moment after it is created, so order-to-cash runs end to end.
    WMS_SANDBOX_SHIP_DELAY_MS: '200',
    // …and delivers 200 ms later: an order's run completes with its delivery.
    WMS_SANDBOX_DELIVER_DELAY_MS: '200',
    LOG_LEVEL: options.verbose ? 'info' : 'warn',
  };
  const envOf: Record<string, NodeJS.ProcessEnv> = {
    worker2: { ...env, WORKER_METRICS_PORT: String(ports.worker2Metrics) },
  };
  const entries: Record<string, string> = {
    sandbox: 'sandbox/main.ts',
    worker: 'worker/main.ts',
    worker2: 'worker/main.ts',
    api: 'api/main.ts',
  };
  const quiet = !options.verbose;
  const started: BenchProcess[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const p of [...started].reverse()) await stopProcess(p.child);
      await temporal.stop();
    })());
  options.onStop?.(stop);
  const launch = (name: string) => {
    const p = startProcess(name, entries[name]!, envOf[name] ?? env, dataDir, quiet, options.profileDir);
    started.push(p);
    return p;
  };
  const kill = async (p: BenchProcess) => {
    const exited =
      p.child.exitCode !== null || p.child.signalCode !== null
        ? Promise.resolve()
        : new Promise((resolve) => p.child.once('exit', resolve));
    p.child.kill('SIGKILL');
    await exited;
    started.splice(started.indexOf(p), 1);
  };
  try {
    const sandbox = launch('sandbox');
    await waitFor(`${local(ports.stripe)}/__sandbox/requests`, 60_000, sandbox);
    const processes: BenchStack['processes'] = { sandbox, worker: launch('worker'), api: launch('api') };
    if (options.workers === 2) processes.worker2 = launch('worker2');
    await waitFor(`${local(ports.api)}/readyz`, 60_000, processes.api);
    // Measurements start once the worker polls (its bundle built): its metrics then count `worker_start`.
    await waitForWorker(local(ports.workerMetrics), 120_000, processes.worker);
    const stack: BenchStack = {
      dataDir,
      env,
      temporal,
      urls: {
        api: local(ports.api),
        stripe: local(ports.stripe),
        erp: local(ports.erp),
        magento: local(ports.magento),
        wms: local(ports.wms),
        temporalMetrics: local(ports.temporalMetrics),
      },
      processes,
      killAndRestartWorker: async (name = 'worker') => {
        await kill(processes[name]!);
        processes[name] = launch(name);
      },
      killAndRestartApi: async () => {
        await kill(processes.api);
        processes.api = launch('api');
        await waitFor(`${local(ports.api)}/healthz`, 60_000, processes.api);
      },
      killAndRestartTemporal: async (pauseMs = 0) => {
        const exited = new Promise((resolve) => temporal.process.once('exit', resolve));
        temporal.process.kill('SIGKILL');
        await exited;
        await new Promise((r) => setTimeout(r, pauseMs));
        temporal = await startTemporal();
        stack.temporal = temporal;
      },
      stop,
    };
    return stack;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A free port for each name, all different (the OS may hand a port just released to the next caller). */
async function distinctPorts(names: readonly string[]): Promise<Record<string, number>> {
  const taken = new Set<number>();
  const ports: Record<string, number> = {};
  for (const name of names) {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    ports[name] = port;
  }
  return ports;
}

/** Linux: the process's resident set now and its peak (`VmRSS`, `VmHWM`), in kB; undefined elsewhere. */
export function memoryOf(pid: number): { rssKb: number; peakKb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { rssKb: kb('VmRSS'), peakKb: kb('VmHWM') };
  } catch {
    return undefined;
  }
}
