import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import { ensurePrivateSchema } from '@scheduler/runtime';
import {
  CalendarWatchRenewed,
  CalendarWatchStarted,
  CalendarWatchStopped,
  type EventEnvelope,
  createEvent,
} from '@scheduler/contracts';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import {
  type CalendarAccount,
  type CalendarSyncResult,
  calendarWatchStreamId,
  recordWatchFacts,
} from '../calendar-sync/index.js';
import { type NotificationHeaders, parsePushNotification } from './notification.js';
import { SyncCoalescer } from './sync-coalescer.js';

const statements = [
  `CREATE TABLE IF NOT EXISTS calendar_channels (
     channel_id text PRIMARY KEY,
     user_id text NOT NULL,
     calendar_id text NOT NULL,
     resource_id text,
     token_digest bytea NOT NULL,
     expires_at timestamptz,
     last_message_number bigint NOT NULL DEFAULT 0,
     created_at timestamptz NOT NULL,
     replaced_by text,
     replaced_at timestamptz,
     stopped_at timestamptz
   )`,
  `CREATE INDEX IF NOT EXISTS calendar_channels_live ON calendar_channels (expires_at) WHERE stopped_at IS NULL`,
];

export async function ensureChannelSchema(pool: pg.Pool): Promise<void> {
  await ensurePrivateSchema(pool, 'google-ingest.channels', statements);
}

/** What the manager needs of the sync engine. */
export interface CalendarSyncer {
  syncCalendar(account: CalendarAccount, calendarId: string): Promise<CalendarSyncResult>;
}

export interface ChannelManagerOptions {
  readonly pool: pg.Pool;
  readonly eventStore: EventStore;
  /** How google-ingest's streams are stored (SEALED_ENVELOPES). */
  readonly codec: StreamCodec<EventEnvelope>;
  readonly syncer: CalendarSyncer;
  /** The connected account of a user, or undefined once it is disconnected. */
  readonly accounts: (userId: string) => Promise<CalendarAccount | undefined>;
  /** Our push webhook (HTTPS in production). */
  readonly webhookAddress: string;
  readonly clock?: () => Date;
  /** Asked of Google per channel; Google's default is 7 days. */
  readonly channelTtlSeconds?: number;
  /** Channels expiring within this window are renewed (default 1 day). */
  readonly renewBeforeMs?: number;
  /** How long a renewed channel stays live beside its successor (default 10 minutes). */
  readonly overlapMs?: number;
  /** A background sync failed; the periodic sync retries it. Errors carry ids, never personal data. */
  readonly onSyncError?: (error: unknown, calendar: { userId: string; calendarId: string }) => void;
}

export interface WatchedChannel {
  readonly channelId: string;
  readonly resourceId: string;
  readonly expiresAt: Date;
}

export type IgnoredNotificationReason =
  'malformed' | 'unknown-channel' | 'wrong-token' | 'wrong-resource' | 'stopped' | 'expired' | 'replayed';

/** Every outcome is a normal answer: the webhook acknowledges them all, so Google does not retry. */
export type NotificationResult =
  | {
      readonly outcome: 'accepted';
      readonly channelId: string;
      readonly resourceState: 'sync' | 'exists' | 'not_exists';
      readonly syncScheduled: boolean;
    }
  | { readonly outcome: 'ignored'; readonly reason: IgnoredNotificationReason };

export interface RenewalReport {
  /** Old channel id → its successor. */
  readonly renewed: ReadonlyArray<{ previousChannelId: string; channelId: string }>;
  /** Old channels stopped after the overlap. */
  readonly stopped: readonly string[];
  readonly failed: ReadonlyArray<{ channelId: string; error: unknown }>;
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

const digestOf = (token: string) => createHash('sha256').update(token, 'utf8').digest();
// Compared against for unknown channels, so they take as long as known ones.
const UNKNOWN_CHANNEL_DIGEST = digestOf(randomBytes(32).toString('base64url'));

/**
 * Google Calendar push channels (design §6, §7): starts them with a random 256-bit token, verifies
 * notifications in constant time, ignores unknown channels and replays, coalesces the syncs that
 * notifications ask for, and renews channels before they expire with an overlap.
 */
export class ChannelManager {
  private readonly pool: pg.Pool;
  private readonly eventStore: EventStore;
  private readonly codec: StreamCodec<EventEnvelope>;
  private readonly syncer: CalendarSyncer;
  private readonly accounts: ChannelManagerOptions['accounts'];
  private readonly webhookAddress: string;
  private readonly clock: () => Date;
  private readonly channelTtlSeconds: number | undefined;
  private readonly renewBeforeMs: number;
  private readonly overlapMs: number;
  private readonly onSyncError: NonNullable<ChannelManagerOptions['onSyncError']>;
  private readonly syncs = new SyncCoalescer();

