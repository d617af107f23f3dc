import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type pg from 'pg';
import { PeriodicTask, ReadinessRegistry, SERVICE_CONFIG } from '@scheduler/runtime';
import { ChannelManager } from '../channels/index.js';
import type { GoogleIngestConfig } from '../config.js';
import { PRIVATE_DATABASE } from './tokens.js';

/**
 * The service's own connections and background work: readiness of the private database, the
 * channel renewal and the periodic sync (push notifications are only hints), and a graceful end:
 * timers stop and in-flight syncs finish before the connections close.
 */
@Injectable()
export class GoogleIngestLifecycle
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('GoogleIngest');
  private readonly tasks: PeriodicTask[];

  constructor(
    @Inject(SERVICE_CONFIG) config: GoogleIngestConfig,
    @Inject(PRIVATE_DATABASE) private readonly pool: pg.Pool,
    private readonly channels: ChannelManager,
    private readonly readiness: ReadinessRegistry,
  ) {
    const describe = (error: unknown) => ({
      error: error instanceof Error ? error.name : 'Error',
      reason: error instanceof Error ? error.message : String(error),
    });
    const failed = (task: string) => (error: unknown) =>
      this.logger.warn({ task, ...describe(error) }, `${task} failed; it runs again at the next interval`);
    this.tasks = [
      new PeriodicTask(
        'channel renewal',
        config.CHANNEL_RENEWAL_INTERVAL_MS,
        async () => {
          const report = await this.channels.renewDueChannels();
          for (const failure of report.failed)
            this.logger.warn(
              { channelId: failure.channelId, ...describe(failure.error) },
              'channel renewal failed; it is retried at the next interval',
            );
          if (report.renewed.length > 0 || report.stopped.length > 0)
            this.logger.log(
              {
                renewed: report.renewed.length,
                stopped: report.stopped.length,
                failed: report.failed.length,
              },
              'watch channels renewed',
            );
        },
        failed('channel renewal'),
      ),
      new PeriodicTask(
        'periodic sync',
        config.PERIODIC_SYNC_INTERVAL_MS,
        async () => {
          await this.channels.syncWatchedCalendars();
        },
        failed('periodic sync'),
      ),
    ];
  }

  onModuleInit(): void {
    this.readiness.register('private-database', async () => {
      await this.pool.query('SELECT 1');
    });
  }

  onApplicationBootstrap(): void {
    for (const task of this.tasks) task.start();
  }

  /** Before the transport drains: no new background work, and what runs finishes against open connections. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.tasks.map((task) => task.stop()));
    await this.channels.idle();
  }

  /** After the transport drained: a handler may have started a sync (a connect's first sync) meanwhile. */
  async onApplicationShutdown(): Promise<void> {
    await this.channels.idle();
    await this.pool.end().catch(() => undefined);
  }
}
