import type { EventStore, Position, RecordedEvent, SubscriptionItem } from '@scheduler/event-store';
import { comparePositions } from '@scheduler/event-store';
import type { JsonDocument } from '../document-store/port.js';
import type { ProjectionBackend, RebuildTarget } from './projection-backend.js';
import { ProjectionFailedError, type ProjectionDefinition } from './projection.js';

export interface ProjectionRunnerOptions<TDocument extends JsonDocument> {
  readonly eventStore: EventStore;
  /** A read-model store: PostgresReadModelStore or MongoReadModelStore. */
  readonly store: ProjectionBackend;
  readonly projection: ProjectionDefinition<TDocument>;
  /** Events per read and per live transaction; larger batches are faster and hold locks longer. Default 1,000. */
  readonly batchSize?: number;
  /**
   * Events per transaction while rebuilding (nobody else writes the new generation, so size
   * costs only memory). Default 20,000.
   */
  readonly rebuildBatchSize?: number;
  /** Called with every failure; transient ones are retried after `retryDelayMs`. */
  readonly onError?: (error: unknown) => void;
  readonly retryDelayMs?: number;
  /**
   * Turns stored events into what `project` sees, one page or live batch at a time, e.g. opens
   * sealed personal data. Runs for live batches, rebuild pages and the swap's catch-up alike.
   * Must return one event per event, in order, with the same position. A failure is retried
   * like a store failure, so it must not throw for an event that can never be opened.
   */
  readonly open?: EventPageOpener;
}

/** See ProjectionRunnerOptions.open. */
export type EventPageOpener = (events: readonly RecordedEvent[]) => Promise<readonly RecordedEvent[]>;

export interface RebuildReport {
  readonly projection: string;
  readonly generation: number;
  /** Events read from the store, including those the catch-up inside the swap read. */
  readonly events: number;
  readonly durationMs: number;
  readonly eventsPerSecond: number;
  /** Where the time went: waiting for pages not yet read, applying batches, and the swap with its catch-up. */
  readonly phases: {
    readonly waitingForEventsMs: number;
    readonly applyingMs: number;
    readonly swapMs: number;
  };
}

/** How far a rebuild got: reported after every page read and once the swap is done. */
export interface RebuildProgress {
  readonly projection: string;
  /** Events read from the store so far (the swap's catch-up included once it is done). */
  readonly events: number;
  /** The position of the last event read. */
  readonly position: Position | undefined;
  readonly phase: 'reading' | 'swapped';
}

export interface RebuildOptions {
  /** Called synchronously between pages; keep it cheap (a progress bar, a log line). */
  readonly onProgress?: (progress: RebuildProgress) => void;
}

