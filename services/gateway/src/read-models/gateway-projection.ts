import { Inject, Logger, type OnModuleDestroy, type OnModuleInit, Optional } from '@nestjs/common';
import { PersonalDataCodec } from '@scheduler/crypto-shredding';
import type { EventStore, Position } from '@scheduler/event-store';
import {
  type DocumentCollection,
  type JsonDocument,
  type ProjectionDefinition,
  type ProjectionStore,
  ProjectionRunner,
} from '@scheduler/read-models';
import { EVENT_STORE, ReadinessRegistry, sealedEventOpener } from '@scheduler/runtime';
import { READ_MODEL_STORE } from './read-model-store.module.js';

/**
 * A read model of the gateway: its projection runs while the gateway runs; subclasses add the
 * queries, always scoped to the caller. Subclasses name their projection and label and inherit
 * this constructor's injections.
 */
export abstract class GatewayReadModel<TDocument extends JsonDocument>
  implements OnModuleInit, OnModuleDestroy
{
  protected abstract readonly projection: ProjectionDefinition<TDocument>;
  /** What the log and the readiness check call it, e.g. "meetings". */
  protected abstract readonly label: string;
  private collection: DocumentCollection<TDocument> | undefined;
  private runner: ProjectionRunner<TDocument> | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_MODEL_STORE) private readonly store: ProjectionStore,
    @Inject(PersonalDataCodec) private readonly codec: PersonalDataCodec,
    @Optional() @Inject(ReadinessRegistry) private readonly readiness?: ReadinessRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    this.collection = await this.store.collection(this.projection.collection);
    this.runner = await startGatewayProjection({
      eventStore: this.eventStore,
      store: this.store,
      codec: this.codec,
      projection: this.projection,
      logger: new Logger(this.constructor.name),
      label: this.label,
      ...(this.readiness ? { readiness: this.readiness } : {}),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.runner?.stop();
  }

  /** Resolves once the read model includes `position`; false when it did not within the time. */
  async caughtUpTo(position: Position, timeoutMs: number): Promise<boolean> {
    if (!this.runner) throw new Error(`the ${this.label} read model is not initialised yet`);
    try {
      await this.runner.waitForPosition(position, timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  protected documents(): DocumentCollection<TDocument> {
    if (!this.collection) throw new Error(`the ${this.label} read model is not initialised yet`);
    return this.collection;
  }
}

/**
 * Starts one of the gateway's projections the way all of them run: following the event store
 * (filtered by the projection's categories) while the gateway runs, with personal fields
 * opened for the projection (or redacted, once forgotten), errors logged by name only, and a
 * readiness check that fails once the projection stopped on a deterministic failure (the
 * gateway then serves stale reads).
 */
export async function startGatewayProjection<TDocument extends JsonDocument>(options: {
  readonly eventStore: EventStore;
  readonly store: ProjectionStore;
  readonly codec: PersonalDataCodec;
  readonly projection: ProjectionDefinition<TDocument>;
  readonly logger: Logger;
  /** What the log and the readiness check call it, e.g. "meetings". */
  readonly label: string;
  readonly readiness?: ReadinessRegistry;
}): Promise<ProjectionRunner<TDocument>> {
  const { logger, label } = options;
  const runner = new ProjectionRunner({
    eventStore: options.eventStore,
    store: options.store,
    projection: options.projection,
    retryDelayMs: 1000,
    open: sealedEventOpener({
      codec: options.codec,
      onUnreadable: (event, error) =>
        logger.warn({
          message: `${label} event is invalid; projected as stored`,
          eventId: event.id,
          eventType: event.type,
          errorName: error.name,
        }),
    }),
    // Names and positions only: the error's message may quote document content.
    onError: (error) =>
      logger.warn({
        message: `${label} projection error`,
        errorName: error instanceof Error ? error.name : typeof error,
      }),
  });
  await runner.start();
  options.readiness?.register(`${label}-projection`, async () => {
    const failure = runner.failure;
    if (failure) throw new Error(`the ${label} projection stopped (${failure.name})`);
  });
  return runner;
}
