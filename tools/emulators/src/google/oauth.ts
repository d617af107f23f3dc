import { createHash, randomBytes } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { EmulatorClock } from '../core/clock.js';
import { GoogleHttpError, OAuthError } from './errors.js';
import { randomToken } from './ids.js';
import type { GoogleUser, GoogleWorld } from './world.js';

export interface OAuthClientRecord {
  clientId: string;
  clientSecret: string;
  /** When given, the authorization endpoint accepts only these redirect URIs. */
  redirectUris?: string[];
}

interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  email: string;
  scopes: string[];
  offline: boolean;
  nonce?: string;
  /** PKCE (RFC 7636): the challenge and its method, when the authorization request sent one. */
  codeChallenge?: { value: string; method: 'S256' | 'plain' };
  expiresAtMs: number;
}

interface RefreshTokenRecord {
  clientId: string;
  email: string;
  scopes: string[];
  revoked: boolean;
  expiresAtMs?: number;
}

export interface AccessTokenRecord {
  token: string;
  clientId: string;
  email: string;
  scopes: string[];
  expiresAtMs: number;
}

export const accessTokenLifetimeSeconds = 3599;
const codeLifetimeMs = 10 * 60_000;
/** ID tokens are checked by google-auth-library against the real clock, so they are minted in real time. */
const idTokenLifetimeSeconds = 3600;

export interface TokenResponse {
  access_token: string;
  expires_in: number;
  scope: string;
  token_type: 'Bearer';
  refresh_token?: string;
  id_token?: string;
}

/**
 * Google's OAuth 2.0 server: authorization codes, access and refresh tokens (emulator clock)
 * and RS256 ID tokens (real clock) published through PEM and JWKS certificate endpoints.
 */
export class OAuthAuthority {
  readonly clients = new Map<string, OAuthClientRecord>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  /** Scopes a user leaves unticked on the consent screen (granular consent), by email. */
  private readonly withheldScopes = new Map<string, string[]>();
  private readonly keyId = randomBytes(20).toString('hex');

  private constructor(
    private readonly world: GoogleWorld,
    private readonly clock: EmulatorClock,
    private readonly privateKey: CryptoKey,
    private readonly publicPem: string,
    private readonly publicJwk: JWK,
  ) {}

