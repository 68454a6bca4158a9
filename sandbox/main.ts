import { createLogger } from '../config/logger';
import { startSandboxPeers } from './peers';

/** `npm run sandbox`: every sandbox peer on its port, with the credentials the product is configured with. */
async function main(): Promise<void> {
  const log = createLogger('sandbox');
  const running = await startSandboxPeers(process.env, log);
  const shutdown = () => {
    for (const peer of running) peer.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
