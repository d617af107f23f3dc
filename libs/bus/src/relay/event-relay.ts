import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  type AllSubscription,
  type EventFilter,
  type EventStore,
  type Position,
  type RecordedEvent,
  comparePositions,
  recordedEventToEnvelope,
} from '@scheduler/event-store';
import { RetryPolicy } from '@scheduler/resilience';
import { BusMetrics } from '../metrics.js';
import { busNames, recordedEventSubject, type BusNames } from '../naming.js';
import { encodeEnvelope, envelopeHeaders } from '../wire.js';
import { JetStreamCheckpointStore, type CheckpointStore } from './checkpoint-store.js';

export interface EventRelayOptions {
  readonly store: EventStore;
  readonly connection: NatsConnection;
  /** Names the checkpoint; one running relay per name. */
  readonly relayName: string;
  readonly names?: BusNames;
  /** Only these categories or types (a service relays its own). */
  readonly filter?: EventFilter;
  /** Publishes awaiting their PubAck at once. */
  readonly maxInFlight?: number;
  /** How often the checkpoint is saved. Far below the duplicate window (libs/bus/README.md). */
  readonly checkpointIntervalMs?: number;
  readonly publishTimeoutMs?: number;
  readonly checkpoints?: CheckpointStore;
  readonly metrics?: BusMetrics;
  readonly onError?: (error: unknown) => void;
}

interface Pending {
  readonly position: Position;
  settled: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Follows the event store and publishes every committed event to JetStream with
 * Nats-Msg-Id = event id. Publishes are pipelined; the checkpoint only ever moves past
 * positions whose publish (and everything before it) JetStream acknowledged, so a crash
 * re-publishes a little, which the duplicate window absorbs, and never skips anything.
 */
export class EventRelay {
  private readonly names: BusNames;
  private readonly jetStream: JetStreamClient;
  private readonly metrics: BusMetrics;
  private readonly maxInFlight: number;
  private readonly pending: Pending[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private slotFreed: (() => void) | undefined;
  private subscription: AllSubscription | undefined;
  private confirmed: Position | undefined;
  private saved: Position | undefined;
  private saving: Promise<void> | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private running: Promise<void> | undefined;
  private caughtUpOnce = false;
  /**
   * A publish is retried until it succeeds (NATS down, timeouts); it gives up only when
   * stopping, after one retry: the checkpoint stays behind it, so nothing is skipped.
   */
  private readonly publishRetry = new RetryPolicy({
    maxAttempts: Infinity,
    baseDelayMs: 50,
    maxDelayMs: 2_000,
    classify: (_error, attempt) => ({ retryable: !this.stopping || attempt === 1 }),
    onRetry: ({ attempt, error }) => {
      this.metrics.relayPublishRetries.inc({ relay: this.options.relayName });
      // The first failure and every 20th after it: a long outage does not flood the log.
      if ((attempt - 1) % 20 === 0) this.report(error);
    },
  });

  private constructor(
    private readonly options: EventRelayOptions,
    private readonly checkpoints: CheckpointStore,
  ) {
    this.names = options.names ?? busNames();
    this.jetStream = jetstream(options.connection);
    this.metrics = options.metrics ?? new BusMetrics();
    this.maxInFlight = options.maxInFlight ?? 256;
  }

  static async start(options: EventRelayOptions): Promise<EventRelay> {
    const checkpoints =
      options.checkpoints ??
      (await JetStreamCheckpointStore.create(options.connection, options.names ?? busNames()));
    const relay = new EventRelay(options, checkpoints);
    relay.confirmed = await checkpoints.load(options.relayName);
    relay.saved = relay.confirmed;
    relay.running = relay.run();
    relay.checkpointTimer = setInterval(
      () => void relay.saveCheckpoint(),
      options.checkpointIntervalMs ?? 1_000,
    );
    return relay;
  }

  /** The last position whose events (and all before) JetStream acknowledged. */
  get checkpoint(): Position | undefined {
    return this.confirmed;
  }

  /** True once the relay has published everything that was in the store when it started. */
  get caughtUp(): boolean {
    return this.caughtUpOnce && this.pending.length === 0;
  }

  /** Stops following, waits for the publishes in flight, and saves the checkpoint. */
  async stop(): Promise<void> {
    if (this.stopping) return this.running;
    this.stopping = true;
    clearInterval(this.checkpointTimer);
    await this.subscription?.close();
    await this.running;
    await this.saveCheckpoint();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.follow();
      } catch (error) {
        this.report(error);
      }
      // Whatever was in flight settles first, so that resuming from the checkpoint is exact.
      await Promise.allSettled([...this.inFlight]);
      if (!this.stopping) await sleep(1_000);
    }
  }

