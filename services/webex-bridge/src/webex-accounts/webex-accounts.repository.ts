import type pg from 'pg';
import { webexAccountMigrations, webexAccountTables } from './migrations.js';
import { assertPlainIdentifier, inTransaction, migrate } from '@scheduler/postgres-migrations';
import type { WebexSiteFacts } from './webex-account.decider.js';

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

/** A stored account with its tokens as stored: sealed (WebexTokenStore opens them). */
export interface StoredWebexAccount extends WebexAccount {
  readonly sealedTokens: unknown;
  /** AccountDisconnected was recorded for its reauthorization-required status. */
  readonly disconnectRecorded: boolean;
}

export interface NewConnection {
  readonly userId: string;
  readonly tenantId: string;
  readonly webexPersonId: string;
  readonly sealedTokens: unknown;
  readonly accessTokenExpiresAt: Date;
  readonly refreshTokenExpiresAt: Date;
  readonly site: WebexSiteFacts;
  readonly cachedAt: Date;
}

/** What may be done to an account while its row is locked. */
export interface LockedWebexAccount {
  storeTokens(sealedTokens: unknown, accessTokenExpiresAt: Date, refreshTokenExpiresAt: Date): Promise<void>;
  markReauthorizationRequired(): Promise<void>;
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

/**
 * All SQL of the bridge's private tables: `webex_accounts` (one row per user: sealed tokens,
 * their expiry, status, cached site) and `webex_directory_sites` (the site an administrator set
 * in the user's directory entry, once validated).
 */
export class WebexAccountsRepository {
  private readonly accounts: string;
  private readonly directorySites: string;

  constructor(
    /** The service's pool; the repository never ends it. */
    private readonly pool: pg.Pool,
    /** Schema of the tables; default: the connection's search_path. */
    private readonly schema?: string,
  ) {
    if (schema !== undefined) assertPlainIdentifier(schema);
    const tables = webexAccountTables(schema);
    this.accounts = tables.accounts;
    this.directorySites = tables.directorySites;
  }

  /** Idempotent, and safe when several replicas start at once on a fresh database. */
  async ensureSchema(): Promise<void> {
    await migrate(this.pool, {
      component: 'webex-bridge.accounts',
      schema: this.schema,
      migrations: webexAccountMigrations(this.schema),
    });
  }

  /** The user whose stored account is this Webex person, if any. */
  async userOfWebexPerson(webexPersonId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ user_id: string }>(
      `SELECT user_id FROM ${this.accounts} WHERE webex_person_id = $1`,
      [webexPersonId],
    );
    return rows[0]?.user_id;
  }

  /**
   * Stores (or replaces, on reconnect) the account with fresh tokens; the account is connected
   * again. `person-in-use`: another user's row holds this Webex person (the unique index decides
   * between two concurrent connects).
   */
  async saveConnection(connection: NewConnection): Promise<'saved' | 'person-in-use'> {
    const { site } = connection;
    try {
      await this.insertConnection(connection, site);
    } catch (error) {
      if (
        (error as { code?: unknown; constraint?: unknown }).code === '23505' &&
        (error as { constraint?: unknown }).constraint === 'webex_accounts_webex_person_id'
      )
        return 'person-in-use';
      throw error;
    }
    return 'saved';
  }

  private async insertConnection(connection: NewConnection, site: WebexSiteFacts): Promise<void> {
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
        connection.userId,
        connection.tenantId,
        connection.webexPersonId,
        JSON.stringify(connection.sealedTokens),
        connection.accessTokenExpiresAt,
        connection.refreshTokenExpiresAt,
        site.siteUrl,
        site.source,
        site.meetingTemplateId ?? null,
        connection.cachedAt,
      ],
    );
  }

  async account(userId: string): Promise<StoredWebexAccount | undefined> {
    const { rows } = await this.pool.query<AccountRow>(`SELECT * FROM ${this.accounts} WHERE user_id = $1`, [
      userId,
    ]);
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  /** The user is erased: their sealed tokens and directory site go. Webex offers no revocation to a user's integration. */
  async forgetUser(userId: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.accounts} WHERE user_id = $1`, [userId]);
    await this.pool.query(`DELETE FROM ${this.directorySites} WHERE user_id = $1`, [userId]);
  }

  async cacheSite(userId: string, site: WebexSiteFacts, cachedAt: Date): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.accounts} SET site_url = $2, site_source = $3, meeting_template_id = $4, cached_at = $5,
         updated_at = now() WHERE user_id = $1`,
      [userId, site.siteUrl, site.source, site.meetingTemplateId ?? null, cachedAt],
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

  /** The users whose Webex account is connected now (e.g. to check their webhooks at start). */
  async connectedUserIds(): Promise<string[]> {
    const { rows } = await this.pool.query<{ user_id: string }>(
      `SELECT user_id FROM ${this.accounts} WHERE status = 'connected' ORDER BY user_id`,
    );
    return rows.map((row) => row.user_id);
  }

  /** AccountDisconnected was recorded: a later reader need not record it again. */
  async markDisconnectRecorded(userId: string): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.accounts} SET disconnect_recorded = true WHERE user_id = $1 AND status = 'reauthorization-required'`,
      [userId],
    );
  }

  /**
   * Runs `work` holding the account's row lock (SELECT … FOR UPDATE), in one transaction that
   * commits when `work` returns and rolls back when it throws. Other processes wait for the lock,
   * so what `work` reads is what they read after it.
   */
  async withAccountLocked<Result>(
    userId: string,
    work: (account: StoredWebexAccount | undefined, locked: LockedWebexAccount) => Promise<Result>,
  ): Promise<Result> {
    return inTransaction(this.pool, async (connection) => {
      const { rows } = await connection.query<AccountRow>(
        `SELECT * FROM ${this.accounts} WHERE user_id = $1 FOR UPDATE`,
        [userId],
      );
      const locked: LockedWebexAccount = {
        storeTokens: async (sealedTokens, accessTokenExpiresAt, refreshTokenExpiresAt) => {
          await connection.query(
            `UPDATE ${this.accounts} SET sealed_tokens = $2, access_expires_at = $3, refresh_expires_at = $4,
               updated_at = now() WHERE user_id = $1`,
            [userId, JSON.stringify(sealedTokens), accessTokenExpiresAt, refreshTokenExpiresAt],
          );
        },
        markReauthorizationRequired: async () => {
          await connection.query(
            `UPDATE ${this.accounts} SET status = 'reauthorization-required', updated_at = now() WHERE user_id = $1`,
            [userId],
          );
        },
      };
      return work(rows[0] ? toAccount(rows[0]) : undefined, locked);
    });
  }
}

function toAccount(row: AccountRow): StoredWebexAccount {
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
    sealedTokens: row.sealed_tokens,
    disconnectRecorded: row.disconnect_recorded,
  };
}
