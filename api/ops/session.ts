import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import {
  operatorSessionWorkflowType,
  sessionUsedSignal,
  type OperatorSessionInput,
} from '../../messages/operatorSession';

/** The operator page's session cookie: HttpOnly, SameSite=Strict, Path=/ (the codec at `/codec` reads it too). */
export const sessionCookieName = 'o2c_ops_session';
export const sessionMaxAgeSec = 12 * 60 * 60;
export const defaultIdleTimeoutSec = 30 * 60;
/** How often a busy session tells its run it was used: the idle clock is this precise, and the run's history this short. */
const usedSignalEveryMs = 60_000;

const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();
/** Equal in constant time: both sides are hashed first, so neither length nor content leaks. */
export const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

export interface Session {
  id: string;
  expiresAtSec: number;
  /** The per-session token every form carries and every POST must send back. */
  csrfToken: string;
}

export interface SessionOptions {
  /** The task queue of the product's worker, which keeps each session's idle clock. */
  taskQueue: string;
  idleTimeoutSec?: number;
  maxAgeSec?: number;
}

/**
 * Operator page sessions, held in Temporal so that every API process, restarted or not, sees the same ones. The cookie
 * is `v2.<random id>.<expiry>.<HMAC>`, signed with a key derived from ADMIN_TOKEN (never the token; rotating the token
 * ends every session); the session itself is an `operatorSession` run, which ends after the idle timeout or at the
 * expiry. A cookie is accepted while its run is open; logging out terminates the run. The run's id is an HMAC of the
 * session id, so the Web UI's run list gives no cookie away.
 */
export class OperatorSessions {
  private readonly key: Buffer;
  private readonly idleTimeoutSec: number;
  private readonly maxAgeSec: number;
  private readonly lastUsedSignal = new Map<string, number>();

  constructor(
    private readonly adminToken: string,
    private readonly temporal: Client,
    private readonly options: SessionOptions,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.key = digest(`o2c operator page session key\0${adminToken}`);
    this.idleTimeoutSec = options.idleTimeoutSec ?? defaultIdleTimeoutSec;
    this.maxAgeSec = options.maxAgeSec ?? sessionMaxAgeSec;
  }

  get cookieMaxAgeSec(): number {
    return this.maxAgeSec;
  }

  /** The token an operator typed, checked in constant time. */
  isAdminToken(candidate: string): boolean {
    return sameSecret(candidate, this.adminToken);
  }

  async create(): Promise<{ cookieValue: string; session: Session }> {
    const id = randomBytes(18).toString('base64url');
    const expiresAtSec = this.now() + this.maxAgeSec;
    const input: OperatorSessionInput = { expiresAtMs: expiresAtSec * 1000, idleTimeoutMs: this.idleTimeoutSec * 1000 };
    await this.temporal.workflow.start(operatorSessionWorkflowType, {
      workflowId: this.workflowIdOf(id),
      taskQueue: this.options.taskQueue,
      args: [input],
      // The run ends itself; should no worker be there to end it, Temporal does, a minute later.
      workflowExecutionTimeout: (this.maxAgeSec + 60) * 1000,
    });
    const body = `v2.${id}.${expiresAtSec}`;
    return { cookieValue: `${body}.${this.mac(body)}`, session: this.sessionOf(id, expiresAtSec) };
  }

