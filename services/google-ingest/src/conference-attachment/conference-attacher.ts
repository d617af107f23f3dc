import {
  CalendarEventChanged,
  ConferenceAttached,
  type DataOf,
  type EventEnvelope,
  type EventOf,
  MeetingRequested,
  type MeetingScheduled,
  createEvent,
} from '@scheduler/contracts';
import { type EventStore, type StreamCodec, handleCommand, readStreamEvents } from '@scheduler/event-store';
import { type CalendarEvent, GoogleApiError } from '@scheduler/google';
import { readUserLanguage, translate } from '@scheduler/i18n';
import { calendarEventDecider } from '../calendar-sync/calendar-event.decider.js';
import { buildOurConferenceData, readOurConference } from '../calendar-sync/conference.js';
import { canonicalCalendarId } from '../calendar-sync/calendar-id.js';
import { calendarEventStreamId } from '../calendar-sync/event-mapping.js';
import { GoogleAccountUnavailableError } from '../google-accounts/errors.js';
import type { GoogleTokenStore } from '../google-accounts/google-token-store.js';
import type { CalendarSyncEngine } from '../calendar-sync/calendar-sync-engine.js';
import type { ChannelManager } from '../watch-channels/channel-manager.js';
import type { MeetingRecorder } from './meeting-recorder.js';

export type AttachOutcome =
  /** The event now carries the conference and webex-bridge recorded ConferenceAttached. */
  | { readonly outcome: 'attached'; readonly patched: boolean }
  /** ConferenceAttached for this conference was already on the stream: nothing done. */
  | { readonly outcome: 'already-attached' }
  /** The request names no calendar event (a Gmail meeting): nothing to patch. */
  | { readonly outcome: 'no-calendar-event' }
  /** The event is gone: nothing patched; CalendarEventChanged{cancelled} tells the bridge to delete the meeting. */
  | { readonly outcome: 'event-deleted'; readonly recorded: boolean }
  /** The event carries the conference, but webex-bridge says the meeting's stream is gone. */
  | { readonly outcome: 'meeting-gone'; readonly patched: boolean };

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
  /** How streams are read back and google-ingest's own are stored (SEALED_ENVELOPES). */
  readonly codec: StreamCodec<EventEnvelope>;
  readonly tokens: Pick<GoogleTokenStore, 'lookup'>;
  /** Asks webex-bridge, the meeting stream's one writer, to record ConferenceAttached. */
  readonly meetings: MeetingRecorder;
  /** Watches the event's calendar (a secondary or shared one is watched from its first meeting on). */
  readonly watches?: Pick<ChannelManager, 'ensureWatched'>;
  /** Links the event to the meeting once it carries the conference (the calendar sync's rows). */
  readonly links: Pick<CalendarSyncEngine, 'linkAttachedConference'>;
  readonly clock?: () => Date;
  /** Shown with the conference in Calendar (conferenceSolution.iconUri). */
  readonly iconUri?: string;
}

const MAXIMUM_DIAL_INS = 10;

/**
 * On MeetingScheduled, writes the Webex meeting into the Google event's conferenceData (in the
 * form readOurConference recognises, so the sync engine then treats the event as ours) and asks
 * webex-bridge to record ConferenceAttached on the meeting stream. Idempotent through the stream
 * and the event itself (docs/google-accounts.md).
 */
export class ConferenceAttacher {
  private readonly eventStore: EventStore;
  private readonly codec: StreamCodec<EventEnvelope>;
  private readonly tokens: ConferenceAttacherOptions['tokens'];
  private readonly meetings: MeetingRecorder;
  private readonly watches: ConferenceAttacherOptions['watches'];
  private readonly links: ConferenceAttacherOptions['links'];
  private readonly clock: () => Date;
  private readonly iconUri: string | undefined;

  constructor(options: ConferenceAttacherOptions) {
    this.eventStore = options.eventStore;
    this.codec = options.codec;
    this.tokens = options.tokens;
    this.meetings = options.meetings;
    this.watches = options.watches;
    this.links = options.links;
    this.clock = options.clock ?? (() => new Date());
    this.iconUri = options.iconUri;
  }

