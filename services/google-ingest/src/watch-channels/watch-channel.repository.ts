import type pg from 'pg';
import { inTransaction } from '@scheduler/postgres-migrations';

/** A push channel as stored: never its token, only the token's digest. */
export interface ChannelRecord {
  readonly channelId: string;
  readonly userId: string;
  readonly calendarId: string;
  /** Null until Google answered the watch call. */
  readonly resourceId: string | null;
  readonly tokenDigest: Buffer;
  readonly expiresAt: Date | null;
  readonly stoppedAt: Date | null;
}

/** A channel Google confirmed, not stopped. */
export interface LiveChannel {
  readonly channelId: string;
  readonly resourceId: string;
  readonly expiresAt: Date;
}

/** One channel, locked for the transaction; other replicas skip it meanwhile. */
export interface ChannelTransaction {
  /** The channel if it is live and not replaced yet; undefined if not, or if another replica holds it. */
  lockRenewable(channelId: string): Promise<ChannelRecord | undefined>;
  /** The channel if it is not stopped; undefined if it is, or if another replica holds it. */
  lockUnstopped(channelId: string): Promise<ChannelRecord | undefined>;
  markReplaced(
    channelId: string,
    replacement: { successorId: string; replacedAt: Date; stoppedAt: Date | null },
  ): Promise<void>;
  markStopped(channelId: string, stoppedAt: Date): Promise<void>;
}

interface ChannelRow {
  channel_id: string;
  user_id: string;
  calendar_id: string;
  resource_id: string | null;
  token_digest: Buffer;
  expires_at: Date | null;
  stopped_at: Date | null;
}

const COLUMNS = 'channel_id, user_id, calendar_id, resource_id, token_digest, expires_at, stopped_at';

const recordOf = (row: ChannelRow): ChannelRecord => ({
  channelId: row.channel_id,
  userId: row.user_id,
  calendarId: row.calendar_id,
  resourceId: row.resource_id,
  tokenDigest: row.token_digest,
  expiresAt: row.expires_at,
  stoppedAt: row.stopped_at,
});

