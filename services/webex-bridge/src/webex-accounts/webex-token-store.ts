import type { SecretBox, SealedValue } from '@scheduler/crypto-shredding';
import { isSealedValue, userSubject } from '@scheduler/crypto-shredding';
import {
  RefreshingTokenProvider,
  ReauthorizationRequired,
  WebexClient,
  WebexOAuth,
  staticTokenProvider,
  type WebexClientOptions,
  type WebexOAuthOptions,
  type WebexTokens,
} from '@scheduler/webex';
import type { TokenRefreshOutcome } from '@scheduler/runtime';
import { WebexAccountNotConnectedError, WebexTokensTamperedError } from './errors.js';
import type { WebexAccountStream } from './webex-account-stream.js';
import type { WebexSiteFacts } from './webex-account.decider.js';
import type { StoredWebexAccount, WebexAccountsRepository } from './webex-accounts.repository.js';

/** Bound into the sealed value's associated data: a Google token can never pass for this one. */
const TOKEN_CONTEXT = 'webex-oauth-tokens';

interface SealedTokenPair {
  accessToken: string;
  refreshToken: string;
}

export interface WebexTokenStoreOptions {
  /** Where accounts and their sealed tokens are kept. */
  readonly accounts: WebexAccountsRepository;
  readonly secretBox: SecretBox;
  /** The Webex integration (client id and secret from config); used for refreshes. */
  readonly oauth: WebexOAuthOptions;
  /** Shared by every user's client: base URL, timeouts, retry policy and the one circuit breaker. */
  readonly client?: Omit<WebexClientOptions, 'tokens'>;
  /** Records AccountDisconnected when a refresh token dies. */
  readonly accountStream: WebexAccountStream;
  /** Refresh this long before the access token expires. Default 5 minutes. */
  readonly refreshMarginMs?: number;
  readonly now?: () => number;
  /** Told how each refresh at Webex ended (metrics). */
  readonly onRefresh?: (outcome: TokenRefreshOutcome) => void;
}

/** Routes the provider's refresh through the store, which serializes it per user. */
class SerializedRefreshOAuth extends WebexOAuth {
  constructor(
    options: WebexOAuthOptions,
    private readonly serializedRefresh: (presentedRefreshToken: string) => Promise<WebexTokens>,
  ) {
    super(options);
  }

  override refresh(refreshToken: string): Promise<WebexTokens> {
    return this.serializedRefresh(refreshToken);
  }
}

/** What a refresh under the row lock came to; a dead authorization is committed, then thrown. */
type LockedRefresh =
  | { readonly tokens: WebexTokens }
  | { readonly reauthorization: ReauthorizationRequired; readonly tenantId: string };

/**
 * The Webex tokens of the bridge's users (only webex-bridge holds Webex credentials, so no other
 * service can act in Webex as a user), and the clients that act with them. Tokens are sealed
 * with the SecretBox under the user's subject (AES-256-GCM, data key wrapped by the configured
 * KEK), so forgetting the user shreds them too.
 *
 * Refreshes are serialized per user: in this process by joining the refresh already running,
 * across processes by the row lock (SELECT … FOR UPDATE) held from reading the newest refresh
 * token until Webex's answer is committed. Webex may rotate the refresh token; whatever comes
 * back is stored before anyone uses it, so no concurrent refresh can present a token that was
 * already rotated away.
 */
export class WebexTokenStore {
  private readonly accounts: WebexAccountsRepository;
  private readonly oauth: WebexOAuth;
  private readonly now: () => number;
  private readonly refreshMarginMs: number;
  private readonly refreshing = new Map<string, Promise<WebexTokens>>();

  constructor(private readonly options: WebexTokenStoreOptions) {
    this.accounts = options.accounts;
    this.oauth = new WebexOAuth(options.oauth);
    this.now = options.now ?? Date.now;
    this.refreshMarginMs = options.refreshMarginMs ?? 300_000;
  }

  /**
   * Stores (or replaces, on reconnect) the account with fresh tokens; the account is connected
   * again. `person-in-use`: the Webex person is another user's; nothing was stored.
   */
  async saveConnection(connection: {
    userId: string;
    tenantId: string;
    webexPersonId: string;
    tokens: WebexTokens;
    site: WebexSiteFacts;
  }): Promise<'saved' | 'person-in-use'> {
    const { userId, tokens } = connection;
    return this.accounts.saveConnection({
      userId,
      tenantId: connection.tenantId,
      webexPersonId: connection.webexPersonId,
      sealedTokens: await this.seal(userId, tokens),
      accessTokenExpiresAt: tokens.accessTokenExpiresAt,
      refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
      site: connection.site,
      cachedAt: new Date(this.now()),
    });
  }

  /** A client for a token just obtained (the connect flow, before anything is stored). */
  clientForAccessToken(accessToken: string): WebexClient {
    return new WebexClient({ ...this.options.client, tokens: staticTokenProvider(accessToken) });
  }

