import { type DynamicModule, Global, Module, type OnModuleInit, Inject } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ServiceEnvironment } from '@scheduler/config';
import { HealthController } from './health/health.controller.js';
import { ReadinessRegistry } from './health/readiness-registry.js';
import { busConnectionOf } from './infrastructure/bus-connection.js';
import { ConnectionsLifecycle, connectNats } from './infrastructure/connections.js';
import { loggingModule } from './logging/logging.js';
import { MetricsController, MetricsRegistry } from './metrics/metrics.js';
import { NATS_CONNECTION, SERVICE_CONFIG } from './tokens.js';

export interface RuntimeOptions<Config extends ServiceEnvironment> {
  readonly service: string;
  readonly config: Config;
}

@Global()
@Module({})
export class RuntimeModule implements OnModuleInit {
  constructor(
    private readonly readiness: ReadinessRegistry,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
  ) {}

  /**
   * Health, metrics, logs and the shared NATS connection for one service. The event store's
   * readiness is EventPlatformModule's: it probes the store's own connection.
   */
  static forRoot<Config extends ServiceEnvironment>(options: RuntimeOptions<Config>): DynamicModule {
    const { service, config } = options;
    return {
      module: RuntimeModule,
      imports: [
        TerminusModule.forRoot({ gracefulShutdownTimeoutMs: 0 }),
        loggingModule(service, config.LOG_LEVEL),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        ReadinessRegistry,
        {
          provide: MetricsRegistry,
          useFactory: () => {
            const metrics = new MetricsRegistry();
            metrics.setServiceLabel(service);
            return metrics;
          },
        },
        {
          provide: NATS_CONNECTION,
          useFactory: () => connectNats(busConnectionOf(config, service), service),
        },
        ConnectionsLifecycle,
      ],
      exports: [SERVICE_CONFIG, ReadinessRegistry, MetricsRegistry, NATS_CONNECTION],
    };
  }

  onModuleInit(): void {
    this.readiness.register('nats', async () => {
      if (this.nats.isClosed()) throw new Error('NATS connection is closed');
      const roundTrip = await this.nats.rtt();
      return { server: this.nats.getServer(), roundTripMs: roundTrip };
    });
  }
}
