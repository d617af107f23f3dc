/**
 * The event store port. One interface, many backends (Emmett style):
 * PostgreSQL locally and in tests, EventStoreDB/KurrentDB in production. Adapters
 * translate concepts and nothing more; every adapter passes the same conformance suite.
 */

/** What an append expects the stream's current revision to be. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

/**
 * A position in the global log. EventStoreDB has distinct commit and prepare positions;
 * PostgreSQL puts the appending transaction's id in `commit` and the event's sequence
 * number in `prepare` (libs/event-store/README.md). Compare with comparePositions.
 */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export type JsonObject = { readonly [key: string]: unknown };

export interface EventToAppend {
  /** Globally unique; the relay uses it as Nats-Msg-Id. */
  readonly id: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata?: JsonObject;
}

export interface RecordedEvent {
  readonly id: string;
  readonly streamId: string;
  /** 0-based position within its stream. */
  readonly revision: bigint;
  readonly position: Position;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
  readonly recordedAt: Date;
}

export interface AppendResult {
  /** The revision of the last event appended: pass it as the next expected revision. */
  readonly nextExpectedRevision: bigint;
  /** The global position of the last event appended. */
  readonly position: Position;
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive. Defaults to the start (forwards) or the end (backwards). */
  readonly fromRevision?: bigint;
  readonly maxCount?: number;
}

export interface EventFilter {
  /** Stream categories: the part of the stream name before the first '-'. */
  readonly categories?: readonly string[];
  readonly types?: readonly string[];
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Omitted: from the start of the log. */
  readonly after?: Position;
  readonly maxCount?: number;
  readonly filter?: EventFilter;
}

export type SubscriptionItem =
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  /** Safe to store as a checkpoint: every event up to here was delivered or filtered out. */
  | { readonly kind: 'checkpoint'; readonly position: Position }
  /** Emitted once, when the catch-up read reaches the live end of the log. */
  | { readonly kind: 'caughtUp'; readonly position: Position | undefined };

export interface SubscribeToAllOptions {
  /** Exclusive start position; omitted: from the start of the log. */
  readonly after?: Position;
  readonly filter?: EventFilter;
}

export interface AllSubscription extends AsyncIterable<SubscriptionItem> {
  close(): Promise<void>;
}

export interface EventStore {
  append(
    streamId: string,
    events: readonly EventToAppend[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult>;
  /** Throws StreamNotFoundError for a stream that does not exist, StreamDeletedError for a tombstoned one. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catches up from `after`, then follows live, until closed. Events arrive once each, in global order. */
  subscribeToAll(options?: SubscribeToAllOptions): AllSubscription;
  /** Soft delete: reads say the stream is not found; a later append starts it again after its last revision. */
  deleteStream(streamId: string, expectedRevision: ExpectedRevision): Promise<void>;
  /** Hard delete, for retention: the stream can never be read or written again. */
  tombstoneStream(streamId: string, expectedRevision: ExpectedRevision): Promise<void>;
  close(): Promise<void>;
}

export function comparePositions(left: Position, right: Position): number {
  if (left.commit !== right.commit) return left.commit < right.commit ? -1 : 1;
  if (left.prepare !== right.prepare) return left.prepare < right.prepare ? -1 : 1;
  return 0;
}

/** "commit/prepare": the form checkpoints are stored in. */
export function positionToString(position: Position): string {
  return `${position.commit}/${position.prepare}`;
}

export function positionFromString(text: string): Position {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a stored event-store position (expected "commit/prepare")`);
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
}

/** Stream names follow `category-id`; the category is what comes before the first '-'. */
export function streamCategory(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash === -1 ? streamId : streamId.slice(0, dash);
}
