import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import axios, { type AxiosResponse } from 'axios';
import pino from 'pino';
import type { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createApp, type AppDeps } from '../../api/app';
import { operatorSessionWorkflowType } from '../../messages/operatorSession';
import { spawnApi, type ApiProcess } from '../harness/apiProcess';
import { eventually } from '../harness/eventually';
import { recordHistories } from '../harness/recordHistories';
import { testSecrets } from '../harness/productStack';
import { connectDevServer, devServerAddress, uniqueTaskQueue } from '../harness/temporal';

jest.setTimeout(180_000);

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const raw = { maxRedirects: 0, validateStatus: () => true } as const;

/** The cookie pair a login set (`o2c_ops_session=v2…`), and the whole Set-Cookie header. */
function cookieOf(res: AxiosResponse): { pair: string; header: string } {
  const header = (res.headers['set-cookie'] ?? []).find((c: string) => c.startsWith('o2c_ops_session=')) ?? '';
  return { pair: header.split(';')[0]!, header };
}

async function login(url: string, headers: Record<string, string> = {}, token = testSecrets.adminToken) {
  return axios.post(`${url}/ops/login`, form({ token }), {
    ...raw,
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url, ...headers },
  });
}

/** The page's CSRF token (every logged-in page carries it in its logout form). */
async function csrfOf(url: string, cookie: string, headers: Record<string, string> = {}): Promise<string> {
  const home = await axios.get<string>(`${url}/ops/`, { ...raw, headers: { cookie, ...headers } });
  const token = /name="csrf" value="([^"]+)"/.exec(home.data)?.[1];
  if (!token) throw new Error(`no CSRF token on the page (status ${home.status})`);
  return token;
}

async function post(url: string, path: string, cookie: string, csrf: string, headers: Record<string, string> = {}) {
  return axios.post(`${url}${path}`, form({ csrf }), {
    ...raw,
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url, cookie, ...headers },
  });
}

const homeStatus = async (url: string, cookie: string) =>
  (await axios.get(`${url}/ops/`, { ...raw, headers: { cookie } })).status;

