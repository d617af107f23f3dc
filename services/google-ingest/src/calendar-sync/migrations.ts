import type pg from 'pg';
import { ensurePrivateSchema } from '@scheduler/runtime';

/**
 * google-ingest's private sync state, in the pool's search_path: kept out of the event log
 * because it is this service's bookkeeping, not a fact others act on. Rows exist only for calendars we sync and for events that carry our conference:
 * nothing about any other calendar event is ever written here.
 */
const statements = [
  `CREATE TABLE IF NOT EXISTS calendar_sync_state (
     user_id text NOT NULL,
     calendar_id text NOT NULL,
     sync_token text NOT NULL,
     last_synced_at timestamptz NOT NULL,
     PRIMARY KEY (user_id, calendar_id)
   )`,
  // The last state emitted per linked event: what makes repeated notifications and overlapping
  // full resyncs emit once. The digest is salted because the state includes personal data.
  `CREATE TABLE IF NOT EXISTS calendar_linked_events (
     user_id text NOT NULL,
     calendar_id text NOT NULL,
     event_id text NOT NULL,
     meeting_id uuid NOT NULL,
     conference_id text NOT NULL,
     state_salt bytea NOT NULL,
     state_digest text NOT NULL,
     stream_revision bigint NOT NULL,
     emitted_at timestamptz NOT NULL,
     PRIMARY KEY (user_id, calendar_id, event_id)
   )`,
];

export async function ensureCalendarSyncSchema(pool: pg.Pool): Promise<void> {
  await ensurePrivateSchema(pool, 'google-ingest.calendar-sync', statements);
}
