import { join } from 'node:path';
import type { Logger } from '../config/logger';

export interface RunningSandboxPeer {
  name: string;
  url: string;
  stop(): void;
}

/** Starts the sandbox peers that exist so far; each one lands with its issue. */
export async function startSandboxPeers(env: NodeJS.ProcessEnv, log: Logger): Promise<RunningSandboxPeer[]> {
  const dataDir = env.DATA_DIR ?? '.data';
  void join(dataDir, 'sandbox');
  log.info('no sandbox peers yet');
  return [];
}