describe('operator page sessions, held in Temporal', () => {
  let client: Client;
  let connection: Connection;
  let worker: Worker;
  let workerRun: Promise<void>;
  let native: NativeConnection;
  const taskQueue = uniqueTaskQueue('ops-sessions');
  const servers: Server[] = [];
  const processes: ApiProcess[] = [];

  beforeAll(async () => {
    ({ client, connection } = await connectDevServer());
    native = await NativeConnection.connect({ address: devServerAddress() });
    // The worker keeps each session's idle clock: only the session workflow, to bundle quickly.
    worker = await Worker.create({
      connection: native,
      taskQueue,
      workflowsPath: require.resolve('../../workflows/operatorSession'),
    });
    workerRun = worker.run();
  });

  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    await Promise.all(processes.map((p) => p.stop()));
    worker?.shutdown();
    await workerRun;
    await native?.close();
    await connection?.close();
  });

  async function startApp(overrides: Partial<AppDeps> = {}): Promise<string> {
    const app = createApp({
      temporal: client,
      taskQueue,
      stripeWebhookSecrets: [testSecrets.stripeWebhookSecret],
      adminToken: testSecrets.adminToken,
      log: pino({ level: 'silent' }),
      ...overrides,
    });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((r) => server.once('listening', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function api(port?: number): Promise<ApiProcess> {
    const p = await spawnApi({ TEMPORAL_TASK_QUEUE: taskQueue }, port);
    processes.push(p);
    return p;
  }

  async function sessionRuns(): Promise<Array<{ workflowId: string; status: string }>> {
    const runs: Array<{ workflowId: string; status: string }> = [];
    for await (const wf of client.workflow.list({
      query: `WorkflowType = '${operatorSessionWorkflowType}' AND TaskQueue = '${taskQueue}'`,
    }))
      runs.push({ workflowId: wf.workflowId, status: wf.status.name });
    return runs;
  }

  it('a logout holds for a second API process and after a restart; an unrevoked session survives both', async () => {
    let a = await api();
    const b = await api();
    const loggedIn = await login(a.url);
    expect(loggedIn.status).toBe(303);
    const { pair: cookie, header } = cookieOf(loggedIn);
    expect(cookie).toMatch(/^o2c_ops_session=v2\.[A-Za-z0-9_-]{24}\.\d+\.[A-Za-z0-9_-]{43}$/);
    expect(cookie).not.toContain(testSecrets.adminToken);
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Strict/);
    expect(header).not.toMatch(/Secure/); // plain HTTP, no proxy
    const sessionId = cookie.split('.')[1]!;
    const runs = await sessionRuns();
    expect(runs).toEqual([{ workflowId: expect.stringMatching(/^ops-session:/), status: 'RUNNING' }]);
    expect(runs[0]!.workflowId).not.toContain(sessionId); // the Web UI's run list gives no cookie away

    expect(await homeStatus(b.url, cookie)).toBe(200);
    const port = a.port;
    await a.stop();
    a = await api(port);
    expect(await homeStatus(a.url, cookie)).toBe(200);

    const loggedOut = await post(b.url, '/ops/logout', cookie, await csrfOf(b.url, cookie));
    expect(loggedOut.status).toBe(303);
    expect(loggedOut.headers.location).toBe('/ops/login');
    expect(await homeStatus(a.url, cookie)).toBe(303);
    expect(await homeStatus(b.url, cookie)).toBe(303);
    await a.stop();
    a = await api(port);
    expect(await homeStatus(a.url, cookie)).toBe(303);
    expect(await sessionRuns()).toEqual([{ workflowId: runs[0]!.workflowId, status: 'TERMINATED' }]);
    await recordHistories(client, [{ name: 'operator-session-logged-out', workflowId: runs[0]!.workflowId }]);
  });

  it('ends a session left idle, by itself; one in use stays open', async () => {
    const url = await startApp({ sessions: { idleTimeoutSec: 3 } });
    const idle = cookieOf(await login(url)).pair;
    const busy = cookieOf(await login(url)).pair;
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await homeStatus(url, busy)).toBe(200);
    }
    expect(await homeStatus(url, idle)).toBe(303);
    expect(await homeStatus(url, busy)).toBe(200);
    const ended = await eventually('the idle session run completed', async () => {
      const done = (await sessionRuns()).filter((r) => r.status === 'COMPLETED');
      return done.length > 0 ? done : undefined;
    });
    expect(await client.workflow.getHandle(ended[0]!.workflowId).result()).toBe('idle');
    await recordHistories(client, [{ name: 'operator-session-idle', workflowId: ended[0]!.workflowId }]);
  });

  it("refuses a forged, altered or other-token cookie, and another session's CSRF token", async () => {
    const url = await startApp();
    const otherTokenUrl = await startApp({ adminToken: `${testSecrets.adminToken}-rotated` });
    const { pair: cookie } = cookieOf(await login(url));
    const [name, value] = cookie.split('=') as [string, string];
    const [v, id, expiry, mac] = value.split('.') as [string, string, string, string];
    const forged = [
      `${name}=${v}.${id}.${Number(expiry) + 3600}.${mac}`,
      `${name}=${v}.${id.replace(/^./, id[0] === 'A' ? 'B' : 'A')}.${expiry}.${mac}`,
      `${name}=v1.${id}.${expiry}.${mac}`,
      `${name}=${testSecrets.adminToken}`,
    ];
    for (const bad of forged) expect(await homeStatus(url, bad)).toBe(303);
    expect(await homeStatus(otherTokenUrl, cookie)).toBe(303);
    expect(await homeStatus(url, cookie)).toBe(200);

    const other = cookieOf(await login(url)).pair;
    const refused = await post(url, '/ops/logout', cookie, await csrfOf(url, other));
    expect(refused.status).toBe(403);
    expect(await homeStatus(url, cookie)).toBe(200);
  });

  it('"log out everywhere" ends every open session', async () => {
    const url = await startApp();
    const first = cookieOf(await login(url)).pair;
    const second = cookieOf(await login(url)).pair;
    expect(await homeStatus(url, second)).toBe(200);
    expect((await post(url, '/ops/logout-everywhere', first, await csrfOf(url, first))).status).toBe(303);
    expect(await homeStatus(url, first)).toBe(303);
    expect(await homeStatus(url, second)).toBe(303);
    expect((await sessionRuns()).filter((r) => r.status === 'RUNNING')).toEqual([]);
  });

  it('300 wrong tokens at the login: 401 up to the limit, then 429 with Retry-After, and the lockout logged', async () => {
    const a = await api();
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => login(a.url, {}, `wrong-token-${i}`)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(290);
    const locked = answers.find((r) => r.status === 429)!;
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    expect(locked.data).toContain('Too many wrong tokens');
    // Locked means locked: the right token from the same client waits too (else the limit would say when it was found).
    expect((await login(a.url)).status).toBe(429);
    const lockouts = a
      .output()
      .split('\n')
      .filter((l) => l.includes('"outcome":"locked_out"'));
    expect(lockouts).toHaveLength(1);
    expect(JSON.parse(lockouts[0]!)).toMatchObject({ level: 40, door: 'operator page login', scope: 'client' });
  });

  it('counts wrong tokens from all clients together, and at the token doors (/admin)', async () => {
    const limits = { perClient: 3, allClients: 5, windowMs: 60_000 };
    const url = await startApp({ trustProxy: 'loopback', attemptLimits: { login: limits, token: limits } });
    const from = (i: number) => ({ 'x-forwarded-for': `203.0.113.${i}` });
    for (let i = 1; i <= 5; i++) expect((await login(url, from(i), 'wrong-token')).status).toBe(401);
    expect((await login(url, from(6), 'wrong-token')).status).toBe(429); // a new client, but the sixth wrong token
    const admin = (token: string, i: number) =>
      axios.get(`${url}/admin/review-queue`, { ...raw, headers: { authorization: `Bearer ${token}`, ...from(i) } });
    for (let i = 0; i < 3; i++) expect((await admin('wrong-token', 7)).status).toBe(401);
    const locked = await admin('wrong-token', 7);
    expect(locked.status).toBe(429);
    expect(locked.data).toEqual({ error: expect.stringMatching(/too many wrong tokens/) });
    expect((await admin(testSecrets.adminToken, 8)).status).toBe(200); // another client that knows the token
  });

  it('behind a TLS proxy with TRUST_PROXY: a Secure cookie, and operator POSTs from the public origin accepted', async () => {
    const publicOrigin = 'https://ops.shop.example';
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'ops.shop.example', origin: publicOrigin };
    const untrusting = await startApp();
    expect((await login(untrusting, forwarded)).status).toBe(403); // what happened before TRUST_PROXY: every POST refused

    const url = await startApp({ trustProxy: 'loopback' });
    const loggedIn = await login(url, forwarded);
    expect(loggedIn.status).toBe(303);
    const { pair: cookie, header } = cookieOf(loggedIn);
    expect(header).toMatch(/; Secure/);
    const csrf = await csrfOf(url, cookie, forwarded);
    expect(
      (await post(url, '/ops/logout', cookie, csrf, { ...forwarded, origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect((await post(url, '/ops/logout', cookie, csrf, forwarded)).status).toBe(303);

    // PUBLIC_URL: the one origin operator POSTs may come from, whatever the request's Host says.
    const pinned = await startApp({ publicOrigin });
    const viaPublic = await login(pinned, { origin: publicOrigin });
    expect(viaPublic.status).toBe(303);
    expect(cookieOf(viaPublic).header).toMatch(/; Secure/);
    expect((await login(pinned)).status).toBe(403); // its own http://127.0.0.1 origin is not the public one
  });
});
