import { Controller, Inject, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnCommand, OnEvent } from '@scheduler/bus';
import {
  CalendarEventChanged,
  CancelMeeting,
  EndMeeting,
  MeetingRequested,
  RecordConferenceAttached,
  RecordMeetingDataPurged,
  RequestMeeting,
  RetryMeeting,
  WebexAccountConnected,
  type EventOf,
} from '@scheduler/contracts';
import { MeetingCommands, type RequestOf } from './meeting-commands.js';
import { MeetingLifecycle } from './meeting-lifecycle.js';
import { MeetingReconciler } from './meeting-reconciler.js';

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
 *   different streams, so no group orders them: they can race. It does not matter: a change is
 *   recorded as the meeting's desired state whatever its status, and every reconcile of the
 *   meeting holds its row lock and applies the newest desired state.
 * - The service name is the group, so a test that boots the module under a unique service name
 *   gets a durable consumer of its own on a shared nats-server.
 *
 * Webex failures are never thrown: the lifecycle records them and the reconciler retries. What
 * an event handler still throws (our database or event store unavailable, a malformed event)
 * goes to the transport: nak with a growing delay, dead letter after its max deliveries. A
 * command handler's error is answered as one; the caller retries the way it retries anything.
 */
@Controller()
export class MeetingsHandlers {
  private readonly logger = new Logger(MeetingsHandlers.name);

  constructor(
    @Inject(MeetingCommands) private readonly commands: MeetingCommands,
    @Inject(MeetingLifecycle) private readonly lifecycle: MeetingLifecycle,
    @Inject(MeetingReconciler) private readonly reconciler: MeetingReconciler,
  ) {}

  // The transport validated each request with its contract before it reaches these.

  @OnCommand(RequestMeeting)
  requestMeeting(@Payload() request: RequestOf<typeof RequestMeeting>) {
    return this.commands.requestMeeting(request);
  }

  /** Recorded first, then the meeting is due: the reconciler applies it (the user does not wait for Webex). */
  @OnCommand(CancelMeeting)
  async cancelMeeting(@Payload() request: RequestOf<typeof CancelMeeting>) {
    const answer = await this.commands.cancelMeeting(request);
    if (answer.outcome === 'recorded' || answer.outcome === 'already-recorded')
      await this.reconciler.meetingDue(request.data.meetingId, request.data.userId);
    return answer;
  }

  @OnCommand(RetryMeeting)
  async retryMeeting(@Payload() request: RequestOf<typeof RetryMeeting>) {
    const answer = await this.commands.retryMeeting(request);
    if (answer.outcome === 'recorded')
      await this.reconciler.meetingDue(request.data.meetingId, request.data.userId);
    return answer;
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

  /** A (re)connected Webex account: the meetings that waited for it are applied now. */
  @OnEvent(WebexAccountConnected)
  async webexAccountConnected(@Payload() event: EventOf<typeof WebexAccountConnected>): Promise<void> {
    const woken = await this.reconciler.accountReconnected(event.data.userId);
    this.logger.debug(`${event.type} ${event.id}: ${woken} meeting(s) of the user due now`);
  }

  private async handleMeetingTrigger(
    event: EventOf<typeof MeetingRequested> | EventOf<typeof CalendarEventChanged>,
  ): Promise<void> {
    const outcome = await this.lifecycle.handle(event);
    // Ids and kinds only: no titles, emails or tokens in logs.
    this.logger.debug(
      `${event.type} ${event.id} → meeting ${outcome.meetingId ?? '-'}: ${outcome.step}` +
        (outcome.appended.length > 0 ? ` (appended ${outcome.appended.join(', ')})` : '') +
        (outcome.sync ? ` → ${outcome.sync}` : ''),
    );
  }
}
