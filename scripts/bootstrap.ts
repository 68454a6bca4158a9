import { resolveBinary, temporalCli, temporalTestServer } from './temporalBinaries';

/** `npm run temporal:bootstrap`: makes sure both Temporal binaries are present and prints where they are. */
function main(): void {
  const cli = resolveBinary(temporalCli);
  const testServer = resolveBinary(temporalTestServer);
  console.log(`TEMPORAL_CLI_PATH=${cli}`);
  console.log(`TEMPORAL_TEST_SERVER_PATH=${testServer}`);
}

try {
  main();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
