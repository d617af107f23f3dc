import { type DynamicModule, Global, Module, type OnModuleInit, Inject } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import type { ServiceEnvironment } from '@scheduler/config';
import { HealthController } from './health/health.controller.js';
import { ReadinessRegistry } from './health/readiness-registry.js';
import { ConnectionsLifecycle, connectNats, createPostgresPool } from './infrastructure/connections.js';
import { loggingModule } from './logging/logging.js';
import { MetricsController, MetricsRegistry } from './metrics/metrics.js';
import { NATS_CONNECTION, POSTGRES_POOL, SERVICE_CONFIG } from './tokens.js';

export interface RuntimeOptions<Config extends ServiceEnvironment> {
  readonly service: string;
  readonly config: Config;
}

const isPostgresUrl = (url: string) => /^postgres(ql)?:/.test(url);

@Global()
@Module({})
export class RuntimeModule implements OnModuleInit {
  constructor(
    private readonly readiness: ReadinessRegistry,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(POSTGRES_POOL) private readonly pool: pg.Pool | null,
  ) {}

  /** Health, metrics, logs and the shared NATS/PostgreSQL connections for one service. */
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
        { provide: NATS_CONNECTION, useFactory: () => connectNats(config.NATS_URL, service) },
        {
          provide: POSTGRES_POOL,
          useFactory: () =>
            isPostgresUrl(config.EVENT_STORE_URL)
              ? createPostgresPool(config.EVENT_STORE_URL, service)
              : null,
        },
        ConnectionsLifecycle,
      ],
      exports: [SERVICE_CONFIG, ReadinessRegistry, MetricsRegistry, NATS_CONNECTION, POSTGRES_POOL],
    };
  }

  onModuleInit(): void {
    this.readiness.register('nats', async () => {
      if (this.nats.isClosed()) throw new Error('NATS connection is closed');
      const roundTrip = await this.nats.rtt();
      return { server: this.nats.getServer(), roundTripMs: roundTrip };
    });
    const pool = this.pool;
    if (pool) {
      this.readiness.register('postgres', async () => {
        await pool.query('SELECT 1');
      });
    }
  }
}
