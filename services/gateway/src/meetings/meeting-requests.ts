import { Inject, Injectable, Logger } from '@nestjs/common';
import { ContractViolationError, MeetingRequested, createEvent, newUuidV7 } from '@scheduler/contracts';
import type { EventStore } from '@scheduler/event-store';
import { envelopeToEventToAppend } from '@scheduler/bus';
import type { Principal } from '../authentication/identity-verifier.js';
import {
  CalendarEventNotFoundError,
  CalendarEventUnsupportedError,
  GoogleAccountNotConnectedError,
  MeetingAlreadyExistsError,
  NotEventOrganizerError,
} from '../http/api-errors.js';
import {
  CALENDAR_EVENT_READER,
  CalendarAccountNotConnectedError,
  type CalendarEventDetails,
  type CalendarEventReader,
} from './calendar-event-reader.js';
import { EVENT_STORE } from '@scheduler/runtime';
import { MeetingsReadModel } from './meetings-read-model.js';

export const meetingStreamId = (meetingId: string) => `${MeetingRequested.category}-${meetingId}`;

const MAXIMUM_TITLE_LENGTH = 128;
// How long a 202 waits for its own event to reach the read model, so the caller's next GET sees it.
const READ_YOUR_WRITES_TIMEOUT_MS = 3000;

/**
 * Adds a Webex meeting to a calendar event: records the user's intent as MeetingRequested. The
 * bridge creates the Webex meeting from that event; the gateway never calls Webex.
 */
@Injectable()
export class MeetingRequests {
  private readonly logger = new Logger('MeetingRequests');
  // Two requests for the same event from one user are serialised here, so the read-model check
  // sees the first one's meeting (the read model is caught up before the first one answers).
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    private readonly readModel: MeetingsReadModel,
    @Inject(CALENDAR_EVENT_READER) private readonly calendarEvents: CalendarEventReader,
  ) {}

  async add(
    principal: Principal,
    target: { calendarId: string; eventId: string },
    correlationId: string,
  ): Promise<{ meetingId: string }> {
    const key = JSON.stringify([principal.tenantId, principal.userId, target.calendarId, target.eventId]);
    const previous = this.inFlight.get(key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(() => this.addNow(principal, target, correlationId));
    this.inFlight.set(key, current);
    try {
      return await current;
    } finally {
      if (this.inFlight.get(key) === current) this.inFlight.delete(key);
    }
  }

  private async addNow(
    principal: Principal,
    target: { calendarId: string; eventId: string },
    correlationId: string,
  ): Promise<{ meetingId: string }> {
    const existing = await this.readModel.activeMeetingOnEvent(principal, target.calendarId, target.eventId);
    if (existing) throw new MeetingAlreadyExistsError(existing.meetingId);

    let details: CalendarEventDetails | undefined;
    try {
      details = await this.calendarEvents.read({
        tenantId: principal.tenantId,
        userId: principal.userId,
        calendarId: target.calendarId,
        eventId: target.eventId,
      });
    } catch (error) {
      if (error instanceof CalendarAccountNotConnectedError) throw new GoogleAccountNotConnectedError();
      throw error;
    }
    if (!details) throw new CalendarEventNotFoundError();
    if (!details.organizedByUser) throw new NotEventOrganizerError();

    const meetingId = newUuidV7();
    let requested;
    try {
      requested = createEvent(MeetingRequested, {
        streamId: meetingStreamId(meetingId),
        tenantId: principal.tenantId,
        correlationId,
        data: {
          meetingId,
          userId: principal.userId,
          source: 'calendar',
          calendarId: target.calendarId,
          eventId: target.eventId,
          title: (details.title.trim() || '(No title)').slice(0, MAXIMUM_TITLE_LENGTH),
          start: details.start,
          end: details.end,
          timeZone: details.timeZone,
          invitees: [...details.attendees],
        },
      });
    } catch (error) {
      if (error instanceof ContractViolationError)
        throw new CalendarEventUnsupportedError(
          // Paths and messages only: the contract's messages never quote the values.
          error.issues.map((issue) => ({ path: issue.path.replace(/^data\./, ''), message: issue.message })),
        );
      throw error;
    }
    const appended = await this.eventStore.append(
      requested.streamId,
      [envelopeToEventToAppend(requested)],
      'no_stream',
    );
    if (!(await this.readModel.caughtUpTo(appended.position, READ_YOUR_WRITES_TIMEOUT_MS)))
      this.logger.warn({
        message: 'meetings read model is behind; answering 202 anyway',
        meetingId,
        correlationId,
      });
    return { meetingId };
  }
}
