import type { OperationKey } from '@scheduler/i18n';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { z } from 'zod';
import {
  CommandFailedError,
  CommandUnansweredError,
  sendCommand,
  type JetStreamClient,
} from '@scheduler/bus';
import {
  CancelMeeting,
  ContractViolationError,
  MeetingRequested,
  RequestMeeting,
  RetryMeeting,
  newUuidV7,
  type CommandContract,
  type RequestOf,
  type ResponseOf,
} from '@scheduler/contracts';
import {
  type EventStore,
  type Position,
  type RecordedEvent,
  StreamDeletedError,
  StreamNotFoundError,
  positionFromString,
} from '@scheduler/event-store';
import { BUS_CLIENT, EVENT_STORE } from '@scheduler/runtime';
import type { Principal } from '../authentication/identity-verifier.js';
import {
  CalendarEventNotFoundError,
  CalendarEventUnsupportedError,
  GoogleAccountNotConnectedError,
  MeetingAlreadyExistsError,
  MeetingFinishedError,
  MeetingNotFailedError,
  MeetingNotFoundError,
  NotEventOrganizerError,
  ServiceUnavailableError,
  UpstreamFailedError,
} from '../api-errors/api-errors.js';
import {
  CALENDAR_EVENT_READER,
  CalendarAccountNotConnectedError,
  type CalendarEventDetails,
  type CalendarEventReader,
} from './calendar-event-reader.js';
import { type ClaimedCalendarEvent, MeetingClaims, type StoredMeetingClaim } from './meeting-claims.js';
import { activeMeetingStatuses, type MeetingView, projectMeeting } from './meetings-projection.js';
import { MeetingsReadModel } from './meetings-read-model.js';
import { MeetingSiteCheck } from '../tenant-administration/meeting-site-check.js';

export const meetingStreamId = (meetingId: string) => `${MeetingRequested.category}-${meetingId}`;

const MAXIMUM_TITLE_LENGTH = 128;
// How long a 202 waits for its own event to reach the read model, so the caller's next GET sees it.
const READ_YOUR_WRITES_TIMEOUT_MS = 3000;
// Claim writes lost to other requests before giving up; each loss means another request moved on.
const MAXIMUM_CLAIM_ATTEMPTS = 5;

/** What a claim's meeting is, judged from its stream (the read model may lag behind). */
type ClaimedMeeting = 'active' | 'finished' | 'not-appended';

type MeetingRequest = z.output<typeof RequestMeeting.request>;

/** Where a meeting request comes from: a calendar event the user chose, or one made from a Gmail message. */
export type MeetingOrigin = { source: 'calendar' } | { source: 'gmail'; gmailMessageId: string };

/**
 * Adds a Webex meeting to a calendar event: asks webex-bridge, the meeting stream's one
 * writer, to record the user's intent as MeetingRequested (RequestMeeting). The bridge then
 * creates the Webex meeting from that event; the gateway never calls Webex and appends nothing.
 *
 * One calendar event has at most one active meeting, across every gateway replica: a claim
 * document (MeetingClaims) names the meeting that holds the event, and is written
 * insert-if-absent before its MeetingRequested is requested. The bridge records it only if the
 * meeting's stream does not exist yet. A claim whose stream is missing (the claimer crashed,
 * or webex-bridge did not answer) is completed by whoever comes next with the same meeting id,
 * so at most one MeetingRequested lands; a claim whose meeting finished (cancelled, failed,
 * ended, purged) is replaced.
 */