  /**
   * The session a cookie value proves, or undefined: forged, expired, idle, logged out, or signed with an older token.
   * Throws when Temporal cannot say (the caller answers 503, not "logged out").
   */
  async verify(cookieValue: string | undefined): Promise<Session | undefined> {
    const match = /^v2\.([A-Za-z0-9_-]{24})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(cookieValue ?? '');
    const [, id, expiry, mac] = match ?? [];
    if (id === undefined || expiry === undefined || mac === undefined) return undefined;
    if (!timingSafeEqual(Buffer.from(mac), Buffer.from(this.mac(`v2.${id}.${expiry}`)))) return undefined;
    const expiresAtSec = Number(expiry);
    if (expiresAtSec <= this.now()) return undefined;
    const handle = this.temporal.workflow.getHandle(this.workflowIdOf(id));
    try {
      if ((await handle.describe()).status.name !== 'RUNNING') return undefined;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
    this.markUsed(id, handle);
    return this.sessionOf(id, expiresAtSec);
  }

  isCsrfToken(session: Session, candidate: unknown): boolean {
    return typeof candidate === 'string' && sameSecret(candidate, session.csrfToken);
  }

  /** Ends the session for every API process at once: its run is terminated (Temporal does it without a worker). */
  async revoke(session: Session): Promise<void> {
    this.lastUsedSignal.delete(session.id);
    await terminateUnlessClosed(this.temporal.workflow.getHandle(this.workflowIdOf(session.id)), 'logged out');
  }

  /** "Log out everywhere": every open session ends; returns how many there were. */
  async revokeAll(): Promise<number> {
    this.lastUsedSignal.clear();
    let ended = 0;
    const open = this.temporal.workflow.list({
      query: `WorkflowType = '${operatorSessionWorkflowType}' AND ExecutionStatus = 'Running'`,
    });
    for await (const run of open) {
      await terminateUnlessClosed(this.temporal.workflow.getHandle(run.workflowId), 'logged out everywhere');
      ended += 1;
    }
    return ended;
  }

  private markUsed(id: string, handle: WorkflowHandle): void {
    const nowMs = Date.now();
    const every = Math.min(usedSignalEveryMs, (this.idleTimeoutSec * 1000) / 4);
    if (nowMs - (this.lastUsedSignal.get(id) ?? 0) < every) return;
    if (this.lastUsedSignal.size > 10_000) this.lastUsedSignal.clear();
    this.lastUsedSignal.set(id, nowMs);
    // Not awaited: the request goes on; a lost signal only makes the session idle out a little sooner.
    handle.signal(sessionUsedSignal).catch(() => this.lastUsedSignal.delete(id));
  }

  private workflowIdOf(id: string): string {
    return `ops-session:${this.mac(`run.${id}`).slice(0, 32)}`;
  }

  private sessionOf(id: string, expiresAtSec: number): Session {
    return { id, expiresAtSec, csrfToken: this.mac(`csrf.${id}`) };
  }

  private mac(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }
}

async function terminateUnlessClosed(handle: WorkflowHandle, reason: string): Promise<void> {
  try {
    await handle.terminate(reason);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err; // closed already (idle, expired): nothing to end
  }
}

export function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.header('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export async function sessionOf(sessions: OperatorSessions | undefined, req: Request): Promise<Session | undefined> {
  return sessions?.verify(cookieOf(req, sessionCookieName));
}

/** The app setting that holds PUBLIC_URL's origin, when the operator set one. */
export const publicOriginSetting = 'o2c public origin';

/** `Secure` whenever the browser reached us over TLS: directly, through a trusted proxy (TRUST_PROXY), or by PUBLIC_URL. */
export function setSessionCookie(req: Request, res: Response, value: string, maxAgeSec = sessionMaxAgeSec): void {
  const secure = req.secure || ownOrigin(req).startsWith('https:') ? '; Secure' : '';
  res.append(
    'Set-Cookie',
    `${sessionCookieName}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSec}${secure}`,
  );
}

/**
 * This server's own origin as browsers address it: PUBLIC_URL's when set, else the request's scheme and host (behind a
 * proxy Express takes them from `X-Forwarded-Proto` and `X-Forwarded-Host` only when TRUST_PROXY trusts it).
 */
export function ownOrigin(req: Request): string {
  const configured: unknown = req.app.get(publicOriginSetting);
  if (typeof configured === 'string') return configured;
  return `${req.protocol}://${req.host ?? ''}`;
}

/**
 * A state-changing request from another site is refused: its `Origin` (or, when a browser sends none, its `Referer`)
 * must be this server's own, or one of `alsoAllowed`. Requests with neither header are not from a browser page.
 */
export function isSameOriginRequest(req: Request, alsoAllowed: readonly string[] = []): boolean {
  const origin = req.header('origin');
  const allowed = (o: string) => o === ownOrigin(req) || alsoAllowed.includes(o);
  if (origin !== undefined) return allowed(origin);
  const referer = req.header('referer');
  if (referer === undefined) return true;
  try {
    return allowed(new URL(referer).origin);
  } catch {
    return false;
  }
}
