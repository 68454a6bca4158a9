import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The directory holding the project's package.json: the repository (the image's /app), whether this file runs from
 * source under tsx (config/) or compiled (dist/config/, one level deeper). Files the code reads beside its sources
 * (config/mappings.yaml, .tools/) resolve from here, so there is one copy of each and none in dist/.
 */
export const packageRoot = findPackageRoot(__dirname);

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json in ${from} or above`);
  }
}
