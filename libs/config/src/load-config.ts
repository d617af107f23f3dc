import { z } from 'zod';

/** Start-up configuration that failed validation; the message lists every problem at once. */
export class ConfigurationError extends Error {
  constructor(
    readonly service: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid configuration for ${service}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

/**
 * The one config loader: validates the environment against a zod schema of environment
 * variable names. Call it once at start-up and inject the result; never read process.env
 * elsewhere.
 */
export function loadConfig<Shape extends z.ZodRawShape>(
  service: string,
  schema: z.ZodObject<Shape>,
  environment: Record<string, string | undefined> = process.env,
): z.infer<z.ZodObject<Shape>> {
  const result = schema.safeParse(environment);
  const pairProblems = missingPartners(schema, environment);
  if (result.success && pairProblems.length === 0) return result.data;
  const problems = [
    ...(result.success ? [] : result.error.issues).map((issue) => {
      const variable = issue.path.join('.') || '(environment)';
      const present = issue.path.length > 0 && environment[String(issue.path[0])] !== undefined;
      return present ? `${variable}: ${issue.message}` : `${variable}: is required but not set`;
    }),
    ...pairProblems,
  ];
  throw new ConfigurationError(service, problems);
}

/** Variables that are set together or not at all (a user without its password cannot connect). */
const pairedVariables: ReadonlyArray<readonly [string, string]> = [['NATS_USER', 'NATS_PASSWORD']];

function missingPartners(
  schema: z.ZodObject<z.ZodRawShape>,
  environment: Record<string, string | undefined>,
) {
  const set = (name: string) => environment[name] !== undefined && environment[name] !== '';
  return pairedVariables
    .filter(([first, second]) => first in schema.shape && second in schema.shape)
    .flatMap(([first, second]) =>
      set(first) === set(second)
        ? []
        : [`${set(first) ? second : first}: is required when ${set(first) ? first : second} is set`],
    );
}

/** Schema pieces for environment variables (all arrive as strings). */
export const env = {
  port: () => z.coerce.number().int().min(0).max(65_535),
  /** A URL whose scheme is one of the given ones, e.g. env.url(['postgres', 'esdb']). */
  url: (schemes: readonly string[]) =>
    z
      .string()
      .url()
      .refine((value) => URL.canParse(value) && schemes.includes(new URL(value).protocol.replace(/:$/, '')), {
        message: `must be a URL with scheme ${schemes.map((scheme) => `${scheme}://`).join(' or ')}`,
      }),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  milliseconds: () => z.coerce.number().int().positive(),
  boolean: () => z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1'),
};

/** What every service needs: where it listens, the bus, the event store, logging. */
export const serviceEnvironment = z.object({
  HTTP_PORT: env.port(),
  HTTP_HOST: z.string().default('0.0.0.0'),
  NATS_URL: env.url(['nats', 'tls']),
  /**
   * This service's NATS user and password (both or neither). nats-server gives each service a
   * user of its own whose permissions the contracts derive (`busPermissions`); unset: connect
   * without credentials, which only a server without authorization accepts.
   */
  NATS_USER: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, { message: "may only hold letters, digits, '_' and '-'" })
    .optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
  EVENT_STORE_URL: env.url(['postgres', 'postgresql', 'esdb', 'esdb+discover']),
  LOG_LEVEL: env.logLevel(),
  SHUTDOWN_TIMEOUT_MS: env.milliseconds().default(10_000),
  /**
   * Prepended to every JetStream stream and subject name. Empty in production; a test gives
   * each file its own, so that files sharing one nats-server never see each other's events.
   */
  BUS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, { message: "may only hold letters, digits, '_' and '-'" })
    .default(''),
  /**
   * The bus's JetStream streams, as `scheduler streams apply` sets them and every service creates
   * them when missing at start-up (an existing stream is only checked against them, never
   * changed); unset: the bus's defaults (libs/bus, ensureBusStreams).
   */
  BUS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).optional(),
  BUS_EVENTS_MAX_AGE_MS: env.milliseconds().optional(),
  BUS_EVENTS_MAX_BYTES: z.coerce.number().int().positive().optional(),
  BUS_DUPLICATE_WINDOW_MS: env.milliseconds().optional(),
});

export type ServiceEnvironment = z.infer<typeof serviceEnvironment>;
