import type { Logger } from '@nestjs/common';
import type { PersonalDataCodec } from '@scheduler/crypto-shredding';
import type { EventStore } from '@scheduler/event-store';
import {
  type JsonDocument,
  type ProjectionDefinition,
  type ProjectionStore,
  ProjectionRunner,
} from '@scheduler/read-models';
import { type ReadinessRegistry, sealedEventOpener } from '@scheduler/runtime';

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