@Injectable()
export class MeetingRequests {
  private readonly logger = new Logger('MeetingRequests');

  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(BUS_CLIENT) private readonly bus: JetStreamClient,
    private readonly readModel: MeetingsReadModel,
    private readonly claims: MeetingClaims,
    @Inject(CALENDAR_EVENT_READER) private readonly calendarEvents: CalendarEventReader,
    private readonly sites: MeetingSiteCheck,
  ) {}

  async add(
    principal: Principal,
    target: { calendarId: string; eventId: string },
    correlationId: string,
  ): Promise<{ meetingId: string }> {
    const calendarEvent: ClaimedCalendarEvent = {
      tenantId: principal.tenantId,
      userId: principal.userId,
      calendarId: target.calendarId,
      eventId: target.eventId,
    };
    // Cheap refusals before Google is asked; the read model also knows meetings older than claims.
    await this.sites.check(principal);
    const existing = await this.readModel.activeMeetingOnEvent(principal, target.calendarId, target.eventId);
    if (existing) throw new MeetingAlreadyExistsError(existing.meetingId);
    const claimed = await this.claims.current(calendarEvent);
    if (claimed && (await this.meetingOf(claimed)) === 'active')
      throw new MeetingAlreadyExistsError(claimed.document.meetingId);

    const details = await this.readCalendarEvent(calendarEvent);
    return this.requestOn(principal, target.eventId, details, correlationId, { source: 'calendar' });
  }

  /**
   * Adds a meeting to an event the caller read already (its details, the calendar's canonical
   * id among them), under the one-meeting-per-event claim. 409 when the event has an active one.
   */
  async requestOn(
    principal: Principal,
    eventId: string,
    details: CalendarEventDetails,
    correlationId: string,
    origin: MeetingOrigin,
  ): Promise<{ meetingId: string }> {
    if (!details.organizedByUser) throw new NotEventOrganizerError();
    // Claims and the meeting name the calendar by its canonical id (`primary` is the owner's
    // email), so the same event asked for under either id is one claim and one meeting.
    const canonical = { calendarId: details.calendarId, eventId };
    const canonicalEvent: ClaimedCalendarEvent = {
      tenantId: principal.tenantId,
      userId: principal.userId,
      ...canonical,
    };
    const candidate = newUuidV7();
    // Validated before anything is claimed: an unsupported event leaves no claim behind.
    let request = this.meetingRequest(candidate, principal, canonical, details, correlationId, origin);

    const claim = await this.claimFor(canonicalEvent, candidate);
    const meetingId = claim.document.meetingId;
    if (meetingId !== candidate)
      request = this.meetingRequest(meetingId, principal, canonical, details, correlationId, origin);
    const position = await this.requestMeeting(request);
    await this.claims.confirm(canonicalEvent, claim);
    await this.readYourWrites(position, meetingId, correlationId);
    return { meetingId };
  }

  /**
   * The user cancels the meeting (CancelMeeting to webex-bridge, which checks on the stream that
   * it is the user's). 202 however often it is asked; the Webex meeting and our conference on
   * the calendar event go once the bridge has applied it.
   */
  async cancel(
    principal: Principal,
    meetingId: string,
    correlationId: string,
  ): Promise<{ meetingId: string }> {
    const response = await this.send(CancelMeeting, 'cancellation', {
      tenantId: principal.tenantId,
      trace: { correlationId, causationId: null, traceparent: null },
      data: { meetingId, userId: principal.userId },
    });
    switch (response.outcome) {
      case 'not-found':
        throw new MeetingNotFoundError(meetingId);
      case 'finished':
        throw new MeetingFinishedError(meetingId, response.status);
      case 'recorded':
        await this.readYourWrites(positionFromString(response.position), meetingId, correlationId);
        return { meetingId };
      case 'already-recorded':
        return { meetingId };
    }
  }

  /**
   * The user tries a failed meeting again (RetryMeeting). Its calendar event is claimed for it
   * again first: a failed meeting's claim may have gone to a newer meeting of the same event,
   * and then this one must not come back (409 naming the other).
   */
  async retry(
    principal: Principal,
    meetingId: string,
    correlationId: string,
  ): Promise<{ meetingId: string }> {
    await this.sites.check(principal);
    const view = await this.readModel.meetingOf(principal, meetingId);
    if (view?.status === 'failed' && view.eventId !== undefined)
      await this.reclaim(
        {
          tenantId: principal.tenantId,
          userId: principal.userId,
          calendarId: view.calendarId,
          eventId: view.eventId,
        },
        meetingId,
      );
    const response = await this.send(RetryMeeting, 'retry', {
      tenantId: principal.tenantId,
      trace: { correlationId, causationId: null, traceparent: null },
      data: { meetingId, userId: principal.userId },
    });
    switch (response.outcome) {
      case 'not-found':
        throw new MeetingNotFoundError(meetingId);
      case 'not-failed':
        throw new MeetingNotFailedError(meetingId, response.status);
      case 'recorded':
        await this.readYourWrites(positionFromString(response.position), meetingId, correlationId);
        return { meetingId };
    }
  }

  /** Names `meetingId` in the event's claim again, unless another active meeting holds the event. */
  private async reclaim(calendarEvent: ClaimedCalendarEvent, meetingId: string): Promise<void> {
    for (let attempt = 0; attempt < MAXIMUM_CLAIM_ATTEMPTS; attempt++) {
      const current = await this.claims.current(calendarEvent);
      if (current?.document.meetingId === meetingId) return;
      if (current && (await this.meetingOf(current)) === 'active')
        throw new MeetingAlreadyExistsError(current.document.meetingId);
      const claim = await this.claims.claim(calendarEvent, meetingId, current);
      if (claim) {
        // The meeting's stream exists: the claim is complete at once.
        await this.claims.confirm(calendarEvent, claim);
        return;
      }
    }
    throw new Error(
      `could not claim the calendar event within ${MAXIMUM_CLAIM_ATTEMPTS} attempts: other requests kept changing the claim`,
    );
  }

  /** Read-your-writes: the caller's next GET sees what it asked for (202 either way). */
  private async readYourWrites(position: Position, meetingId: string, correlationId: string): Promise<void> {
    if (!(await this.readModel.caughtUpTo(position, READ_YOUR_WRITES_TIMEOUT_MS)))
      this.logger.warn({
        message: 'meetings read model is behind; answering 202 anyway',
        meetingId,
        correlationId,
      });
  }

  /**
   * A command to webex-bridge: a refusal is a 502, no answer (down, too slow) a 503; nothing was
   * recorded that the same request, sent again, cannot complete.
   */
  private async send<Contract extends CommandContract>(
    contract: Contract,
    operation: OperationKey,
    request: RequestOf<Contract>,
  ): Promise<ResponseOf<Contract>> {
    try {
      return await sendCommand(this.bus, contract, request);
    } catch (error) {
      if (error instanceof CommandFailedError) throw new UpstreamFailedError(operation, { cause: error });
      // No responders, a timeout or a lost connection: webex-bridge cannot be reached right now.
      if (error instanceof CommandUnansweredError)
        throw new ServiceUnavailableError(operation, { cause: error });
      throw error;
    }
  }

  /**
   * The claim this request appends for: a new one, one that replaced a finished meeting's, or
   * one whose MeetingRequested is missing (completed under its own meeting id).
   */
  private async claimFor(
    calendarEvent: ClaimedCalendarEvent,
    candidate: string,
  ): Promise<StoredMeetingClaim> {
    for (let attempt = 0; attempt < MAXIMUM_CLAIM_ATTEMPTS; attempt++) {
      const current = await this.claims.current(calendarEvent);
      if (current) {
        const meeting = await this.meetingOf(current);
        if (meeting === 'active') throw new MeetingAlreadyExistsError(current.document.meetingId);
        if (meeting === 'not-appended') return current;
      }
      const claim = await this.claims.claim(calendarEvent, candidate, current);
      if (claim) return claim;
    }
    throw new Error(
      `could not claim the calendar event within ${MAXIMUM_CLAIM_ATTEMPTS} attempts: other requests kept changing the claim`,
    );
  }

  /**
   * Has webex-bridge record MeetingRequested; resolves with its position in the event store.
   * Without an answer the claim stays `claimed`, so a retry completes it under the same id.
   */
  private async requestMeeting(request: MeetingRequest): Promise<Position> {
    const response = await this.send(RequestMeeting, 'meeting_request', request);
    // Another request completed the same claim first: there is exactly one meeting, and it is not ours.
    if (response.outcome === 'already-requested') throw new MeetingAlreadyExistsError(request.data.meetingId);
    return positionFromString(response.position);
  }

  private async meetingOf(claim: StoredMeetingClaim): Promise<ClaimedMeeting> {
    let events: RecordedEvent[];
    try {
      events = await this.eventStore.readStream(meetingStreamId(claim.document.meetingId));
    } catch (error) {
      // A confirmed claim's stream can only be gone because it was deleted: that meeting is over.
      if (error instanceof StreamNotFoundError)
        return claim.document.state === 'claimed' ? 'not-appended' : 'finished';
      if (error instanceof StreamDeletedError) return 'finished';
      throw error;
    }
    // The status needs no personal data, so the stored (sealed) events are folded as they are.
    let view: MeetingView | undefined;
    for (const event of events) {
      const result = projectMeeting(view, event);
      if (result === 'delete') view = undefined;
      else if (result !== undefined) view = result;
    }
    return view && activeMeetingStatuses.includes(view.status) ? 'active' : 'finished';
  }

  private async readCalendarEvent(calendarEvent: ClaimedCalendarEvent): Promise<CalendarEventDetails> {
    let details: CalendarEventDetails | undefined;
    try {
      details = await this.calendarEvents.read(calendarEvent);
    } catch (error) {
      if (error instanceof CalendarAccountNotConnectedError) throw new GoogleAccountNotConnectedError();
      // google-ingest down or too slow: nothing was claimed yet, so the same request can be sent again.
      if (error instanceof CommandUnansweredError)
        throw new ServiceUnavailableError('reading_calendar_event', { cause: error });
      throw error;
    }
    if (!details) throw new CalendarEventNotFoundError();
    return details;
  }

  /** The RequestMeeting command, validated by its contract: MeetingRequested's data. */
  private meetingRequest(
    meetingId: string,
    principal: Principal,
    target: { calendarId: string; eventId: string },
    details: CalendarEventDetails,
    correlationId: string,
    origin: MeetingOrigin,
  ): MeetingRequest {
    try {
      return RequestMeeting.parseRequest({
        tenantId: principal.tenantId,
        trace: { correlationId, causationId: null, traceparent: null },
        data: {
          meetingId,
          userId: principal.userId,
          ...origin,
          calendarId: target.calendarId,
          eventId: target.eventId,
          title: (details.title.trim() || '(No title)').slice(0, MAXIMUM_TITLE_LENGTH),
          start: details.start,
          end: details.end,
          timeZone: details.timeZone,
          invitees: [...details.attendees],
          ...(details.recurrence ? { recurrence: [...details.recurrence] } : {}),
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
  }
}
