import { Module } from '@nestjs/common';
import type { EventEnvelope } from '@scheduler/contracts';
import type { EventStore, StreamCodec } from '@scheduler/event-store';
import { EVENT_STORE, SEALED_ENVELOPES } from '@scheduler/runtime';
import { WebexAccountsModule } from '../webex-accounts/webex-accounts.module.js';
import { WebexTokenStore } from '../webex-accounts/webex-token-store.js';
import { MeetingCommands } from './meeting-commands.js';
import { MeetingLifecycle } from './meeting-lifecycle.js';
import { MeetingStreams } from './meeting-stream.js';
import { MeetingsHandlers } from './meetings.handlers.js';

/**
 * The meeting streams, `meeting-<id>`, and their one writer: the commands other services send,
 * and the crash-safe lifecycle that keeps the Webex meeting as the calendar event wants it,
 * acting in Webex as the meeting's user.
 */
@Module({
  imports: [WebexAccountsModule],
  controllers: [MeetingsHandlers],
  providers: [
    {
      provide: MeetingStreams,
      inject: [EVENT_STORE, SEALED_ENVELOPES],
      useFactory: (eventStore: EventStore, envelopes: StreamCodec<EventEnvelope>) =>
        new MeetingStreams(eventStore, envelopes),
    },
    {
      provide: MeetingCommands,
      inject: [MeetingStreams],
      useFactory: (meetings: MeetingStreams) => new MeetingCommands(meetings),
    },
    {
      provide: MeetingLifecycle,
      inject: [MeetingStreams, WebexTokenStore],
      useFactory: (meetings: MeetingStreams, tokens: WebexTokenStore) =>
        new MeetingLifecycle(meetings, (userId) => tokens.webexClientFor(userId)),
    },
  ],
})
export class MeetingsModule {}
