import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/** The operator page's session cookie: HttpOnly, SameSite=Strict, Path=/ (the codec at `/codec` reads it too). */
export const sessionCookieName = 'o2c_ops_session';
export const sessionMaxAgeSec = 12 * 60 * 60;

const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();
/** Equal in constant time: both sides are hashed first, so neither length nor content leaks. */
export const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

export interface Session {
  id: string;
  expiresAtSec: number;
  /** The per-session token every form carries and every POST must send back. */
  csrfToken: string;
}

/**
 * Stateless sessions signed with a key derived from ADMIN_TOKEN: the cookie is `v1.<random id>.<expiry>.<HMAC>`, never
 * the token, so rotating the token ends every session, and any API process behind a load balancer accepts it. Logout
 * revokes the id in this process until it would have expired anyway.
 */
export class OperatorSessions {
  private readonly key: Buffer;
  private readonly revoked = new Map<string, number>();

  constructor(
    private readonly adminToken: string,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.key = digest(`o2c operator page session key\0${adminToken}`);
  }

  /** The token an operator typed, checked in constant time. */
  isAdminToken(candidate: string): boolean {
    return sameSecret(candidate, this.adminToken);
  }

  create(): { cookieValue: string; session: Session } {
    const id = randomBytes(18).toString('base64url');
    const expiresAtSec = this.now() + sessionMaxAgeSec;
    const body = `v1.${id}.${expiresAtSec}`;
    return { cookieValue: `${body}.${this.mac(body)}`, session: this.sessionOf(id, expiresAtSec) };
  }

  /** The session a cookie value proves, or undefined (forged, expired, logged out, or signed with an older token). */
  verify(cookieValue: string | undefined): Session | undefined {
    const match = /^v1\.([A-Za-z0-9_-]{24})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(cookieValue ?? '');
    const [, id, expiry, mac] = match ?? [];
    if (id === undefined || expiry === undefined || mac === undefined) return undefined;
    if (!timingSafeEqual(Buffer.from(mac), Buffer.from(this.mac(`v1.${id}.${expiry}`)))) return undefined;
    const expiresAtSec = Number(expiry);
    if (expiresAtSec <= this.now() || this.revoked.has(id)) return undefined;
    return this.sessionOf(id, expiresAtSec);
  }

  isCsrfToken(session: Session, candidate: unknown): boolean {
    return typeof candidate === 'string' && sameSecret(candidate, session.csrfToken);
  }

  revoke(session: Session): void {
    const now = this.now();
    for (const [id, expiresAtSec] of this.revoked) if (expiresAtSec <= now) this.revoked.delete(id);
    this.revoked.set(session.id, session.expiresAtSec);
  }

  private sessionOf(id: string, expiresAtSec: number): Session {
    return { id, expiresAtSec, csrfToken: this.mac(`csrf.${id}`) };
  }

  private mac(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }
}

export function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.header('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionOf(sessions: OperatorSessions | undefined, req: Request): Session | undefined {
  return sessions?.verify(cookieOf(req, sessionCookieName));
}

export function setSessionCookie(req: Request, res: Response, value: string, maxAgeSec = sessionMaxAgeSec): void {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  res.append(
    'Set-Cookie',
    `${sessionCookieName}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSec}${secure}`,
  );
}

/** This server's own origin, as the browser addressed it. */
export function ownOrigin(req: Request): string {
  return `${req.protocol}://${req.header('host') ?? ''}`;
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
