import { z } from 'zod';
import { env, serviceEnvironment } from '@scheduler/config';
import { KeyEncryptionKeyRing } from '@scheduler/crypto-shredding';

const defaultSiteCacheTtlMs = 24 * 60 * 60 * 1000;

/** The message of a key-encryption-key problem, never the key material itself. */
function keyProblem(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const keyEncryptionKey = z.string().superRefine((value, context) => {
  const problem = keyProblem(() => KeyEncryptionKeyRing.fromEnvironment({ primary: value }));
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

// Each retired key is checked on its own, so one bad entry is named without hiding the others.
const previousKeyEncryptionKeys = z
  .string()
  .optional()
  .superRefine((value, context) => {
    for (const entry of (value ?? '').split(',').map((text) => text.trim())) {
      if (!entry) continue;
      const problem = keyProblem(() => KeyEncryptionKeyRing.fromEnvironment({ primary: entry }));
      if (problem) context.addIssue({ code: 'custom', message: problem });
    }
  });

/**
 * webex-bridge's settings: its private database (Webex tokens, site cache), the shared data-key
 * store and key-encryption keys (tokens and personal data are sealed), and the Webex integration.
 */
export const webexBridgeEnvironment = serviceEnvironment
  .extend({
    /** The bridge's own database: webex_accounts and webex_directory_sites. No other service reads it. */
    DATABASE_URL: env.url(['postgres', 'postgresql']),
    /** The deployment's data-key store (crypto-shredding), shared by every service that seals. */
    KEY_STORE_URL: env.url(['postgres', 'postgresql', 'mongodb', 'mongodb+srv']),
    /** "<id>:<base64 of 32 bytes>": wraps every new data key. */
    KEY_ENCRYPTION_KEY: keyEncryptionKey,
    /** Comma-separated "<id>:<base64>" keys retired by rotation, kept to unwrap older data keys. */
    KEY_ENCRYPTION_KEYS_PREVIOUS: previousKeyEncryptionKeys,
    /** Webex REST and OAuth base, with the version: the emulator's `<url>/v1` locally. */
    WEBEX_API_BASE_URL: env.url(['https', 'http']).default('https://webexapis.com/v1'),
    WEBEX_CLIENT_ID: z.string().trim().min(1),
    WEBEX_CLIENT_SECRET: z.string().trim().min(1),
    /** The gateway's /v1/oauth/webex/callback: must equal the one the user was sent through. */
    WEBEX_REDIRECT_URI: env.url(['https', 'http']),
    /** How long a cached Webex site and meeting template are trusted. */
    WEBEX_SITE_CACHE_TTL_MS: env.milliseconds().default(defaultSiteCacheTtlMs),
  })
  // Only reached when every field is valid: what the fields cannot see alone (e.g. a retired key
  // reusing the primary's id).
  .superRefine((config, context) => {
    const problem = keyProblem(() => keyEncryptionKeysOf(config));
    if (problem)
      context.addIssue({ code: 'custom', path: ['KEY_ENCRYPTION_KEYS_PREVIOUS'], message: problem });
  });

export type WebexBridgeConfig = z.infer<typeof webexBridgeEnvironment>;

export function keyEncryptionKeysOf(
  config: Pick<WebexBridgeConfig, 'KEY_ENCRYPTION_KEY' | 'KEY_ENCRYPTION_KEYS_PREVIOUS'>,
): KeyEncryptionKeyRing {
  return KeyEncryptionKeyRing.fromEnvironment({
    primary: config.KEY_ENCRYPTION_KEY,
    previous: config.KEY_ENCRYPTION_KEYS_PREVIOUS,
  });
}
