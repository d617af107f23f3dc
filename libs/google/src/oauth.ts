import { CodeChallengeMethod, OAuth2Client, type Credentials, type TokenPayload } from 'google-auth-library';
import { z } from 'zod';
import { translateGoogleError } from './call-runner.js';
import type { GoogleEndpoints } from './endpoints.js';
import { GoogleResponseInvalid } from './errors.js';

export interface GoogleOAuthConfig {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  endpoints: GoogleEndpoints;
}

/**
 * The scopes the product asks Google for, each because something needs it:
 * - `openid`, `email`, `profile`: the ID token (who consented, the email, the name);
 * - `calendar.events`: read, watch, patch (our conference) and insert (from Gmail) events;
 * - `calendar.readonly`: the user's time zone setting and calendar list (`dataOwner`);
 * - `admin.directory.user.readonly`: the Webex site an administrator set on the user;
 * - `gmail.addons.current.message.metadata`: the open message's headers, with the add-on's token.
 */
export const googleScopes = [
  'openid',
  'email',
  'profile',
  'https://www.googleapis.com/auth/calendar.events',
  'https://www.googleapis.com/auth/calendar.readonly',
  'https://www.googleapis.com/auth/admin.directory.user.readonly',
  'https://www.googleapis.com/auth/gmail.addons.current.message.metadata',
] as const;

const googleScope = (name: string) => `https://www.googleapis.com/auth/${name}`;

/** A broader scope that includes a narrower one: a consent granting it lacks nothing. */
const broaderGoogleScopes: Readonly<Record<string, readonly string[]>> = {
  [googleScope('calendar.events')]: [googleScope('calendar')],
  [googleScope('calendar.readonly')]: [googleScope('calendar')],
  [googleScope('admin.directory.user.readonly')]: [googleScope('admin.directory.user')],
  // Google answers the identity scopes by their URLs too.
  email: [googleScope('userinfo.email')],
  profile: [googleScope('userinfo.profile')],
};

/** The product's scopes (googleScopes) that `granted` (the token answer's `scope`) lacks. */
export function missingGoogleScopes(granted: readonly string[]): string[] {
  return googleScopes.filter(
    (needed) =>
      !granted.includes(needed) &&
      !(broaderGoogleScopes[needed] ?? []).some((broad) => granted.includes(broad)),
  );
}

/** What to persist after a code exchange or a refresh. A refresh may or may not rotate the refresh token. */
export interface GoogleTokens {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  refreshToken?: string;
  idToken?: string;
  scopes: string[];
}

/** Called whenever Google issues tokens for an account; persist them (the refresh token encrypted). */
export type TokensHook = (tokens: GoogleTokens) => void | Promise<void>;

const TokenResponse = z.object({
  access_token: z.string().min(1),
  expiry_date: z.number(),
  refresh_token: z.string().min(1).nullish(),
  id_token: z.string().min(1).nullish(),
  scope: z.string().nullish(),
});

function toTokens(operation: string, credentials: Credentials): GoogleTokens {
  const parsed = TokenResponse.safeParse(credentials);
  if (!parsed.success) throw new GoogleResponseInvalid(operation, z.prettifyError(parsed.error));
  const value = parsed.data;
  return {
    accessToken: value.access_token,
    expiresAt: value.expiry_date,
    ...(value.refresh_token ? { refreshToken: value.refresh_token } : {}),
    ...(value.id_token ? { idToken: value.id_token } : {}),
    scopes: (value.scope ?? '').split(' ').filter(Boolean),
  };
}

export interface VerifiedIdentity {
  subject: string;
  email: string;
  hostedDomain: string | undefined;
  payload: TokenPayload;
}

/** Makes the client refresh before its next request, e.g. after Google answered 401. */
export function markAccessTokenStale(client: OAuth2Client): void {
  // expiry_date 0 would read as "unknown"; 1 is "long expired".
  client.setCredentials({ ...client.credentials, expiry_date: 1 });
}

/** A Google ID token failed verification (signature, issuer, audience, expiry or hosted domain). */
export class IdTokenRejected extends Error {
  override readonly name = 'IdTokenRejected';
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`Google ID token rejected: ${reason}`, options);
  }
}

/**
 * Google OAuth 2.0 through google-auth-library's OAuth2Client with configurable endpoints:
 * consent URLs, code exchange, per-account clients that refresh and report new tokens, and
 * ID-token verification.
 */
export class GoogleOAuth {
  private readonly verifier: OAuth2Client;

  constructor(private readonly config: GoogleOAuthConfig) {
    this.verifier = this.newClient();
  }

  /** `codeChallenge`: PKCE's S256 challenge (base64url SHA-256 of the verifier the exchange will send). */
  authorizationUrl(options: {
    scopes: string[];
    state: string;
    loginHint?: string;
    codeChallenge?: string;
  }): string {
    return this.newClient().generateAuthUrl({
      access_type: 'offline',
      // Without prompt=consent Google sends a refresh token only on the first consent.
      prompt: 'consent',
      include_granted_scopes: true,
      scope: options.scopes,
      state: options.state,
      ...(options.loginHint ? { login_hint: options.loginHint } : {}),
      ...(options.codeChallenge
        ? { code_challenge: options.codeChallenge, code_challenge_method: CodeChallengeMethod.S256 }
        : {}),
    });
  }

