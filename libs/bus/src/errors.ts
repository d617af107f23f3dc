/** A publish was not acknowledged by JetStream. */
export class PublishFailedError extends Error {
  constructor(
    readonly subject: string,
    readonly messageId: string,
    override readonly cause: unknown,
  ) {
    super(
      `publish of ${messageId} to ${subject} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'PublishFailedError';
  }
}

/** A pattern given to the JetStream transport is not a contract. Subjects are never typed by hand. */
export class NotAContractPatternError extends Error {
  constructor(readonly pattern: unknown) {
    super(
      `the JetStream transport routes by contract (@OnEvent(SomeEvent), client.emit(SomeEvent, …)); got ${describe(pattern)}`,
    );
    this.name = 'NotAContractPatternError';
  }
}

/** A command handler answered with an error. */
export class CommandFailedError extends Error {
  constructor(
    readonly subject: string,
    readonly remoteMessage: string,
  ) {
    super(`command ${subject} failed: ${remoteMessage}`);
    this.name = 'CommandFailedError';
  }
}

/**
 * A command got no answer: nobody listens on its subject, the reply timed out, or the connection
 * failed. Transient for the caller: the same command, sent again later, can succeed.
 */
export class CommandUnansweredError extends Error {
  constructor(
    readonly subject: string,
    override readonly cause: unknown,
  ) {
    super(`command ${subject} got no answer: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'CommandUnansweredError';
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string "${value}"`;
  try {
    return JSON.stringify(value)?.slice(0, 120) ?? String(value);
  } catch {
    return typeof value;
  }
}
