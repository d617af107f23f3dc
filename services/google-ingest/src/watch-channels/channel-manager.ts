import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import {
  CalendarWatchRenewed,
  CalendarWatchStarted,
  CalendarWatchStopped,
  type EventEnvelope,
  createEvent,
} from '@scheduler/contracts';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import type { CalendarAccount, CalendarSyncEngine } from '../calendar-sync/calendar-sync-engine.js';
import { canonicalCalendarId } from '../calendar-sync/calendar-id.js';
import { recordWatchFacts } from '../calendar-sync/calendar-watch-stream.js';
import { calendarWatchStreamId } from '../calendar-sync/event-mapping.js';
import type { ChannelIds } from './channel-ids.js';
import { type NotificationHeaders, parsePushNotification } from './notification.js';
import { SyncCoalescer } from './sync-coalescer.js';
import { type ChannelRecord, type LiveChannel, WatchChannelRepository } from './watch-channel.repository.js';

/** What the manager needs of the sync engine. */
export type CalendarSyncer = Pick<CalendarSyncEngine, 'syncCalendar' | 'hasSynced'>;

export interface ChannelManagerOptions {
  /** google-ingest's private database (table calendar_channels). */
  readonly pool: pg.Pool;
  readonly eventStore: EventStore;
  /** How google-ingest's streams are stored (SEALED_ENVELOPES). */
  readonly codec: StreamCodec<EventEnvelope>;
  readonly syncer: CalendarSyncer;
  /** Issues channel ids that a notification can be checked against without a database read. */
  readonly channelIds: ChannelIds;
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

export type WatchedChannel = LiveChannel;

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

const digestOf = (token: string) => createHash('sha256').update(token, 'utf8').digest();
// Compared against for unknown channels, so they take as long as known ones.
const UNKNOWN_CHANNEL_DIGEST = digestOf(randomBytes(32).toString('base64url'));

/**
 * Google Calendar push channels: starts them with a random 256-bit token (only its digest is
 * stored), verifies notifications in constant time, ignores unknown channels and replays,
 * coalesces the syncs that notifications ask for, and renews channels before they expire with
 * an overlap, so no change falls between two channels.
 */
export class ChannelManager {
  private readonly channels: WatchChannelRepository;
  private readonly eventStore: EventStore;
  private readonly codec: StreamCodec<EventEnvelope>;
  private readonly syncer: CalendarSyncer;
  private readonly channelIds: ChannelIds;
  private readonly accounts: ChannelManagerOptions['accounts'];
  private readonly webhookAddress: string;
  private readonly clock: () => Date;
  private readonly channelTtlSeconds: number | undefined;
  private readonly renewBeforeMs: number;
  private readonly overlapMs: number;
  private readonly onSyncError: NonNullable<ChannelManagerOptions['onSyncError']>;
  private readonly syncs = new SyncCoalescer();
  /** Whether this process renewed the live channels whose ids it cannot verify (issued before, or under a removed key). */
  private unverifiableRenewed = false;

