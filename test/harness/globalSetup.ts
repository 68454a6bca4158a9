import { resolveBinary, temporalCli, temporalTestServer } from '../../scripts/temporalBinaries';
import { startDevServer, type DevServer } from '../../scripts/devServer';
import { freePort } from '../../scripts/ports';

declare global {
  var __temporalDevServer: DevServer | undefined;
}

/**
 * Once per `npm test`: makes sure both Temporal binaries exist (same bootstrap as `npm start`) and starts a
 * headless in-memory dev server on a free port. Test workers inherit TEMPORAL_ADDRESS and the binary paths.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TEMPORAL_CLI_PATH = resolveBinary(temporalCli);
  process.env.TEMPORAL_TEST_SERVER_PATH = resolveBinary(temporalTestServer);
  const server = await startDevServer({ port: await freePort() });
  globalThis.__temporalDevServer = server;
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.TEMPORAL_NAMESPACE = 'default';
}
