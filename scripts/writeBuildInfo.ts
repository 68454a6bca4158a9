import { writeFileSync } from 'node:fs';
import { buildInfoPath, checkoutBuildInfo } from '../config/buildId';

/** The last step of `npm run build`: the version and commit the worker reports as its build id (docs/versioning.md). */
writeFileSync(buildInfoPath, `${JSON.stringify(checkoutBuildInfo())}\n`);
console.log(`wrote ${buildInfoPath}`);
