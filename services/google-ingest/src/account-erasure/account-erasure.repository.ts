import type pg from 'pg';

/**
 * The erasure's SQL on google-ingest's private tables: every row of the user goes (sealed
 * tokens and email, watch channels, sync tokens, the links of calendar events to meetings,
 * whose calendar ids are the user's email in clear).
 */
export class GoogleErasureRepository {
  constructor(private readonly pool: pg.Pool) {}

  async forgetUser(userId: string): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      for (const table of [
        'calendar_linked_events',
        'calendar_sync_state',
        'calendar_channels',
        'google_accounts',
      ])
        await client.query(`DELETE FROM ${table} WHERE user_id = $1`, [userId]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
