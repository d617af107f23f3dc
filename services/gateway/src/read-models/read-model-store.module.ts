import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createReadModelStore, type ProjectionStore } from '@scheduler/read-models';
import { SERVICE_CONFIG } from '@scheduler/runtime';
import type { GatewayConfig } from '../config.js';

/** The gateway's one read-model store (READ_MODEL_URL), shared by every read model it runs. */
export const READ_MODEL_STORE = Symbol('READ_MODEL_STORE');

/**
 * Closes the read-model store after the projection runners stopped (their onModuleDestroy). The
 * event store is EventPlatformModule's, and closed there.
 */
@Injectable()
class ReadModelStoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(READ_MODEL_STORE) private readonly store: ProjectionStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

@Module({
  providers: [
    {
      provide: READ_MODEL_STORE,
      inject: [SERVICE_CONFIG],
      useFactory: (config: GatewayConfig) => createReadModelStore(config.READ_MODEL_URL),
    },
    ReadModelStoreLifecycle,
  ],
  exports: [READ_MODEL_STORE],
})
export class ReadModelStoreModule {}
