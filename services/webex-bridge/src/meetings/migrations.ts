import type { Migration } from '@scheduler/postgres-migrations';

/** Where the meetings feature's table lives: `schema` if given, else the connection's search_path. */
export function meetingSyncTable(schema: string | undefined): string {
  return `${schema ? `"${schema}".` : ''}meetings_to_converge`;
}

/** The scheduled meetings whose Webex meeting is compared with Webex from time to time (drift). */
export function meetingDriftTable(schema: string | undefined): string {
  return `${schema ? `"${schema}".` : ''}meetings_to_check`;
}

/**
 * The meetings whose Webex meeting does not yet look as their stream wants it. Derived state:
 * every row can be rebuilt by folding the meeting streams; the streams stay the authority.
 */
export function meetingMigrations(schema: string | undefined): readonly Migration[] {
  const table = meetingSyncTable(schema);
  const drift = meetingDriftTable(schema);
  return [
    {
      version: 1,
      name: 'create-meetings-to-converge',
      up: `CREATE TABLE ${table} (
         meeting_id text PRIMARY KEY,
         user_id text NOT NULL,
         due_at timestamptz NOT NULL,
         attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
         waiting_for text CHECK (waiting_for IN ('webex-reconnect')),
         last_error text,
         updated_at timestamptz NOT NULL DEFAULT now()
       );
       CREATE INDEX meetings_to_converge_due ON ${table} (due_at) WHERE waiting_for IS NULL;
       CREATE INDEX meetings_to_converge_user ON ${table} (user_id)`,
    },
    {
      // Derived too: a converged, scheduled meeting and the start Webex should hold, so that the
      // drift check reads only upcoming meetings; rebuilt from the streams when created.
      version: 2,
      name: 'create-meetings-to-check',
      up: `CREATE TABLE ${drift} (
         meeting_id text PRIMARY KEY,
         user_id text NOT NULL,
         starts_at timestamptz NOT NULL,
         checked_at timestamptz
       );
       CREATE INDEX meetings_to_check_upcoming ON ${drift} (starts_at)`,
    },
    {
      // Since when the meeting is not converged (kept while it stays), for the metrics: rows
      // that existed before count from this migration on.
      version: 3,
      name: 'add-not-converged-since',
      up: `ALTER TABLE ${table} ADD COLUMN not_converged_since timestamptz NOT NULL DEFAULT now()`,
    },
  ];
}
