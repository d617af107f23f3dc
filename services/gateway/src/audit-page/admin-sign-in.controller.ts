import { Body, Controller, Get, Inject, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { GoogleOAuth } from '@scheduler/google';
import { SERVICE_CONFIG } from '@scheduler/runtime';
import { InvalidRequestError } from '../api-errors/api-errors.js';
import { ZodValidationPipe } from '../api-errors/zod-validation.pipe.js';
import { IDENTITY_VERIFIER } from '../authentication/authentication.guard.js';
import type { IdentityVerifier } from '../authentication/identity-verifier.js';
import type { GatewayConfig } from '../config.js';
import { OAuthStateSigner } from '../oauth/oauth-state.js';
import { allowedReturnTo, withTrailingSlash } from '../oauth/oauth-settings.js';
import {
  ADMIN_SIGN_IN_COOKIE,
  AdminSessions,
  type CookiePolicy,
  clearSessionCookie,
  clearSignInCookie,
  cookieOf,
  sameText,
  setSessionCookie,
  setSignInCookie,
} from './admin-session.js';
import { SignInFailedError } from './audit-page-errors.js';
import { AuditPageExceptionFilter } from './audit-page.filter.js';
import { type AuditPaths, auditPathsUnder } from './audit-pages.js';
import { setPageHeaders } from './audit-page-response.js';

const SignInQuery = z.strictObject({
  /** A path under /admin/ to come back to (default: the audit page). */
  returnTo: z.string().max(2048).optional(),
  /** Which account Google should offer first. */
  login_hint: z.string().max(320).optional(),
});

// Read only after the state verified: nothing in the post is trusted before.
const CallbackBody = z.looseObject({
  id_token: z.string().min(1).max(8192).optional(),
  error: z.string().max(256).optional(),
});

/** The ID token's nonce claim. Read only after the verifier checked the token's signature. */
function nonceClaim(idToken: string): unknown {
  try {
    return (
      JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
        nonce?: unknown;
      }
    ).nonce;
  } catch {
    return undefined;
  }
}

/**
 * Signing in to the /admin pages with Google (OpenID Connect, `response_type=id_token`,
 * `response_mode=form_post`): no code, so the gateway still needs no Google client secret and
 * receives no access token. The existing OAuth pieces do the work: the signed OAuth state
 * (expiry, return URL, nonce), the gateway's Google client (the sign-in URL) and the identity
 * verifier that checks every API caller's ID token (signature, audience, expiry, verified email,
 * served Workspace domain). The state's nonce goes to Google as the OpenID nonce and into a
 * sign-in cookie, so the callback accepts only a token minted for this sign-in, in this browser.
 */
@Controller('admin')
@UseFilters(AuditPageExceptionFilter)
export class AdminSignInController {
  private readonly publicBaseUrl: URL;
  private readonly paths: AuditPaths;
  private readonly cookies: CookiePolicy;

  constructor(
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
    private readonly states: OAuthStateSigner,
    private readonly google: GoogleOAuth,
    @Inject(IDENTITY_VERIFIER) private readonly verifier: IdentityVerifier,
    private readonly sessions: AdminSessions,
  ) {
    this.publicBaseUrl = new URL(config.PUBLIC_BASE_URL);
    this.paths = auditPathsUnder(this.publicBaseUrl);
    this.cookies = { secure: this.publicBaseUrl.protocol === 'https:' };
  }

  @Get('sign-in')
  startSignIn(
    @Query(new ZodValidationPipe(SignInQuery, 'query')) query: z.output<typeof SignInQuery>,
    @Res() response: Response,
  ): void {
    const returnTo = this.returnTo(query.returnTo);
    const state = this.states.sign({ provider: 'google', returnTo });
    const { nonce } = this.states.verify(state, 'google');
    setPageHeaders(response);
    setSignInCookie(response, this.cookies, nonce);
    response.redirect(
      302,
      this.google.signInUrl({
        redirectUri: new URL(this.paths.signInCallback, this.publicBaseUrl).toString(),
        state,
        nonce,
        ...(query.login_hint ? { loginHint: query.login_hint } : {}),
      }),
    );
  }

  @Post('sign-in/callback')
  async completeSignIn(
    @Req() request: Request,
    @Body() raw: Record<string, unknown> | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const state = this.states.verify(raw?.state, 'google');
    const started = cookieOf(request, ADMIN_SIGN_IN_COOKIE);
    clearSignInCookie(response, this.cookies);
    if (!started || !sameText(started, state.nonce)) throw new SignInFailedError('not_this_browser');
    const body = CallbackBody.safeParse(raw);
    if (!body.success) throw new SignInFailedError('missing_id_token');
    if (body.data.error !== undefined) throw new SignInFailedError('refused');
    if (body.data.id_token === undefined) throw new SignInFailedError('missing_id_token');
    const principal = await this.verifier.verify(body.data.id_token);
    // A token replayed from another sign-in carries another nonce.
    const nonce = nonceClaim(body.data.id_token);
    if (typeof nonce !== 'string' || !sameText(nonce, state.nonce))
      throw new SignInFailedError('nonce_mismatch');
    setPageHeaders(response);
    setSessionCookie(response, this.cookies, this.sessions.issue(principal));
    // Re-checked although signed: the allow-list may have changed since the state was made.
    const target =
      (state.returnTo && this.checkedReturnTo(state.returnTo)) ?? this.absolute(this.paths.overview);
    response.redirect(303, target);
  }

  @Post('sign-out')
  signOut(@Res() response: Response): void {
    setPageHeaders(response);
    clearSessionCookie(response, this.cookies);
    response.redirect(303, this.paths.overview);
  }

  /** A path under /admin/ (as the gateway serves it), made absolute under PUBLIC_BASE_URL. */
  private returnTo(candidate: string | undefined): string {
    if (candidate === undefined) return this.absolute(this.paths.overview);
    const refused = () =>
      new InvalidRequestError('query', [{ path: 'returnTo', message: 'must be a path under /admin/' }]);
    if (!candidate.startsWith('/admin/') || candidate.includes('\\')) throw refused();
    const target = new URL(candidate.slice(1), withTrailingSlash(this.publicBaseUrl)).toString();
    const checked = this.checkedReturnTo(target);
    if (!checked) throw refused();
    return checked;
  }

  private checkedReturnTo(target: string): string | undefined {
    const allowed = allowedReturnTo(this.publicBaseUrl, target);
    return allowed && new URL(allowed).pathname.startsWith(`${this.paths.admin}/`) ? allowed : undefined;
  }

  private absolute(path: string): string {
    return new URL(path, this.publicBaseUrl).toString();
  }
}
