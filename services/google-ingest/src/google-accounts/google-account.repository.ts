import type pg from 'pg';
import type { SealedValue } from '@scheduler/crypto-shredding';
import type { DisconnectionReason } from './google-account.decider.js';

export type GoogleAccountStatus = 'connected' | 'reauthorization-required';

/** A row of google_accounts as stored: tokens and email sealed. */
export interface GoogleAccountRecord {
  readonly userId: string;
  readonly tenantId: string;
  readonly grantId: string;
  readonly emailSealed: unknown;
  readonly refreshTokenSealed: unknown;
  readonly accessTokenSealed: unknown;
  readonly accessTokenExpiresAt: Date | null;
  readonly scopes: string[];
  readonly status: GoogleAccountStatus;
  /** When and why the grant was found dead (reauthorization-required only). */
  readonly reauthorizationRequiredAt: Date | null;
  readonly disconnectionReason: DisconnectionReason | null;
}

/** What one consent (a grant) stores. */
export interface GrantRecord {
  readonly userId: string;
  readonly tenantId: string;
  readonly grantId: string;
  readonly emailSealed: SealedValue;
  readonly accessTokenSealed: SealedValue;
  readonly accessTokenExpiresAt: Date;
  readonly scopes: readonly string[];
  readonly connectedAt: Date;
}

interface AccountRow {
  user_id: string;
  tenant_id: string;
  grant_id: string;
  email_sealed: unknown;
  refresh_token_sealed: unknown;
  access_token_sealed: unknown;
  access_token_expires_at: Date | null;
  scopes: string[];
  status: GoogleAccountStatus;
  reauthorization_required_at: Date | null;
  disconnection_reason: DisconnectionReason | null;
}

const recordOf = (row: AccountRow): GoogleAccountRecord => ({
  userId: row.user_id,
  tenantId: row.tenant_id,
  grantId: row.grant_id,
  emailSealed: row.email_sealed,
  refreshTokenSealed: row.refresh_token_sealed,
  accessTokenSealed: row.access_token_sealed,
  accessTokenExpiresAt: row.access_token_expires_at,
  scopes: row.scopes,
  status: row.status,
  reauthorizationRequiredAt: row.reauthorization_required_at,
  disconnectionReason: row.disconnection_reason,
});

