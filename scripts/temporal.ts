import { join } from 'node:path';
import { loadEnv, temporalEnvSchema } from '../config/env';
import { startDevServer } from './devServer';

/** `npm run temporal`: the embedded Temporal dev server alone, state in $DATA_DIR/temporal.db, Web UI on 8233. */
async function main(): Promise<void> {
  const env = loadEnv(temporalEnvSchema);
  const port = Number(env.TEMPORAL_ADDRESS.split(':')[1]);
  const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? port + 1000);
  const server = await startDevServer({
    port,
    uiPort,
    dbFile: join(env.DATA_DIR, 'temporal.db'),
    onOutput: (c) => process.stderr.write(c),
  });
  console.log(`Temporal gRPC  ${server.address}\nTemporal Web UI ${server.uiUrl}`);
  const shutdown = () => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  server.process.once('exit', (code) => process.exit(code ?? 1));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
