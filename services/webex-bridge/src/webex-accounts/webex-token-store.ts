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
import type pg from 'pg';
import { ensurePrivateSchema } from '@scheduler/runtime';
import { WebexAccountNotConnectedError, WebexTokensTamperedError } from './errors.js';
import type { WebexAccountStream } from './webex-account-stream.js';
import type { WebexSiteFacts } from './webex-account.decider.js';

/** Bound into the sealed value's associated data: a Google token can never pass for this one. */
const TOKEN_CONTEXT = 'webex-oauth-tokens';
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export type WebexAccountStatus = 'connected' | 'reauthorization-required';

/** What the bridge keeps about a user's Webex account, tokens aside. */
export interface WebexAccount {
  readonly userId: string;
  readonly tenantId: string;
  readonly webexPersonId: string;
  readonly status: WebexAccountStatus;
  readonly accessTokenExpiresAt: Date;
  readonly refreshTokenExpiresAt: Date;
  /** The cached site and template; absent until resolved. */
  readonly site: (WebexSiteFacts & { readonly cachedAt: Date }) | undefined;
}

interface AccountRow {
  user_id: string;
  tenant_id: string;
  webex_person_id: string;
  sealed_tokens: unknown;
  access_expires_at: Date;
  refresh_expires_at: Date;
  status: WebexAccountStatus;
  disconnect_recorded: boolean;
  site_url: string | null;
  site_source: 'directory' | 'webex-account' | null;
  meeting_template_id: string | null;
  cached_at: Date | null;
}

interface SealedTokenPair {
  accessToken: string;
  refreshToken: string;
}

export interface WebexTokenStoreOptions {
  /** The service's pool; the store never ends it. */
  readonly pool: pg.Pool;
  /** Schema of the tables; default: the connection's search_path. */
  readonly schema?: string;
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

/**
 * The bridge's private store of Webex accounts (only webex-bridge holds Webex credentials, so
 * no other service can act in Webex as a user). Tokens are sealed with the SecretBox under the
 * user's subject (AES-256-GCM, data key wrapped by the configured KEK), so forgetting the user
 * shreds them too.
 *
 * Refreshes are serialized per user: in this process by joining the refresh already running,
 * across processes by the row lock (SELECT … FOR UPDATE) held from reading the newest refresh
 * token until Webex's answer is committed. Webex may rotate the refresh token; whatever comes
 * back is stored before anyone uses it, so no concurrent refresh can present a token that was
 * already rotated away.
 */
export class WebexTokenStore {
  private readonly pool: pg.Pool;
  private readonly accounts: string;
  private readonly directorySites: string;
  private readonly oauth: WebexOAuth;
  private readonly now: () => number;
  private readonly refreshMarginMs: number;
  private readonly refreshing = new Map<string, Promise<WebexTokens>>();

  constructor(private readonly options: WebexTokenStoreOptions) {
    if (options.schema !== undefined && !IDENTIFIER.test(options.schema))
      throw new Error(`"${options.schema}" is not a plain lower-case SQL identifier`);
    const prefix = options.schema ? `"${options.schema}".` : '';
    this.pool = options.pool;
    this.accounts = `${prefix}webex_accounts`;
    this.directorySites = `${prefix}webex_directory_sites`;
    this.oauth = new WebexOAuth(options.oauth);
    this.now = options.now ?? Date.now;
    this.refreshMarginMs = options.refreshMarginMs ?? 300_000;
  }

  /** Idempotent, and safe when several replicas start at once on a fresh database. */
  async ensureSchema(): Promise<void> {
    await ensurePrivateSchema(this.pool, 'webex-bridge.accounts', [
      `CREATE TABLE IF NOT EXISTS ${this.accounts} (
        user_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        webex_person_id text NOT NULL,
        sealed_tokens jsonb NOT NULL,
        access_expires_at timestamptz NOT NULL,
        refresh_expires_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('connected', 'reauthorization-required')),
        disconnect_recorded boolean NOT NULL DEFAULT false,
        site_url text,
        site_source text CHECK (site_source IN ('directory', 'webex-account')),
        meeting_template_id text,
        cached_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE IF NOT EXISTS ${this.directorySites} (
        user_id text PRIMARY KEY,
        site_url text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`,
    ]);
  }

