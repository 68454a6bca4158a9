import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { failureConverterPath } from '../config/payloadCodec';
import { workflowsPath } from './worker';

/**
 * Child-process entry of `workflowBundleInChildProcess`: bundles the workflows with webpack and writes the bundle to
 * the path given as its argument. Webpack's memory goes back to the system when this process exits.
 */
async function main(): Promise<void> {
  const outFile = process.argv[2];
  if (!outFile) throw new Error('usage: bundleWorkflows <out-file>');
  const { code } = await bundleWorkflowCode({ workflowsPath, failureConverterPath, logger: new DefaultLogger('WARN') });
  writeFileSync(outFile, code);
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
