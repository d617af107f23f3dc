import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import {
  CalendarEventChanged,
  CalendarSyncReset,
  ContractViolationError,
  type EventEnvelope,
  createEvent,
  type EventOf,
  newUuidV7,
} from '@scheduler/contracts';
import { type EventStore, type StreamCodec, handleCommand } from '@scheduler/event-store';
import {
  type CalendarEvent,
  type ChangesPage,
  type GoogleCalendarClient,
  SyncTokenExpired,
} from '@scheduler/google';
import { type ConferenceLink, readOurConference } from './conference.js';
import {
  type CalendarEventChangedData,
  calendarEventStreamId,
  calendarWatchStreamId,
  cancelledEventData,
  eventTimeZone,
  liveEventData,
  stateDigest,
} from './event-mapping.js';
import { calendarEventDecider } from './calendar-event.decider.js';
import { recordWatchFacts } from './calendar-watch-stream.js';

/** A connected Google account, as the sync needs it. Where it comes from (token storage) is not our concern here. */
export interface CalendarAccount {
  /** Google's subject id: our user id. */
  readonly userId: string;
  readonly tenantId: string;
  /** Tells whether the user organises an event. Personal data: never logged. */
  readonly email: string;
  /** A Calendar client acting for this account. */
  readonly calendar: GoogleCalendarClient;
}

export interface CalendarSyncEngineOptions {
  /** The service's private database (sync state and linked events). */
  readonly pool: pg.Pool;
  readonly eventStore: EventStore;
  /** How google-ingest's streams are stored: CalendarEventChanged's personal fields (title, attendees) sealed. */
  readonly codec: StreamCodec<EventEnvelope>;
  readonly clock?: () => Date;
  /** events.list page size (Google's default is 250, its maximum 2500). */
  readonly pageSize?: number;
}

export interface CalendarSyncResult {
  readonly userId: string;
  readonly calendarId: string;
  readonly mode: 'incremental' | 'full';
  /** Why the sync was a full one. */
  readonly reset?: 'initial' | 'sync-token-expired';
  readonly pages: number;
  /** Changed events Google listed, ours or not. */
  readonly listed: number;
  readonly emitted: { created: number; updated: number; cancelled: number };
  /** Changes to our events whose relevant state we had emitted already. */
  readonly unchanged: number;
  /** Events of ours that our contract cannot describe; the sync went on without them. */
  readonly skipped: ReadonlyArray<{ eventId: string; issues: readonly string[] }>;
}

interface LinkedEventRow {
  event_id: string;
  meeting_id: string;
  conference_id: string;
  state_salt: Buffer;
  state_digest: string;
  stream_revision: string;
}

interface SyncRun {
  readonly account: CalendarAccount;
  readonly calendarId: string;
  readonly client: pg.PoolClient;
  readonly correlationId: string;
  readonly now: Date;
  readonly result: {
    emitted: { created: number; updated: number; cancelled: number };
    unchanged: number;
    skipped: Array<{ eventId: string; issues: readonly string[] }>;
  };
  calendarTimeZone?: string;
}

const LOCK_NAMESPACE = 'google-ingest/calendar-sync';

/**
 * Turns Google Calendar changes into CalendarEventChanged events (docs/calendar-sync.md).
 * Incremental with the stored sync token, full on the first sync and after a 410; only events
 * that carry our conference (or that we had linked) produce events or private rows; a change
 * is emitted once however often it is seen.
 */
export class CalendarSyncEngine {
  private readonly pool: pg.Pool;
  private readonly eventStore: EventStore;
  private readonly codec: StreamCodec<EventEnvelope>;
  private readonly clock: () => Date;
  private readonly pageSize: number | undefined;

  constructor(options: CalendarSyncEngineOptions) {
    this.codec = options.codec;
    this.pool = options.pool;
    this.eventStore = options.eventStore;
    this.clock = options.clock ?? (() => new Date());
    this.pageSize = options.pageSize;
  }

