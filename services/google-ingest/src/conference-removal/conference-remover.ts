import {
  ConferenceAttached,
  type EventEnvelope,
  type EventOf,
  type MeetingCancelled,
  MeetingRequested,
} from '@scheduler/contracts';
import { type EventStore, type StreamCodec, readStreamEvents } from '@scheduler/event-store';
import type { CalendarSyncEngine } from '../calendar-sync/calendar-sync-engine.js';
import { GoogleAccountUnavailableError } from '../google-accounts/errors.js';
import type { GoogleTokenStore } from '../google-accounts/google-token-store.js';

export type RemoveOutcome =
  /** Our conference is off the event; the event stays. */
  | { readonly outcome: 'removed' }
  /** The event did not carry this meeting's conference (never attached, or removed already). */
  | { readonly outcome: 'not-carried' }
  /** The event itself is gone. */
  | { readonly outcome: 'event-gone' }
  /** Not cancelled by the user, or no calendar event: nothing to take off. */
  | { readonly outcome: 'not-ours-to-remove' };

export interface ConferenceRemoverOptions {
  readonly eventStore: EventStore;
  readonly codec: StreamCodec<EventEnvelope>;
  readonly tokens: Pick<GoogleTokenStore, 'lookup'>;
  readonly sync: Pick<CalendarSyncEngine, 'removeOurConference'>;
}

/**
 * On MeetingCancelled{user-request}: the user cancelled the meeting, and the calendar event
 * keeps its place without our conference. Other cancellations need nothing here: the event was
 * deleted, or the user took the conference off it. Repeating it is harmless (it checks the
 * event first).
 */
export class ConferenceRemover {
  constructor(private readonly options: ConferenceRemoverOptions) {}

  /** Throws what a redelivery may cure: Google errors, an account needing re-authorization. */
  async remove(cancelled: EventOf<typeof MeetingCancelled>): Promise<RemoveOutcome> {
    if (cancelled.data.reason !== 'user-request') return { outcome: 'not-ours-to-remove' };
    const { events } = await readStreamEvents(
      this.options.eventStore,
      cancelled.streamId,
      this.options.codec,
    );
    const requested = events.find(MeetingRequested.is);
    // The event the meeting lives on now: where it was attached last (it may have moved).
    const attached = events.filter(ConferenceAttached.is).at(-1)?.data;
    const calendarId = attached?.calendarId ?? requested?.data.calendarId;
    const eventId = attached?.eventId ?? requested?.data.eventId;
    if (!requested || calendarId === undefined || eventId === undefined)
      return { outcome: 'not-ours-to-remove' };
    const userId = requested.data.userId;
    const lookup = await this.options.tokens.lookup(userId);
    if (lookup.state !== 'connected') throw new GoogleAccountUnavailableError(userId, lookup.state);
    const outcome = await this.options.sync.removeOurConference(
      lookup.account,
      calendarId,
      eventId,
      cancelled.data.meetingId,
    );
    return { outcome };
  }
}