  /** Stores (or replaces, on reconnect) the account with fresh tokens; the account is connected again. */
  async saveConnection(connection: {
    userId: string;
    tenantId: string;
    webexPersonId: string;
    tokens: WebexTokens;
    site: WebexSiteFacts;
  }): Promise<void> {
    const { userId, tokens, site } = connection;
    const sealed = await this.seal(userId, tokens);
    await this.pool.query(
      `INSERT INTO ${this.accounts} (user_id, tenant_id, webex_person_id, sealed_tokens, access_expires_at,
         refresh_expires_at, status, disconnect_recorded, site_url, site_source, meeting_template_id, cached_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'connected', false, $7, $8, $9, $10, now())
       ON CONFLICT (user_id) DO UPDATE SET tenant_id = EXCLUDED.tenant_id,
         webex_person_id = EXCLUDED.webex_person_id, sealed_tokens = EXCLUDED.sealed_tokens,
         access_expires_at = EXCLUDED.access_expires_at, refresh_expires_at = EXCLUDED.refresh_expires_at,
         status = 'connected', disconnect_recorded = false, site_url = EXCLUDED.site_url,
         site_source = EXCLUDED.site_source, meeting_template_id = EXCLUDED.meeting_template_id,
         cached_at = EXCLUDED.cached_at, updated_at = now()`,
      [
        userId,
        connection.tenantId,
        connection.webexPersonId,
        JSON.stringify(sealed),
        tokens.accessTokenExpiresAt,
        tokens.refreshTokenExpiresAt,
        site.siteUrl,
        site.source,
        site.meetingTemplateId ?? null,
        new Date(this.now()),
      ],
    );
  }

