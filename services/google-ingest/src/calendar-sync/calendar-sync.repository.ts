import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '@scheduler/postgres-migrations';

/** The last state emitted for an event that carries (or carried) our conference. */
export interface LinkedEvent {
  readonly eventId: string;
  readonly meetingId: string;
  readonly conferenceId: string;
  /** Per event, so the digest of a state that includes personal data reveals nothing. */
  readonly stateSalt: Buffer;
  /** Undefined: linked when our conference was attached, no state emitted yet. */
  readonly stateDigest: string | undefined;
}

/** Which meeting's conference an event carries. */
export interface EventConferenceLink {
  readonly meetingId: string;
  readonly conferenceId: string;
}

/** Why the next sync of a calendar must list it in full although it holds a sync token. */
export type FullResyncReason = 'account-reconnected';

/** What the last sync of a calendar left. */
export interface SyncState {
  readonly syncToken: string;
  readonly fullResyncReason: FullResyncReason | undefined;
}

/** The private tables of one calendar, inside the transaction that holds its sync lock. */
export interface CalendarSyncTransaction {
  syncState(): Promise<SyncState | undefined>;
  /**
   * `fullResyncDone`: this sync honoured the full-resync mark it read, which is cleared; a mark
   * set while the sync ran stays for the next one.
   */
  saveSyncToken(syncToken: string, syncedAt: Date, fullResyncDone: boolean): Promise<void>;
  /** All the calendar's linked events, or only those among `eventIds`. */
  linkedEvents(eventIds: readonly string[] | undefined): Promise<Map<string, LinkedEvent>>;
  saveLinkedEvent(
    event: LinkedEvent & {
      readonly stateDigest: string;
      readonly streamRevision: bigint;
      readonly emittedAt: Date;
    },
  ): Promise<void>;
  forgetLinkedEvent(eventId: string): Promise<void>;
}

interface LinkedEventRow {
  event_id: string;
  meeting_id: string;
  conference_id: string;
  state_salt: Buffer;
  state_digest: string | null;
}

const LOCK_NAMESPACE = 'google-ingest/calendar-sync';

/** calendar_sync_state and calendar_linked_events in google-ingest's private database: every statement on them. */
export class CalendarSyncRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Runs `work` in one transaction under the calendar's lock: one sync per calendar at a time,
   * across replicas. The second waits, then starts from the token the first stored and finds
   * nothing left to emit. Nothing is saved unless `work` succeeds.
   */
  async withCalendarLocked<Result>(
    userId: string,
    calendarId: string,
    work: (transaction: CalendarSyncTransaction) => Promise<Result>,
  ): Promise<Result> {
    return inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        JSON.stringify([LOCK_NAMESPACE, userId, calendarId]),
      ]);
      return work(calendarTransaction(client, userId, calendarId));
    });
  }

  /** Every calendar of the user that was synced is listed in full at its next sync. */
  async requireFullResync(userId: string, reason: FullResyncReason): Promise<void> {
    await this.pool.query('UPDATE calendar_sync_state SET full_resync_reason = $2 WHERE user_id = $1', [
      userId,
      reason,
    ]);
  }

  /**
   * Links the event to the meeting whose conference was just written into it, before any sync
   * saw it there. A deletion found later (an incremental sync, or the full resync after the
   * account's grant died) then names the meeting whether or not a sync saw the conference. A
   * row a sync made is kept; one naming another meeting (a copy whose conference was replaced)
   * takes the new link, and its digest no longer matches, so the next sync emits the new state.
   */
  async linkAttachedConference(
    userId: string,
    calendarId: string,
    eventId: string,
    link: EventConferenceLink,
  ): Promise<void> {
    await this.pool.query(
      `INSERT INTO calendar_linked_events (user_id, calendar_id, event_id, meeting_id, conference_id, state_salt)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (user_id, calendar_id, event_id) DO UPDATE SET meeting_id = $4, conference_id = $5
        WHERE calendar_linked_events.meeting_id <> $4 OR calendar_linked_events.conference_id <> $5`,
      [userId, calendarId, eventId, link.meetingId, link.conferenceId, randomBytes(16)],
    );
  }

  /** Whether the calendar was ever synced (then a new watch needs no initial sync). */
  async hasSynced(userId: string, calendarId: string): Promise<boolean> {
    const synced = await this.pool.query(
      'SELECT 1 FROM calendar_sync_state WHERE user_id = $1 AND calendar_id = $2',
      [userId, calendarId],
    );
    return synced.rowCount !== 0;
  }
}

function calendarTransaction(
  client: pg.PoolClient,
  userId: string,
  calendarId: string,
): CalendarSyncTransaction {
  return {
    async syncState() {
      const state = await client.query<{ sync_token: string; full_resync_reason: FullResyncReason | null }>(
        `SELECT sync_token, full_resync_reason FROM calendar_sync_state
          WHERE user_id = $1 AND calendar_id = $2`,
        [userId, calendarId],
      );
      const row = state.rows[0];
      return row && { syncToken: row.sync_token, fullResyncReason: row.full_resync_reason ?? undefined };
    },

    async saveSyncToken(syncToken, syncedAt, fullResyncDone) {
      await client.query(
        `INSERT INTO calendar_sync_state (user_id, calendar_id, sync_token, last_synced_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, calendar_id) DO UPDATE SET sync_token = $3, last_synced_at = $4,
           full_resync_reason = CASE WHEN $5 THEN NULL ELSE calendar_sync_state.full_resync_reason END`,
        [userId, calendarId, syncToken, syncedAt, fullResyncDone],
      );
    },

    async linkedEvents(eventIds) {
      if (eventIds?.length === 0) return new Map();
      const { rows } = await client.query<LinkedEventRow>(
        `SELECT event_id, meeting_id, conference_id, state_salt, state_digest
           FROM calendar_linked_events
          WHERE user_id = $1 AND calendar_id = $2 AND ($3::text[] IS NULL OR event_id = ANY($3))`,
        [userId, calendarId, eventIds ?? null],
      );
      return new Map(
        rows.map((row) => [
          row.event_id,
          {
            eventId: row.event_id,
            meetingId: row.meeting_id,
            conferenceId: row.conference_id,
            stateSalt: row.state_salt,
            stateDigest: row.state_digest ?? undefined,
          },
        ]),
      );
    },

    async saveLinkedEvent(event) {
      // stream_revision: the calendarEvent stream's revision after this state, for whoever
      // investigates; the stream itself decides what is emitted.
      await client.query(
        `INSERT INTO calendar_linked_events
           (user_id, calendar_id, event_id, meeting_id, conference_id, state_salt, state_digest, stream_revision, emitted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (user_id, calendar_id, event_id) DO UPDATE SET
           meeting_id = $4, conference_id = $5, state_salt = $6, state_digest = $7, stream_revision = $8, emitted_at = $9`,
        [
          userId,
          calendarId,
          event.eventId,
          event.meetingId,
          event.conferenceId,
          event.stateSalt,
          event.stateDigest,
          event.streamRevision.toString(),
          event.emittedAt,
        ],
      );
    },

    async forgetLinkedEvent(eventId) {
      await client.query(
        'DELETE FROM calendar_linked_events WHERE user_id = $1 AND calendar_id = $2 AND event_id = $3',
        [userId, calendarId, eventId],
      );
    },
  };
}
