import type pg from 'pg';
import { migrate, type Migration } from '@scheduler/postgres-migrations';

/**
 * google-ingest's private sync state (its channel and sync state), in the pool's search_path.
 * Rows exist only for calendars we sync and for events that carry our conference: nothing
 * about any other calendar event is ever written here. Version 1 keeps IF NOT EXISTS:
 * databases made before migrations were recorded already have the tables.
 */
export const calendarSyncMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'create-calendar-sync-state-and-linked-events',
    up: `CREATE TABLE IF NOT EXISTS calendar_sync_state (
       user_id text NOT NULL,
       calendar_id text NOT NULL,
       sync_token text NOT NULL,
       last_synced_at timestamptz NOT NULL,
       PRIMARY KEY (user_id, calendar_id)
     );
     -- The last state emitted per linked event: what makes repeated notifications and overlapping
     -- full resyncs emit once. The digest is salted because the state includes personal data.
     CREATE TABLE IF NOT EXISTS calendar_linked_events (
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
  },
  {
    version: 2,
    name: 'calendar-sync-state-full-resync',
    // Set when the account's grant died: changes made while we could not read the calendar
    // (deletions included) are found only by listing it in full once the user is back.
    up: `ALTER TABLE calendar_sync_state ADD COLUMN IF NOT EXISTS full_resync_reason text
       CHECK (full_resync_reason IN ('account-reconnected'))`,
  },
  {
    version: 3,
    name: 'calendar-linked-events-linked-before-emitted',
    // The attacher links an event to its meeting when it writes our conference, before any sync
    // saw it there: such a row has no emitted state yet.
    up: `ALTER TABLE calendar_linked_events
       ALTER COLUMN state_digest DROP NOT NULL,
       ALTER COLUMN stream_revision DROP NOT NULL,
       ALTER COLUMN emitted_at DROP NOT NULL`,
  },
];

export async function ensureCalendarSyncSchema(pool: pg.Pool): Promise<void> {
  await migrate(pool, { component: 'google-ingest.calendar-sync', migrations: calendarSyncMigrations });
}
