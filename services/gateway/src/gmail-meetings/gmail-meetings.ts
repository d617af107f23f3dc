import { Inject, Injectable } from '@nestjs/common';
import {
  CommandFailedError,
  CommandUnansweredError,
  sendCommand,
  type JetStreamClient,
} from '@scheduler/bus';
import { CreateCalendarEventFromMessage, type ResponseOf } from '@scheduler/contracts';
import { BUS_CLIENT } from '@scheduler/runtime';
import {
  GmailMessageNotFoundError,
  GmailMessageTokenRejectedError,
  GoogleAccountNotConnectedError,
  MeetingAlreadyExistsError,
  ServiceUnavailableError,
  UpstreamFailedError,
  CalendarEventGoneError,
} from '../api-errors/api-errors.js';
import type { Principal } from '../authentication/identity-verifier.js';
import { MeetingRequests } from '../meetings/meeting-requests.js';
import { MeetingSiteCheck } from '../tenant-administration/meeting-site-check.js';

/** What the add-on sends for the message the user has open (its event object's gmail part). */
export interface MessageMeetingRequest {
  readonly messageId: string;
  /** The per-message token (gmail.accessToken). Passed on to google-ingest, never stored or logged. */
  readonly messageToken: string;
  readonly start: string;
  readonly end: string;
  readonly timeZone?: string;
}

/**
 * Schedules a meeting from a Gmail message: google-ingest, which holds the Google tokens, makes
 * a calendar event of it in the user's primary calendar (CreateCalendarEventFromMessage; its id
 * derived from user, message, start and end), then the meeting is added to that event as any
 * other (MeetingRequests, one meeting per event). The same request made again finds the same
 * event and its meeting: one meeting, the same answer.
 */
@Injectable()
export class GmailMeetings {
  constructor(
    @Inject(BUS_CLIENT) private readonly bus: JetStreamClient,
    private readonly requests: MeetingRequests,
    private readonly sites: MeetingSiteCheck,
  ) {}

  async schedule(
    principal: Principal,
    message: MessageMeetingRequest,
    correlationId: string,
  ): Promise<{ meetingId: string }> {
    // Before the calendar event is made: a refused meeting leaves nothing behind.
    await this.sites.check(principal);
    const made = await this.calendarEventFrom(principal, message, correlationId);
    const { invitees, ...details } = made.event;
    try {
      return await this.requests.requestOn(
        principal,
        made.eventId,
        { ...details, attendees: invitees },
        correlationId,
        { source: 'gmail', gmailMessageId: message.messageId },
      );
    } catch (error) {
      // The event is this message's at these times: its active meeting is the one asked for.
      if (error instanceof MeetingAlreadyExistsError) return { meetingId: error.meetingId };
      throw error;
    }
  }

  private async calendarEventFrom(
    principal: Principal,
    message: MessageMeetingRequest,
    correlationId: string,
  ): Promise<Extract<ResponseOf<typeof CreateCalendarEventFromMessage>, { outcome: 'created' }>> {
    const operation = 'gmail_calendar_event';
    let response: ResponseOf<typeof CreateCalendarEventFromMessage>;
    try {
      response = await sendCommand(this.bus, CreateCalendarEventFromMessage, {
        tenantId: principal.tenantId,
        userId: principal.userId,
        messageId: message.messageId,
        messageToken: message.messageToken,
        start: message.start,
        end: message.end,
        ...(message.timeZone !== undefined ? { timeZone: message.timeZone } : {}),
        correlationId,
      });
    } catch (error) {
      if (error instanceof CommandFailedError) throw new UpstreamFailedError(operation, { cause: error });
      if (error instanceof CommandUnansweredError)
        throw new ServiceUnavailableError(operation, { cause: error });
      throw error;
    }
    switch (response.outcome) {
      case 'created':
        return response;
      case 'message-not-found':
        throw new GmailMessageNotFoundError();
      case 'message-token-rejected':
        throw new GmailMessageTokenRejectedError();
      case 'account-unavailable':
        throw new GoogleAccountNotConnectedError();
      case 'event-deleted':
        throw new CalendarEventGoneError();
      case 'google-unavailable':
        throw new ServiceUnavailableError(operation);
    }
  }
}
