import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { BusMetrics, EventRelay, JetStreamClient, busNames, checkBusStreamsAtStart } from '@scheduler/bus';
import { eventsProducedBy, type EventEnvelope, type ServiceName } from '@scheduler/contracts';
import type { ServiceEnvironment } from '@scheduler/config';
import {
  PersonalDataCodec,
  SecretBox,
  SubjectKeys,
  openDataKeyStore,
  type DataKeyStore,
} from '@scheduler/crypto-shredding';
import { createEventStore, type EventStore, type StreamCodec } from '@scheduler/event-store';
import { busStreamLimitsOf } from './bus-stream-limits.js';
import { busConnectionOf } from '../infrastructure/bus-connection.js';
import { sealedEnvelopeCodec } from './sealed-envelope-codec.js';
import { ReadinessRegistry } from '../health/readiness-registry.js';
import { MetricsRegistry } from '../metrics/metrics.js';
import { NATS_CONNECTION, SERVICE_CONFIG } from '../tokens.js';
import { keyEncryptionKeysOf, type PlatformEnvironment } from './personal-data.js';

/** The deployment's event store (the log), as this service's handlers use it. */
export const EVENT_STORE = Symbol('EVENT_STORE');
/** Commands (request/reply) to other services, validated by their contracts. */
export const BUS_CLIENT = Symbol('BUS_CLIENT');
/** How this service's own streams are stored (StreamCodec<EventEnvelope>): sealed, and opened on reading. */
export const SEALED_ENVELOPES = Symbol('SEALED_ENVELOPES');
/** The deployment's shared data-key store (crypto-shredding): forgetting a subject's key is the purge. */
export const DATA_KEY_STORE = Symbol('DATA_KEY_STORE');

export interface EventPlatformOptions {
  /** Its relay publishes the events whose contracts name it as producer, so each reaches JetStream once. */
  readonly service: ServiceName;
  /** Names the relay's checkpoint; defaults to the service (tests run several relays of one service). */
  readonly relayName?: string;
}

const EVENT_PLATFORM_OPTIONS = Symbol('EVENT_PLATFORM_OPTIONS');

/**
 * Runs this service's relay: from the event store to JetStream, for the events the service
 * produces. It gets its own small event-store connection so that relay reads never queue
 * behind the service's appends (measured: bench/backbone-bus.ts).
 */
@Injectable()
export class RelayLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RelayLifecycle.name);
  private relay: EventRelay | undefined;
  private relayStore: EventStore | undefined;

  constructor(
    @Inject(EVENT_PLATFORM_OPTIONS) private readonly options: EventPlatformOptions,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceEnvironment,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    private readonly metrics: BusMetrics,
    private readonly readiness: ReadinessRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const names = busNames(this.config.BUS_PREFIX);
    const manager = await jetstreamManager(this.nats);
    // Every service reports the dead-letter depth (each NATS user may read that stream's info).
    this.metrics.readDeadLetterDepthWith(
      async () => (await manager.streams.info(names.deadLetterStream)).state.messages,
    );
    const produces = eventsProducedBy(this.options.service);
    // A service that appends nothing runs no relay (the gateway's NATS user has no JetStream access).
    if (produces.length === 0) return;
    // The relay publishes into the streams: create them if this is the deployment's first start;
    // an existing stream is only compared with the configuration (warning, metric), never reset.
    await checkBusStreamsAtStart(manager, names, busStreamLimitsOf(this.config), {
      warn: (message) => this.logger.warn(message),
      metrics: this.metrics,
    });
    this.relayStore = await createEventStore(this.config.EVENT_STORE_URL);
    this.relay = await EventRelay.start({
      store: this.relayStore,
      connection: this.nats,
      relayName: this.options.relayName ?? this.options.service,
      names,
      filter: { types: produces.map((contract) => contract.type) },
      metrics: this.metrics,
      onError: (error) =>
        this.logger.warn(`relay: ${error instanceof Error ? error.message : String(error)}`),
    });
    this.readiness.register('relay', async () => {
      if (!this.relay?.caughtUp) throw new Error('the relay has not caught up with the event store yet');
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
    await this.relayStore?.close();
  }
}

const isPostgresUrl = (url: string) => /^postgres(ql)?:/.test(url);

@Injectable()
class EventPlatformConnections implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BUS_CLIENT) private readonly client: JetStreamClient,
    @Inject(DATA_KEY_STORE) private readonly dataKeys: DataKeyStore,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceEnvironment,
    private readonly readiness: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    // Through the store's own pool, the one appends and reads use: a pool kept only for a
    // ping would say "ready" while the store's connections were exhausted or broken.
    if (isPostgresUrl(this.config.EVENT_STORE_URL))
      this.readiness.register('postgres', async () => {
        await this.store.readAll({ maxCount: 1 });
      });
  }

  // Runs after the transport drained (Nest closes microservices first): no handler still needs them.
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.client.close(), this.store.close(), this.dataKeys.close()]);
  }
}

