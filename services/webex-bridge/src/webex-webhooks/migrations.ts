import type { Migration } from '@scheduler/postgres-migrations';

/** Where the webhook tables live: `schema` if given, else the connection's search_path. */
export function webexWebhookTables(schema: string | undefined) {
  const prefix = schema ? `"${schema}".` : '';
  return {
    registrations: `${prefix}webex_meeting_webhooks`,
    webhookIds: `${prefix}webex_meeting_webhook_ids`,
    links: `${prefix}webex_meeting_links`,
  };
}

/**
 * - `webex_meeting_webhooks`: each connected user's webhook secret, sealed under the user's
 *   subject (forgetting the user shreds it), and `webex_meeting_webhook_ids`: the user's
 *   meetings webhooks in Webex, one per event we need, all signed with that secret.
 * - `webex_meeting_links`: which of our meetings a Webex meeting id is (from MeetingScheduled).
 *   Derived state: every row can be rebuilt from the meeting streams.
 */
export function webexWebhookMigrations(schema: string | undefined): readonly Migration[] {
  const { registrations, webhookIds, links } = webexWebhookTables(schema);
  return [
    {
      version: 1,
      name: 'create-webex-meeting-webhooks',
      up: `CREATE TABLE ${registrations} (
         user_id text PRIMARY KEY,
         sealed_secret jsonb NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT now()
       );
       CREATE TABLE ${webhookIds} (
         webhook_id text PRIMARY KEY,
         user_id text NOT NULL REFERENCES ${registrations} (user_id) ON DELETE CASCADE,
         event text NOT NULL,
         UNIQUE (user_id, event)
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
