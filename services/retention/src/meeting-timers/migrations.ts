import type { Migration } from '@scheduler/postgres-migrations';

export const TIMER_TABLE = 'retention_meeting_timers';

/**
 * Retention's private timer table. Version 1 keeps IF NOT EXISTS: databases made before
 * migrations were recorded already have the table and index.
 */
export const timerMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'create-retention-meeting-timers',
    up: `CREATE TABLE IF NOT EXISTS ${TIMER_TABLE} (
       meeting_id text PRIMARY KEY,
       tenant_id text NOT NULL,
       stream_id text NOT NULL,
       state text NOT NULL CHECK (state IN ('scheduled', 'ended', 'cancelled', 'purged')),
       ends_at timestamptz NOT NULL,
       purge_at timestamptz NOT NULL,
       retention_after_end_seconds integer NOT NULL CHECK (retention_after_end_seconds >= 0),
       last_event_id text NOT NULL,
       last_event_at timestamptz NOT NULL,
       correlation_id text NOT NULL,
       traceparent text,
       due_at timestamptz,
       attempts integer NOT NULL DEFAULT 0,
       updated_at timestamptz NOT NULL DEFAULT now()
     );
     CREATE INDEX IF NOT EXISTS ${TIMER_TABLE}_due ON ${TIMER_TABLE} (due_at) WHERE due_at IS NOT NULL`,
  },
];
