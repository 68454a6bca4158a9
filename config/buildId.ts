import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './packageRoot';

export interface BuildInfo {
  version: string;
  commit?: string;
}

/** Where `npm run build` leaves the build's version and commit, so a built image knows them without its `.git`. */
export const buildInfoPath = join(packageRoot, 'dist', 'build-info.json');

function gitCommit(): string | undefined {
  try {
    const opts = { cwd: packageRoot, stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'] };
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], opts).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

/** This checkout's version (package.json) and git commit. */
export function checkoutBuildInfo(): BuildInfo {
  const { version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  const commit = gitCommit();
  return { version, ...(commit ? { commit } : {}) };
}

/**
 * The worker's build id, `<package version>+<git commit>` (docs/versioning.md): `BUILD_ID` when set, else the build's
 * `dist/build-info.json`, else this checkout's commit, else `<version>+dev`.
 */
export function buildId(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BUILD_ID) return env.BUILD_ID;
  const info: BuildInfo = existsSync(buildInfoPath)
    ? (JSON.parse(readFileSync(buildInfoPath, 'utf8')) as BuildInfo)
    : checkoutBuildInfo();
  return `${info.version}+${info.commit ?? 'dev'}`;
}