  constructor(options: ChannelManagerOptions) {
    this.pool = options.pool;
    this.eventStore = options.eventStore;
    this.codec = options.codec;
    this.syncer = options.syncer;
    this.accounts = options.accounts;
    this.webhookAddress = options.webhookAddress;
    this.clock = options.clock ?? (() => new Date());
    this.channelTtlSeconds = options.channelTtlSeconds;
    this.renewBeforeMs = options.renewBeforeMs ?? 24 * 3_600_000;
    this.overlapMs = options.overlapMs ?? 10 * 60_000;
    this.onSyncError = options.onSyncError ?? (() => undefined);
  }

  /**
   * Watches a calendar: a new channel, CalendarWatchStarted, and (for a calendar never synced)
   * the initial sync, in the background.
   */
  async startWatch(account: CalendarAccount, calendarId: string): Promise<WatchedChannel> {
    const channel = await this.openChannel(account, calendarId);
    await this.appendWatchEvents(account, [
      createEvent(CalendarWatchStarted, {
        streamId: calendarWatchStreamId(account.userId),
        tenantId: account.tenantId,
        occurredAt: this.clock(),
        data: {
          userId: account.userId,
          calendarId,
          channelId: channel.channelId,
          resourceId: channel.resourceId,
          expiresAt: channel.expiresAt.toISOString(),
        },
      }),
    ]);
    const synced = await this.pool.query(
      'SELECT 1 FROM calendar_sync_state WHERE user_id = $1 AND calendar_id = $2',
      [account.userId, calendarId],
    );
    if (synced.rowCount === 0) this.scheduleSync(account.userId, calendarId);
    return channel;
  }

  /** The calendar's live channels (not stopped, not expired): lets a reconnect keep its watch instead of opening another. */
  async liveChannels(userId: string, calendarId: string): Promise<WatchedChannel[]> {
    const { rows } = await this.pool.query<{ channel_id: string; resource_id: string; expires_at: Date }>(
      `SELECT channel_id, resource_id, expires_at FROM calendar_channels
        WHERE user_id = $1 AND calendar_id = $2 AND stopped_at IS NULL
          AND resource_id IS NOT NULL AND expires_at > $3
        ORDER BY expires_at DESC`,
      [userId, calendarId, this.clock()],
    );
    return rows.map((row) => ({
      channelId: row.channel_id,
      resourceId: row.resource_id,
      expiresAt: row.expires_at,
    }));
  }

  /** Stops every live channel of a calendar (the account was disconnected). */
  async stopWatch(account: CalendarAccount, calendarId: string): Promise<number> {
    const { rows } = await this.pool.query<ChannelRow>(
      `SELECT * FROM calendar_channels WHERE user_id = $1 AND calendar_id = $2 AND stopped_at IS NULL`,
      [account.userId, calendarId],
    );
    for (const row of rows) {
      if (row.resource_id) await account.calendar.stop({ id: row.channel_id, resourceId: row.resource_id });
      await this.pool.query('UPDATE calendar_channels SET stopped_at = $2 WHERE channel_id = $1', [
        row.channel_id,
        this.clock(),
      ]);
      await this.appendWatchEvents(account, [this.stoppedEvent(account, row, 'account-disconnected')]);
    }
    return rows.length;
  }

