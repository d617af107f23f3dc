import { readUserLanguage } from '@scheduler/i18n';
import {
  ConferenceAttached,
  type EventEnvelope,
  type EventOf,
  type MeetingDriftDetected,
  MeetingRequested,
} from '@scheduler/contracts';
import { type EventStore, type StreamCodec, readStreamEvents } from '@scheduler/event-store';
import {
  deletedInWebexConference,
  saysDeletedInWebex,
  readOurConference,
} from '../calendar-sync/conference.js';
import { liveEvent } from '../conference-attachment/conference-attacher.js';
import type { GoogleTokenStore } from '../google-accounts/google-token-store.js';

export type DeletedInWebexOutcome =
  /** The event's conference now says the Webex meeting was deleted in Webex. */
  | { readonly outcome: 'shown' }
  /** It said so already (a redelivery, or a second notice of the same deletion). */
  | { readonly outcome: 'already-shown' }
  /** The drift was a change, not a deletion: the bridge applies the calendar's state again. */
  | { readonly outcome: 'not-deleted' }
  /** No calendar event to write into: a Gmail meeting, or a stream without its request. */
  | { readonly outcome: 'no-calendar-event' }
  /** The event is gone, or no longer carries this meeting's conference: nothing to correct. */
  | { readonly outcome: 'not-carried' }
  /** The user's Google account cannot be used now (disconnected, forgotten): nothing written. */
  | { readonly outcome: 'account-unavailable' };

export interface DeletedInWebexNoticeOptions {
  readonly eventStore: EventStore;
  /** How meeting streams are read back (SEALED_ENVELOPES). */
  readonly codec: StreamCodec<EventEnvelope>;
  readonly tokens: Pick<GoogleTokenStore, 'lookup'>;
}

/**
 * On MeetingDriftDetected{deleted} (Webex's `deleted` webhook or the drift check found the
 * meeting gone; webex-bridge does not create it again): the calendar event's conference says
 * so, in its notes, so the join details shown in Calendar are not taken for a meeting that
 * exists. google-ingest writes it, as it owns the Google calls. Idempotent through the event
 * itself: notes that say so already are left alone.
 */
export class DeletedInWebexNotice {
  constructor(private readonly options: DeletedInWebexNoticeOptions) {}

  /**
   * `drift` as the transport delivers it. Throws what a redelivery may cure (Google errors, the
   * event store unavailable).
   */
  async show(drift: EventOf<typeof MeetingDriftDetected>): Promise<DeletedInWebexOutcome> {
    if (drift.data.found !== 'deleted') return { outcome: 'not-deleted' };
    const meetingId = drift.data.meetingId;
    const { events } = await readStreamEvents(this.options.eventStore, drift.streamId, this.options.codec);
    const requested = events.find(MeetingRequested.is);
    if (!requested || requested.data.eventId === undefined) return { outcome: 'no-calendar-event' };
    // Where the event is now: the newest attachment (a moved event's is on its new calendar).
    const attached = events.filter(ConferenceAttached.is).at(-1)?.data;
    const calendarId = attached?.calendarId ?? requested.data.calendarId;
    const eventId = attached?.eventId ?? requested.data.eventId;

    const lookup = await this.options.tokens.lookup(requested.data.userId);
    if (lookup.state !== 'connected') return { outcome: 'account-unavailable' };
    const calendar = lookup.account.calendar;
    const current = await liveEvent(calendar, calendarId, eventId);
    const conferenceData = current?.conferenceData;
    if (!conferenceData || readOurConference(conferenceData)?.meetingId !== meetingId)
      return { outcome: 'not-carried' };
    if (saysDeletedInWebex(conferenceData.notes)) return { outcome: 'already-shown' };
    const language = await readUserLanguage(
      this.options.eventStore,
      this.options.codec,
      requested.data.userId,
    );
    await calendar.patchConferenceData(
      calendarId,
      eventId,
      deletedInWebexConference(conferenceData, language),
    );
    return { outcome: 'shown' };
  }
}
