import { RetryPolicy } from '@scheduler/resilience';
import { ExpectedVersionConflictError } from '../errors.js';
import type { AppendResult, EventStore } from '../port.js';
import { aggregateStream, type AggregateStreamResult } from './aggregate-stream.js';
import type { StreamFold } from './decider.js';
import type { StreamCodec } from './stream-codec.js';

export interface HandleCommandOptions<Event, State> extends StreamFold<Event, State> {
  readonly codec: StreamCodec<Event>;
  /** How version conflicts are retried; defaults to versionConflictRetry. */
  readonly retry?: RetryPolicy;
}

export interface HandleCommandResult<Event, State> {
  readonly newState: State;
  readonly newEvents: readonly Event[];
  /** Set when something was appended. */
  readonly appendResult: AppendResult | undefined;
  /** The stream as it was read before the decision. */
  readonly stream: AggregateStreamResult<State>;
}

/**
 * Decides on a stream's current state. `decide` may be async: a decision may need an
 * external call between reading and appending; it runs again after a conflict, so whatever
 * it does must be safe to repeat.
 */
export type StreamDecision<Event, State> = (
  state: State,
  stream: AggregateStreamResult<State>,
) => Event | readonly Event[] | Promise<Event | readonly Event[]>;

/**
 * Another writer of the stream went first: read again and decide again. The stream's one
 * writer can only race itself (redeliveries, replicas), so a few quick attempts settle it.
 */
export const versionConflictRetry = new RetryPolicy({
  maxAttempts: 5,
  baseDelayMs: 5,
  maxDelayMs: 100,
  classify: (error) => ({ retryable: error instanceof ExpectedVersionConflictError }),
});

/**
 * The one way to write an aggregate's stream: read and fold it, decide, append with the
 * revision that was read, and on a version conflict do it all again from fresh state. After
 * the last attempt the ExpectedVersionConflictError itself is thrown.
 */
export async function handleCommand<Event, State>(
  store: EventStore,
  streamId: string,
  decide: StreamDecision<Event, State>,
  options: HandleCommandOptions<Event, State>,
): Promise<HandleCommandResult<Event, State>> {
  const retry = options.retry ?? versionConflictRetry;
  return retry.run(
    async () => {
      const stream = await aggregateStream(store, streamId, options);
      const decided = await decide(stream.state, stream);
      const newEvents: readonly Event[] = Array.isArray(decided) ? decided : [decided as Event];
      let newState = stream.state;
      for (const event of newEvents) newState = options.evolve(newState, event);
      if (newEvents.length === 0) return { newState, newEvents, appendResult: undefined, stream };
      const appendResult = await store.append(
        streamId,
        await options.codec.write(newEvents),
        stream.expectedRevision,
      );
      return { newState, newEvents, appendResult, stream };
    },
    { idempotent: true },
  );
}
