import type { SealedValue } from '@scheduler/crypto-shredding';
import { assertPlainIdentifier, migrate } from '@scheduler/postgres-migrations';
import type pg from 'pg';
import { webexWebhookMigrations, webexWebhookTables } from './migrations.js';

/** A user's meetings webhooks as we keep them: the secret, and the webhook of each event. */
export interface StoredWebhookRegistration {
  readonly userId: string;
  readonly sealedSecret: SealedValue;
  /** Webhook id by event; an event is missing until Webex answered its create. */
  readonly webhookIds: Readonly<Record<string, string>>;
}

interface RegistrationRow {
  user_id: string;
  sealed_secret: SealedValue;
  webhook_ids: Record<string, string> | null;
}

const toRegistration = (row: RegistrationRow): StoredWebhookRegistration => ({
  userId: row.user_id,
  sealedSecret: row.sealed_secret,
  webhookIds: row.webhook_ids ?? {},
});

/** All SQL of `webex_meeting_webhooks`, `webex_meeting_webhook_ids` and `webex_meeting_links`. */
export class WebexWebhooksRepository {
  private readonly registrations: string;
  private readonly webhookIds: string;
  private readonly links: string;

  constructor(
    /** The service's pool; the repository never ends it. */
    private readonly pool: pg.Pool,
    private readonly schema?: string,
    /** Where the queries run: the pool, or the connection that holds a registration lock. */
    private readonly db: Pick<pg.Pool, 'query'> = pool,
  ) {
    if (schema !== undefined) assertPlainIdentifier(schema);
    ({
      registrations: this.registrations,
      webhookIds: this.webhookIds,
      links: this.links,
    } = webexWebhookTables(schema));
  }

  /** Returns whether this call created the links table (then it is to be filled from the streams). */
  async ensureSchema(): Promise<{ linksCreated: boolean }> {
    const report = await migrate(this.pool, {
      component: 'webex-bridge.webex-webhooks',
      schema: this.schema,
      migrations: webexWebhookMigrations(this.schema),
    });
    return { linksCreated: report.applied.some((migration) => migration.version === 2) };
  }

  /**
   * Runs `work` holding the user's registration lock (a transaction-scoped advisory lock), so
   * that two registrations of one user (the connect handler, the check at start, another
   * replica) never both find no webhook and both create one.
   */
  async withRegistrationLock<Result>(
    userId: string,
    work: (locked: WebexWebhooksRepository) => Promise<Result>,
  ): Promise<Result> {
    const connection = await this.pool.connect();
    try {
      await connection.query('BEGIN');
      await connection.query(
        `SELECT pg_advisory_xact_lock(hashtext('webex-meeting-webhook'), hashtext($1))`,
        [userId],
      );
      // The work's queries run on the lock's connection: it needs no second one from the pool.
      const result = await work(new WebexWebhooksRepository(this.pool, this.schema, connection));
      await connection.query('COMMIT');
      return result;
    } catch (error) {
      await connection.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  }

  async registration(userId: string): Promise<StoredWebhookRegistration | undefined> {
    const { rows } = await this.db.query<RegistrationRow>(
      `${this.selectRegistrations} WHERE r.user_id = $1`,
      [userId],
    );
    return rows[0] ? toRegistration(rows[0]) : undefined;
  }

  async registrationByWebhook(webhookId: string): Promise<StoredWebhookRegistration | undefined> {
    const { rows } = await this.db.query<RegistrationRow>(
      `${this.selectRegistrations}
       WHERE r.user_id = (SELECT user_id FROM ${this.webhookIds} WHERE webhook_id = $1)`,
      [webhookId],
    );
    return rows[0] ? toRegistration(rows[0]) : undefined;
  }

  /**
   * Keeps the user's secret, or stores `sealedSecret` if the user has none yet; returns what is
   * kept. The secret stays the same across re-registrations, so a notification in flight is
   * still verified.
   */
  async ensureSecret(userId: string, sealedSecret: SealedValue): Promise<StoredWebhookRegistration> {
    await this.db.query(
      `INSERT INTO ${this.registrations} (user_id, sealed_secret) VALUES ($1, $2)
       ON CONFLICT (user_id) DO NOTHING`,
      [userId, JSON.stringify(sealedSecret)],
    );
    return (await this.registration(userId))!;
  }

  /** Replaces a secret that can no longer be opened: the webhooks signed with the old one go. */
  async replaceSecret(userId: string, sealedSecret: SealedValue): Promise<void> {
    await this.db.query(`DELETE FROM ${this.webhookIds} WHERE user_id = $1`, [userId]);
    await this.db.query(
      `UPDATE ${this.registrations} SET sealed_secret = $2, updated_at = now() WHERE user_id = $1`,
      [userId, JSON.stringify(sealedSecret)],
    );
  }

  /** Records the user's webhook for `event`, replacing the one recorded before. */
  async saveWebhookId(userId: string, event: string, webhookId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.webhookIds} (webhook_id, user_id, event) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, event) DO UPDATE SET webhook_id = EXCLUDED.webhook_id`,
      [webhookId, userId, event],
    );
  }

  /** The secret and every webhook id of the user. */
  async deleteRegistration(userId: string): Promise<void> {
    await this.db.query(`DELETE FROM ${this.registrations} WHERE user_id = $1`, [userId]);
  }

  /** Records which meeting a Webex meeting is; the first link of a Webex meeting id stays. */
  async link(webexMeetingId: string, meetingId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.links} (webex_meeting_id, meeting_id) VALUES ($1, $2)
       ON CONFLICT (webex_meeting_id) DO NOTHING`,
      [webexMeetingId, meetingId],
    );
  }

  async meetingOf(webexMeetingId: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ meeting_id: string }>(
      `SELECT meeting_id FROM ${this.links} WHERE webex_meeting_id = $1`,
      [webexMeetingId],
    );
    return rows[0]?.meeting_id;
  }

  private get selectRegistrations(): string {
    return `SELECT r.user_id, r.sealed_secret,
              (SELECT jsonb_object_agg(w.event, w.webhook_id) FROM ${this.webhookIds} w
                WHERE w.user_id = r.user_id) AS webhook_ids
            FROM ${this.registrations} r`;
  }
}
