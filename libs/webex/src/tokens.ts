import type { WebexOAuth, WebexTokens } from './oauth.js';

/** Where WebexClient gets bearer tokens. */
export interface WebexTokenProvider {
  getAccessToken(): Promise<string>;
  /**
   * Called once after Webex answered 401 to `rejectedAccessToken`. Returns a fresh token, or
   * throws ReauthorizationRequired when the refresh token is dead.
   */
  refreshAccessToken(rejectedAccessToken: string): Promise<string>;
}

export interface RefreshingTokenProviderOptions {
  oauth: WebexOAuth;
  tokens: WebexTokens;
  /** Persist whatever comes back (the refresh token may have changed) before it is used. */
  onTokens: (tokens: WebexTokens) => Promise<void> | void;
  /** Refresh this long before the access token's expiry. Default 5 minutes. */
  refreshMarginMs?: number;
  now?: () => number;
}

/** Holds one user's tokens, refreshes them early or after a 401, one refresh at a time. */
export class RefreshingTokenProvider implements WebexTokenProvider {
  private tokens: WebexTokens;
  private refreshing: Promise<string> | undefined;

  constructor(private readonly options: RefreshingTokenProviderOptions) {
    this.tokens = options.tokens;
  }

  get current(): WebexTokens {
    return this.tokens;
  }

  async getAccessToken(): Promise<string> {
    const now = (this.options.now ?? Date.now)();
    if (this.tokens.accessTokenExpiresAt.getTime() - (this.options.refreshMarginMs ?? 300_000) > now)
      return this.tokens.accessToken;
    return this.refreshOnce();
  }

  async refreshAccessToken(rejectedAccessToken: string): Promise<string> {
    // Another call already replaced the token that was rejected.
    if (rejectedAccessToken !== this.tokens.accessToken) return this.tokens.accessToken;
    return this.refreshOnce();
  }

  private refreshOnce(): Promise<string> {
    this.refreshing ??= (async () => {
      try {
        const fresh = await this.options.oauth.refresh(this.tokens.refreshToken);
        await this.options.onTokens(fresh);
        this.tokens = fresh;
        return fresh.accessToken;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}

/** A fixed token, for tools and tests that manage tokens themselves. */
export function staticTokenProvider(accessToken: string): WebexTokenProvider {
  return {
    getAccessToken: async () => accessToken,
    refreshAccessToken: async () => accessToken,
  };
}
