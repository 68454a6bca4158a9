import type { Server } from 'node:http';
import type { SandboxPeer } from '../../sandbox/kit/peer';

export interface RunningPeer {
  url: string;
  close(): Promise<void>;
}

/** Starts a sandbox peer on a free loopback port for one test file. */
export async function startPeer<S>(peer: SandboxPeer<S>): Promise<RunningPeer> {
  const { server, url } = await peer.listen(0);
  return { url, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
