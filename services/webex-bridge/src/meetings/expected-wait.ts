import { IntrinsicException } from '@nestjs/common';
import { MeetingNotScheduledYetError } from './errors.js';

/**
 * An expected, transient wait (a calendar change that overtook its meeting's create). The
 * transport treats it like any handler error (nak, delayed redelivery, dead letter after its max
 * deliveries), but Nest's RPC exception filter logs every error at error level with its stack
 * unless it is an IntrinsicException. As one, the wait leaves only the transport's debug line
 * ("… waits (delivery n, again in m ms): meeting <id> is not scheduled yet; …"),
 * ids only, while real failures keep their error line.
 *
 * It keeps the wrapped error's name and message, so a dead letter reads the same as before.
 */
export class ExpectedWait extends IntrinsicException {
  constructor(readonly wait: MeetingNotScheduledYetError) {
    super(wait.message, { cause: wait });
    this.name = wait.name;
  }
}

/** What a handler rethrows: expected waits as ExpectedWait, everything else unchanged. */
export function asTransportFailure(error: unknown): unknown {
  return error instanceof MeetingNotScheduledYetError ? new ExpectedWait(error) : error;
}