  /**
   * OpenID Connect sign-in that needs no client secret and yields no access token: Google posts
   * a signed ID token carrying `nonce` to `redirectUri` (`response_type=id_token`,
   * `response_mode=form_post`), and the caller verifies it with verifyIdToken.
   */
  signInUrl(options: { redirectUri: string; state: string; nonce: string; loginHint?: string }): string {
    return this.newClient().generateAuthUrl({
      response_type: 'id_token',
      response_mode: 'form_post',
      redirect_uri: options.redirectUri,
      scope: ['openid', 'email'],
      state: options.state,
      nonce: options.nonce,
      prompt: 'select_account',
      ...(options.loginHint ? { login_hint: options.loginHint } : {}),
    });
  }

  /** `codeVerifier`: PKCE's verifier, required by Google when the authorization request sent a challenge. */
  async exchangeCode(code: string, codeVerifier?: string): Promise<GoogleTokens> {
    try {
      const { tokens } = await this.newClient().getToken({ code, ...(codeVerifier ? { codeVerifier } : {}) });
      return toTokens('oauth.exchangeCode', tokens);
    } catch (error) {
      throw translateGoogleError('oauth.exchangeCode', error, undefined);
    }
  }

  /**
   * An OAuth2Client acting for one account. It refreshes before the access token expires (and,
   * through our clients, after a 401) and hands every new set of tokens to `onTokens`.
   */
  clientFor(account: {
    refreshToken: string;
    accessToken?: string;
    expiresAt?: number;
    onTokens: TokensHook;
    onTokensError?: (error: unknown) => void;
  }): OAuth2Client {
    const client = this.newClient();
    // An access token of unknown age is not used: the first call refreshes instead. (Without an
    // expiry the library would refresh on any 401 or 403.)
    const usable = account.accessToken !== undefined && account.expiresAt !== undefined;
    client.setCredentials({
      refresh_token: account.refreshToken,
      ...(usable ? { access_token: account.accessToken, expiry_date: account.expiresAt } : {}),
    });
    client.on('tokens', (credentials) => {
      Promise.resolve()
        .then(() => account.onTokens(toTokens('oauth.refresh', credentials)))
        .catch((error: unknown) => account.onTokensError?.(error));
    });
    return client;
  }

  /**
   * Revokes a grant at Google's revocation endpoint (`POST oauth2RevokeUrl`, form field
   * `token`): revoking the refresh token ends its access tokens too. Google answers 400
   * `invalid_token` for a token already revoked or expired: `already-invalid`, nothing to do.
   * Any other answer throws, so the caller retries.
   */
  async revoke(token: string): Promise<'revoked' | 'already-invalid'> {
    const response = await fetch(this.config.endpoints.oauth2RevokeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.ok) return 'revoked';
    const body = (await response.json().catch(() => ({}))) as { error?: unknown };
    if (response.status === 400 && body.error === 'invalid_token') return 'already-invalid';
    // The status only: Google's message is not needed and never carries the token.
    throw new Error(`Google token revocation answered ${response.status}`);
  }

  /** Verifies a Google-signed ID token against the certificate endpoint; optionally pins hosted domains. */
  async verifyIdToken(
    idToken: string,
    options: { audience?: string | string[]; allowedDomains?: string[] } = {},
  ): Promise<VerifiedIdentity> {
    let payload: TokenPayload | undefined;
    try {
      const ticket = await this.verifier.verifyIdToken({
        idToken,
        audience: options.audience ?? this.config.clientId,
      });
      payload = ticket.getPayload();
    } catch (error) {
      // google-auth-library puts the token's payload (email included) into some messages:
      // keep the reason, drop the payload and the cause, so no log can carry personal data.
      const message = error instanceof Error ? error.message : String(error);
      throw new IdTokenRejected(message.replace(/:\s*\{[\s\S]*$/, '').slice(0, 200));
    }
    if (!payload?.sub || !payload.email) throw new IdTokenRejected('the token carries no subject or email');
    if (options.allowedDomains && (!payload.hd || !options.allowedDomains.includes(payload.hd)))
      throw new IdTokenRejected(`hosted domain ${payload.hd ?? '(none)'} is not allowed`);
    return { subject: payload.sub, email: payload.email, hostedDomain: payload.hd, payload };
  }

  private newClient(): OAuth2Client {
    const { endpoints } = this.config;
    return new OAuth2Client({
      clientId: this.config.clientId,
      clientSecret: this.config.clientSecret,
      redirectUri: this.config.redirectUri,
      // Not forceRefreshOnFailure: the library would then refresh and retry at once on every
      // 403 too, rate-limit 403s included. Our clients refresh after a 401 only (GoogleCallRunner).
      endpoints: {
        oauth2AuthBaseUrl: endpoints.oauth2AuthBaseUrl,
        oauth2TokenUrl: endpoints.oauth2TokenUrl,
        oauth2RevokeUrl: endpoints.oauth2RevokeUrl,
        oauth2FederatedSignonPemCertsUrl: endpoints.oauth2FederatedSignonPemCertsUrl,
        oauth2FederatedSignonJwkCertsUrl: endpoints.oauth2FederatedSignonJwkCertsUrl,
      },
    });
  }
}