/**
 * The event store, the relay, the command client and personal-data sealing for one service.
 * Import it after RuntimeModule (it uses the shared NATS connection, readiness and metrics);
 * the service's configuration must extend platformEnvironment.
 *
 * PersonalDataCodec seals the personal fields of events before they are appended and opens
 * them when they are read; the JetStream transport opens received events with it too, so a
 * handler sees plaintext, or a Redacted marker once the subject was forgotten.
 */
@Module({})
export class EventPlatformModule {
  static forRoot(options: EventPlatformOptions): DynamicModule {
    return {
      module: EventPlatformModule,
      global: true,
      providers: [
        { provide: EVENT_PLATFORM_OPTIONS, useValue: options },
        {
          provide: EVENT_STORE,
          inject: [SERVICE_CONFIG],
          useFactory: (config: ServiceEnvironment) => createEventStore(config.EVENT_STORE_URL),
        },
        {
          provide: BUS_CLIENT,
          inject: [SERVICE_CONFIG],
          useFactory: async (config: ServiceEnvironment) => {
            const client = new JetStreamClient({
              ...busConnectionOf(config, options.service),
              names: busNames(config.BUS_PREFIX),
              connectionName: `${options.service}-client`,
            });
            await client.connect();
            return client;
          },
        },
        {
          provide: DATA_KEY_STORE,
          inject: [SERVICE_CONFIG],
          useFactory: async (config: PlatformEnvironment) => {
            const store = openDataKeyStore(config.KEY_STORE_URL);
            try {
              // Idempotent and safe under concurrent starts; a store that is down fails the start.
              await store.ensureSchema();
            } catch (error) {
              await store.close();
              throw error;
            }
            return store;
          },
        },
        {
          provide: SecretBox,
          inject: [SERVICE_CONFIG, DATA_KEY_STORE],
          useFactory: (config: PlatformEnvironment, store: DataKeyStore) =>
            new SecretBox(new SubjectKeys({ store, keyEncryptionKeys: keyEncryptionKeysOf(config) })),
        },
        {
          provide: PersonalDataCodec,
          inject: [SecretBox],
          useFactory: (secretBox: SecretBox) =>
            new PersonalDataCodec({
              secretBox,
              logger: {
                error: (details, message) => new Logger('PersonalData').error(details, message),
              },
            }),
        },
        {
          provide: SEALED_ENVELOPES,
          inject: [PersonalDataCodec],
          useFactory: (codec: PersonalDataCodec): StreamCodec<EventEnvelope> => sealedEnvelopeCodec(codec),
        },
        {
          provide: BusMetrics,
          inject: [MetricsRegistry],
          useFactory: (metrics: MetricsRegistry) => new BusMetrics(metrics.registry),
        },
        RelayLifecycle,
        EventPlatformConnections,
      ],
      exports: [
        EVENT_STORE,
        BUS_CLIENT,
        BusMetrics,
        DATA_KEY_STORE,
        SecretBox,
        PersonalDataCodec,
        SEALED_ENVELOPES,
      ],
    };
  }
}
