import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import axios from 'axios';
import { stopProcess } from '../../scripts/devServer';
import { freePort } from '../../scripts/ports';
import { repoRoot } from '../../scripts/temporalBinaries';
import { eventually } from './eventually';
import { testSecrets } from './productStack';
import { devServerAddress } from './temporal';

export interface ApiProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Everything it wrote to stdout and stderr so far (JSON lines). */
  output(): string;
  /** Resident set size from /proc/<pid>/status, in bytes. */
  rssBytes(): number;
  stop(): Promise<void>;
}

/**
 * `api/main.ts` as its own process, as `npm start` runs it, on the dev server of the jest global setup; `env` adds to
 * (or, with `undefined`, removes from) its environment. Resolves once `/readyz` answers 200.
 */
export async function spawnApi(env: Record<string, string | undefined>, port?: number): Promise<ApiProcess> {
  const apiPort = port ?? (await freePort());
  const merged: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: devServerAddress(),
    API_PORT: String(apiPort),
    LOG_LEVEL: 'info',
    STRIPE_WEBHOOK_SECRET: testSecrets.stripeWebhookSecret,
    WMS_WEBHOOK_SECRET: testSecrets.wmsWebhookSecret,
    ADMIN_TOKEN: testSecrets.adminToken,
    PAYLOAD_ENCRYPTION_KEY: undefined,
    ...env,
  };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'api/main.ts')], {
    env: merged,
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => (output += chunk));
  const url = `http://127.0.0.1:${apiPort}`;
  await eventually(
    'the API ready',
    async () => {
      if (child.exitCode !== null) throw new Error(`the API exited (${child.exitCode}): ${output.slice(-2_000)}`);
      const res = await axios.get(`${url}/readyz`, { validateStatus: () => true }).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    },
    60_000,
  );
  return {
    child,
    url,
    port: apiPort,
    output: () => output,
    rssBytes: () => {
      const line = readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m);
      if (!line) throw new Error(`no VmRSS for ${child.pid}`);
      return Number(line[1]) * 1024;
    },
    stop: () => stopProcess(child, 10_000),
  };
}
