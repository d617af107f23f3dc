import type pg from 'pg';
import { migrate, type Migration } from '@scheduler/postgres-migrations';

/**
 * google-ingest's private account table (in the pool's search_path). Version 1 keeps
 * IF NOT EXISTS: databases made before migrations were recorded already have the table.
 */
export const googleAccountMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'create-google-accounts',
    up: `CREATE TABLE IF NOT EXISTS google_accounts (
       user_id text PRIMARY KEY,
       tenant_id text NOT NULL,
       grant_id uuid NOT NULL,
       email_sealed jsonb NOT NULL,
       refresh_token_sealed jsonb NOT NULL,
       access_token_sealed jsonb,
       access_token_expires_at timestamptz,
       scopes text[] NOT NULL,
       status text NOT NULL CHECK (status IN ('connected', 'reauthorization-required')),
       connected_at timestamptz NOT NULL,
       tokens_updated_at timestamptz NOT NULL,
       reauthorization_required_at timestamptz
     )`,
  },
  {
    version: 2,
    name: 'google-accounts-disconnection',
    // Why the grant died, and when its disconnection (channels stopped, event recorded) was
    // done: a row marked but not handled (a crash in between) is handled again.
    up: `ALTER TABLE google_accounts
       ADD COLUMN IF NOT EXISTS disconnection_reason text
         CHECK (disconnection_reason IN ('token-revoked', 'token-rejected')),
       ADD COLUMN IF NOT EXISTS disconnection_handled_at timestamptz`,
  },
];

export async function ensureGoogleAccountSchema(pool: pg.Pool): Promise<void> {
  await migrate(pool, { component: 'google-ingest.accounts', migrations: googleAccountMigrations });
}
