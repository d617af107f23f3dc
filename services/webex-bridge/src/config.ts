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
    /**
     * The bridge's own database: webex_accounts, webex_directory_sites and meetings_to_converge.
     * No other service reads it.
     */
    DATABASE_URL: env.url(['postgres', 'postgresql']),
    /** Webex REST and OAuth base, with the version: the emulator's `<url>/v1` locally. */
    WEBEX_API_BASE_URL: env.url(['https', 'http']).default('https://webexapis.com/v1'),
    WEBEX_CLIENT_ID: z.string().trim().min(1),
    WEBEX_CLIENT_SECRET: z.string().trim().min(1),
    /** The gateway's /v1/oauth/webex/callback: must equal the one the user was sent through. */
    WEBEX_REDIRECT_URI: env.url(['https', 'http']),
    /** How long a cached Webex site and meeting template are trusted. */
    WEBEX_SITE_CACHE_TTL_MS: env.milliseconds().default(defaultSiteCacheTtlMs),
    /**
     * How often meetings that are not converged are looked for: a meeting whose retry is due, or
     * one probe whether Webex is back, waits at most this long.
     */
    RECONCILE_INTERVAL_MS: env.milliseconds().default(5_000),
    /**
     * How often every upcoming converged meeting is compared with what Webex holds (GET by id):
     * one call or two per meeting, so far apart; a meeting changed in Webex is put back within it.
     */
    RECONCILE_DRIFT_INTERVAL_MS: env.milliseconds().default(5 * 60_000),
    /** Meetings one replica reconciles at once; each holds a database connection meanwhile. */
    RECONCILE_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
    /**
     * How long the Webex circuit stays open after repeated outage answers before one trial call.
     * Short, so that a Webex that is back is noticed within about one sweep.
     */
    WEBEX_CIRCUIT_OPEN_MS: env.milliseconds().default(5_000),
    /**
     * Where Webex reaches this service from outside: each connected user's meetings webhook posts
     * to `<it>/webhooks/webex/meetings`. Unset: no webhooks are registered (the reconcile sweep
     * alone keeps meetings in step, and Webex's own changes and real ends are not seen).
     */
    PUBLIC_WEBHOOK_BASE_URL: env.url(['https', 'http']).optional(),
    /**
     * An account erasure waits this long for Webex to confirm the cancellations it asked for
     * (a meeting waiting for a Webex reconnect never will); then it goes on without them.
     */
    ACCOUNT_ERASURE_CANCEL_WAIT_MS: env.milliseconds().default(10 * 60_000),
    /** How often unfinished account erasures are looked at again (after a crash, or a wait). */
    ACCOUNT_ERASURE_INTERVAL_MS: env.milliseconds().default(30_000),
  })
  .superRefine(checkKeyRing);

export type WebexBridgeConfig = z.infer<typeof webexBridgeEnvironment>;
