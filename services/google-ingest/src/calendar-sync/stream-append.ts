import type { EventEnvelope } from '@scheduler/contracts';
import {
  type EventStore,
  type ExpectedRevision,
  ExpectedVersionConflictError,
  type RecordedEvent,
  StreamNotFoundError,
  envelopeToEventToAppend,
} from '@scheduler/event-store';

const MAXIMUM_ATTEMPTS = 5;

/** A stream kept getting written by someone else while we tried to append to it. */
export class StreamContentionError extends Error {
  override readonly name = 'StreamContentionError';
  constructor(
    readonly streamId: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(`stream ${streamId}: ${attempts} appends in a row met a newer revision`, options);
  }
}

export async function lastEventOf(store: EventStore, streamId: string): Promise<RecordedEvent | undefined> {
  try {
    const [last] = await store.readStream(streamId, { direction: 'backwards', maxCount: 1 });
    return last;
  } catch (error) {
    if (error instanceof StreamNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Appends facts whose order within the stream carries no decision (the calendarWatch stream):
 * the expected revision is read fresh, and a conflict is retried from the new revision.
 */
export async function appendFacts(
  store: EventStore,
  streamId: string,
  envelopes: readonly EventEnvelope[],
): Promise<bigint> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= MAXIMUM_ATTEMPTS; attempt++) {
    const last = await lastEventOf(store, streamId);
    const expected: ExpectedRevision = last ? last.revision : 'no_stream';
    try {
      const result = await store.append(streamId, envelopes.map(envelopeToEventToAppend), expected);
      return result.nextExpectedRevision;
    } catch (error) {
      if (!(error instanceof ExpectedVersionConflictError)) throw error;
      lastError = error;
    }
  }
  throw new StreamContentionError(streamId, MAXIMUM_ATTEMPTS, { cause: lastError });
}
