import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createConnection } from 'node:net';
import { Connection } from '@temporalio/client';
import { searchAttributeCliPairs } from '../domain/searchAttributes';
import { resolveBinary, temporalCli } from './temporalBinaries';

export interface DevServerOptions {
  /** SQLite file for state that survives restarts; omit for an in-memory server. */
  dbFile?: string;
  ip?: string;
  port: number;
  /** Web UI port; omit for a headless server. */
  uiPort?: number;
  /** The server's own Prometheus metrics (`/metrics`); omit for a random port. */
  metricsPort?: number;
  namespace?: string;
  /** The remote codec the Web UI decodes payloads with (`<api>/codec`); only with a Web UI. */
  uiCodecEndpoint?: string;
  onOutput?: (chunk: Buffer) => void;
  readyTimeoutMs?: number;
}

export interface DevServer {
  readonly address: string;
  readonly uiUrl?: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** SQLite settings of the embedded server's file database (see docs/benchmark-and-chaos.md, "Tuning"). */
export const sqlitePragmas: readonly string[] = [
  'journal_mode=wal',
  'synchronous=normal',
  'busy_timeout=5000',
  'wal_autocheckpoint=10000',
];

/** Starts `temporal server start-dev` with this project's search attributes and waits until it answers gRPC. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const binary = resolveBinary(temporalCli);
  const ip = options.ip ?? '127.0.0.1';
  for (const port of [options.port, options.uiPort].filter((p): p is number => Boolean(p))) {
    if (await isPortInUse(ip, port)) {
      throw new Error(
        `port ${port} on ${ip} is already in use: is another Temporal server running? ` +
          'Stop it, or set TEMPORAL_ADDRESS to use it instead of starting one.',
      );
    }
  }
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(options.port), '--log-level', 'warn'];
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
    // Write-ahead log: commits append instead of rewriting pages under a lock. `synchronous=normal` in WAL mode still
    // survives a killed process (only a power cut can lose the last commits; test/integration/devServerRestart.test.ts).
    for (const pragma of sqlitePragmas) args.push('--sqlite-pragma', pragma);
  }
  if (options.metricsPort) args.push('--metrics-port', String(options.metricsPort));
  if (options.uiPort) args.push('--ui-port', String(options.uiPort), '--ui-ip', ip, '--ui-disable-news-fetch');
  else args.push('--headless');
  if (options.uiPort && options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.namespace && options.namespace !== 'default') args.push('--namespace', options.namespace);
  for (const pair of searchAttributeCliPairs()) args.push('--search-attribute', pair);

  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: Buffer[] = [];
  const onOutput = options.onOutput ?? ((chunk: Buffer) => output.push(chunk));
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);

  const address = `${ip}:${options.port}`;
  const stop = () => stopProcess(child);
  try {
    await waitForFrontend(address, child, options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await stop();
    const tail = Buffer.concat(output).toString('utf8').slice(-2000);
    throw new Error(`${(err as Error).message}${tail ? `\nserver output:\n${tail}` : ''}`, { cause: err });
  }
  return { address, uiUrl: options.uiPort ? `http://${ip}:${options.uiPort}` : undefined, process: child, stop };
}

async function waitForFrontend(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`temporal server exited early (code ${child.exitCode ?? child.signalCode})`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`temporal server did not answer on ${address} within ${timeoutMs} ms: ${String(lastError)}`);
}

function isPortInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolveCheck) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => (socket.destroy(), resolveCheck(true)));
    socket.once('error', () => resolveCheck(false));
  });
}

/** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
export function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