  constructor(options: ChannelManagerOptions) {
    this.channels = new WatchChannelRepository(options.pool);
    this.eventStore = options.eventStore;
    this.codec = options.codec;
    this.syncer = options.syncer;
    this.channelIds = options.channelIds;
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
  async startWatch(account: CalendarAccount, requestedCalendarId: string): Promise<WatchedChannel> {
    // Stored canonical: notifications then sync the calendar under the id the sync reports.
    const calendarId = canonicalCalendarId(requestedCalendarId, account.email);
    const channel = await this.openChannel(account, calendarId);
    await this.recordWatchEvents(account, [
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
    if (!(await this.syncer.hasSynced(account.userId, calendarId)))
      this.scheduleSync(account.userId, calendarId);
    return channel;
  }

  /**
   * Watches the calendar unless a live channel does already: a meeting was added to an event on
   * it (a secondary or shared calendar is watched only from then on). Returns whether a watch
   * was started.
   */
  async ensureWatched(account: CalendarAccount, requestedCalendarId: string): Promise<boolean> {
    const calendarId = canonicalCalendarId(requestedCalendarId, account.email);
    if ((await this.liveChannels(account.userId, calendarId)).length > 0) return false;
    await this.startWatch(account, calendarId);
    return true;
  }

  /** The calendars the user ever watched (canonical ids): a reconnection watches them all again. */
  calendarsWatchedBy(userId: string): Promise<string[]> {
    return this.channels.calendarsOf(userId);
  }

  /** The calendar's live channels (not stopped, not expired): lets a reconnect keep its watch instead of opening another. */
  liveChannels(userId: string, calendarId: string): Promise<WatchedChannel[]> {
    return this.channels.liveChannels(userId, calendarId, this.clock());
  }

  /**
   * Stops every channel of an account whose grant died (one that existed at `disconnectedAt`; a
   * watch started by a reconnection meanwhile is kept). Google most likely refuses
   * channels.stop with the dead grant too: the channel is stopped here all the same, its
   * notifications are ignored from now on, and Google's side lapses at its expiry.
   */
  async stopWatchesOfDisconnectedAccount(
    account: CalendarAccount,
    disconnectedAt: Date,
  ): Promise<{ stopped: number; stoppedAtGoogle: number }> {
    let stopped = 0;
    let stoppedAtGoogle = 0;
    for (const channel of await this.channels.unstoppedChannels(account.userId, disconnectedAt)) {
      if (channel.resourceId) {
        try {
          await account.calendar.stop({ id: channel.channelId, resourceId: channel.resourceId });
          stoppedAtGoogle += 1;
        } catch {
          // The dead grant: nothing more can be asked of Google for this account.
        }
      }
      if (!(await this.channels.markStopped(channel.channelId, this.clock()))) continue;
      stopped += 1;
      await this.recordWatchEvents(account, [this.stoppedEvent(account, channel, 'account-disconnected')]);
    }
    return { stopped, stoppedAtGoogle };
  }

  /**
   * Verifies a push notification and acts on it. Unknown channels, wrong tokens, stopped or
   * expired channels and replayed message numbers change nothing.
   */
  async handleNotification(headers: NotificationHeaders): Promise<NotificationResult> {
    const notification = parsePushNotification(headers);
    if (!notification) return { outcome: 'ignored', reason: 'malformed' };
    // An id we never issued is refused from the id alone: a flood of made-up channels reads nothing.
    if (!this.channelIds.isOurs(notification.channelId))
      return { outcome: 'ignored', reason: 'unknown-channel' };
    const channel = await this.channels.find(notification.channelId);
    const tokenMatches = timingSafeEqual(
      digestOf(notification.token ?? ''),
      channel?.tokenDigest ?? UNKNOWN_CHANNEL_DIGEST,
    );
    if (!channel) return { outcome: 'ignored', reason: 'unknown-channel' };
    if (!tokenMatches || notification.token === undefined)
      return { outcome: 'ignored', reason: 'wrong-token' };
    if (channel.resourceId !== null && channel.resourceId !== notification.resourceId)
      return { outcome: 'ignored', reason: 'wrong-resource' };
    if (channel.stoppedAt) return { outcome: 'ignored', reason: 'stopped' };
    if (channel.expiresAt && channel.expiresAt.getTime() <= this.clock().getTime())
      return { outcome: 'ignored', reason: 'expired' };
    if (!(await this.channels.advanceMessageNumber(channel.channelId, notification.messageNumber)))
      return { outcome: 'ignored', reason: 'replayed' };
    // "sync" only announces the channel; the initial sync is startWatch's.
    const syncScheduled = notification.resourceState !== 'sync';
    if (syncScheduled) this.scheduleSync(channel.userId, channel.calendarId);
    return {
      outcome: 'accepted',
      channelId: channel.channelId,
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
    const due = await this.channels.dueForRenewal(new Date(now.getTime() + this.renewBeforeMs));
    if (!this.unverifiableRenewed) {
      // Once per process: channels whose ids the webhook cannot verify get successors now rather
      // than at their expiry, since their notifications are refused until then.
      const unverifiable = (await this.channels.renewableChannelIds()).filter(
        (channelId) => !this.channelIds.isOurs(channelId) && !due.includes(channelId),
      );
      due.push(...unverifiable);
      this.unverifiableRenewed = true;
    }
    for (const channelId of due) {
      try {
        const successor = await this.renewOne(channelId, now);
        if (successor) renewed.push({ previousChannelId: channelId, channelId: successor });
      } catch (error) {
        failed.push({ channelId, error });
      }
    }
    const ending = await this.channels.dueForRetirement(new Date(now.getTime() - this.overlapMs), now);
    for (const channelId of ending) {
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
    const watched = await this.channels.watchedCalendars();
    for (const { userId, calendarId } of watched) this.scheduleSync(userId, calendarId);
    return watched.length;
  }

  /** Coalesced with concurrent requests for the same calendar; resolves when a sync that started after the call ended. */
  requestSync(userId: string, calendarId: string): Promise<void> {
    return this.syncs.request(JSON.stringify([userId, calendarId]), async () => {
      const account = await this.accounts(userId);
      if (!account) return;
      const result = await this.syncer.syncCalendar(account, calendarId);
      // An event of ours moved to a calendar we may not watch yet: watch it, and sync it now.
      for (const moved of new Set(result.moved.map((move) => move.toCalendarId))) {
        await this.ensureWatched(account, moved);
        this.scheduleSync(userId, moved);
      }
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
    const channelId = this.channelIds.issue();
    const token = randomBytes(32).toString('base64url');
    await this.channels.insertPending({
      channelId,
      userId: account.userId,
      calendarId,
      tokenDigest: digestOf(token),
      createdAt: this.clock(),
    });
    try {
      const channel = await account.calendar.watch(calendarId, {
        id: channelId,
        address: this.webhookAddress,
        token,
        ...(this.channelTtlSeconds !== undefined ? { ttlSeconds: this.channelTtlSeconds } : {}),
      });
      await this.channels.confirm(channelId, channel.resourceId, channel.expiresAt);
      return { channelId, resourceId: channel.resourceId, expiresAt: channel.expiresAt };
    } catch (error) {
      await this.channels.remove(channelId);
      throw error;
    }
  }

  private async renewOne(channelId: string, now: Date): Promise<string | undefined> {
    const renewal = await this.channels.inTransaction(async (transaction) => {
      // Another replica renewing the same channel holds the row: leave it to that one.
      const old = await transaction.lockRenewable(channelId);
      const account = old && (await this.accounts(old.userId));
      if (!old || !account) return undefined;
      const successor = await this.openChannel(account, old.calendarId);
      const expired = old.expiresAt !== null && old.expiresAt.getTime() <= now.getTime();
      await transaction.markReplaced(channelId, {
        successorId: successor.channelId,
        replacedAt: now,
        stoppedAt: expired ? now : null,
      });
      return { old, account, successor, expired };
    });
    if (!renewal) return undefined;
    const { old, account, successor, expired } = renewal;
    const events: EventEnvelope[] = [
      createEvent(CalendarWatchRenewed, {
        streamId: calendarWatchStreamId(account.userId),
        tenantId: account.tenantId,
        occurredAt: now,
        data: {
          userId: account.userId,
          calendarId: old.calendarId,
          channelId: successor.channelId,
          resourceId: successor.resourceId,
          expiresAt: successor.expiresAt.toISOString(),
          previousChannelId: channelId,
        },
      }),
    ];
    if (expired) events.push(this.stoppedEvent(account, old, 'expired'));
    await this.recordWatchEvents(account, events);
    // A channel that lapsed may have missed changes: sync now rather than at the next periodic run.
    if (expired) this.scheduleSync(account.userId, old.calendarId);
    return successor.channelId;
  }

  private async retireOne(channelId: string, now: Date): Promise<boolean> {
    const retired = await this.channels.inTransaction(async (transaction) => {
      const old = await transaction.lockUnstopped(channelId);
      if (!old) return undefined;
      const account = await this.accounts(old.userId);
      const live = old.expiresAt === null || old.expiresAt.getTime() > now.getTime();
      // Google keeps notifying until the channel is stopped or expires; a gone account's channel just lapses.
      if (account && live && old.resourceId)
        await account.calendar.stop({ id: old.channelId, resourceId: old.resourceId });
      await transaction.markStopped(channelId, now);
      return { old, account };
    });
    if (!retired) return false;
    if (retired.account)
      await this.recordWatchEvents(retired.account, [
        this.stoppedEvent(retired.account, retired.old, 'renewed'),
      ]);
    return true;
  }

  private stoppedEvent(
    account: CalendarAccount,
    channel: ChannelRecord,
    reason: 'renewed' | 'account-disconnected' | 'expired',
  ): EventEnvelope {
    return createEvent(CalendarWatchStopped, {
      streamId: calendarWatchStreamId(account.userId),
      tenantId: account.tenantId,
      occurredAt: this.clock(),
      data: { userId: account.userId, calendarId: channel.calendarId, channelId: channel.channelId, reason },
    });
  }

  private async recordWatchEvents(account: CalendarAccount, events: EventEnvelope[]): Promise<void> {
    await recordWatchFacts(this.eventStore, this.codec, account.userId, events);
  }
}
