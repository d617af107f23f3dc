import {
  CalendarEventChanged,
  ConferenceAttached,
  type DataOf,
  type EventOf,
  MeetingRequested,
  type MeetingScheduled,
  createEvent,
} from '@scheduler/contracts';
import {
  type EventStore,
  type ExpectedRevision,
  ExpectedVersionConflictError,
  type RecordedEvent,
  StreamNotFoundError,
  envelopeToEventToAppend,
} from '@scheduler/event-store';
import { type CalendarEvent, GoogleApiError } from '@scheduler/google';
import { z } from 'zod';
import {
  StreamContentionError,
  appendFacts,
  buildOurConferenceData,
  calendarEventStreamId,
  readOurConference,
} from '../calendar-sync/index.js';
import { GoogleAccountUnavailableError, type GoogleTokenStore } from '../accounts/index.js';

export type AttachOutcome =
  /** The event now carries the conference and ConferenceAttached was appended. */
  | { readonly outcome: 'attached'; readonly patched: boolean }
  /** ConferenceAttached for this conference was already on the stream: nothing done. */
  | { readonly outcome: 'already-attached' }
  /** The request names no calendar event (a Gmail meeting): nothing to patch. */
  | { readonly outcome: 'no-calendar-event' }
  /** The event is gone: nothing patched; CalendarEventChanged{cancelled} tells the bridge to delete the meeting. */
  | { readonly outcome: 'event-deleted'; readonly recorded: boolean };

/** The meeting stream has no MeetingRequested (or no stream at all): nothing says which event to patch. */
export class MeetingNotRequestedError extends Error {
  override readonly name = 'MeetingNotRequestedError';
  constructor(readonly streamId: string) {
    super(`stream ${streamId} holds no MeetingRequested; there is no calendar event to attach to`);
  }
}

/** The scheduled meeting's tenant is not the calendar owner's. */
export class TenantMismatchError extends Error {
  override readonly name = 'TenantMismatchError';
  constructor(
    readonly streamId: string,
    readonly userId: string,
  ) {
    super(`stream ${streamId}: the meeting's tenant is not the tenant of user ${userId}`);
  }
}

export interface ConferenceAttacherOptions {
  readonly eventStore: EventStore;
  readonly tokens: Pick<GoogleTokenStore, 'lookup'>;
  readonly clock?: () => Date;
  /** Shown with the conference in Calendar (conferenceSolution.iconUri). */
  readonly iconUri?: string;
}

// Only the non-personal fields: they stay plaintext when the personal ones are sealed.
const RequestedLink = z.looseObject({
  userId: z.string(),
  calendarId: z.string(),
  eventId: z.string().optional(),
});
const AttachedLink = z.looseObject({ eventId: z.string(), conferenceId: z.string() });

const MAXIMUM_ATTEMPTS = 5;
const MAXIMUM_DIAL_INS = 10;

/**
 * On MeetingScheduled, writes the Webex meeting into the Google event's conferenceData (in the
 * form readOurConference recognises, so the sync engine then treats the event as ours) and
 * records ConferenceAttached on the meeting stream. Idempotent through the stream and the event
 * itself (docs/google-accounts.md).
 */
export class ConferenceAttacher {
  private readonly eventStore: EventStore;
  private readonly tokens: ConferenceAttacherOptions['tokens'];
  private readonly clock: () => Date;
  private readonly iconUri: string | undefined;

  constructor(options: ConferenceAttacherOptions) {
    this.eventStore = options.eventStore;
    this.tokens = options.tokens;
    this.clock = options.clock ?? (() => new Date());
    this.iconUri = options.iconUri;
  }