  /**
   * The Webex client acting as this user. Throws WebexAccountNotConnectedError (a
   * ReauthorizationRequired) when the user never connected, must connect again, or was forgotten.
   */
  async webexClientFor(userId: string): Promise<WebexClient> {
    const account = await this.accounts.account(userId);
    if (!account) throw new WebexAccountNotConnectedError(userId, 'unknown');
    if (account.status !== 'connected') {
      // A crash may have come between marking the account and recording the disconnect.
      if (!account.disconnectRecorded) await this.recordDisconnect(userId, account.tenantId);
      throw new WebexAccountNotConnectedError(userId, 'reauthorization-required');
    }
    const tokens = await this.open(account);
    const provider = new RefreshingTokenProvider({
      oauth: new SerializedRefreshOAuth(this.options.oauth, (presented) =>
        this.refreshOnce(userId, presented),
      ),
      tokens,
      // Already committed under the row lock before the provider sees them (see refreshUnderLock).
      onTokens: () => undefined,
      refreshMarginMs: this.refreshMarginMs,
      now: this.now,
    });
    return new WebexClient({ ...this.options.client, tokens: provider });
  }

  private refreshOnce(userId: string, presentedRefreshToken: string): Promise<WebexTokens> {
    const running = this.refreshing.get(userId);
    if (running) return running;
    const refresh = this.refreshUnderLock(userId, presentedRefreshToken).finally(() =>
      this.refreshing.delete(userId),
    );
    this.refreshing.set(userId, refresh);
    return refresh;
  }

  private async refreshUnderLock(userId: string, presentedRefreshToken: string): Promise<WebexTokens> {
    const refreshed = await this.accounts.withAccountLocked(
      userId,
      async (account, locked): Promise<LockedRefresh> => {
        if (!account) throw new WebexAccountNotConnectedError(userId, 'unknown');
        if (account.status !== 'connected')
          throw new WebexAccountNotConnectedError(userId, 'reauthorization-required');
        const stored = await this.open(account);
        // Someone refreshed while we waited for the lock: theirs is the newest token, use it.
        if (
          stored.refreshToken !== presentedRefreshToken &&
          stored.accessTokenExpiresAt.getTime() - this.refreshMarginMs > this.now()
        )
          return { tokens: stored };
        let fresh: WebexTokens;
        try {
          fresh = await this.oauth.refresh(stored.refreshToken);
          this.options.onRefresh?.('refreshed');
        } catch (error) {
          this.options.onRefresh?.(error instanceof ReauthorizationRequired ? 'rejected' : 'failed');
          if (!(error instanceof ReauthorizationRequired)) throw error;
          // Committed with the lock released: whoever waits for it finds the account must reconnect.
          await locked.markReauthorizationRequired();
          return { reauthorization: error, tenantId: account.tenantId };
        }
        await locked.storeTokens(
          await this.seal(userId, fresh),
          fresh.accessTokenExpiresAt,
          fresh.refreshTokenExpiresAt,
        );
        return { tokens: fresh };
      },
    );
    if ('tokens' in refreshed) return refreshed.tokens;
    // Best effort here: if it fails, the next webexClientFor records it (disconnectRecorded).
    await this.recordDisconnect(userId, refreshed.tenantId).catch(() => undefined);
    throw refreshed.reauthorization;
  }

  /** AccountDisconnected{reauthorization-required}, once: the Webex account stream's state decides. */
  private async recordDisconnect(userId: string, tenantId: string): Promise<void> {
    await this.options.accountStream.record(userId, tenantId, [
      { kind: 'disconnected', reason: 'reauthorization-required' },
    ]);
    await this.accounts.markDisconnectRecorded(userId);
  }

  private async seal(userId: string, tokens: WebexTokens): Promise<SealedValue> {
    const pair: SealedTokenPair = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
    return this.options.secretBox.seal(userSubject(userId), JSON.stringify(pair), TOKEN_CONTEXT);
  }

  private async open(account: StoredWebexAccount): Promise<WebexTokens> {
    const sealed = account.sealedTokens;
    if (!isSealedValue(sealed) || sealed.subject !== userSubject(account.userId))
      throw new WebexTokensTamperedError(account.userId);
    const opened = await this.options.secretBox.open(sealed, TOKEN_CONTEXT);
    if (opened.outcome === 'forgotten') throw new WebexAccountNotConnectedError(account.userId, 'forgotten');
    if (opened.outcome === 'tampered') throw new WebexTokensTamperedError(account.userId);
    const pair = JSON.parse(opened.plaintext.toString('utf8')) as SealedTokenPair;
    return {
      accessToken: pair.accessToken,
      refreshToken: pair.refreshToken,
      accessTokenExpiresAt: account.accessTokenExpiresAt,
      refreshTokenExpiresAt: account.refreshTokenExpiresAt,
    };
  }
}
