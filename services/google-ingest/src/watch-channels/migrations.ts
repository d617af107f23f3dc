import type pg from 'pg';
import { ensurePrivateSchema } from '@scheduler/runtime';

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

/** google-ingest's private watch channel table (in the pool's search_path). */
export async function ensureChannelSchema(pool: pg.Pool): Promise<void> {
  await ensurePrivateSchema(pool, 'google-ingest.channels', statements);
}
