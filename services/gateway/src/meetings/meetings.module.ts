import { Module } from '@nestjs/common';
import { AuthenticationModule } from '../authentication/authentication.module.js';
import { ReadModelStoreModule } from '../read-models/read-model-store.module.js';
import { MeetingSiteCheckModule } from '../tenant-administration/meeting-site-check.module.js';
import { CALENDAR_EVENT_READER, NatsCalendarEventReader } from './calendar-event-reader.js';
import { MeetingClaims } from './meeting-claims.js';
import { MeetingRequests } from './meeting-requests.js';
import { MeetingsController } from './meetings.controller.js';
import { MeetingsReadModel } from './meetings-read-model.js';

/**
 * The user's meetings: adding one to a calendar event (a RequestMeeting command to
 * webex-bridge, one meeting per event across replicas), and the read model that answers the
 * queries, projected from the meeting streams.
 */
@Module({
  imports: [AuthenticationModule, ReadModelStoreModule, MeetingSiteCheckModule],
  controllers: [MeetingsController],
  providers: [
    { provide: CALENDAR_EVENT_READER, useClass: NatsCalendarEventReader },
    MeetingsReadModel,
    MeetingClaims,
    MeetingRequests,
  ],
  exports: [MeetingRequests, MeetingSiteCheckModule, MeetingsReadModel],
})
export class MeetingsModule {}