  static async create(world: GoogleWorld, clock: EmulatorClock): Promise<OAuthAuthority> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    return new OAuthAuthority(
      world,
      clock,
      privateKey,
      await exportSPKI(publicKey),
      await exportJWK(publicKey),
    );
  }

  addClient(client: OAuthClientRecord): void {
    this.clients.set(client.clientId, client);
  }

  /** {kid: PEM} as served at oauth2/v1/certs (Google serves X.509 certificates; a PEM public key verifies the same way). */
  pemCertificates(): Record<string, string> {
    return { [this.keyId]: this.publicPem };
  }

  jwks(): { keys: JWK[] } {
    return { keys: [{ ...this.publicJwk, kid: this.keyId, alg: 'RS256', use: 'sig' }] };
  }

  /**
   * Google's granular consent lets a user untick scopes; from now on this user's consents grant
   * everything asked except these (an empty list grants all again). `openid`, `email` and
   * `profile` cannot be withheld on the real screen and are not here either.
   */
  withholdScopes(email: string, scopes: string[]): void {
    const kept = scopes.filter((scope) => !['openid', 'email', 'profile'].includes(scope));
    if (kept.length === 0) this.withheldScopes.delete(email.toLowerCase());
    else this.withheldScopes.set(email.toLowerCase(), kept);
  }

  /** The consent screen, auto-approved for seeded users. Returns the code to redirect with. */
  authorize(params: {
    clientId: string;
    redirectUri: string;
    scope: string;
    loginHint?: string;
    accessType?: string;
    nonce?: string;
    codeChallenge?: string;
    codeChallengeMethod?: string;
  }): string {
    const client = this.clients.get(params.clientId);
    if (!client) throw new OAuthError(401, 'invalid_client', 'The OAuth client was not found.');
    if (client.redirectUris && !client.redirectUris.includes(params.redirectUri))
      throw new OAuthError(
        400,
        'redirect_uri_mismatch',
        `${params.redirectUri} is not registered for the client.`,
      );
    const method = params.codeChallengeMethod ?? 'plain';
    if (params.codeChallenge !== undefined && method !== 'S256' && method !== 'plain')
      throw new OAuthError(400, 'invalid_request', 'Invalid code_challenge_method.');
    if (params.codeChallenge !== undefined && !/^[A-Za-z0-9._~-]{43,128}$/.test(params.codeChallenge))
      throw new OAuthError(400, 'invalid_request', 'Invalid code_challenge.');
    const user = this.pickUser(params.loginHint);
    const withheld = this.withheldScopes.get(user.email) ?? [];
    const code = randomToken('4/0A', 32);
    this.codes.set(code, {
      clientId: client.clientId,
      redirectUri: params.redirectUri,
      email: user.email,
      scopes: params.scope
        .split(/\s+/)
        .filter(Boolean)
        .filter((scope) => !withheld.includes(scope)),
      ...(params.codeChallenge !== undefined
        ? { codeChallenge: { value: params.codeChallenge, method: method as 'S256' | 'plain' } }
        : {}),
      // Google returns a refresh token only for access_type=offline.
      offline: params.accessType === 'offline',
      ...(params.nonce ? { nonce: params.nonce } : {}),
      expiresAtMs: this.clock.nowMs() + codeLifetimeMs,
    });
    return code;
  }

  /**
   * OpenID Connect sign-in (`response_type=id_token`): the consent screen, auto-approved, answers
   * an ID token for the chosen user at once, with the request's nonce (Google requires one).
   */
  async signIn(params: {
    clientId: string;
    redirectUri: string;
    scope: string;
    nonce: string;
    loginHint?: string;
  }): Promise<string> {
    const client = this.clients.get(params.clientId);
    if (!client) throw new OAuthError(401, 'invalid_client', 'The OAuth client was not found.');
    if (client.redirectUris && !client.redirectUris.includes(params.redirectUri))
      throw new OAuthError(
        400,
        'redirect_uri_mismatch',
        `${params.redirectUri} is not registered for the client.`,
      );
    if (!params.scope.split(/\s+/).includes('openid'))
      throw new OAuthError(400, 'invalid_request', 'response_type=id_token requires the openid scope.');
    const user = this.pickUser(params.loginHint);
    return this.idToken(client.clientId, user.email, params.nonce);
  }

  async exchangeCode(params: {
    clientId: string;
    clientSecret: string;
    code: string;
    redirectUri: string;
    codeVerifier?: string;
  }): Promise<TokenResponse> {
    this.authenticateClient(params.clientId, params.clientSecret);
    const grant = this.codes.get(params.code);
    this.codes.delete(params.code); // single use, even when the exchange fails
    if (!grant || grant.clientId !== params.clientId || grant.expiresAtMs < this.clock.nowMs())
      throw new OAuthError(400, 'invalid_grant', 'Malformed auth code.');
    if (grant.redirectUri !== params.redirectUri)
      throw new OAuthError(400, 'redirect_uri_mismatch', 'Bad Request');
    // Google's answers for PKCE: the code was issued for a challenge, so its verifier is required.
    // (A verifier for a code issued without a challenge is ignored here.)
    if (grant.codeChallenge) {
      if (params.codeVerifier === undefined)
        throw new OAuthError(400, 'invalid_grant', 'Missing code verifier.');
      const derived =
        grant.codeChallenge.method === 'S256'
          ? createHash('sha256').update(params.codeVerifier, 'ascii').digest('base64url')
          : params.codeVerifier;
      if (derived !== grant.codeChallenge.value)
        throw new OAuthError(400, 'invalid_grant', 'Invalid code verifier.');
    }
    const response = await this.issue(grant.clientId, grant.email, grant.scopes, grant.nonce);
    if (grant.offline) {
      const refreshToken = randomToken('1//0g', 48);
      this.refreshTokens.set(refreshToken, {
        clientId: grant.clientId,
        email: grant.email,
        scopes: grant.scopes,
        revoked: false,
      });
      response.refresh_token = refreshToken;
    }
    return response;
  }

  async refresh(params: {
    clientId: string;
    clientSecret: string;
    refreshToken: string;
  }): Promise<TokenResponse> {
    this.authenticateClient(params.clientId, params.clientSecret);
    const record = this.refreshTokens.get(params.refreshToken);
    if (
      !record ||
      record.revoked ||
      record.clientId !== params.clientId ||
      (record.expiresAtMs !== undefined && record.expiresAtMs <= this.clock.nowMs())
    )
      throw new OAuthError(400, 'invalid_grant', 'Token has been expired or revoked.');
    return this.issue(record.clientId, record.email, record.scopes);
  }

  /** Revokes refresh tokens matching the filter (all, one user's, or one token); returns how many. */
  revokeRefreshTokens(filter: { email?: string; refreshToken?: string }): number {
    let count = 0;
    for (const [token, record] of this.refreshTokens) {
      if (filter.refreshToken !== undefined && token !== filter.refreshToken) continue;
      if (filter.email !== undefined && record.email !== filter.email.toLowerCase()) continue;
      if (!record.revoked) count++;
      record.revoked = true;
    }
    return count;
  }

  /** The refresh tokens issued to a user and whether each is revoked: tests check a revocation, or grep for a token. */
  refreshTokensOf(email: string): Array<{ token: string; revoked: boolean }> {
    return [...this.refreshTokens]
      .filter(([, record]) => record.email === email.toLowerCase())
      .map(([token, record]) => ({ token, revoked: record.revoked }));
  }

  /** The access tokens currently valid for a user (revoking the refresh token removes them). */
  accessTokensOf(email: string): string[] {
    return [...this.accessTokens]
      .filter(([, record]) => record.email === email.toLowerCase())
      .map(([token]) => token);
  }

  /** Refresh tokens die after this time (emulator clock), like an unused token after six months. */
  expireRefreshTokens(filter: { email?: string }, atMs: number): number {
    let count = 0;
    for (const record of this.refreshTokens.values()) {
      if (filter.email !== undefined && record.email !== filter.email.toLowerCase()) continue;
      record.expiresAtMs = atMs;
      count++;
    }
    return count;
  }

  /** The token revocation endpoint: revoking a refresh token also kills its access tokens. */
  revoke(token: string): boolean {
    const refresh = this.refreshTokens.get(token);
    if (refresh) {
      refresh.revoked = true;
      for (const [accessToken, record] of this.accessTokens)
        if (record.email === refresh.email && record.clientId === refresh.clientId)
          this.accessTokens.delete(accessToken);
      return true;
    }
    return this.accessTokens.delete(token);
  }

  /** Validates a bearer token for an API call. */
  authenticate(authorization: string | undefined): AccessTokenRecord & { user: GoogleUser } {
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    const record = token ? this.accessTokens.get(token) : undefined;
    if (!record || record.expiresAtMs <= this.clock.nowMs())
      throw new GoogleHttpError(
        401,
        'authError',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        { location: 'Authorization' },
      );
    return { ...record, user: this.world.requireUser(record.email) };
  }

  private authenticateClient(clientId: string, clientSecret: string): void {
    const client = this.clients.get(clientId);
    if (!client || client.clientSecret !== clientSecret)
      throw new OAuthError(401, 'invalid_client', 'Unauthorized');
  }

  private pickUser(loginHint: string | undefined): GoogleUser {
    if (loginHint) {
      const user = this.world.users.get(loginHint.toLowerCase());
      if (!user) throw new OAuthError(400, 'access_denied', `No seeded user ${loginHint}.`);
      return user;
    }
    const users = [...this.world.users.values()];
    if (users.length !== 1)
      throw new OAuthError(
        400,
        'access_denied',
        'Pass login_hint=<email> to choose which seeded user consents.',
      );
    return users[0]!;
  }

  private async issue(
    clientId: string,
    email: string,
    scopes: string[],
    nonce?: string,
  ): Promise<TokenResponse> {
    const accessToken = randomToken('ya29.', 48);
    this.accessTokens.set(accessToken, {
      token: accessToken,
      clientId,
      email,
      scopes,
      expiresAtMs: this.clock.nowMs() + accessTokenLifetimeSeconds * 1000,
    });
    const response: TokenResponse = {
      access_token: accessToken,
      expires_in: accessTokenLifetimeSeconds,
      scope: scopes.join(' '),
      token_type: 'Bearer',
    };
    if (scopes.includes('openid')) response.id_token = await this.idToken(clientId, email, nonce);
    return response;
  }

  /** An ID token like Google's. Also used by the control API to hand tests a token for any user. */
  async idToken(audience: string, email: string, nonce?: string): Promise<string> {
    const user = this.world.requireUser(email);
    const nowSeconds = Math.floor(Date.now() / 1000);
    return new SignJWT({
      azp: audience,
      email: user.email,
      email_verified: true,
      hd: user.domain,
      name: user.name,
      ...(user.locale ? { locale: user.locale } : {}),
      ...(nonce ? { nonce } : {}),
    })
      .setProtectedHeader({ alg: 'RS256', kid: this.keyId, typ: 'JWT' })
      .setIssuer('https://accounts.google.com')
      .setAudience(audience)
      .setSubject(user.sub)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + idTokenLifetimeSeconds)
      .sign(this.privateKey);
  }
}