/** The runner stopped for good: the projection failed deterministically. */
export class ProjectionStoppedError extends Error {
  constructor(
    readonly projection: string,
    cause: unknown,
  ) {
    super(`projection ${projection} stopped: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'ProjectionStoppedError';
  }
}

const IDLE = Symbol('idle');
const nextTurn = () => new Promise<typeof IDLE>((resolve) => setImmediate(() => resolve(IDLE)));

const later = (left: Position | undefined, right: Position) =>
  left === undefined || comparePositions(right, left) > 0 ? right : left;

/**
 * Keeps one projection's read model up to date: follows the event store from the stored
 * checkpoint, applies events in batches (document changes and checkpoint together, see
 * ProjectionBackend), and rebuilds from position 0 into a new generation on request.
 */
export class ProjectionRunner<TDocument extends JsonDocument> {
  private readonly batchSize: number;
  private readonly rebuildBatchSize: number;
  private readonly projection: ProjectionDefinition<JsonDocument>;
  private running: Promise<void> | undefined;
  private stopping = false;
  private subscription: { close(): Promise<void> } | undefined;
  private wakeRetry: (() => void) | undefined;
  private lastCheckpoint: Position | undefined;
  private lastFailure: Error | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly waiters = new Set<{
    position: Position;
    resolve: () => void;
    reject: (error: Error) => void;
  }>();

  constructor(private readonly options: ProjectionRunnerOptions<TDocument>) {
    this.batchSize = options.batchSize ?? 1_000;
    this.rebuildBatchSize = options.rebuildBatchSize ?? 20_000;
    for (const [name, value] of [
      ['batchSize', this.batchSize],
      ['rebuildBatchSize', this.rebuildBatchSize],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new RangeError(`${name} must be a positive integer, not ${String(value)}`);
      }
    }
    this.projection = options.projection as unknown as ProjectionDefinition<JsonDocument>;
  }

  /** The position the live read model is known to include. */
  get checkpoint(): Position | undefined {
    return this.lastCheckpoint;
  }

  /** Set when the projection failed deterministically and the runner stopped. */
  get failure(): Error | undefined {
    return this.lastFailure;
  }

  /** Starts following the store in the background; resolves once the checkpoint is loaded. */
  async start(): Promise<void> {
    if (this.running) return;
    this.stopping = false;
    this.lastFailure = undefined;
    this.lastCheckpoint = await this.options.store.readCheckpoint(this.projection, 'live');
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeRetry?.();
    await this.subscription?.close();
    await this.running;
    this.running = undefined;
    for (const waiter of this.waiters)
      waiter.reject(new Error(`projection ${this.projection.name} was stopped`));
    this.waiters.clear();
  }

  /** Resolves once the live read model includes `position` (read-your-writes for callers that appended). */
  waitForPosition(position: Position, timeoutMs = 10_000): Promise<void> {
    if (this.lastCheckpoint && comparePositions(this.lastCheckpoint, position) >= 0) return Promise.resolve();
    if (this.lastFailure)
      return Promise.reject(new ProjectionStoppedError(this.projection.name, this.lastFailure));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new Error(`projection ${this.projection.name} did not reach the position within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /**
   * Projects every event from position 0 into a new generation while the live one keeps
   * serving queries (and, if this runner is started, keeps being updated), then swaps it in.
   */
  async rebuild(options: RebuildOptions = {}): Promise<RebuildReport> {
    const started = performance.now();
    const report = (phase: RebuildProgress['phase'], position: Position | undefined) =>
      options.onProgress?.({ projection: this.projection.name, events, position, phase });
    const { store } = this.options;
    const target: RebuildTarget = await store.beginRebuild(this.projection);
    let events = 0;
    let waitingForEventsMs = 0;
    let applyingMs = 0;
    const timed = async <T>(work: Promise<T>, phase: 'waiting' | 'applying'): Promise<T> => {
      const phaseStarted = performance.now();
      try {
        return await work;
      } finally {
        if (phase === 'waiting') waitingForEventsMs += performance.now() - phaseStarted;
        else applyingMs += performance.now() - phaseStarted;
      }
    };
    // Reading runs ahead while the previous transaction is applied (different connections),
    // and one rebuild transaction covers many pages, so a document touched by events far
    // apart in the log is written once per transaction rather than once per page.
    let pending: RecordedEvent[] = [];
    let applying: Promise<unknown> = Promise.resolve();
    let page = this.readPage(undefined);
    for (;;) {
      const batch = await timed(page, 'waiting');
      const finished = batch.length < this.batchSize;
      if (batch.length > 0) {
        pending.push(...batch);
        events += batch.length;
        report('reading', batch.at(-1)!.position);
        page = finished ? Promise.resolve([]) : this.readPage(batch.at(-1)!.position);
        page.catch(() => undefined);
      }
      if (pending.length > 0 && (pending.length >= this.rebuildBatchSize || finished)) {
        await timed(applying, 'applying');
        const transaction = pending;
        pending = [];
        applying = store.applyBatch(this.projection, target, transaction, transaction.at(-1)!.position);
        applying.catch(() => undefined);
      }
      if (finished) break;
    }
    await timed(applying, 'applying');
    const swapStarted = performance.now();
    await this.exclusive(() =>
      store.completeRebuild(this.projection, target, async (apply, after) => {
        let position = after;
        for (;;) {
          const batch = await this.readPage(position);
          if (batch.length === 0) return;
          position = batch.at(-1)!.position;
          await apply(batch, position);
          events += batch.length;
          if (batch.length < this.batchSize) return;
        }
      }),
    );
    const swapMs = performance.now() - swapStarted;
    const live = await store.readCheckpoint(this.projection, 'live');
    this.advance(live);
    report('swapped', live);
    const durationMs = performance.now() - started;
    return {
      projection: this.projection.name,
      generation: target.generation,
      events,
      durationMs,
      eventsPerSecond: events / (durationMs / 1000),
      phases: { waitingForEventsMs, applyingMs, swapMs },
    };
  }

  private async readPage(after: Position | undefined): Promise<readonly RecordedEvent[]> {
    const page = await this.options.eventStore.readAll({
      ...(after ? { after } : {}),
      maxCount: this.batchSize,
      ...(this.projection.filter ? { filter: this.projection.filter } : {}),
    });
    return this.open(page);
  }

  private async open(events: readonly RecordedEvent[]): Promise<readonly RecordedEvent[]> {
    const { open } = this.options;
    if (!open || events.length === 0) return events;
    const opened = await open(events);
    // Paging and checkpoints go by the events' positions, so the hook may change content only.
    if (
      opened.length !== events.length ||
      comparePositions(opened.at(-1)!.position, events.at(-1)!.position) !== 0
    ) {
      throw new Error(
        `projection ${this.projection.name}: the open hook returned ${opened.length} events for ` +
          `${events.length}, or changed their positions`,
      );
    }
    return opened;
  }

  /** Live batches and the swap never interleave within this process. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private advance(position: Position | undefined) {
    if (!position) return;
    this.lastCheckpoint = later(this.lastCheckpoint, position);
    for (const waiter of this.waiters) {
      if (comparePositions(this.lastCheckpoint, waiter.position) >= 0) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.follow();
      } catch (error) {
        if (this.stopping) break;
        this.options.onError?.(error);
        if (error instanceof ProjectionFailedError) {
          this.lastFailure = error;
          for (const waiter of this.waiters)
            waiter.reject(new ProjectionStoppedError(this.projection.name, error));
          this.waiters.clear();
          break;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.retryDelayMs ?? 1_000);
          this.wakeRetry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  /** Follows the store from the stored checkpoint until stopped; a failure drops the unflushed batch. */
  private async follow(): Promise<void> {
    const { store, eventStore } = this.options;
    const after = await store.readCheckpoint(this.projection, 'live');
    this.advance(after);
    const subscription = eventStore.subscribeToAll({
      ...(after ? { after } : {}),
      ...(this.projection.filter ? { filter: this.projection.filter } : {}),
    });
    this.subscription = subscription;
    if (this.stopping) await subscription.close();
    const iterator = subscription[Symbol.asyncIterator]();
    let pending: RecordedEvent[] = [];
    let through: Position | undefined;
    const flush = async () => {
      if (through === undefined) return;
      const position = through;
      const read = pending;
      pending = [];
      through = undefined;
      const events = await this.open(read);
      const applied = await this.exclusive(() => store.applyBatch(this.projection, 'live', events, position));
      this.advance(applied.checkpoint);
    };
    try {
      let next = iterator.next();
      for (;;) {
        // Batch whatever is already buffered; flush as soon as the subscription would wait.
        const result: IteratorResult<SubscriptionItem> | typeof IDLE =
          through === undefined ? await next : await Promise.race([next, nextTurn()]);
        if (result === IDLE) {
          await flush();
          continue;
        }
        if (result.done) break;
        next = iterator.next();
        const item = result.value;
        if (item.kind === 'event') {
          pending.push(item.event);
          through = later(through, item.event.position);
          if (pending.length >= this.batchSize) await flush();
        } else if (item.kind === 'checkpoint') {
          through = later(through, item.position);
          await flush();
        } else if (item.position) {
          through = later(through, item.position);
          await flush();
        }
      }
      await flush();
    } finally {
      await subscription.close();
    }
  }
}
