import { Controller, Inject, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnCommand, OnEvent } from '@scheduler/bus';
import {
  CalendarEventChanged,
  EndMeeting,
  MeetingRequested,
  RecordConferenceAttached,
  RecordMeetingDataPurged,
  RequestMeeting,
  type EventOf,
} from '@scheduler/contracts';
import { asTransportFailure } from './expected-wait.js';
import { MeetingCommands, type RequestOf } from './meeting-commands.js';
import { MeetingLifecycle, type HandleOutcome } from './meeting-lifecycle.js';

/**
 * The meeting stream's bus handlers: the commands other services send its one writer, and the
 * events that drive the Webex meeting. All of them are in the service's default handler group
 * (one durable consumer named after the service), deliberately:
 *
 * - The transport handles the messages of one event-store stream one after another, within a
 *   group. CalendarEventChanged for one calendar event shares a stream
 *   (`calendarEvent-<user>-<event>`), so its changes reach the lifecycle in order, except that a
 *   nak sends the failed one to the back. Splitting the handlers over groups would not add order
 *   anywhere and would only multiply consumers.
 * - MeetingRequested (`meeting-<id>`) and the CalendarEventChanged of the same meeting are on
 *   different streams, so no group orders them: they can race. The lifecycle reads the meeting
 *   stream on every delivery and throws MeetingNotScheduledYetError for a change that arrives
 *   while the meeting is still `requested`; the transport naks it and redelivers it after the
 *   create was recorded. Appends carry the revision read, so concurrent handling of the two
 *   cannot overwrite each other (a conflict reloads and replans).
 * - The service name is the group, so a test that boots the module under a unique service name
 *   gets a durable consumer of its own on a shared nats-server.
 *
 * Whatever an event handler throws is treated as transient: the transport naks with a growing
 * delay and dead-letters after its max deliveries. The expected wait (MeetingNotScheduledYetError)
 * is rethrown as ExpectedWait, which Nest does not log at error level (expected-wait.ts). A
 * command handler's error is answered as one; the caller retries the way it retries anything.
 */
@Controller()
export class MeetingsHandlers {
  private readonly logger = new Logger(MeetingsHandlers.name);

  constructor(
    @Inject(MeetingCommands) private readonly commands: MeetingCommands,
    @Inject(MeetingLifecycle) private readonly lifecycle: MeetingLifecycle,
  ) {}

  // The transport validated each request with its contract before it reaches these.

  @OnCommand(RequestMeeting)
  requestMeeting(@Payload() request: RequestOf<typeof RequestMeeting>) {
    return this.commands.requestMeeting(request);
  }

  @OnCommand(RecordConferenceAttached)
  recordConferenceAttached(@Payload() request: RequestOf<typeof RecordConferenceAttached>) {
    return this.commands.recordConferenceAttached(request);
  }

  @OnCommand(EndMeeting)
  endMeeting(@Payload() request: RequestOf<typeof EndMeeting>) {
    return this.commands.endMeeting(request);
  }

  @OnCommand(RecordMeetingDataPurged)
  recordMeetingDataPurged(@Payload() request: RequestOf<typeof RecordMeetingDataPurged>) {
    return this.commands.recordMeetingDataPurged(request);
  }

  @OnEvent(MeetingRequested)
  async meetingRequested(@Payload() event: EventOf<typeof MeetingRequested>): Promise<void> {
    await this.handleMeetingTrigger(event);
  }

  @OnEvent(CalendarEventChanged)
  async calendarEventChanged(@Payload() event: EventOf<typeof CalendarEventChanged>): Promise<void> {
    await this.handleMeetingTrigger(event);
  }

  private async handleMeetingTrigger(
    event: EventOf<typeof MeetingRequested> | EventOf<typeof CalendarEventChanged>,
  ): Promise<void> {
    let outcome: HandleOutcome;
    try {
      outcome = await this.lifecycle.handle(event);
    } catch (error) {
      throw asTransportFailure(error);
    }
    // Ids and kinds only: no titles, emails or tokens in logs.
    this.logger.debug(
      `${event.type} ${event.id} → meeting ${outcome.meetingId ?? '-'}: ${outcome.step}` +
        (outcome.appended.length > 0 ? ` (appended ${outcome.appended.join(', ')})` : ''),
    );
  }
}