  async account(userId: string): Promise<WebexAccount | undefined> {
    const { rows } = await this.pool.query<AccountRow>(`SELECT * FROM ${this.accounts} WHERE user_id = $1`, [
      userId,
    ]);
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  async cacheSite(userId: string, site: WebexSiteFacts): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.accounts} SET site_url = $2, site_source = $3, meeting_template_id = $4, cached_at = $5,
         updated_at = now() WHERE user_id = $1`,
      [userId, site.siteUrl, site.source, site.meetingTemplateId ?? null, new Date(this.now())],
    );
  }

  /** The site an administrator set in the user's directory entry, once validated. */
  async directorySite(userId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ site_url: string }>(
      `SELECT site_url FROM ${this.directorySites} WHERE user_id = $1`,
      [userId],
    );
    return rows[0]?.site_url;
  }

  /** Returns whether it changed. The caller validated it against the allow-list. */
  async saveDirectorySite(userId: string, siteUrl: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO ${this.directorySites} (user_id, site_url) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET site_url = EXCLUDED.site_url, recorded_at = now()
       WHERE ${this.directorySites}.site_url IS DISTINCT FROM EXCLUDED.site_url`,
      [userId, siteUrl],
    );
    return rowCount === 1;
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
    const { rows } = await this.pool.query<AccountRow>(`SELECT * FROM ${this.accounts} WHERE user_id = $1`, [
      userId,
    ]);
    const row = rows[0];
    if (!row) throw new WebexAccountNotConnectedError(userId, 'unknown');
    if (row.status !== 'connected') {
      // A crash may have come between marking the account and recording the disconnect.
      if (!row.disconnect_recorded) await this.recordDisconnect(userId, row.tenant_id);
      throw new WebexAccountNotConnectedError(userId, 'reauthorization-required');
    }
    const tokens = await this.open(row);
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
    const connection = await this.pool.connect();
    let reauthorization: { error: ReauthorizationRequired; tenantId: string } | undefined;
    try {
      await connection.query('BEGIN');
      const { rows } = await connection.query<AccountRow>(
        `SELECT * FROM ${this.accounts} WHERE user_id = $1 FOR UPDATE`,
        [userId],
      );
      const row = rows[0];
      if (!row) throw new WebexAccountNotConnectedError(userId, 'unknown');
      if (row.status !== 'connected')
        throw new WebexAccountNotConnectedError(userId, 'reauthorization-required');
      const stored = await this.open(row);
      // Someone refreshed while we waited for the lock: theirs is the newest token, use it.
      if (
        stored.refreshToken !== presentedRefreshToken &&
        stored.accessTokenExpiresAt.getTime() - this.refreshMarginMs > this.now()
      ) {
        await connection.query('COMMIT');
        return stored;
      }
      let fresh: WebexTokens;
      try {
        fresh = await this.oauth.refresh(stored.refreshToken);
      } catch (error) {
        if (!(error instanceof ReauthorizationRequired)) throw error;
        await connection.query(
          `UPDATE ${this.accounts} SET status = 'reauthorization-required', updated_at = now() WHERE user_id = $1`,
          [userId],
        );
        await connection.query('COMMIT');
        reauthorization = { error, tenantId: row.tenant_id };
        throw error;
      }
      const sealed = await this.seal(userId, fresh);
      await connection.query(
        `UPDATE ${this.accounts} SET sealed_tokens = $2, access_expires_at = $3, refresh_expires_at = $4,
           updated_at = now() WHERE user_id = $1`,
        [userId, JSON.stringify(sealed), fresh.accessTokenExpiresAt, fresh.refreshTokenExpiresAt],
      );
      await connection.query('COMMIT');
      return fresh;
    } catch (error) {
      if (!reauthorization) await connection.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      connection.release();
      if (reauthorization) {
        // Best effort here: if it fails, the next webexClientFor records it (disconnect_recorded).
        await this.recordDisconnect(userId, reauthorization.tenantId).catch(() => undefined);
      }
    }
  }

  /** AccountDisconnected{reauthorization-required}, once: the Webex account stream's state decides. */
  private async recordDisconnect(userId: string, tenantId: string): Promise<void> {
    await this.options.accountStream.record(userId, tenantId, [
      { kind: 'disconnected', reason: 'reauthorization-required' },
    ]);
    await this.pool.query(
      `UPDATE ${this.accounts} SET disconnect_recorded = true WHERE user_id = $1 AND status = 'reauthorization-required'`,
      [userId],
    );
  }

  private async seal(userId: string, tokens: WebexTokens): Promise<SealedValue> {
    const pair: SealedTokenPair = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
    return this.options.secretBox.seal(userSubject(userId), JSON.stringify(pair), TOKEN_CONTEXT);
  }

  private async open(row: AccountRow): Promise<WebexTokens> {
    if (!isSealedValue(row.sealed_tokens) || row.sealed_tokens.subject !== userSubject(row.user_id))
      throw new WebexTokensTamperedError(row.user_id);
    const opened = await this.options.secretBox.open(row.sealed_tokens, TOKEN_CONTEXT);
    if (opened.outcome === 'forgotten') throw new WebexAccountNotConnectedError(row.user_id, 'forgotten');
    if (opened.outcome === 'tampered') throw new WebexTokensTamperedError(row.user_id);
    const pair = JSON.parse(opened.plaintext.toString('utf8')) as SealedTokenPair;
    return {
      accessToken: pair.accessToken,
      refreshToken: pair.refreshToken,
      accessTokenExpiresAt: row.access_expires_at,
      refreshTokenExpiresAt: row.refresh_expires_at,
    };
  }
}

function toAccount(row: AccountRow): WebexAccount {
  return {
    userId: row.user_id,
    tenantId: row.tenant_id,
    webexPersonId: row.webex_person_id,
    status: row.status,
    accessTokenExpiresAt: row.access_expires_at,
    refreshTokenExpiresAt: row.refresh_expires_at,
    site:
      row.site_url && row.site_source && row.cached_at
        ? {
            siteUrl: row.site_url,
            source: row.site_source,
            ...(row.meeting_template_id ? { meetingTemplateId: row.meeting_template_id } : {}),
            cachedAt: row.cached_at,
          }
        : undefined,
  };
}
