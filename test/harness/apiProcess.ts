import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopProcess } from '../../scripts/devServer';
import { freePort } from '../../scripts/ports';
import { repoRoot } from '../../scripts/temporalBinaries';
import { eventually } from './eventually';
import { devServerAddress } from './temporal';

export interface ApiProcess {
  child: ChildProcess;
  url: string;
  /** Everything it logged so far (JSON lines). */
  output(): string;
  /** Resident set size from /proc/<pid>/status, in bytes. */
  rssBytes(): number;
  stop(): Promise<void>;
}

/** `api/main.ts` as its own process, as `npm run api` runs it, on the dev server of the jest global setup. */
export async function spawnApi(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'api/main.ts')], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: devServerAddress(),
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      LOG_LEVEL: 'info',
      ...env,
    },
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-2_000_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    'the API to listen',
    async () => {
      if (child.exitCode !== null) throw new Error(`the API exited (${child.exitCode}): ${output.slice(-2000)}`);
      const res = await fetch(`${url}/healthz`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    },
    60_000,
  );
  return {
    child,
    url,
    output: () => output,
    rssBytes: () => {
      const line = readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m);
      if (!line) throw new Error(`no VmRSS for ${child.pid}`);
      return Number(line[1]) * 1024;
    },
    stop: () => stopProcess(child, 10_000),
  };
}