  private async follow(): Promise<void> {
    this.pending.length = 0;
    const subscription = this.options.store.subscribeToAll({
      ...(this.confirmed ? { after: this.confirmed } : {}),
      ...(this.options.filter ? { filter: this.options.filter } : {}),
    });
    this.subscription = subscription;
    try {
      for await (const item of subscription) {
        if (this.stopping) break;
        if (item.kind === 'event') {
          while (this.inFlight.size >= this.maxInFlight) {
            await new Promise<void>((resolve) => (this.slotFreed = resolve));
          }
          this.publish(item.event);
        } else if (item.kind === 'checkpoint') {
          this.pending.push({ position: item.position, settled: true });
          this.advance();
        } else {
          this.caughtUpOnce = true;
          if (item.position) {
            this.pending.push({ position: item.position, settled: true });
            this.advance();
          }
        }
      }
    } finally {
      await subscription.close();
    }
  }

  private publish(event: RecordedEvent): void {
    const entry: Pending = { position: event.position, settled: false };
    this.pending.push(entry);
    const task = this.publishUntilAcknowledged(event).then(
      () => {
        entry.settled = true;
        this.advance();
      },
      (error: unknown) => this.report(error),
    );
    const tracked = task.finally(() => {
      this.inFlight.delete(tracked);
      const wake = this.slotFreed;
      this.slotFreed = undefined;
      wake?.();
    });
    this.inFlight.add(tracked);
  }

  private async publishUntilAcknowledged(event: RecordedEvent): Promise<void> {
    const envelope = recordedEventToEnvelope(event);
    const subject = recordedEventSubject(this.names, event);
    const payload = encodeEnvelope(envelope);
    const headers = envelopeHeaders(envelope, event.recordedAt);
    const relay = this.options.relayName;
    // Nats-Msg-Id makes a repeated publish a duplicate JetStream drops: safe to retry.
    const ack = await this.publishRetry.run(
      () =>
        this.jetStream.publish(subject, payload, {
          msgID: event.id,
          headers,
          timeout: this.options.publishTimeoutMs ?? 5_000,
        }),
      { idempotent: true },
    );
    this.metrics.relayPublished.inc({ relay });
    if (ack.duplicate) this.metrics.relayDuplicates.inc({ relay });
    this.metrics.relayLagSeconds.set({ relay }, (Date.now() - event.recordedAt.getTime()) / 1000);
  }

  /** Moves the checkpoint over the acknowledged prefix of the pending positions. */
  private advance(): void {
    let index = 0;
    while (index < this.pending.length && this.pending[index]!.settled) index++;
    if (index === 0) return;
    const last = this.pending[index - 1]!.position;
    this.pending.splice(0, index);
    if (!this.confirmed || comparePositions(last, this.confirmed) > 0) this.confirmed = last;
  }

  private async saveCheckpoint(): Promise<void> {
    if (this.saving) return this.saving;
    const position = this.confirmed;
    if (!position || (this.saved && comparePositions(position, this.saved) === 0)) return;
    this.saving = this.checkpoints
      .save(this.options.relayName, position)
      .then(() => {
        this.saved = position;
      })
      .catch((error: unknown) => this.report(error))
      .finally(() => {
        this.saving = undefined;
      });
    return this.saving;
  }

  private report(error: unknown): void {
    if (this.options.onError) this.options.onError(error);
    else console.error(`relay ${this.options.relayName}:`, error);
  }
}
