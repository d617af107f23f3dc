import type { Migration } from '@scheduler/postgres-migrations';

/** Where the webhook tables live: `schema` if given, else the connection's search_path. */
export function webexWebhookTables(schema: string | undefined) {
  const prefix = schema ? `"${schema}".` : '';
  return {
    registrations: `${prefix}webex_meeting_webhooks`,
    links: `${prefix}webex_meeting_links`,
  };
}

/**
 * - `webex_meeting_webhooks`: the meetings webhook registered in Webex for each connected user,
 *   and its secret, sealed under the user's subject (forgetting the user shreds it).
 * - `webex_meeting_links`: which of our meetings a Webex meeting id is (from MeetingScheduled).
 *   Derived state: every row can be rebuilt from the meeting streams.
 */
export function webexWebhookMigrations(schema: string | undefined): readonly Migration[] {
  const { registrations, links } = webexWebhookTables(schema);
  return [
    {
      version: 1,
      name: 'create-webex-meeting-webhooks',
      up: `CREATE TABLE ${registrations} (
         user_id text PRIMARY KEY,
         sealed_secret jsonb NOT NULL,
         webhook_id text UNIQUE,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
    },
    {
      version: 2,
      name: 'create-webex-meeting-links',
      up: `CREATE TABLE ${links} (
         webex_meeting_id text PRIMARY KEY,
         meeting_id text NOT NULL,
         recorded_at timestamptz NOT NULL DEFAULT now()
       )`,
    },
  ];
}