  /**
   * `scheduled` must be decoded (its personal password in plaintext). Throws for what a
   * redelivery may cure: Google errors, an account needing re-authorization, contention.
   */
  async attach(scheduled: EventOf<typeof MeetingScheduled>): Promise<AttachOutcome> {
    const meeting = scheduled.data;
    const streamId = scheduled.streamId;
    const conferenceId = meeting.meetingNumber;
    let lastError: unknown;
    for (let attempt = 1; attempt <= MAXIMUM_ATTEMPTS; attempt++) {
      const events = await this.readStream(streamId);
      const requested = events.find((event) => event.type === MeetingRequested.type);
      if (!requested) throw new MeetingNotRequestedError(streamId);
      const link = RequestedLink.parse(requested.data);
      if (link.eventId === undefined) return { outcome: 'no-calendar-event' };
      const eventId = link.eventId;
      const alreadyAttached = events.some((event) => {
        if (event.type !== ConferenceAttached.type) return false;
        const attached = AttachedLink.safeParse(event.data);
        return (
          attached.success && attached.data.eventId === eventId && attached.data.conferenceId === conferenceId
        );
      });
      if (alreadyAttached) return { outcome: 'already-attached' };

      const lookup = await this.tokens.lookup(link.userId);
      if (lookup.state !== 'connected') throw new GoogleAccountUnavailableError(link.userId, lookup.state);
      const { account } = lookup;
      if (account.tenantId !== scheduled.tenantId) throw new TenantMismatchError(streamId, link.userId);

      const current = await this.currentEvent(account.calendar, link.calendarId, eventId);
      if (!current)
        return {
          outcome: 'event-deleted',
          recorded: await this.recordDeletedEvent(scheduled, link.userId, link.calendarId, eventId),
        };
      const carried = readOurConference(current.conferenceData);
      // Already there: a previous attempt patched and died before the append. A copy carrying
      // another meeting's conference is not "there": it is replaced.
      const patched = !(carried?.meetingId === meeting.meetingId && carried.conferenceId === conferenceId);
      if (patched)
        await account.calendar.patchConferenceData(
          link.calendarId,
          eventId,
          buildOurConferenceData({
            meetingId: meeting.meetingId,
            meetingNumber: meeting.meetingNumber,
            joinUrl: meeting.webLink,
            siteUrl: meeting.siteUrl,
            ...(typeof meeting.password === 'string' && meeting.password
              ? { password: meeting.password }
              : {}),
            ...(meeting.sipAddress ? { sipAddress: meeting.sipAddress } : {}),
            dialIn: dialInsOf(meeting),
            notes: notesOf(meeting),
            ...(this.iconUri ? { iconUri: this.iconUri } : {}),
          }),
        );
      const expected: ExpectedRevision = events.at(-1)!.revision;
      try {
        await this.eventStore.append(
          streamId,
          [
            envelopeToEventToAppend(
              createEvent(ConferenceAttached, {
                streamId,
                tenantId: scheduled.tenantId,
                cause: scheduled,
                occurredAt: this.clock(),
                data: { meetingId: meeting.meetingId, calendarId: link.calendarId, eventId, conferenceId },
              }),
            ),
          ],
          expected,
        );
        return { outcome: 'attached', patched };
      } catch (error) {
        // Someone appended meanwhile (a concurrent delivery, the bridge): decide again from the stream.
        if (!(error instanceof ExpectedVersionConflictError)) throw error;
        lastError = error;
      }
    }
    throw new StreamContentionError(streamId, MAXIMUM_ATTEMPTS, { cause: lastError });
  }

  private async readStream(streamId: string): Promise<RecordedEvent[]> {
    try {
      return await this.eventStore.readStream(streamId);
    } catch (error) {
      if (error instanceof StreamNotFoundError) throw new MeetingNotRequestedError(streamId);
      throw error;
    }
  }

  private async currentEvent(
    calendar: { getEvent(calendarId: string, eventId: string): Promise<CalendarEvent> },
    calendarId: string,
    eventId: string,
  ): Promise<CalendarEvent | undefined> {
    try {
      const event = await calendar.getEvent(calendarId, eventId);
      return event.status === 'cancelled' ? undefined : event;
    } catch (error) {
      if (error instanceof GoogleApiError && (error.status === 404 || error.status === 410)) return undefined;
      throw error;
    }
  }

  /**
   * The event was deleted before the conference could be written. The sync engine never reports
   * that (the event never carried our conference), so we report it the way the bridge already
   * handles: CalendarEventChanged{cancelled} carrying the link, which makes it delete the Webex
   * meeting. Once per meeting: a redelivery finds it on the stream.
   */
  private async recordDeletedEvent(
    scheduled: EventOf<typeof MeetingScheduled>,
    userId: string,
    calendarId: string,
    eventId: string,
  ): Promise<boolean> {
    const streamId = calendarEventStreamId(userId, eventId);
    const link = { meetingId: scheduled.data.meetingId, conferenceId: scheduled.data.meetingNumber };
    let last: RecordedEvent | undefined;
    try {
      [last] = await this.eventStore.readStream(streamId, { direction: 'backwards', maxCount: 1 });
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    const lastData = last?.data as Partial<DataOf<typeof CalendarEventChanged>> | undefined;
    if (lastData?.change === 'cancelled' && lastData.conference?.meetingId === link.meetingId) return false;
    await appendFacts(this.eventStore, streamId, [
      createEvent(CalendarEventChanged, {
        streamId,
        tenantId: scheduled.tenantId,
        cause: scheduled,
        occurredAt: this.clock(),
        data: { change: 'cancelled', userId, calendarId, eventId, conference: link },
      }),
    ]);
    return true;
  }
}

const PHONE_NUMBER = /^\+?[0-9][0-9 ()-]{2,40}$/;

/** Webex's call-in numbers as phone entry points; numbers Google could not dial are left out. */
function dialInsOf(meeting: DataOf<typeof MeetingScheduled>): Array<{ number: string; label?: string }> {
  return (meeting.telephony?.callInNumbers ?? [])
    .filter((callIn) => PHONE_NUMBER.test(callIn.callInNumber))
    .slice(0, MAXIMUM_DIAL_INS)
    .map((callIn) => ({
      number: callIn.callInNumber,
      ...(callIn.label.trim() ? { label: callIn.label.trim().slice(0, 256) } : {}),
    }));
}

function notesOf(meeting: DataOf<typeof MeetingScheduled>): string {
  const lines = [`Webex meeting number: ${meeting.meetingNumber}`];
  if (meeting.telephony?.accessCode && meeting.telephony.callInNumbers.length > 0)
    lines.push(`Access code: ${meeting.telephony.accessCode}`);
  return lines.join('\n');
}
