import { type CreateCalendarEventFromMessage, type RequestOf, type ResponseOf } from '@scheduler/contracts';
import { CircuitOpenError, GoogleApiError, type MessageMetadata } from '@scheduler/google';
import type { CalendarEventReader } from '../calendar-events/calendar-event-reader.js';
import { GoogleAccountUnavailableError } from '../google-accounts/errors.js';
import type { GoogleTokenStore } from '../google-accounts/google-token-store.js';
import { attendeesOf, messageEventId, titleOf } from './message-event.js';

type Request = RequestOf<typeof CreateCalendarEventFromMessage>;
type Response = ResponseOf<typeof CreateCalendarEventFromMessage>;

export interface MessageEventCreatorOptions {
  readonly tokens: Pick<GoogleTokenStore, 'lookup'>;
  /** Reads the event back as ReadCalendarEvent answers it: what the meeting is requested with. */
  readonly reader: Pick<CalendarEventReader, 'read'>;
}

/** Google could not be reached (5xx, 429, timeout, network, open circuit): worth trying again later. */
const unavailable = (error: unknown) =>
  error instanceof CircuitOpenError || (error instanceof GoogleApiError && error.transient);

/**
 * Puts a Gmail message on the user's primary calendar (CreateCalendarEventFromMessage): reads
 * the message's metadata with the add-on's per-message token (never its body), then inserts an
 * event with the subject as title and the sender and recipients as attendees, under an id derived
 * from (user, message, start, end): the same request made again collides with the event it made
 * and answers that event.
 */
export class MessageEventCreator {
  constructor(private readonly options: MessageEventCreatorOptions) {}

  async create(request: Request): Promise<Response> {
    const lookup = await this.options.tokens.lookup(request.userId);
    if (lookup.state !== 'connected' || lookup.account.tenantId !== request.tenantId)
      return { outcome: 'account-unavailable' };
    const { account } = lookup;

    let message: MessageMetadata;
    try {
      message = await account.gmail.messageMetadata(request.messageId, request.messageToken);
    } catch (error) {
      if (error instanceof GoogleApiError) {
        if (error.status === 404) return { outcome: 'message-not-found' };
        // The account was connected without consent to Gmail: connecting again asks for it.
        if (error.status === 403 && error.reason === 'insufficientPermissions')
          return { outcome: 'account-unavailable' };
        if (error.status === 403) return { outcome: 'message-token-rejected' };
      }
      if (unavailable(error)) return { outcome: 'google-unavailable' };
      throw error;
    }

    const eventId = messageEventId(request);
    // The primary calendar, named as every other part of the service names it: the user's email.
    const calendarId = account.email.toLowerCase();
    let alreadyExisted = false;
    try {
      const timeZone = request.timeZone ?? (await account.calendar.timeZone());
      await account.calendar.insertEvent(calendarId, {
        id: eventId,
        summary: titleOf(message.headers),
        start: { dateTime: request.start, timeZone },
        end: { dateTime: request.end, timeZone },
        attendees: attendeesOf(message.headers, account.email).map((attendee) => ({ ...attendee })),
      });
    } catch (error) {
      // Made by an earlier request for the same message and times.
      if (error instanceof GoogleApiError && error.status === 409) alreadyExisted = true;
      else if (unavailable(error)) return { outcome: 'google-unavailable' };
      else throw error;
    }

    let read;
    try {
      read = await this.options.reader.read({ userId: request.userId, calendarId, eventId });
    } catch (error) {
      if (error instanceof GoogleAccountUnavailableError) return { outcome: 'account-unavailable' };
      if (unavailable(error)) return { outcome: 'google-unavailable' };
      throw error;
    }
    // Google keeps a deleted event's id: the event this request made once was deleted since.
    if (read.outcome === 'not-found') return { outcome: 'event-deleted' };
    const { title, start, end, timeZone, invitees, organizerEmail, organizedByUser } = read.event;
    return {
      outcome: 'created',
      eventId,
      alreadyExisted,
      event: {
        calendarId: read.event.calendarId,
        title,
        start,
        end,
        timeZone,
        invitees: [...invitees],
        organizerEmail,
        organizedByUser,
      },
    };
  }
}
