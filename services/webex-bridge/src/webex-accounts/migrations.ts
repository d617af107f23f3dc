import type { Migration } from '@scheduler/postgres-migrations';

/** Where the bridge's account tables live: `schema` if given, else the connection's search_path. */
export function webexAccountTables(schema: string | undefined) {
  const prefix = schema ? `"${schema}".` : '';
  return { accounts: `${prefix}webex_accounts`, directorySites: `${prefix}webex_directory_sites` };
}

/**
 * The bridge's private account tables. Version 1 keeps IF NOT EXISTS: databases made before
 * migrations were recorded already have the tables.
 */
export function webexAccountMigrations(schema: string | undefined): readonly Migration[] {
  const { accounts, directorySites } = webexAccountTables(schema);
  return [
    {
      version: 1,
      name: 'create-webex-accounts-and-directory-sites',
      up: `CREATE TABLE IF NOT EXISTS ${accounts} (
         user_id text PRIMARY KEY,
         tenant_id text NOT NULL,
         webex_person_id text NOT NULL,
         sealed_tokens jsonb NOT NULL,
         access_expires_at timestamptz NOT NULL,
         refresh_expires_at timestamptz NOT NULL,
         status text NOT NULL CHECK (status IN ('connected', 'reauthorization-required')),
         disconnect_recorded boolean NOT NULL DEFAULT false,
         site_url text,
         site_source text CHECK (site_source IN ('directory', 'webex-account')),
         meeting_template_id text,
         cached_at timestamptz,
         updated_at timestamptz NOT NULL DEFAULT now()
       );
       CREATE TABLE IF NOT EXISTS ${directorySites} (
         user_id text PRIMARY KEY,
         site_url text NOT NULL,
         recorded_at timestamptz NOT NULL DEFAULT now()
       )`,
    },
    {
      version: 2,
      name: 'one-user-per-webex-person',
      // One Webex account serves one Google user: a second user connecting it is refused.
      up: `CREATE UNIQUE INDEX IF NOT EXISTS webex_accounts_webex_person_id ON ${accounts} (webex_person_id)`,
    },
  ];
}