  /**
   * `scheduled` as the transport delivers it (opened: its password in plaintext). Throws for
   * what a redelivery may cure: Google errors, an account needing re-authorization, webex-bridge
   * not answering (MeetingWriterUnavailableError).
   */
  async attach(scheduled: EventOf<typeof MeetingScheduled>): Promise<AttachOutcome> {
    const meeting = scheduled.data;
    const streamId = scheduled.streamId;
    const conferenceId = meeting.meetingNumber;
    const { events } = await readStreamEvents(this.eventStore, streamId, this.codec);
    const requested = events.find(MeetingRequested.is);
    if (!requested) throw new MeetingNotRequestedError(streamId);
    const link = requested.data;
    if (link.eventId === undefined) return { outcome: 'no-calendar-event' };
    const eventId = link.eventId;
    const alreadyAttached = events.some(
      (event) =>
        ConferenceAttached.is(event) &&
        event.data.eventId === eventId &&
        event.data.conferenceId === conferenceId,
    );
    if (alreadyAttached) return { outcome: 'already-attached' };

    const lookup = await this.tokens.lookup(link.userId);
    if (lookup.state !== 'connected') throw new GoogleAccountUnavailableError(link.userId, lookup.state);
    const { account } = lookup;
    if (account.tenantId !== scheduled.tenantId) throw new TenantMismatchError(streamId, link.userId);

    const current = await liveEvent(account.calendar, link.calendarId, eventId);
    if (!current)
      return {
        outcome: 'event-deleted',
        // Named as the sync names it, so the bridge sees one calendar event, not two.
        recorded: await this.recordDeletedEvent(
          scheduled,
          link.userId,
          canonicalCalendarId(link.calendarId, account.email),
          eventId,
        ),
      };
    // Before the patch, so the patch's own notification reaches us on the new channel.
    await this.watches?.ensureWatched(account, link.calendarId);
    const carried = readOurConference(current.conferenceData);
    // Already there: a previous attempt patched and died before ConferenceAttached was recorded.
    // A copy carrying another meeting's conference is not "there": it is replaced.
    const patched = !(carried?.meetingId === meeting.meetingId && carried.conferenceId === conferenceId);
    if (patched) {
      // The notes are read by the user in Calendar: in their language as it is now.
      const language = await readUserLanguage(this.eventStore, this.codec, link.userId);
      await account.calendar.patchConferenceData(
        link.calendarId,
        eventId,
        buildOurConferenceData({
          meetingId: meeting.meetingId,
          meetingNumber: meeting.meetingNumber,
          joinUrl: meeting.webLink,
          siteUrl: meeting.siteUrl,
          ...(typeof meeting.password === 'string' && meeting.password ? { password: meeting.password } : {}),
          ...(meeting.sipAddress ? { sipAddress: meeting.sipAddress } : {}),
          dialIn: dialInsOf(meeting),
          notes: notesOf(meeting, language),
          ...(this.iconUri ? { iconUri: this.iconUri } : {}),
        }),
      );
    }
    // Linked before any sync sees the conference: if the grant dies first, the full resync after
    // the reconnection still finds the event's deletion and names the meeting.
    await this.links.linkAttachedConference(account, link.calendarId, eventId, {
      meetingId: meeting.meetingId,
      conferenceId,
    });
    const outcome = await this.meetings.recordConferenceAttached({
      tenantId: scheduled.tenantId,
      trace: {
        correlationId: scheduled.correlationId,
        causationId: scheduled.id,
        traceparent: scheduled.traceparent,
      },
      data: { meetingId: meeting.meetingId, calendarId: link.calendarId, eventId, conferenceId },
    });
    switch (outcome) {
      case 'recorded':
        return { outcome: 'attached', patched };
      // A concurrent delivery went first.
      case 'already-recorded':
        return { outcome: 'already-attached' };
      case 'meeting-gone':
        return { outcome: 'meeting-gone', patched };
    }
  }

  /**
   * The event was deleted before the conference could be written. The sync engine never reports
   * that (the event never carried our conference), so we report it the way the bridge already
   * handles: CalendarEventChanged{cancelled} carrying the link, which makes it delete the Webex
   * meeting. Once per meeting: a redelivery finds it on the stream (calendarEventDecider).
   */
  private async recordDeletedEvent(
    scheduled: EventOf<typeof MeetingScheduled>,
    userId: string,
    calendarId: string,
    eventId: string,
  ): Promise<boolean> {
    const change = createEvent(CalendarEventChanged, {
      streamId: calendarEventStreamId(userId, eventId),
      tenantId: scheduled.tenantId,
      cause: scheduled,
      occurredAt: this.clock(),
      data: {
        change: 'cancelled',
        userId,
        calendarId,
        eventId,
        conference: { meetingId: scheduled.data.meetingId, conferenceId: scheduled.data.meetingNumber },
      },
    });
    const recorded = await handleCommand(
      this.eventStore,
      change.streamId,
      (state) => calendarEventDecider.decide({ change }, state),
      { ...calendarEventDecider, codec: this.codec },
    );
    return recorded.appendResult !== undefined;
  }
}

/** The event as Google holds it; undefined when it is deleted (gone, or shown cancelled). */
export async function liveEvent(
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

function notesOf(meeting: DataOf<typeof MeetingScheduled>, language: string): string {
  const lines = [translate(language, 'conference.meeting_number', { meetingNumber: meeting.meetingNumber })];
  if (meeting.telephony?.accessCode && meeting.telephony.callInNumbers.length > 0)
    lines.push(translate(language, 'conference.access_code', { accessCode: meeting.telephony.accessCode }));
  return lines.join('\n');
}
