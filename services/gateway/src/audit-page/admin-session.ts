import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { primitives } from '@scheduler/contracts';
import type { Principal } from '../authentication/identity-verifier.js';

/** The signed-in administrator's session: HttpOnly, path /admin, short-lived. */
export const ADMIN_SESSION_COOKIE = 'scheduler_admin_session';
/** Binds a sign-in to the browser that started it: the OpenID nonce, until the callback. */
export const ADMIN_SIGN_IN_COOKIE = 'scheduler_admin_sign_in';
/** Where the sign-in cookie is sent: only to the sign-in routes. */
export const SIGN_IN_PATH = '/admin/sign-in';

/** 30 minutes: an audit session is short; signing in again is one click through Google. */
export const ADMIN_SESSION_SECONDS = 30 * 60;
/** As long as the OAuth state lives. */
export const SIGN_IN_SECONDS = 10 * 60;

const SessionPayload = z.strictObject({
  v: z.literal(1),
  tenantId: primitives.TenantId,
  userId: primitives.UserId,
  email: z.string().min(3).max(320),
  /** Epoch seconds. */
  expiresAt: z.number().int().positive(),
});

// Domain separation: the key is derived from the gateway's OAuth secret, so no MAC made for an
// OAuth state (or anything else) can ever verify as a session.
const KEY_CONTEXT = 'scheduler/admin-session/v1';
const MAXIMUM_COOKIE_LENGTH = 2048;

/**
 * The audit page's session: `base64url(JSON {tenantId, userId, email, expiresAt}).HMAC-SHA256`,
 * issued after Google's ID token was verified at the sign-in callback, verified in constant
 * time on every request. Signed, not encrypted: it holds only what its holder already knows.
 */
export class AdminSessions {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHmac('sha256', Buffer.from(secret, 'utf8')).update(KEY_CONTEXT).digest();
  }

  issue(principal: Principal): string {
    const payload = SessionPayload.parse({
      v: 1,
      tenantId: principal.tenantId,
      userId: principal.userId,
      email: principal.email,
      expiresAt: Math.floor(this.now() / 1000) + ADMIN_SESSION_SECONDS,
    });
    const encoded = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    return `${encoded}.${this.mac(encoded).toString('base64url')}`;
  }

  /** The session's principal, or undefined when the value is absent, not ours, tampered with or expired. */
  verify(value: string | undefined): Principal | undefined {
    if (!value || value.length > MAXIMUM_COOKIE_LENGTH) return undefined;
    const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(value);
    if (!match) return undefined;
    const [, encoded, signature] = match as unknown as [string, string, string];
    const expected = this.mac(encoded);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let payload: z.infer<typeof SessionPayload>;
    try {
      payload = SessionPayload.parse(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')));
    } catch {
      return undefined;
    }
    if (payload.expiresAt * 1000 <= this.now()) return undefined;
    return { tenantId: payload.tenantId, userId: payload.userId, email: payload.email };
  }

  private mac(encoded: string): Buffer {
    return createHmac('sha256', this.key).update(encoded).digest();
  }
}

/** A cookie of the request by name (express parses none without cookie-parser). */
export function cookieOf(request: Request, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() !== name) continue;
    const value = part.slice(separator + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Whether browsers reach the gateway over https: cookies are Secure there. */
export interface CookiePolicy {
  readonly secure: boolean;
}

/** Sets the session cookie: HttpOnly, SameSite=Lax (sent on the redirect back from Google's sign-in). */
export function setSessionCookie(response: Response, policy: CookiePolicy, value: string): void {
  response.cookie(ADMIN_SESSION_COOKIE, value, {
    httpOnly: true,
    secure: policy.secure,
    sameSite: 'lax',
    path: '/admin',
    maxAge: ADMIN_SESSION_SECONDS * 1000,
  });
}

export function clearSessionCookie(response: Response, policy: CookiePolicy): void {
  response.clearCookie(ADMIN_SESSION_COOKIE, {
    httpOnly: true,
    secure: policy.secure,
    sameSite: 'lax',
    path: '/admin',
  });
}

/**
 * Google posts the ID token from its own site (form_post), a cross-site POST: only a
 * SameSite=None cookie comes along, and browsers take those only when Secure. Over plain http
 * (local runs, tests) the emulator is on the same site and Lax suffices.
 */
function signInCookieOptions(policy: CookiePolicy) {
  return {
    httpOnly: true,
    secure: policy.secure,
    sameSite: policy.secure ? ('none' as const) : ('lax' as const),
    path: SIGN_IN_PATH,
  };
}

export function setSignInCookie(response: Response, policy: CookiePolicy, nonce: string): void {
  response.cookie(ADMIN_SIGN_IN_COOKIE, nonce, {
    ...signInCookieOptions(policy),
    maxAge: SIGN_IN_SECONDS * 1000,
  });
}

export function clearSignInCookie(response: Response, policy: CookiePolicy): void {
  response.clearCookie(ADMIN_SIGN_IN_COOKIE, signInCookieOptions(policy));
}

/** Constant-time comparison of two short texts. */
export function sameText(left: string, right: string): boolean {
  const a = Buffer.from(left, 'utf8');
  const b = Buffer.from(right, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
