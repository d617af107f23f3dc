import { StreamDeletedError, StreamNotFoundError } from '../errors.js';
import type { EventStore, ExpectedRevision, ReadStreamOptions, RecordedEvent } from '../port.js';
import type { StreamCodec } from './stream-codec.js';
import type { StreamFold } from './decider.js';

/** A stream as read: reports a missing or tombstoned stream instead of throwing. */
export interface ReadStreamResult<Event> {
  readonly events: readonly Event[];
  /** The revision of the last event; undefined when the stream does not exist. */
  readonly currentRevision: bigint | undefined;
  readonly streamExists: boolean;
  /** Tombstoned: it can never be read or written again. */
  readonly streamDeleted: boolean;
}

export interface AggregateStreamResult<State> {
  readonly state: State;
  readonly currentRevision: bigint | undefined;
  readonly streamExists: boolean;
  readonly streamDeleted: boolean;
  /** What the next append to this stream must expect. */
  readonly expectedRevision: ExpectedRevision;
}

export async function readStreamEvents<Event>(
  store: EventStore,
  streamId: string,
  codec: StreamCodec<Event>,
  options?: ReadStreamOptions,
): Promise<ReadStreamResult<Event>> {
  let records: RecordedEvent[];
  try {
    records = await store.readStream(streamId, options);
  } catch (error) {
    if (error instanceof StreamNotFoundError)
      return { events: [], currentRevision: undefined, streamExists: false, streamDeleted: false };
    if (error instanceof StreamDeletedError)
      return { events: [], currentRevision: undefined, streamExists: false, streamDeleted: true };
    throw error;
  }
  const last = options?.direction === 'backwards' ? records[0] : records.at(-1);
  return {
    events: await codec.read(records),
    currentRevision: last?.revision,
    streamExists: records.length > 0,
    streamDeleted: false,
  };
}

/** Reads a stream and folds it into the aggregate's state. */
export async function aggregateStream<Event, State>(
  store: EventStore,
  streamId: string,
  options: StreamFold<Event, State> & { readonly codec: StreamCodec<Event> },
): Promise<AggregateStreamResult<State>> {
  const read = await readStreamEvents(store, streamId, options.codec);
  let state = options.initialState();
  for (const event of read.events) state = options.evolve(state, event);
  return {
    state,
    currentRevision: read.currentRevision,
    streamExists: read.streamExists,
    streamDeleted: read.streamDeleted,
    expectedRevision: read.currentRevision ?? 'no_stream',
  };
}
