import { z } from 'zod';
import { env } from '@scheduler/config';
import { checkKeyRing, platformEnvironment } from '@scheduler/runtime';

const directoryName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, { message: 'must be a Directory custom schema or field name' });

export const googleIngestEnvironment = platformEnvironment
  .extend({
    /** google-ingest's private database: OAuth tokens, watch channels, sync state. Never shared. */
    DATABASE_URL: env.url(['postgres', 'postgresql']),
    GOOGLE_CLIENT_ID: z.string().min(1),
    GOOGLE_CLIENT_SECRET: z.string().min(1),
    /** The redirect URI the gateway registered with Google (its /v1/oauth/google/callback). */
    GOOGLE_REDIRECT_URI: env.url(['https', 'http']),
    /** One base URL serving every Google API under Google's paths (the emulator); unset: Google itself. */
    GOOGLE_API_BASE_URL: env.url(['http', 'https']).optional(),
    /** This service's address as Google reaches it: push notifications go to <it>/webhooks/google/calendar. */
    PUBLIC_WEBHOOK_BASE_URL: env.url(['https', 'http']),
    /** The Directory custom schema and field that hold a user's Webex site URL. */
    DIRECTORY_SITE_SCHEMA: directoryName.default('Webex'),
    DIRECTORY_SITE_FIELD: directoryName.default('SiteUrl'),
    /** How often channels close to expiry are renewed (and replaced ones retired). */
    CHANNEL_RENEWAL_INTERVAL_MS: env.milliseconds().default(60_000),
    /** How often every watched calendar is synced: notifications are only hints and may be lost. */
    PERIODIC_SYNC_INTERVAL_MS: env.milliseconds().default(300_000),
  })
  .superRefine(checkKeyRing);
export type GoogleIngestConfig = z.infer<typeof googleIngestEnvironment>;
