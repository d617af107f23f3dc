import { z } from 'zod';
import { env } from '@scheduler/config';
import { checkKeyRing, platformEnvironment } from '@scheduler/runtime';

const defaultSiteCacheTtlMs = 24 * 60 * 60 * 1000;

/**
 * webex-bridge's settings: its private database (Webex tokens, site cache), the shared data-key
 * store and key-encryption keys (tokens and personal data are sealed), and the Webex integration.
 */
export const webexBridgeEnvironment = platformEnvironment
  .extend({
    /** The bridge's own database: webex_accounts and webex_directory_sites. No other service reads it. */
    DATABASE_URL: env.url(['postgres', 'postgresql']),
    /** Webex REST and OAuth base, with the version: the emulator's `<url>/v1` locally. */
    WEBEX_API_BASE_URL: env.url(['https', 'http']).default('https://webexapis.com/v1'),
    WEBEX_CLIENT_ID: z.string().trim().min(1),
    WEBEX_CLIENT_SECRET: z.string().trim().min(1),
    /** The gateway's /v1/oauth/webex/callback: must equal the one the user was sent through. */
    WEBEX_REDIRECT_URI: env.url(['https', 'http']),
    /** How long a cached Webex site and meeting template are trusted. */
    WEBEX_SITE_CACHE_TTL_MS: env.milliseconds().default(defaultSiteCacheTtlMs),
  })
  .superRefine(checkKeyRing);

export type WebexBridgeConfig = z.infer<typeof webexBridgeEnvironment>;