  async syncCalendar(account: CalendarAccount, calendarId: string): Promise<CalendarSyncResult> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // One sync per calendar at a time, across replicas: the second waits, then starts from the
      // token the first stored and finds nothing left to emit.
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        JSON.stringify([LOCK_NAMESPACE, account.userId, calendarId]),
      ]);
      const result = await this.syncLocked(client, account, calendarId);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async syncLocked(
    client: pg.PoolClient,
    account: CalendarAccount,
    calendarId: string,
  ): Promise<CalendarSyncResult> {
    const state = await client.query<{ sync_token: string }>(
      'SELECT sync_token FROM calendar_sync_state WHERE user_id = $1 AND calendar_id = $2',
      [account.userId, calendarId],
    );
    const storedToken = state.rows[0]?.sync_token;
    let reset: 'initial' | 'sync-token-expired' | undefined = storedToken ? undefined : 'initial';
    let listing: ChangesPage | undefined;
    const listOptions = this.pageSize !== undefined ? { maxResults: this.pageSize } : {};
    if (storedToken) {
      try {
        listing = await account.calendar.listChanges(calendarId, { ...listOptions, syncToken: storedToken });
      } catch (error) {
        if (!(error instanceof SyncTokenExpired)) throw error;
        reset = 'sync-token-expired';
      }
    }
    listing ??= await account.calendar.listChanges(calendarId, listOptions);

    const run: SyncRun = {
      account,
      calendarId,
      client,
      correlationId: newUuidV7(),
      now: this.clock(),
      result: { emitted: { created: 0, updated: 0, cancelled: 0 }, unchanged: 0, skipped: [] },
    };
    if (reset) {
      await recordWatchFacts(this.eventStore, this.codec, account.userId, [
        createEvent(CalendarSyncReset, {
          streamId: calendarWatchStreamId(account.userId),
          tenantId: account.tenantId,
          correlationId: run.correlationId,
          occurredAt: run.now,
          data: { userId: account.userId, calendarId, reason: reset },
        }),
      ]);
    }

    const full = reset !== undefined;
    const linked = await this.linkedEvents(run, full ? undefined : listing.events.map((event) => event.id!));
    for (const event of listing.events) await this.applyChange(run, event, linked.get(event.id!));
    if (full) {
      // A full listing leaves out deleted events: an event we had linked that is gone was
      // deleted (or moved away) while our token was dead.
      const listed = new Set(listing.events.map((event) => event.id!));
      for (const row of linked.values())
        if (!listed.has(row.event_id)) await this.emitCancelled(run, row.event_id, row, undefined);
    }

    await client.query(
      `INSERT INTO calendar_sync_state (user_id, calendar_id, sync_token, last_synced_at)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, calendar_id) DO UPDATE SET sync_token = $3, last_synced_at = $4`,
      [account.userId, calendarId, listing.nextSyncToken, run.now],
    );
    return {
      userId: account.userId,
      calendarId,
      mode: full ? 'full' : 'incremental',
      ...(reset ? { reset } : {}),
      pages: listing.pages,
      listed: listing.events.length,
      ...run.result,
    };
  }

  private async linkedEvents(
    run: SyncRun,
    eventIds: string[] | undefined,
  ): Promise<Map<string, LinkedEventRow>> {
    if (eventIds?.length === 0) return new Map();
    const { rows } = await run.client.query<LinkedEventRow>(
      `SELECT event_id, meeting_id, conference_id, state_salt, state_digest, stream_revision
         FROM calendar_linked_events
        WHERE user_id = $1 AND calendar_id = $2 AND ($3::text[] IS NULL OR event_id = ANY($3))`,
      [run.account.userId, run.calendarId, eventIds ?? null],
    );
    return new Map(rows.map((row) => [row.event_id, row]));
  }

  private async applyChange(
    run: SyncRun,
    event: CalendarEvent,
    row: LinkedEventRow | undefined,
  ): Promise<void> {
    const eventId = event.id!;
    if (event.status === 'cancelled') {
      // A deleted event we never linked: nothing to say and nothing to keep.
      if (row) await this.emitCancelled(run, eventId, row, event.updated);
      return;
    }
    const conference = readOurConference(event.conferenceData);
    // Neither ours now nor before: leaves no trace.
    if (!conference && !row) return;
    if (event.recurringEventId) {
      // A changed occurrence of a series carries the series' conference under an id of its own;
      // emitted as is it would read as a copy. Recurring meetings are not supported yet.
      run.result.skipped.push({
        eventId,
        issues: ['recurringEventId: occurrences of a series are not supported yet'],
      });
      return;
    }
    const data = liveEventData({
      owner: run.account,
      calendarId: run.calendarId,
      event,
      conference,
      change: row ? 'updated' : 'created',
      timeZone: eventTimeZone(event) ?? (await this.calendarTimeZone(run)),
      now: run.now,
    });
    // Our conference was removed from an event we had linked: say so once (no conference in the
    // data), then forget the event.
    await this.emitIfChanged(run, eventId, data, row, conference ? 'keep' : 'forget');
  }

  private async emitCancelled(
    run: SyncRun,
    eventId: string,
    row: LinkedEventRow,
    updated: string | null | undefined,
  ): Promise<void> {
    const data = cancelledEventData({
      userId: run.account.userId,
      calendarId: run.calendarId,
      eventId,
      conference: { meetingId: row.meeting_id, conferenceId: row.conference_id },
      updated,
    });
    await this.emitIfChanged(run, eventId, data, row, 'forget');
  }

  /**
   * Records the change unless it is the state we emitted last. The private row's digest answers
   * that without reading the stream; otherwise calendarEventDecider compares with the stream's
   * last change, so a retry after a crash (appended, but the row not saved) emits nothing twice.
   */
  private async emitIfChanged(
    run: SyncRun,
    eventId: string,
    data: CalendarEventChangedData,
    row: LinkedEventRow | undefined,
    afterwards: 'keep' | 'forget',
  ): Promise<void> {
    const salt = row?.state_salt ?? randomBytes(16);
    const digest = stateDigest(data, salt);
    if (row && row.state_digest === digest) {
      run.result.unchanged += 1;
      if (afterwards === 'forget') await this.forget(run, eventId);
      return;
    }
    let change: EventOf<typeof CalendarEventChanged>;
    try {
      change = createEvent(CalendarEventChanged, {
        streamId: calendarEventStreamId(run.account.userId, eventId),
        tenantId: run.account.tenantId,
        correlationId: run.correlationId,
        occurredAt: run.now,
        data,
      });
    } catch (error) {
      if (!(error instanceof ContractViolationError)) throw error;
      // Paths and rules only: the values may be personal data.
      run.result.skipped.push({
        eventId,
        issues: error.issues.map((issue) => `${issue.path}: ${issue.message}`),
      });
      return;
    }
    const recorded = await handleCommand(
      this.eventStore,
      change.streamId,
      (state) => calendarEventDecider.decide({ change }, state),
      { ...calendarEventDecider, codec: this.codec },
    );
    if (recorded.appendResult) run.result.emitted[data.change] += 1;
    else run.result.unchanged += 1;
    if (afterwards === 'forget') {
      await this.forget(run, eventId);
      return;
    }
    const revision = recorded.appendResult?.nextExpectedRevision ?? recorded.stream.currentRevision!;
    const conference = data.conference as ConferenceLink;
    await run.client.query(
      `INSERT INTO calendar_linked_events
         (user_id, calendar_id, event_id, meeting_id, conference_id, state_salt, state_digest, stream_revision, emitted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (user_id, calendar_id, event_id) DO UPDATE SET
         meeting_id = $4, conference_id = $5, state_salt = $6, state_digest = $7, stream_revision = $8, emitted_at = $9`,
      [
        run.account.userId,
        run.calendarId,
        eventId,
        conference.meetingId,
        conference.conferenceId,
        salt,
        digest,
        revision.toString(),
        run.now,
      ],
    );
  }

  private async forget(run: SyncRun, eventId: string): Promise<void> {
    await run.client.query(
      'DELETE FROM calendar_linked_events WHERE user_id = $1 AND calendar_id = $2 AND event_id = $3',
      [run.account.userId, run.calendarId, eventId],
    );
  }

  /** Asked once per sync, and only when an event of ours names no time zone itself. */
  private async calendarTimeZone(run: SyncRun): Promise<string> {
    run.calendarTimeZone ??= await run.account.calendar.timeZone();
    return run.calendarTimeZone;
  }
}
