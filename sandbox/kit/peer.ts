import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  faultMiddleware,
  faultsSchema,
  jsonFaultResponders,
  noFaults,
  type FaultResponders,
  type Faults,
} from './faults';
import { RequestLog } from './requestLog';
import type { Store } from './store';

export interface PeerOptions<S> {
  name: string;
  store: Store<S>;
  /** Body parsers the system's API uses (JSON by default). */
  bodyParsers?: RequestHandler[];
  /** Authentication for the API routes (never for `/__sandbox`). */
  auth?: RequestHandler;
  routes: Router;
  /** Extra sandbox-only controls mounted under `/__sandbox`. */
  controls?: Router;
  faultResponders?: FaultResponders;
  /** Answer for an unknown route, in the system's error shape. */
  notFound?: RequestHandler;
  onReset?: () => void;
}

export interface SandboxPeer<S> {
  name: string;
  app: Express;
  store: Store<S>;
  requests: RequestLog;
  faults(): Faults;
  listen(port: number, host?: string): Promise<{ server: Server; url: string }>;
}

/** Common shape of every sandbox peer: faults, request log, reset, then the system's own API. */
export function createPeer<S>(options: PeerOptions<S>): SandboxPeer<S> {
  let faults: Faults = { ...noFaults };
  const requests = new RequestLog();
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');

  const controls = express.Router();
  controls.use(express.json());
  controls.get('/faults', (_req, res) => void res.json(faults));
  controls.put('/faults', (req, res) => {
    const parsed = faultsSchema.safeParse(req.body ?? {});
    if (!parsed.success)
      return void res
        .status(400)
        .json({ error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    faults = parsed.data;
    res.json(faults);
  });
  controls.get('/requests', (_req, res) => void res.json(requests.list()));
  controls.post('/reset', (_req, res) => {
    options.store.reset();
    requests.clear();
    faults = { ...noFaults };
    options.onReset?.();
    res.json({ reset: true });
  });
  if (options.controls) controls.use(options.controls);
  app.use('/__sandbox', controls);

  for (const parser of options.bodyParsers ?? [express.json({ limit: '5mb' })]) app.use(parser);
  app.use(requests.middleware());
  app.use(faultMiddleware(() => faults, options.faultResponders ?? jsonFaultResponders));
  if (options.auth) app.use(options.auth);
  app.use(options.routes);
  app.use(
    options.notFound ??
      ((req, res) =>
        void res.status(404).json({ message: `Request does not match any route: ${req.method} ${req.path}` })),
  );
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err?.status === 'number' ? err.status : 500;
    res.status(status).json({ message: status === 400 ? 'Malformed request body' : 'Internal Server Error' });
  };
  app.use(onError);

  return {
    name: options.name,
    app,
    store: options.store,
    requests,
    faults: () => faults,
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        const server = app.listen(port, host);
        server.once('error', reject);
        server.once('listening', () => {
          const address = server.address() as AddressInfo;
          resolve({ server, url: `http://${host}:${address.port}` });
        });
      }),
  };
}