/** google_accounts in google-ingest's private database: every statement on it. */
export class GoogleAccountRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** A consent with a refresh token replaces whatever the user had, and makes the account usable again. */
  async saveGrant(grant: GrantRecord, refreshTokenSealed: SealedValue): Promise<void> {
    await this.pool.query(
      `INSERT INTO google_accounts (user_id, tenant_id, grant_id, email_sealed, refresh_token_sealed,
         access_token_sealed, access_token_expires_at, scopes, status, connected_at, tokens_updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'connected', $9, $9)
       ON CONFLICT (user_id) DO UPDATE SET tenant_id = EXCLUDED.tenant_id, grant_id = EXCLUDED.grant_id,
         email_sealed = EXCLUDED.email_sealed, refresh_token_sealed = EXCLUDED.refresh_token_sealed,
         access_token_sealed = EXCLUDED.access_token_sealed,
         access_token_expires_at = EXCLUDED.access_token_expires_at, scopes = EXCLUDED.scopes,
         status = 'connected', connected_at = EXCLUDED.connected_at,
         tokens_updated_at = EXCLUDED.tokens_updated_at, reauthorization_required_at = NULL,
         disconnection_reason = NULL, disconnection_handled_at = NULL`,
      [
        grant.userId,
        grant.tenantId,
        grant.grantId,
        JSON.stringify(grant.emailSealed),
        JSON.stringify(refreshTokenSealed),
        JSON.stringify(grant.accessTokenSealed),
        grant.accessTokenExpiresAt,
        [...grant.scopes].sort(),
        grant.connectedAt,
      ],
    );
  }

  /** A consent without a refresh token keeps the stored one, if it still works; false when there is none. */
  async saveGrantKeepingRefreshToken(grant: GrantRecord): Promise<boolean> {
    const updated = await this.pool.query(
      `UPDATE google_accounts SET tenant_id = $2, grant_id = $3, email_sealed = $4, access_token_sealed = $5,
         access_token_expires_at = $6, scopes = $7, connected_at = $8, tokens_updated_at = $8
       WHERE user_id = $1 AND status = 'connected'`,
      [
        grant.userId,
        grant.tenantId,
        grant.grantId,
        JSON.stringify(grant.emailSealed),
        JSON.stringify(grant.accessTokenSealed),
        grant.accessTokenExpiresAt,
        [...grant.scopes].sort(),
        grant.connectedAt,
      ],
    );
    return updated.rowCount === 1;
  }

  /**
   * Tokens a refresh of `grantId` produced; only that grant's row changes, so a late refresh of
   * an old grant never overwrites a newer consent. No refresh token or scopes: the stored ones stay.
   */
  async saveRefreshedTokens(input: {
    userId: string;
    grantId: string;
    accessTokenSealed: SealedValue;
    accessTokenExpiresAt: Date;
    refreshTokenSealed: SealedValue | undefined;
    scopes: readonly string[];
    updatedAt: Date;
  }): Promise<void> {
    await this.pool.query(
      `UPDATE google_accounts SET access_token_sealed = $3, access_token_expires_at = $4,
         refresh_token_sealed = COALESCE($5::jsonb, refresh_token_sealed),
         scopes = CASE WHEN cardinality($6::text[]) > 0 THEN $6::text[] ELSE scopes END,
         tokens_updated_at = $7
       WHERE user_id = $1 AND grant_id = $2`,
      [
        input.userId,
        input.grantId,
        JSON.stringify(input.accessTokenSealed),
        input.accessTokenExpiresAt,
        input.refreshTokenSealed ? JSON.stringify(input.refreshTokenSealed) : null,
        [...input.scopes].sort(),
        input.updatedAt,
      ],
    );
  }

  /** The grant is dead; false when it is no longer the account's, or was marked already. */
  async markReauthorizationRequired(
    userId: string,
    grantId: string,
    at: Date,
    reason: DisconnectionReason,
  ): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE google_accounts SET status = 'reauthorization-required', reauthorization_required_at = $3,
         disconnection_reason = $4, disconnection_handled_at = NULL,
         access_token_sealed = NULL, access_token_expires_at = NULL
       WHERE user_id = $1 AND grant_id = $2 AND status = 'connected'`,
      [userId, grantId, at, reason],
    );
    return result.rowCount === 1;
  }

  /** The dead grant's disconnection is done (channels stopped, event recorded). */
  async markDisconnectionHandled(userId: string, grantId: string, at: Date): Promise<void> {
    await this.pool.query(
      `UPDATE google_accounts SET disconnection_handled_at = $3
       WHERE user_id = $1 AND grant_id = $2 AND status = 'reauthorization-required'`,
      [userId, grantId, at],
    );
  }

  /** Dead grants marked by `markedBy` whose disconnection was never done (a crash, a failure). */
  async unhandledDisconnections(markedBy: Date): Promise<GoogleAccountRecord[]> {
    const { rows } = await this.pool.query<AccountRow>(
      `SELECT * FROM google_accounts
        WHERE status = 'reauthorization-required' AND disconnection_handled_at IS NULL
          AND reauthorization_required_at <= $1
        ORDER BY reauthorization_required_at`,
      [markedBy],
    );
    return rows.map(recordOf);
  }

  async statusOf(userId: string): Promise<GoogleAccountStatus | undefined> {
    const { rows } = await this.pool.query<{ status: GoogleAccountStatus }>(
      'SELECT status FROM google_accounts WHERE user_id = $1',
      [userId],
    );
    return rows[0]?.status;
  }

  async find(userId: string): Promise<GoogleAccountRecord | undefined> {
    const { rows } = await this.pool.query<AccountRow>('SELECT * FROM google_accounts WHERE user_id = $1', [
      userId,
    ]);
    const row = rows[0];
    return row && recordOf(row);
  }
}
