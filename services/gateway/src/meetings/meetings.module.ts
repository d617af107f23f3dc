import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createReadModelStore, type ProjectionStore } from '@scheduler/read-models';
import { SERVICE_CONFIG } from '@scheduler/runtime';
import { AuthenticationModule } from '../authentication/authentication.module.js';
import type { GatewayConfig } from '../config.js';
import { CALENDAR_EVENT_READER, NatsCalendarEventReader } from './calendar-event-reader.js';
import { MeetingClaims } from './meeting-claims.js';
import { MeetingRequests } from './meeting-requests.js';
import { MeetingsController } from './meetings.controller.js';
import { MeetingsReadModel, READ_MODEL_STORE } from './meetings-read-model.js';

/**
 * Closes the read-model store after the projection runner stopped (onModuleDestroy). The
 * event store is EventPlatformModule's, and closed there.
 */
@Injectable()
class ReadModelStoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(READ_MODEL_STORE) private readonly store: ProjectionStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * The user's meetings: adding one to a calendar event (a RequestMeeting command to
 * webex-bridge, one meeting per event across replicas), and the read model that answers the
 * queries, projected from the meeting streams.
 */
@Module({
  imports: [AuthenticationModule],
  controllers: [MeetingsController],
  providers: [
    {
      provide: READ_MODEL_STORE,
      inject: [SERVICE_CONFIG],
      useFactory: (config: GatewayConfig) => createReadModelStore(config.READ_MODEL_URL),
    },
    ReadModelStoreLifecycle,
    { provide: CALENDAR_EVENT_READER, useClass: NatsCalendarEventReader },
    MeetingsReadModel,
    MeetingClaims,
    MeetingRequests,
  ],
})
export class MeetingsModule {}
