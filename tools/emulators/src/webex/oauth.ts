import { createHash, randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { sendWebexError, statusMessage } from './errors.js';
import type { IssuedToken, WebexState, WebexUser } from './state.js';

export const defaultScopes = [
  'meeting:schedules_read',
  'meeting:schedules_write',
  'meeting:preferences_read',
  'spark:people_read',
];

export interface OAuthSettings {
  accessTokenLifetimeMs: number;
  refreshTokenLifetimeMs: number;
  /** Issue a new refresh token on every refresh (and kill the old one), so clients must store what comes back. */
  rotateRefreshTokens: boolean;
}

export interface Caller {
  user: WebexUser;
  clientId: string;
  token: IssuedToken;
}

export function callerOf(response: Response): Caller {
  return response.locals.caller as Caller;
}

/** OAuth errors carry the RFC 6749 fields and Webex's usual error shape side by side. */
function sendOAuthError(response: Response, status: number, error: string, description: string): void {
  sendWebexError(response, status, description, [description], { error, error_description: description });
}

export function oauthRoutes(state: WebexState, settings: OAuthSettings): Router {
  const router = express.Router();

  // No login page: the emulator approves at once for the user named by login_hint (an
  // emulator-only parameter), or the only seeded user.
  router.get('/v1/authorize', (request, response) => {
    const query = request.query as Record<string, string | undefined>;
    const client = query.client_id ? state.clients.get(query.client_id) : undefined;
    if (query.response_type !== 'code')
      return sendOAuthError(response, 400, 'unsupported_response_type', 'response_type must be code');
    if (!client) return sendOAuthError(response, 400, 'invalid_client', 'Unknown client_id');
    const redirectUri = query.redirect_uri;
    if (!redirectUri || (client.redirectUris.length > 0 && !client.redirectUris.includes(redirectUri)))
      return sendOAuthError(response, 400, 'invalid_request', 'redirect_uri does not match the integration');
    const users = [...state.users.values()];
    const user = query.login_hint
      ? state.userByEmail(query.login_hint)
      : users.length === 1
        ? users[0]
        : undefined;
    if (!user)
      return sendOAuthError(
        response,
        400,
        'access_denied',
        'No such Webex user (seed one, and pass login_hint=<email>)',
      );
    const method = query.code_challenge_method ?? 'plain';
    if (query.code_challenge !== undefined && method !== 'S256' && method !== 'plain')
      return sendOAuthError(response, 400, 'invalid_request', 'code_challenge_method must be S256 or plain');
    const withheld = state.withheldScopes.get(user.id) ?? [];
    const scopes = (query.scope ?? defaultScopes.join(' '))
      .split(/[ +]+/)
      .filter(Boolean)
      .filter((scope) => !withheld.includes(scope));
    const code = randomBytes(24).toString('base64url');
    state.codes.set(code, {
      code,
      clientId: client.clientId,
      userId: user.id,
      redirectUri,
      scopes,
      ...(query.code_challenge !== undefined
        ? { codeChallenge: { value: query.code_challenge, method: method as 'S256' | 'plain' } }
        : {}),
      expiresAtMs: state.clock.nowMs() + 10 * 60_000,
      used: false,
    });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    if (query.state !== undefined) target.searchParams.set('state', query.state);
    response.redirect(302, target.toString());
  });

  router.post('/v1/access_token', (request, response) => {
    const body = (request.body ?? {}) as Record<string, string | undefined>;
    const client = body.client_id ? state.clients.get(body.client_id) : undefined;
    if (!client || client.clientSecret !== body.client_secret)
      return sendOAuthError(response, 401, 'invalid_client', 'Invalid client_id or client_secret');
    const now = state.clock.nowMs();

    let userId: string;
    let scopes: string[];
    let refresh: { token: string; expiresAtMs: number };
    if (body.grant_type === 'authorization_code') {
      const code = body.code ? state.codes.get(body.code) : undefined;
      if (!code || code.used || code.expiresAtMs <= now || code.clientId !== client.clientId)
        return sendOAuthError(
          response,
          400,
          'invalid_grant',
          'The authorization code is invalid, expired or already used',
        );
      if (code.redirectUri !== body.redirect_uri)
        return sendOAuthError(
          response,
          400,
          'invalid_grant',
          'redirect_uri does not match the authorization request',
        );
      // PKCE: a code issued for a challenge is redeemed only with its verifier.
      if (code.codeChallenge) {
        const verifier = body.code_verifier;
        const derived =
          verifier === undefined
            ? undefined
            : code.codeChallenge.method === 'S256'
              ? createHash('sha256').update(verifier, 'ascii').digest('base64url')
              : verifier;
        if (derived !== code.codeChallenge.value)
          return sendOAuthError(
            response,
            400,
            'invalid_grant',
            verifier === undefined
              ? 'code_verifier is required'
              : 'code_verifier does not match the code_challenge',
          );
      }
      code.used = true;
      userId = code.userId;
      scopes = code.scopes;
      refresh = state.newRefreshToken(settings.refreshTokenLifetimeMs);
    } else if (body.grant_type === 'refresh_token') {
      const presented = body.refresh_token ? state.tokens.get(body.refresh_token) : undefined;
      if (
        !presented ||
        presented.kind !== 'refresh' ||
        presented.revoked ||
        presented.expiresAtMs <= now ||
        presented.clientId !== client.clientId
      )
        return sendOAuthError(
          response,
          400,
          'invalid_grant',
          'The refresh token provided is expired, revoked, malformed, or invalid',
        );
      userId = presented.userId;
      scopes = presented.scopes;
      if (settings.rotateRefreshTokens) {
        presented.revoked = true;
        refresh = state.newRefreshToken(settings.refreshTokenLifetimeMs);
      } else {
        refresh = { token: presented.token, expiresAtMs: presented.expiresAtMs };
      }
    } else {
      return sendOAuthError(
        response,
        400,
        'unsupported_grant_type',
        'grant_type must be authorization_code or refresh_token',
      );
    }

    const issued = state.issueTokens(
      client.clientId,
      userId,
      scopes,
      settings.accessTokenLifetimeMs,
      refresh,
    );
    response.json({
      access_token: issued.access.token,
      expires_in: Math.round((issued.access.expiresAtMs - now) / 1000),
      refresh_token: issued.refresh.token,
      refresh_token_expires_in: Math.round((issued.refresh.expiresAtMs - now) / 1000),
      token_type: 'Bearer',
      scope: scopes.join(' '),
    });
  });

  return router;
}

/** Bearer authentication for the API routes: 401 in Webex's shape when the token is missing, unknown or expired. */
export function authenticate(state: WebexState) {
  return (request: Request, response: Response, next: NextFunction) => {
    const header = request.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const token = match ? state.tokens.get(match[1]!) : undefined;
    const user = token ? state.users.get(token.userId) : undefined;
    if (
      !token ||
      token.kind !== 'access' ||
      token.revoked ||
      token.expiresAtMs <= state.clock.nowMs() ||
      !user
    )
      return sendWebexError(response, 401, statusMessage(401));
    response.locals.caller = { user, clientId: token.clientId, token } satisfies Caller;
    next();
  };
}

export function requireScope(scope: string) {
  return (_request: Request, response: Response, next: NextFunction) => {
    if (!callerOf(response).token.scopes.includes(scope))
      return sendWebexError(response, 403, `The access token lacks the ${scope} scope.`);
    next();
  };
}
