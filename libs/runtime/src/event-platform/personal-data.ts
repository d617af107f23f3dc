import { z } from 'zod';
import { env, serviceEnvironment } from '@scheduler/config';
import { KeyEncryptionKeyRing } from '@scheduler/crypto-shredding';

/** Runs the ring's own checks; their messages name key ids, never key material. */
function keyRingProblem(values: { primary: string; previous?: string | undefined }): string | undefined {
  try {
    KeyEncryptionKeyRing.fromEnvironment(values);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * What every service needs: the settings of libs/config plus the deployment's data-key store
 * and key-encryption keys. Every service seals or opens personal data: events on
 * the bus carry it sealed, so even a consumer that only reads needs the keys.
 */
export const platformEnvironment = serviceEnvironment.extend({
  /** The deployment's data-key store (crypto-shredding), shared by every service. */
  KEY_STORE_URL: env.url(['postgres', 'postgresql', 'mongodb', 'mongodb+srv']),
  /** The primary key-encryption key, "<id>:<base64 of 32 bytes>": wraps every new data key. */
  KEY_ENCRYPTION_KEY: z.string().superRefine((value, context) => {
    const problem = keyRingProblem({ primary: value });
    if (problem) context.addIssue({ code: 'custom', message: problem });
  }),
  /** Comma-separated "<id>:<base64>" keys retired by rotation, kept to unwrap older data keys. */
  KEY_ENCRYPTION_KEYS_PREVIOUS: z
    .string()
    .optional()
    .superRefine((value, context) => {
      // Each key on its own, so one bad entry is named without hiding the others.
      for (const entry of (value ?? '').split(',').map((text) => text.trim())) {
        if (!entry) continue;
        const problem = keyRingProblem({ primary: entry });
        if (problem) context.addIssue({ code: 'custom', message: problem });
      }
    }),
});
export type PlatformEnvironment = z.infer<typeof platformEnvironment>;

type KeySettings = Pick<PlatformEnvironment, 'KEY_ENCRYPTION_KEY' | 'KEY_ENCRYPTION_KEYS_PREVIOUS'>;

/**
 * The check the fields cannot make alone (a retired key reusing the primary's id or material).
 * zod runs it only once every field is valid; add it last: `.superRefine(checkKeyRing)`.
 */
export function checkKeyRing(config: KeySettings, context: z.RefinementCtx): void {
  if (!config.KEY_ENCRYPTION_KEYS_PREVIOUS) return;
  const problem = keyRingProblem({
    primary: config.KEY_ENCRYPTION_KEY,
    previous: config.KEY_ENCRYPTION_KEYS_PREVIOUS,
  });
  if (problem) context.addIssue({ code: 'custom', path: ['KEY_ENCRYPTION_KEYS_PREVIOUS'], message: problem });
}

/** The key ring from validated configuration. */
export function keyEncryptionKeysOf(config: KeySettings): KeyEncryptionKeyRing {
  return KeyEncryptionKeyRing.fromEnvironment({
    primary: config.KEY_ENCRYPTION_KEY,
    previous: config.KEY_ENCRYPTION_KEYS_PREVIOUS,
  });
}