  /**
   * Verifies a push notification and acts on it. Unknown channels, wrong tokens, stopped or
   * expired channels and replayed message numbers change nothing.
   */
  async handleNotification(headers: NotificationHeaders): Promise<NotificationResult> {
    const notification = parsePushNotification(headers);
    if (!notification) return { outcome: 'ignored', reason: 'malformed' };
    const { rows } = await this.pool.query<ChannelRow>(
      `SELECT channel_id, user_id, calendar_id, resource_id, token_digest, expires_at, stopped_at
         FROM calendar_channels WHERE channel_id = $1`,
      [notification.channelId],
    );
    const row = rows[0];
    const tokenMatches = timingSafeEqual(
      digestOf(notification.token ?? ''),
      row?.token_digest ?? UNKNOWN_CHANNEL_DIGEST,
    );
    if (!row) return { outcome: 'ignored', reason: 'unknown-channel' };
    if (!tokenMatches || notification.token === undefined)
      return { outcome: 'ignored', reason: 'wrong-token' };
    if (row.resource_id !== null && row.resource_id !== notification.resourceId)
      return { outcome: 'ignored', reason: 'wrong-resource' };
    if (row.stopped_at) return { outcome: 'ignored', reason: 'stopped' };
    if (row.expires_at && row.expires_at.getTime() <= this.clock().getTime())
      return { outcome: 'ignored', reason: 'expired' };
    // Message numbers only grow per channel: one at or below the last seen is a replay (or a
    // late retry of a hint a newer notification already covered).
    const advanced = await this.pool.query(
      `UPDATE calendar_channels SET last_message_number = $2
        WHERE channel_id = $1 AND last_message_number < $2 AND stopped_at IS NULL`,
      [row.channel_id, notification.messageNumber.toString()],
    );
    if (advanced.rowCount === 0) return { outcome: 'ignored', reason: 'replayed' };
    // "sync" only announces the channel; the initial sync is startWatch's.
    const syncScheduled = notification.resourceState !== 'sync';
    if (syncScheduled) this.scheduleSync(row.user_id, row.calendar_id);
    return {
      outcome: 'accepted',
      channelId: row.channel_id,
      resourceState: notification.resourceState,
      syncScheduled,
    };
  }

  /**
   * Renews channels that expire within the renewal window: the successor first, then (after the
   * overlap, on a later call) the old one is stopped. Call it periodically, well inside the window.
   */
  async renewDueChannels(now: Date = this.clock()): Promise<RenewalReport> {
    const renewed: Array<{ previousChannelId: string; channelId: string }> = [];
    const stopped: string[] = [];
    const failed: Array<{ channelId: string; error: unknown }> = [];
    const due = await this.pool.query<{ channel_id: string }>(
      `SELECT channel_id FROM calendar_channels
        WHERE stopped_at IS NULL AND replaced_by IS NULL AND resource_id IS NOT NULL AND expires_at <= $1
        ORDER BY expires_at`,
      [new Date(now.getTime() + this.renewBeforeMs)],
    );
    for (const { channel_id: channelId } of due.rows) {
      try {
        const successor = await this.renewOne(channelId, now);
        if (successor) renewed.push({ previousChannelId: channelId, channelId: successor });
      } catch (error) {
        failed.push({ channelId, error });
      }
    }
    const ending = await this.pool.query<{ channel_id: string }>(
      `SELECT channel_id FROM calendar_channels
        WHERE stopped_at IS NULL AND replaced_by IS NOT NULL AND (replaced_at <= $1 OR expires_at <= $2)`,
      [new Date(now.getTime() - this.overlapMs), now],
    );
    for (const { channel_id: channelId } of ending.rows) {
      try {
        if (await this.retireOne(channelId, now)) stopped.push(channelId);
      } catch (error) {
        failed.push({ channelId, error });
      }
    }
    return { renewed, stopped, failed };
  }

  /** The safety net for dropped notifications: one sync of every watched calendar. */
  async syncWatchedCalendars(): Promise<number> {
    const { rows } = await this.pool.query<{ user_id: string; calendar_id: string }>(
      `SELECT DISTINCT user_id, calendar_id FROM calendar_channels WHERE stopped_at IS NULL`,
    );
    for (const row of rows) this.scheduleSync(row.user_id, row.calendar_id);
    return rows.length;
  }

  /** Coalesced with concurrent requests for the same calendar; resolves when a sync that started after the call ended. */
  requestSync(userId: string, calendarId: string): Promise<void> {
    return this.syncs.request(JSON.stringify([userId, calendarId]), async () => {
      const account = await this.accounts(userId);
      if (account) await this.syncer.syncCalendar(account, calendarId);
    });
  }

  /** Resolves when no sync runs or waits: for tests and graceful shutdown. */
  idle(): Promise<void> {
    return this.syncs.idle();
  }

  private scheduleSync(userId: string, calendarId: string): void {
    this.requestSync(userId, calendarId).catch((error: unknown) =>
      this.onSyncError(error, { userId, calendarId }),
    );
  }

