/** The CLI's exit codes (README.md lists them for operators and scripts). */
export const ExitCode = {
  ok: 0,
  /** The command ran and failed: a store or NATS error, a failed publish, a failed rebuild. */
  failure: 1,
  /** The command line itself is wrong: unknown command or option, a malformed argument. */
  usage: 2,
  /** What was asked for does not exist: a meeting, a dead letter, a projection. */
  notFound: 3,
  /** The environment is missing or has an invalid variable (EX_CONFIG, as the services use). */
  configuration: 78,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Something the operator asked for does not exist; exits with ExitCode.notFound. */
export class NotFoundError extends Error {
  constructor(
    readonly what: string,
    readonly id: string,
  ) {
    super(`${what} ${id} not found`);
    this.name = 'NotFoundError';
  }
}

/** An argument commander accepted but the command cannot use; exits with ExitCode.usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
