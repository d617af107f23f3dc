import { ReauthorizationRequired } from './errors.js';
import { errorFrom, exchange, parseBody, trackingIdOf, type Fetch } from './http.js';
import { TokenResponse, WebexErrorBody } from './schemas.js';

export const webexScopes = [
  'meeting:schedules_read',
  'meeting:schedules_write',
  'meeting:preferences_read',
  'spark:people_read',
] as const;

/** What we persist per user. Store the refresh token Webex returns each time: it may change. */
export interface WebexTokens {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  /** The scopes the token answer names as granted; undefined when it names none. */
  scopes?: string[];
}

export interface WebexOAuthOptions {
  /** Default https://webexapis.com/v1 */
  baseUrl?: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  timeoutMs?: number;
  fetch?: Fetch;
  now?: () => number;
}

/**
 * The Webex OAuth integration: authorize URL, code exchange and refresh. Token calls are sent
 * once and never retried here: a lost answer to a refresh may already have rotated the token,
 * so the caller decides (the bridge naks and tries later).
 */
export class WebexOAuth {
  private readonly baseUrl: string;
  private readonly fetch: Fetch;

  constructor(private readonly options: WebexOAuthOptions) {
    this.baseUrl = (options.baseUrl ?? 'https://webexapis.com/v1').replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** `codeChallenge`: PKCE's S256 challenge (base64url SHA-256 of the verifier the exchange will send). */
  authorizationUrl(parameters: {
    state: string;
    scopes?: readonly string[];
    loginHint?: string;
    codeChallenge?: string;
  }): string {
    const url = new URL(`${this.baseUrl}/authorize`);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.options.clientId);
    url.searchParams.set('redirect_uri', this.options.redirectUri);
    url.searchParams.set('scope', (parameters.scopes ?? webexScopes).join(' '));
    url.searchParams.set('state', parameters.state);
    if (parameters.loginHint) url.searchParams.set('login_hint', parameters.loginHint);
    if (parameters.codeChallenge) {
      url.searchParams.set('code_challenge', parameters.codeChallenge);
      url.searchParams.set('code_challenge_method', 'S256');
    }
    return url.toString();
  }

  /** `codeVerifier`: PKCE's verifier, when the authorization request sent a challenge. */
  exchangeCode(code: string, codeVerifier?: string): Promise<WebexTokens> {
    return this.tokenRequest({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.options.redirectUri,
      ...(codeVerifier ? { code_verifier: codeVerifier } : {}),
    });
  }

  /** Throws ReauthorizationRequired when Webex answers invalid_grant (expired or revoked refresh token). */
  refresh(refreshToken: string): Promise<WebexTokens> {
    return this.tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  private async tokenRequest(grant: Record<string, string>): Promise<WebexTokens> {
    const path = '/access_token';
    const requestedAt = (this.options.now ?? Date.now)();
    const response = await exchange(
      this.fetch,
      {
        method: 'POST',
        url: new URL(`${this.baseUrl}${path}`),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          ...grant,
          client_id: this.options.clientId,
          client_secret: this.options.clientSecret,
        }).toString(),
      },
      this.options.timeoutMs ?? 30_000,
    );
    if (!response.ok) {
      const body = WebexErrorBody.safeParse(
        await response
          .clone()
          .json()
          .catch(() => undefined),
      );
      const text = body.success
        ? `${body.data.error ?? ''} ${body.data.message ?? ''} ${body.data.error_description ?? ''}`
        : '';
      if (response.status === 400 && /invalid_grant/.test(text)) {
        throw new ReauthorizationRequired(
          (body.success && (body.data.error_description ?? body.data.message)) || 'invalid_grant',
          trackingIdOf(response, body.success ? body.data : undefined),
        );
      }
      throw await errorFrom(response, 'POST', path, 15_000);
    }
    const tokens = await parseBody(response, TokenResponse, 'POST', path);
    return {
      accessToken: tokens.access_token,
      accessTokenExpiresAt: new Date(requestedAt + tokens.expires_in * 1000),
      refreshToken: tokens.refresh_token,
      refreshTokenExpiresAt: new Date(requestedAt + tokens.refresh_token_expires_in * 1000),
      ...(tokens.scope !== undefined ? { scopes: tokens.scope.split(/[ ,]+/).filter(Boolean) } : {}),
    };
  }
}
