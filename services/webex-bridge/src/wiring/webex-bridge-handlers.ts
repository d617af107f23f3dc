import { Controller, Inject, Logger } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OnCommand, OnEvent } from '@scheduler/bus';
import {
  CalendarEventChanged,
  ContractViolationError,
  DirectoryWebexSiteChanged,
  EndMeeting,
  ExchangeWebexAuthorizationCode,
  MeetingRequested,
  RecordConferenceAttached,
  RecordMeetingDataPurged,
  RequestMeeting,
  type EventOf,
} from '@scheduler/contracts';
import type { z } from 'zod';
import { ConnectWebexAccount, WebexSiteNotAllowedError } from '../accounts/index.js';
import { MeetingCommands, MeetingLifecycle, type HandleOutcome } from '../meeting-lifecycle/index.js';
import { asTransportFailure } from './expected-wait.js';

/**
 * The bridge's bus handlers. All of them are in the service's default handler group (one
 * durable consumer named after the service), deliberately:
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
 * Whatever a handler throws is treated as transient: the transport naks with a growing delay and
 * dead-letters after its max deliveries. The one permanent refusal (a directory site outside the
 * allow-list, or a malformed one) is logged and acknowledged instead, because retrying cannot
 * change it. The expected wait (MeetingNotScheduledYetError) is rethrown as ExpectedWait, which
 * Nest does not log at error level (expected-wait.ts).
 */
type RequestOf<Contract extends { request: z.ZodType }> = z.output<Contract['request']>;

@Controller()
export class WebexBridgeHandlers {
  private readonly logger = new Logger(WebexBridgeHandlers.name);

  constructor(
    @Inject(ConnectWebexAccount) private readonly accounts: ConnectWebexAccount,
    @Inject(MeetingLifecycle) private readonly lifecycle: MeetingLifecycle,
    @Inject(MeetingCommands) private readonly meetings: MeetingCommands,
  ) {}

  /** cmd.webex-bridge.exchange-authorization-code, sent by the gateway's OAuth callback. */
  @OnCommand(ExchangeWebexAuthorizationCode)
  exchangeAuthorizationCode(@Payload() request: unknown) {
    return this.accounts.handle(request);
  }

  // The meeting stream's facts other services ask us, its one writer, to record. The transport
  // validated the request with the contract; an error is answered as one (the caller retries).

  @OnCommand(RequestMeeting)
  requestMeeting(@Payload() request: RequestOf<typeof RequestMeeting>) {
    return this.meetings.requestMeeting(request);
  }

  @OnCommand(RecordConferenceAttached)
  recordConferenceAttached(@Payload() request: RequestOf<typeof RecordConferenceAttached>) {
    return this.meetings.recordConferenceAttached(request);
  }

  @OnCommand(EndMeeting)
  endMeeting(@Payload() request: RequestOf<typeof EndMeeting>) {
    return this.meetings.endMeeting(request);
  }

  @OnCommand(RecordMeetingDataPurged)
  recordMeetingDataPurged(@Payload() request: RequestOf<typeof RecordMeetingDataPurged>) {
    return this.meetings.recordMeetingDataPurged(request);
  }

  @OnEvent(MeetingRequested)
  async meetingRequested(@Payload() event: EventOf<typeof MeetingRequested>): Promise<void> {
    await this.handleMeetingTrigger(event);
  }

  @OnEvent(CalendarEventChanged)
  async calendarEventChanged(@Payload() event: EventOf<typeof CalendarEventChanged>): Promise<void> {
    await this.handleMeetingTrigger(event);
  }

  /**
   * The site an administrator set in the user's Google Directory entry (google-ingest): it wins
   * over the Webex account's default, and is recorded as WebexSiteResolved{directory} when news.
   */
  @OnEvent(DirectoryWebexSiteChanged)
  async directoryWebexSiteChanged(
    @Payload() event: EventOf<typeof DirectoryWebexSiteChanged>,
  ): Promise<void> {
    try {
      const outcome = await this.accounts.recordDirectorySite(event.data.userId, event.data.siteUrl, event);
      this.logger.debug(`directory site for user ${event.data.userId}: ${outcome} (event ${event.id})`);
    } catch (error) {
      if (error instanceof WebexSiteNotAllowedError || error instanceof ContractViolationError) {
        this.logger.warn(
          `directory site refused for user ${event.data.userId} (event ${event.id}): ${error.name}`,
        );
        return;
      }
      throw error;
    }
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
    this.logOutcome(event, outcome);
  }

  private logOutcome(event: { id: string; type: string }, outcome: HandleOutcome): void {
    // Ids and kinds only: no titles, emails or tokens in logs.
    this.logger.debug(
      `${event.type} ${event.id} → meeting ${outcome.meetingId ?? '-'}: ${outcome.step}` +
        (outcome.appended.length > 0 ? ` (appended ${outcome.appended.join(', ')})` : ''),
    );
  }
}