/** calendar_channels in google-ingest's private database: every statement on it. */
export class WatchChannelRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Before the watch call, so Google's first notification, which may beat its answer, finds the channel. */
  async insertPending(channel: {
    channelId: string;
    userId: string;
    calendarId: string;
    tokenDigest: Buffer;
    createdAt: Date;
  }): Promise<void> {
    await this.pool.query(
      `INSERT INTO calendar_channels (channel_id, user_id, calendar_id, token_digest, created_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [channel.channelId, channel.userId, channel.calendarId, channel.tokenDigest, channel.createdAt],
    );
  }

  async confirm(channelId: string, resourceId: string, expiresAt: Date): Promise<void> {
    await this.pool.query(
      'UPDATE calendar_channels SET resource_id = $2, expires_at = $3 WHERE channel_id = $1',
      [channelId, resourceId, expiresAt],
    );
  }

  async remove(channelId: string): Promise<void> {
    await this.pool.query('DELETE FROM calendar_channels WHERE channel_id = $1', [channelId]);
  }

  async find(channelId: string): Promise<ChannelRecord | undefined> {
    const { rows } = await this.pool.query<ChannelRow>(
      `SELECT ${COLUMNS} FROM calendar_channels WHERE channel_id = $1`,
      [channelId],
    );
    return rows[0] && recordOf(rows[0]);
  }

  /** Live at `now`, latest expiry first. */
  async liveChannels(userId: string, calendarId: string, now: Date): Promise<LiveChannel[]> {
    const { rows } = await this.pool.query<{ channel_id: string; resource_id: string; expires_at: Date }>(
      `SELECT channel_id, resource_id, expires_at FROM calendar_channels
        WHERE user_id = $1 AND calendar_id = $2 AND stopped_at IS NULL
          AND resource_id IS NOT NULL AND expires_at > $3
        ORDER BY expires_at DESC`,
      [userId, calendarId, now],
    );
    return rows.map((row) => ({
      channelId: row.channel_id,
      resourceId: row.resource_id,
      expiresAt: row.expires_at,
    }));
  }

  /** The user's channels on any calendar, not stopped, created at or before `createdBy`. */
  async unstoppedChannels(userId: string, createdBy: Date): Promise<ChannelRecord[]> {
    const { rows } = await this.pool.query<ChannelRow>(
      `SELECT ${COLUMNS} FROM calendar_channels
        WHERE user_id = $1 AND stopped_at IS NULL AND created_at <= $2
        ORDER BY created_at`,
      [userId, createdBy],
    );
    return rows.map(recordOf);
  }

  /** False when the channel was stopped already (another replica, or a renewal, went first). */
  async markStopped(channelId: string, stoppedAt: Date): Promise<boolean> {
    const stopped = await this.pool.query(
      'UPDATE calendar_channels SET stopped_at = $2 WHERE channel_id = $1 AND stopped_at IS NULL',
      [channelId, stoppedAt],
    );
    return stopped.rowCount === 1;
  }

  /**
   * Message numbers only grow per channel: false for one at or below the last seen (a replay,
   * or a late retry of a hint a newer notification already covered), or a stopped channel.
   */
  async advanceMessageNumber(channelId: string, messageNumber: bigint): Promise<boolean> {
    const advanced = await this.pool.query(
      `UPDATE calendar_channels SET last_message_number = $2
        WHERE channel_id = $1 AND last_message_number < $2 AND stopped_at IS NULL`,
      [channelId, messageNumber.toString()],
    );
    return advanced.rowCount !== 0;
  }

  /** Confirmed channels without a successor that expire by `before`, soonest first. */
  async dueForRenewal(before: Date): Promise<string[]> {
    const { rows } = await this.pool.query<{ channel_id: string }>(
      `SELECT channel_id FROM calendar_channels
        WHERE stopped_at IS NULL AND replaced_by IS NULL AND resource_id IS NOT NULL AND expires_at <= $1
        ORDER BY expires_at`,
      [before],
    );
    return rows.map((row) => row.channel_id);
  }

  /** Confirmed channels not stopped and without a successor: every channel a renewal may replace. */
  async renewableChannelIds(): Promise<string[]> {
    const { rows } = await this.pool.query<{ channel_id: string }>(
      `SELECT channel_id FROM calendar_channels
        WHERE stopped_at IS NULL AND replaced_by IS NULL AND resource_id IS NOT NULL`,
    );
    return rows.map((row) => row.channel_id);
  }

  /** Replaced channels whose overlap ended (replaced by `replacedBefore`) or that expired by `now`. */
  async dueForRetirement(replacedBefore: Date, now: Date): Promise<string[]> {
    const { rows } = await this.pool.query<{ channel_id: string }>(
      `SELECT channel_id FROM calendar_channels
        WHERE stopped_at IS NULL AND replaced_by IS NOT NULL AND (replaced_at <= $1 OR expires_at <= $2)`,
      [replacedBefore, now],
    );
    return rows.map((row) => row.channel_id);
  }

  /** Every calendar the user ever had a channel on, stopped or not. */
  async calendarsOf(userId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ calendar_id: string }>(
      `SELECT DISTINCT calendar_id FROM calendar_channels WHERE user_id = $1 ORDER BY calendar_id`,
      [userId],
    );
    return rows.map((row) => row.calendar_id);
  }

  async watchedCalendars(): Promise<Array<{ userId: string; calendarId: string }>> {
    const { rows } = await this.pool.query<{ user_id: string; calendar_id: string }>(
      `SELECT DISTINCT user_id, calendar_id FROM calendar_channels WHERE stopped_at IS NULL`,
    );
    return rows.map((row) => ({ userId: row.user_id, calendarId: row.calendar_id }));
  }

  /** Runs `work` in one transaction: committed when it returns, rolled back when it throws. */
  inTransaction<Result>(work: (transaction: ChannelTransaction) => Promise<Result>): Promise<Result> {
    return inTransaction(this.pool, (client) => work(channelTransaction(client)));
  }
}

function channelTransaction(client: pg.PoolClient): ChannelTransaction {
  const lock = async (channelId: string, condition: string) => {
    const { rows } = await client.query<ChannelRow>(
      `SELECT ${COLUMNS} FROM calendar_channels
        WHERE channel_id = $1 AND ${condition}
        FOR UPDATE SKIP LOCKED`,
      [channelId],
    );
    return rows[0] && recordOf(rows[0]);
  };
  return {
    lockRenewable: (channelId) => lock(channelId, 'stopped_at IS NULL AND replaced_by IS NULL'),
    lockUnstopped: (channelId) => lock(channelId, 'stopped_at IS NULL'),
    async markReplaced(channelId, { successorId, replacedAt, stoppedAt }) {
      await client.query(
        `UPDATE calendar_channels SET replaced_by = $2, replaced_at = $3, stopped_at = $4 WHERE channel_id = $1`,
        [channelId, successorId, replacedAt, stoppedAt],
      );
    },
    async markStopped(channelId, stoppedAt) {
      await client.query('UPDATE calendar_channels SET stopped_at = $2 WHERE channel_id = $1', [
        channelId,
        stoppedAt,
      ]);
    },
  };
}
