import { z } from 'zod';
import { env, serviceEnvironment } from '@scheduler/config';
import { KeyEncryptionKeyRing } from '@scheduler/crypto-shredding';

/** Runs the ring's own checks; their messages name key ids, never key material. */
const ringProblem = (values: { primary: string; previous?: string | undefined }): string | undefined => {
  try {
    KeyEncryptionKeyRing.fromEnvironment(values);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
};

const directoryName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, { message: 'must be a Directory custom schema or field name' });

export const googleIngestEnvironment = serviceEnvironment
  .extend({
    /** google-ingest's private database: OAuth tokens, watch channels, sync state. Never shared. */
    DATABASE_URL: env.url(['postgres', 'postgresql']),
    /** The deployment's data-key store (crypto-shredding), shared by every service that seals personal data. */
    KEY_STORE_URL: env.url(['postgres', 'postgresql']),
    /** The primary key-encryption key, "<id>:<base64 of 32 bytes>". */
    KEY_ENCRYPTION_KEY: z.string().superRefine((value, context) => {
      const problem = ringProblem({ primary: value });
      if (problem) context.addIssue({ code: 'custom', message: problem });
    }),
    /** Earlier KEKs still able to unwrap data keys, comma-separated "<id>:<base64>" (checked with the primary). */
    KEY_ENCRYPTION_KEYS_PREVIOUS: z
      .string()
      .superRefine((value, context) => {
        // Each key on its own here (reported with every other problem); together with the primary below.
        for (const entry of value.split(',').filter((text) => text.trim())) {
          const problem = ringProblem({ primary: entry });
          if (problem) context.addIssue({ code: 'custom', message: problem });
        }
      })
      .optional(),
    GOOGLE_CLIENT_ID: z.string().min(1),
    GOOGLE_CLIENT_SECRET: z.string().min(1),
    /** The redirect URI the gateway registered with Google (its /v1/oauth/google/callback). */
    GOOGLE_REDIRECT_URI: env.url(['https', 'http']),
    /** Base URL of a Google emulator (tools/emulators); unset: the real Google endpoints. */
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
  .superRefine((config, context) => {
    // Runs once every field is valid: duplicate ids or key material across the ring.
    if (!config.KEY_ENCRYPTION_KEYS_PREVIOUS) return;
    const problem = ringProblem({
      primary: config.KEY_ENCRYPTION_KEY,
      previous: config.KEY_ENCRYPTION_KEYS_PREVIOUS,
    });
    if (problem)
      context.addIssue({ code: 'custom', path: ['KEY_ENCRYPTION_KEYS_PREVIOUS'], message: problem });
  });
export type GoogleIngestConfig = z.infer<typeof googleIngestEnvironment>;

/** The key ring from validated configuration. */
export function keyEncryptionKeyRing(config: GoogleIngestConfig): KeyEncryptionKeyRing {
  return KeyEncryptionKeyRing.fromEnvironment({
    primary: config.KEY_ENCRYPTION_KEY,
    previous: config.KEY_ENCRYPTION_KEYS_PREVIOUS,
  });
}
