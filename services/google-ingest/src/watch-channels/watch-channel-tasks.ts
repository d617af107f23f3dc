import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { PeriodicTask, SERVICE_CONFIG } from '@scheduler/runtime';
import type { GoogleIngestConfig } from '../config.js';
import { GoogleTokenStore } from '../google-accounts/google-token-store.js';
import { ChannelManager } from './channel-manager.js';

const describe = (error: unknown) => ({
  error: error instanceof Error ? error.name : 'Error',
  reason: error instanceof Error ? error.message : String(error),
});

/**
 * The channels' background work: renewal before expiry, and the periodic sync (push
 * notifications are only hints and may be lost). On shutdown the timers stop and in-flight
 * syncs finish while the connections (closed after this module) are still open.
 */
@Injectable()
export class WatchChannelTasks
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('WatchChannels');
  private readonly tasks: PeriodicTask[];

  constructor(
    @Inject(SERVICE_CONFIG) config: GoogleIngestConfig,
    private readonly channels: ChannelManager,
    private readonly tokens: GoogleTokenStore,
  ) {
    const failed = (task: string) => (error: unknown) =>
      this.logger.warn({ task, ...describe(error) }, `${task} failed; it runs again at the next interval`);
    this.tasks = [
      new PeriodicTask(
        'channel renewal',
        config.CHANNEL_RENEWAL_INTERVAL_MS,
        () => this.renewChannels(),
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

  onApplicationBootstrap(): void {
    for (const task of this.tasks) task.start();
  }

  /** Before the transport drains: no new background work, and what runs finishes against open connections. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.tasks.map((task) => task.stop()));
    await this.channels.idle();
    await this.tokens.idle();
  }

  /** After the transport drained: a handler may have started a sync (a connect's first sync) meanwhile. */
  async onApplicationShutdown(): Promise<void> {
    await this.channels.idle();
    // A sync that just failed on a dead grant may have started a disconnection.
    await this.tokens.idle();
  }

  private async renewChannels(): Promise<void> {
    const report = await this.channels.renewDueChannels();
    for (const failure of report.failed)
      this.logger.warn(
        { channelId: failure.channelId, ...describe(failure.error) },
        'channel renewal failed; it is retried at the next interval',
      );
    if (report.renewed.length > 0 || report.stopped.length > 0)
      this.logger.log(
        { renewed: report.renewed.length, stopped: report.stopped.length, failed: report.failed.length },
        'watch channels renewed',
      );
  }
}
