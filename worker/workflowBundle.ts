import { fork } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '../config/env';
import type { Logger } from '../config/logger';

/** Where `npm run build` writes the prebuilt bundle: dist/workflow-bundle.js, beside the compiled worker's folder. */
export const builtWorkflowBundle = join(__dirname, '..', 'workflow-bundle.js');
/** This module runs compiled (`node dist/worker/main.js`), not from its TypeScript source under tsx or jest. */
const runsCompiled = __filename.endsWith('.js');

/**
 * The workflow code the worker loads, and says which in its log:
 * - `WORKFLOW_BUNDLE_PATH` when set (a path that is not there stops start-up: no quiet bundling instead);
 * - run compiled, the bundle `npm run build` wrote (dist/workflow-bundle.js), when it is there;
 * - else (tsx: `npm run worker`, `npm start`, tests) the workflows bundled now, in a child process.
 */
export async function workflowBundle(
  bundlePath: string | undefined,
  log: Logger,
): Promise<{ codePath: string; remove(): void }> {
  const prebuilt = bundlePath ?? (runsCompiled && existsSync(builtWorkflowBundle) ? builtWorkflowBundle : undefined);
  if (prebuilt !== undefined) {
    const codePath = resolve(prebuilt);
    if (!existsSync(codePath)) throw new ConfigError(`WORKFLOW_BUNDLE_PATH ${codePath}: no such file`);
    log.info({ workflowBundle: 'prebuilt', codePath }, 'workflow bundle: prebuilt');
    return { codePath, remove: () => undefined };
  }
  if (runsCompiled)
    log.warn({ expected: builtWorkflowBundle }, 'no prebuilt workflow bundle (npm run build writes it): bundling now');
  const startedAt = Date.now();
  const bundle = await workflowBundleInChildProcess();
  log.info({ workflowBundle: 'bundled at start', ms: Date.now() - startedAt }, 'workflow bundle: bundled at start');
  return bundle;
}

/**
 * Bundles the workflow code in a short-lived child process and returns the file. Bundling in the worker itself leaves
 * webpack's ~140 MB in the worker's resident set for its whole life (measured: RSS 130 → 275 MB); from a file, the
 * worker only loads the 2.5 MB bundle. The child runs with this process's loader flags (tsx under `npm run worker`).
 */
export async function workflowBundleInChildProcess(): Promise<{ codePath: string; remove(): void }> {
  const codePath = join(tmpdir(), `o2c-workflow-bundle-${process.pid}-${Date.now()}.js`);
  const child = fork(require.resolve('./bundleWorkflows'), [codePath], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode));
  });
  if (code !== 0) throw new Error(`bundling the workflow code failed (exit code ${code}); see the lines above`);
  return { codePath, remove: () => rmSync(codePath, { force: true }) };
}
