import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { PeriodicTask, SERVICE_CONFIG } from '@scheduler/runtime';
import type { GoogleIngestConfig } from '../config.js';
import { GoogleTokenStore } from './google-token-store.js';

/**
 * Finishes disconnections a crash or a failure left undone: a dead grant is marked once, so
 * nothing else would ever stop its channels or record GoogleAccountDisconnected. Runs at the
 * channel renewal interval, which is already how often channels are looked after.
 */
@Injectable()
export class GoogleAccountTasks implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('GoogleAccounts');
  private readonly task: PeriodicTask;

  constructor(@Inject(SERVICE_CONFIG) config: GoogleIngestConfig, tokens: GoogleTokenStore) {
    this.task = new PeriodicTask(
      'disconnection retry',
      config.CHANNEL_RENEWAL_INTERVAL_MS,
      async () => {
        const handled = await tokens.retryUnhandledDisconnections();
        if (handled > 0)
          this.logger.log({ handled }, 'unfinished disconnections of dead Google grants handled');
      },
      (error: unknown) =>
        this.logger.warn(
          {
            error: error instanceof Error ? error.name : 'Error',
            reason: error instanceof Error ? error.message : String(error),
          },
          'disconnection retry failed; it runs again at the next interval',
        ),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }
}
