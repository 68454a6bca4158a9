import { execFileSync } from 'node:child_process';
import { isExecutable, onPath } from './executables';

/** Names Chromium goes by on PATH (Debian's package installs `chromium`). */
const names = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

export class ChromiumUnavailable extends Error {
  override name = 'ChromiumUnavailable';
}

/**
 * A Chromium executable for the browser tests: `CHROMIUM_PATH`, else one on PATH, else Debian's `chromium` package
 * installed with apt-get when running as root (as CI does). Throws `ChromiumUnavailable`, saying why, when none can be had.
 */
export function resolveChromium(options: { install?: boolean; log?: (line: string) => void } = {}): string {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new ChromiumUnavailable(`CHROMIUM_PATH=${fromEnv} is not an executable`);
    return fromEnv;
  }
  const found = names.map(onPath).find(Boolean);
  if (found) return found;
  if (options.install === false)
    throw new ChromiumUnavailable(`no Chromium on PATH (looked for ${names.join(', ')}); set CHROMIUM_PATH`);
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !onPath('apt-get')) {
    throw new ChromiumUnavailable(
      `no Chromium on PATH (looked for ${names.join(', ')}) and it cannot be installed here ` +
        `(${isRoot ? 'no apt-get' : 'not root'}): install Debian's chromium package, or set CHROMIUM_PATH`,
    );
  }
  log('installing Chromium: apt-get install chromium');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 600_000,
    });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-3).join(' / ');
    throw new ChromiumUnavailable(
      `apt-get install chromium failed: ${stderr || (err instanceof Error ? err.message : String(err))}`,
    );
  }
  const installed = names.map(onPath).find(Boolean);
  if (!installed) throw new ChromiumUnavailable('apt-get installed chromium, yet no chromium is on PATH');
  return installed;
}

if (require.main === module) {
  try {
    const path = resolveChromium();
    const version = execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    process.stdout.write(`${path} (${version})\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