  /**
   * The row goes in before the watch call, so Google's first ("sync") notification, which may
   * beat the watch response, finds its channel; a failed watch removes it again.
   */
  private async openChannel(account: CalendarAccount, calendarId: string): Promise<WatchedChannel> {
    const channelId = randomUUID();
    const token = randomBytes(32).toString('base64url');
    await this.pool.query(
      `INSERT INTO calendar_channels (channel_id, user_id, calendar_id, token_digest, created_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [channelId, account.userId, calendarId, digestOf(token), this.clock()],
    );
    try {
      const channel = await account.calendar.watch(calendarId, {
        id: channelId,
        address: this.webhookAddress,
        token,
        ...(this.channelTtlSeconds !== undefined ? { ttlSeconds: this.channelTtlSeconds } : {}),
      });
      await this.pool.query(
        'UPDATE calendar_channels SET resource_id = $2, expires_at = $3 WHERE channel_id = $1',
        [channelId, channel.resourceId, channel.expiresAt],
      );
      return { channelId, resourceId: channel.resourceId, expiresAt: channel.expiresAt };
    } catch (error) {
      await this.pool.query('DELETE FROM calendar_channels WHERE channel_id = $1', [channelId]);
      throw error;
    }
  }

  private async renewOne(channelId: string, now: Date): Promise<string | undefined> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Another replica renewing the same channel holds the row: leave it to that one.
      const { rows } = await client.query<ChannelRow>(
        `SELECT * FROM calendar_channels
          WHERE channel_id = $1 AND stopped_at IS NULL AND replaced_by IS NULL
          FOR UPDATE SKIP LOCKED`,
        [channelId],
      );
      const old = rows[0];
      const account = old && (await this.accounts(old.user_id));
      if (!old || !account) {
        await client.query('COMMIT');
        return undefined;
      }
      const successor = await this.openChannel(account, old.calendar_id);
      const expired = old.expires_at !== null && old.expires_at.getTime() <= now.getTime();
      await client.query(
        `UPDATE calendar_channels SET replaced_by = $2, replaced_at = $3, stopped_at = $4 WHERE channel_id = $1`,
        [channelId, successor.channelId, now, expired ? now : null],
      );
      await client.query('COMMIT');
      const events: EventEnvelope[] = [
        createEvent(CalendarWatchRenewed, {
          streamId: calendarWatchStreamId(account.userId),
          tenantId: account.tenantId,
          occurredAt: now,
          data: {
            userId: account.userId,
            calendarId: old.calendar_id,
            channelId: successor.channelId,
            resourceId: successor.resourceId,
            expiresAt: successor.expiresAt.toISOString(),
            previousChannelId: channelId,
          },
        }),
      ];
      if (expired) events.push(this.stoppedEvent(account, old, 'expired'));
      await this.appendWatchEvents(account, events);
      // A channel that lapsed may have missed changes: sync now rather than at the next periodic run.
      if (expired) this.scheduleSync(account.userId, old.calendar_id);
      return successor.channelId;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async retireOne(channelId: string, now: Date): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<ChannelRow>(
        `SELECT * FROM calendar_channels WHERE channel_id = $1 AND stopped_at IS NULL FOR UPDATE SKIP LOCKED`,
        [channelId],
      );
      const old = rows[0];
      if (!old) {
        await client.query('COMMIT');
        return false;
      }
      const account = await this.accounts(old.user_id);
      const live = old.expires_at === null || old.expires_at.getTime() > now.getTime();
      // Google keeps notifying until the channel is stopped or expires; a gone account's channel just lapses.
      if (account && live && old.resource_id)
        await account.calendar.stop({ id: old.channel_id, resourceId: old.resource_id });
      await client.query('UPDATE calendar_channels SET stopped_at = $2 WHERE channel_id = $1', [
        channelId,
        now,
      ]);
      await client.query('COMMIT');
      if (account) await this.appendWatchEvents(account, [this.stoppedEvent(account, old, 'renewed')]);
      return true;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private stoppedEvent(
    account: CalendarAccount,
    row: ChannelRow,
    reason: 'renewed' | 'account-disconnected' | 'expired',
  ): EventEnvelope {
    return createEvent(CalendarWatchStopped, {
      streamId: calendarWatchStreamId(account.userId),
      tenantId: account.tenantId,
      occurredAt: this.clock(),
      data: { userId: account.userId, calendarId: row.calendar_id, channelId: row.channel_id, reason },
    });
  }

  private async appendWatchEvents(account: CalendarAccount, events: EventEnvelope[]): Promise<void> {
    await recordWatchFacts(this.eventStore, this.codec, account.userId, events);
  }
}
