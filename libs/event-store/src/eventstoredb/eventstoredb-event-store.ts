import {
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  FORWARDS,
  START,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type Filter,
  type Position as EsdbPosition,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import { StreamDeletedError, StreamNotFoundError, ExpectedVersionConflictError } from '../errors.js';
import {
  assertValidAppend,
  assertValidExpectedRevision,
  assertValidReadAll,
  assertValidReadStream,
  assertValidStreamId,
} from '../input-validation.js';
import {
  comparePositions,
  streamCategory,
  type AllSubscription,
  type AppendResult,
  type EventFilter,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type JsonObject,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
  type SubscriptionItem,
} from '../port.js';

const READ_ALL_PAGE = 1_000;
/** Checkpoints every (interval x server search window) events, filtered or not. */
const CHECKPOINT_INTERVAL = 1;

/**
 * The event store on EventStoreDB / KurrentDB. It translates names, positions, expected
 * revisions and errors to the port's, and hides system events ($-types and $-streams).
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly subscriptions = new Set<AllSubscription>();

  private constructor(private readonly client: EventStoreDBClient) {}

  /** esdb://host:2113?tls=false, or esdb+discover:// for a cluster. */
  static async connect(connectionString: string): Promise<EventStoreDbEventStore> {
    const client = EventStoreDBClient.connectionString(connectionString);
    return new EventStoreDbEventStore(client);
  }

  async append(
    streamId: string,
    events: readonly EventToAppend[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    assertValidAppend(streamId, events, expectedRevision);
    const result = await translateErrors(streamId, expectedRevision, () =>
      this.client.appendToStream(
        streamId,
        events.map((event) =>
          jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: event.metadata ?? {} }),
        ),
        { expectedRevision },
      ),
    );
    if (!result.position)
      throw new Error(
        `EventStoreDB returned no position for the append to ${streamId} (server older than 22.6?)`,
      );
    return { nextExpectedRevision: result.nextExpectedRevision, position: toPosition(result.position) };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    assertValidReadStream(streamId, options);
    const backwards = options.direction === 'backwards';
    return translateErrors(streamId, 'any', async () => {
      const events: RecordedEvent[] = [];
      const read = this.client.readStream(streamId, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: options.fromRevision ?? (backwards ? END : START),
        maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
      });
      for await (const resolved of read) {
        if (resolved.event) events.push(toRecordedEvent(resolved.event));
      }
      return events;
    });
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    assertValidReadAll(options);
    const wanted = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const matches = eventMatcher(options.filter);
    const events: RecordedEvent[] = [];
    // Reads from a position include the event at it; the port's `after` does not.
    let after = options.after;
    // $all has no server-side filter on reads: page through it and filter here.
    for (;;) {
      let read = 0;
      for await (const resolved of this.client.readAll({
        fromPosition: after ?? START,
        maxCount: READ_ALL_PAGE,
      })) {
        read++;
        const recorded = resolved.event;
        if (!recorded) continue;
        if (after && comparePositions(recorded.position, after) <= 0) continue;
        after = toPosition(recorded.position);
        if (isSystemEvent(recorded) || !matches(recorded.streamId, recorded.type)) continue;
        events.push(toRecordedEvent(recorded));
        if (events.length >= wanted) return events;
      }
      if (read < READ_ALL_PAGE) return events;
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    const subscription = new EventStoreDbAllSubscription(this.client, options, (closed) =>
      this.subscriptions.delete(closed),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async deleteStream(streamId: string, expectedRevision: ExpectedRevision): Promise<void> {
    assertValidStreamId(streamId);
    assertValidExpectedRevision(streamId, expectedRevision);
    const revision = await this.deletableRevision(streamId, expectedRevision);
    await translateErrors(streamId, expectedRevision, () =>
      this.client.deleteStream(streamId, { expectedRevision: revision }),
    );
  }

  async tombstoneStream(streamId: string, expectedRevision: ExpectedRevision): Promise<void> {
    assertValidStreamId(streamId);
    assertValidExpectedRevision(streamId, expectedRevision);
    const revision = await this.deletableRevision(streamId, expectedRevision);
    await translateErrors(streamId, expectedRevision, () =>
      this.client.tombstoneStream(streamId, { expectedRevision: revision }),
    );
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  /** Deletes take no stream_exists: it becomes the stream's current revision. */
  private async deletableRevision(
    streamId: string,
    expectedRevision: ExpectedRevision,
  ): Promise<Exclude<ExpectedRevision, 'stream_exists'>> {
    if (expectedRevision !== 'stream_exists') return expectedRevision;
    try {
      const [last] = await this.readStream(streamId, { direction: 'backwards', maxCount: 1 });
      if (last) return last.revision;
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    throw new ExpectedVersionConflictError(streamId, expectedRevision, 'no_stream');
  }
}

class EventStoreDbAllSubscription implements AllSubscription {
  private readonly queue: SubscriptionItem[] = [];
  private readonly subscription: AllStreamSubscription;
  private waiting: (() => void) | undefined;
  private failure: unknown;
  private ended = false;
  private lastPosition: Position | undefined;
  private caughtUp = false;

  constructor(
    client: EventStoreDBClient,
    options: SubscribeToAllOptions,
    private readonly onClose: (subscription: EventStoreDbAllSubscription) => void,
  ) {
    this.lastPosition = options.after;
    const { serverFilter, matches } = subscriptionFilter(options.filter, (position) => {
      const reached = toPosition(position);
      if (this.lastPosition && comparePositions(reached, this.lastPosition) <= 0) return;
      this.lastPosition = reached;
      this.push({ kind: 'checkpoint', position: reached });
    });
    this.subscription = client.subscribeToAll({ fromPosition: options.after ?? START, filter: serverFilter });
    this.subscription.on('data', (resolved: AllStreamResolvedEvent) => {
      const recorded = resolved.event;
      if (!recorded || isSystemEvent(recorded) || !matches(recorded.streamId, recorded.type)) return;
      this.lastPosition = toPosition(recorded.position);
      this.push({ kind: 'event', event: toRecordedEvent(recorded) });
    });
    this.subscription.on('caughtUp', () => {
      if (this.caughtUp) return;
      this.caughtUp = true;
      this.push({ kind: 'caughtUp', position: this.lastPosition });
    });
    this.subscription.on('error', (error: unknown) => {
      this.failure = error;
      this.finish();
    });
    this.subscription.on('end', () => this.finish());
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SubscriptionItem> {
    try {
      for (;;) {
        const item = this.queue.shift();
        if (item) {
          if (this.queue.length < 100 && this.subscription.isPaused()) this.subscription.resume();
          yield item;
          continue;
        }
        if (this.ended) {
          if (this.failure) throw this.failure;
          return;
        }
        await new Promise<void>((resolve) => (this.waiting = resolve));
      }
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.ended && this.subscription.destroyed) return;
    this.finish();
    this.onClose(this);
    await this.subscription.unsubscribe().catch(() => undefined);
  }

  private push(item: SubscriptionItem): void {
    this.queue.push(item);
    // Backpressure: stop reading from the server while the consumer is far behind.
    if (this.queue.length > 1_000) this.subscription.pause();
    this.wake();
  }

  private finish(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}

/**
 * EventStoreDB filters a subscription on stream names or on event types, not both: with
 * both, the server filters on categories (stream-name regex) and we filter types here.
 * Checkpoints still come from the server, so they cover everything it scanned.
 */
function subscriptionFilter(
  filter: EventFilter | undefined,
  checkpointReached: (position: EsdbPosition) => void,
): { serverFilter: Filter; matches: (streamId: string, type: string) => boolean } {
  const common = {
    checkpointInterval: CHECKPOINT_INTERVAL,
    checkpointReached: (_: unknown, position: EsdbPosition) => checkpointReached(position),
  };
  const matches = eventMatcher(filter);
  if (filter?.categories?.length)
    return {
      serverFilter: streamNameFilter({ ...common, regex: categoryRegex(filter.categories) }),
      matches,
    };
  if (filter?.types?.length)
    return {
      serverFilter: eventTypeFilter({ ...common, regex: `^(?:${filter.types.map(escapeRegex).join('|')})$` }),
      matches,
    };
  return { serverFilter: excludeSystemEvents(common), matches };
}

/** A category is the part before the first '-', or the whole name when it has none. */
function categoryRegex(categories: readonly string[]): string {
  return `^(?:${categories.map(escapeRegex).join('|')})(?:-|$)`;
}

function eventMatcher(filter: EventFilter | undefined): (streamId: string, type: string) => boolean {
  const categories = filter?.categories?.length ? new Set(filter.categories) : undefined;
  const types = filter?.types?.length ? new Set(filter.types) : undefined;
  return (streamId, type) =>
    (!categories || categories.has(streamCategory(streamId))) && (!types || types.has(type));
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isSystemEvent(recorded: { streamId: string; type: string }): boolean {
  return recorded.streamId.startsWith('$') || recorded.type.startsWith('$');
}

function toPosition(position: EsdbPosition): Position {
  return { commit: position.commit, prepare: position.prepare };
}

function toRecordedEvent(recorded: EsdbRecordedEvent): RecordedEvent {
  if (!recorded.isJson)
    throw new Error(
      `event ${recorded.id} in ${recorded.streamId} is not JSON; this store only writes JSON events`,
    );
  if (!recorded.position)
    throw new Error(`EventStoreDB returned no position for event ${recorded.id} (server older than 22.6?)`);
  return {
    id: recorded.id,
    streamId: recorded.streamId,
    revision: recorded.revision,
    position: toPosition(recorded.position),
    type: recorded.type,
    data: recorded.data as JsonObject,
    metadata: (recorded.metadata ?? {}) as JsonObject,
    recordedAt: recorded.created,
  };
}

interface EsdbError {
  type?: ErrorType;
  actualVersion?: bigint | 'no_stream';
}

async function translateErrors<T>(
  streamId: string,
  expectedRevision: ExpectedRevision,
  operation: () => Promise<T>,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    const { type, actualVersion } = (error ?? {}) as EsdbError;
    switch (type) {
      case ErrorType.WRONG_EXPECTED_VERSION:
        throw new ExpectedVersionConflictError(streamId, expectedRevision, actualVersion ?? 'no_stream');
      case ErrorType.STREAM_NOT_FOUND:
        throw new StreamNotFoundError(streamId);
      case ErrorType.STREAM_DELETED:
        throw new StreamDeletedError(streamId);
      default:
        throw error;
    }
  }
}
