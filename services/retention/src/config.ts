import { z } from 'zod';
import { env } from '@scheduler/config';
import { checkKeyRing, platformEnvironment } from '@scheduler/runtime';
import { MAX_RETENTION_SECONDS, parseRetentionPolicies } from './meeting-timers/retention-policy.js';

/**
 * retention's settings: its private database (the meeting timers), the shared data-key store
 * (forgetting a meeting's key is the purge), and the retention policy.
 */
export const retentionEnvironment = platformEnvironment
  .extend({
    /** retention's own database: the meeting timers. No other service reads it. */
    DATABASE_URL: env.url(['postgres', 'postgresql']),
    /** The default policy: how long after a meeting's scheduled end its personal data is kept. */
    RETENTION_AFTER_END_SECONDS: z.coerce
      .number()
      .int({ message: 'must be a whole number of seconds' })
      .min(0, { message: 'must be 0 or more seconds' })
      .max(MAX_RETENTION_SECONDS, { message: `must be at most ${MAX_RETENTION_SECONDS} seconds (10 years)` })
      .default(0),
    /**
     * Per-tenant overrides, "<tenant domain>=<seconds>" separated by commas, e.g.
     * "acme.example=86400,beta.example=0". Tenants not listed get RETENTION_AFTER_END_SECONDS.
     */
    RETENTION_POLICIES: z
      .string()
      .default('')
      .transform((text, context) => {
        const parsed = parseRetentionPolicies(text);
        for (const problem of parsed.problems) context.addIssue({ code: 'custom', message: problem });
        return parsed.policies;
      }),
    /** How often due timers are looked for; a meeting ends or is purged at most this late. */
    RETENTION_TIMER_INTERVAL_MS: env.milliseconds().default(1000),
    /** Only to refuse RETENTION_CLOCK_URL in production. */
    NODE_ENV: z.string().optional(),
    /**
     * Test stacks only: the emulators' clock (`<emulator>/control/clock`). The timers then run on
     * its time, so an end-to-end test can move weeks forward instead of waiting. Refused in production.
     */
    RETENTION_CLOCK_URL: env.url(['http', 'https']).optional(),
    /** The emulators' control token, sent as a bearer token to RETENTION_CLOCK_URL. */
    RETENTION_CLOCK_TOKEN: z.string().min(1).optional(),
  })
  .superRefine(checkKeyRing)
  .superRefine((config, context) => {
    if (config.RETENTION_CLOCK_URL !== undefined && config.NODE_ENV === 'production')
      context.addIssue({
        code: 'custom',
        path: ['RETENTION_CLOCK_URL'],
        message: 'must not be set when NODE_ENV is production: retention must run on the real clock there',
      });
  });

export type RetentionConfig = z.infer<typeof retentionEnvironment>;
