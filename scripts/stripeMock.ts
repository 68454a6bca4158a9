import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import axios from 'axios';
import { stopProcess } from './devServer';
import { freePort } from './ports';
import { repoRoot } from './temporalBinaries';
import { isExecutable, onPath } from './executables';

/**
 * stripe-mock validates Stripe API requests against Stripe's OpenAPI spec (https://github.com/stripe/stripe-mock);
 * the contract tests send it every request shape the product makes. Found in this order: `STRIPE_MOCK_PATH` → PATH →
 * the project cache `.tools/go/bin` → `go install` of the pinned version into that cache.
 */
export const stripeMockModule = 'github.com/stripe/stripe-mock';
/** Newest release on the Go module proxy that builds with the toolchain here (go 1.26). */
export const stripeMockVersion = 'v0.203.0';

const execFileAsync = promisify(execFile);
const gobin = join(repoRoot, '.tools', 'go', 'bin');
const cachedBinary = join(gobin, 'stripe-mock');
/** Which version `go install` put in the cache; `go install` builds report their version as "master". */
const cachedVersionFile = join(gobin, 'stripe-mock.version');

export type StripeMockLocation =
  | { path: string; source: 'env' | 'path' | 'cache' | 'installed'; installMs?: number }
  | { path?: undefined; reason: string };

export interface ResolveStripeMockOptions {
  /** `go install` when nothing is found (default true). */
  install?: boolean;
  /** Limit for the build (default 10 minutes). */
  installTimeoutMs?: number;
  log?: (line: string) => void;
}

function cachedVersion(): string | undefined {
  return existsSync(cachedVersionFile) ? readFileSync(cachedVersionFile, 'utf8').trim() : undefined;
}

/**
 * Where stripe-mock is, or why it cannot be had (no Go toolchain, build failed). Synchronous, so a test file can decide
 * to skip while jest collects it; the build blocks for a minute or so the first time only.
 */
export function locateStripeMock(options: ResolveStripeMockOptions = {}): StripeMockLocation {
  const log = options.log ?? ((line: string) => process.stderr.write(`[stripe-mock] ${line}\n`));
  const tried: string[] = [];

  const fromEnv = process.env.STRIPE_MOCK_PATH;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return { path: fromEnv, source: 'env' };
    tried.push(`STRIPE_MOCK_PATH=${fromEnv} is not an executable file`);
  }
  const fromPath = onPath('stripe-mock');
  if (fromPath) return { path: fromPath, source: 'path' };

  // A binary someone put in the cache by hand has no version file and is taken as it is.
  const version = cachedVersion();
  if (isExecutable(cachedBinary) && (version === undefined || version === stripeMockVersion))
    return { path: cachedBinary, source: 'cache' };
  tried.push(`not on PATH nor in ${gobin}`);

  if (options.install === false) return { reason: `stripe-mock not found (${tried.join('; ')})` };
  const go =
    onPath('go') ?? ['/usr/local/go/bin/go', join(process.env.HOME ?? '', 'go', 'bin', 'go')].find(isExecutable);
  if (!go) return { reason: `stripe-mock not found (${tried.join('; ')}) and no Go toolchain to build it` };

  const module = `${stripeMockModule}@${stripeMockVersion}`;
  log(`building ${module} with go install into ${gobin} (a minute or so the first time)`);
  mkdirSync(gobin, { recursive: true });
  const startedAt = Date.now();
  const result = spawnSync(go, ['install', module], {
    env: { ...process.env, GOBIN: gobin, GOFLAGS: [process.env.GOFLAGS, '-buildvcs=false'].filter(Boolean).join(' ') },
    timeout: options.installTimeoutMs ?? 600_000,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) {
    const why =
      result.error?.message ?? result.stderr?.trim().split('\n').slice(-5).join(' | ') ?? `exit ${result.status}`;
    return { reason: `go install ${module} failed: ${why}` };
  }
  if (!isExecutable(cachedBinary)) return { reason: `go install ${module} succeeded but left no ${cachedBinary}` };
  writeFileSync(cachedVersionFile, `${stripeMockVersion}\n`);
  const installMs = Date.now() - startedAt;
  log(`built in ${(installMs / 1000).toFixed(1)} s`);
  return { path: cachedBinary, source: 'installed', installMs };
}

/** The stripe-mock binary, installing it if need be; undefined when it cannot be had. */
export function resolveStripeMock(options: ResolveStripeMockOptions = {}): string | undefined {
  return locateStripeMock(options).path;
}

export interface RunningStripeMock {
  /** `http://127.0.0.1:<port>` */
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

async function helpText(binary: string): Promise<string> {
  // `-h` exits 2 after printing the usage to stderr.
  const result = await execFileAsync(binary, ['-h']).catch((err: { stdout?: string; stderr?: string }) => err);
  return `${result.stdout ?? ''}${result.stderr ?? ''}`;
}

async function waitUntilAnswering(
  url: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`stripe-mock exited (${child.exitCode ?? child.signalCode}): ${output()}`);
    const answered = await axios
      .get(`${url}/v1/customers`, {
        headers: { Authorization: 'Bearer sk_test_123' },
        timeout: 1000,
        validateStatus: () => true,
      })
      .then(
        (r) => r.status === 200,
        () => false,
      );
    if (answered) return;
    if (Date.now() > deadline)
      throw new Error(`stripe-mock did not answer on ${url} within ${timeoutMs} ms: ${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Runs stripe-mock on free loopback ports (HTTP and HTTPS, so parallel runs never collide on its defaults 12111/12112)
 * and waits until it answers.
 */
export async function startStripeMock(binary?: string, timeoutMs = 30_000): Promise<RunningStripeMock> {
  const path = binary ?? resolveStripeMock();
  if (!path) throw new Error('stripe-mock is not available; see locateStripeMock() for why');
  const hasAddrFlags = (await helpText(path)).includes('-http-addr');
  const fixedPort = hasAddrFlags ? undefined : await freePort();
  const args = hasAddrFlags
    ? ['-http-addr', '127.0.0.1:0', '-https-addr', '127.0.0.1:0']
    : ['-http-port', String(fixedPort), '-https-port', String(await freePort())];
  const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer | string) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  const stop = () => (spawnError || child.pid === undefined ? Promise.resolve() : stopProcess(child, 5000));
  try {
    let port = fixedPort;
    const deadline = Date.now() + timeoutMs;
    while (port === undefined) {
      port = Number(/Listening for HTTP at address: [^\s]*:(\d+)/.exec(output)?.[1]) || undefined;
      if (spawnError) throw new Error(`stripe-mock could not be started: ${spawnError.message}`);
      if (child.exitCode !== null) throw new Error(`stripe-mock exited (${child.exitCode}): ${output}`);
      if (Date.now() > deadline)
        throw new Error(`stripe-mock printed no HTTP address within ${timeoutMs} ms: ${output}`);
      if (port === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = `http://127.0.0.1:${port}`;
    await waitUntilAnswering(url, child, () => output, Math.max(1000, deadline - Date.now()));
    return { url, process: child, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
