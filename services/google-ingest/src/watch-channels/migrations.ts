import type pg from 'pg';
import { migrate, type Migration } from '@scheduler/postgres-migrations';

/**
 * google-ingest's push channels, in the pool's search_path. Version 1 keeps IF NOT EXISTS:
 * databases made before migrations were recorded already have the table and index.
 */
export const channelMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'create-calendar-channels',
    up: `CREATE TABLE IF NOT EXISTS calendar_channels (
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
     );
     CREATE INDEX IF NOT EXISTS calendar_channels_live ON calendar_channels (expires_at) WHERE stopped_at IS NULL`,
  },
];

export async function ensureChannelSchema(pool: pg.Pool): Promise<void> {
  await migrate(pool, { component: 'google-ingest.channels', migrations: channelMigrations });
}
