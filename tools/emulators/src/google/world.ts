import { createHmac, randomBytes } from 'node:crypto';
import type { calendar_v3 } from 'googleapis';
import type { EmulatorClock } from '../core/clock.js';
import { GoogleHttpError } from './errors.js';
import { isValidEventId, newEventId } from './ids.js';
import { DateTime } from 'luxon';
import { instanceSuffix, parseRecurrence, seriesStarts } from './recurrence.js';

type Event = calendar_v3.Schema$Event;
type EventDateTime = calendar_v3.Schema$EventDateTime;
type ConferenceData = calendar_v3.Schema$ConferenceData;

export type CalendarRole = 'owner' | 'writer' | 'reader';

export interface GoogleUser {
  email: string;
  name: string;
  domain: string;
  /** Google's stable numeric subject id. */
  sub: string;
  timeZone: string;
  /** Admin Directory custom schemas, e.g. { Webex: { SiteUrl: "https://acme.webex.com" } }. */
  customSchemas: Record<string, Record<string, unknown>>;
  /** A super administrator of the Workspace (the Directory's `isAdmin`). */
  isAdmin: boolean;
}

export interface StoredEvent {
  resource: Event;
  /** Position in the calendar's change log; sync tokens point into it. */
  changeSequence: number;
}

export interface CalendarRecord {
  id: string;
  summary: string;
  timeZone: string;
  ownerEmail: string;
  acl: Map<string, CalendarRole>;
  events: Map<string, StoredEvent>;
  /** The last change-log position handed out. */
  sequence: number;
  /** Bumped to invalidate every sync and page token of the calendar at once. */
  syncGeneration: number;
}

export interface ListQuery {
  syncToken?: string;
  pageToken?: string;
  showDeleted: boolean;
  singleEvents: boolean;
  maxResults: number;
  timeMinMs?: number;
  timeMaxMs?: number;
}

export interface InstancesQuery {
  pageToken?: string;
  showDeleted: boolean;
  maxResults: number;
  timeMinMs?: number;
  timeMaxMs?: number;
  /** Only the instance that the rule first placed at this instant. */
  originalStartMs?: number;
}

export interface ListResult {
  items: Event[];
  nextPageToken?: string;
  nextSyncToken?: string;
}

interface SyncPosition {
  calendarId: string;
  generation: number;
  /** Changes after this position are returned. */
  from: number;
  /** Snapshot bound: changes up to here belong to this listing, later ones to the next sync. */
  upTo: number;
  /** Page cursor: the last (sequence, id) returned. */
  after?: [number, string];
  singleEvents: boolean;
}

const encodePosition = (position: SyncPosition) =>
  Buffer.from(JSON.stringify(position)).toString('base64url');

function decodePosition(token: string, kind: 'sync' | 'page'): SyncPosition {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as SyncPosition;
    if (typeof value.calendarId === 'string' && typeof value.upTo === 'number') return value;
  } catch {
    // falls through to the error below
  }
  throw new GoogleHttpError(400, 'invalid', `Invalid ${kind} token value.`, { location: `${kind}Token` });
}

function timeOf(value: EventDateTime | undefined | null, field: string): { ms: number; allDay: boolean } {
  if (value?.dateTime) {
    const ms = Date.parse(value.dateTime);
    if (Number.isNaN(ms)) throw new GoogleHttpError(400, 'invalid', `Invalid ${field} time.`);
    return { ms, allDay: false };
  }
  if (value?.date) {
    const ms = Date.parse(`${value.date}T00:00:00Z`);
    if (Number.isNaN(ms)) throw new GoogleHttpError(400, 'invalid', `Invalid ${field} time.`);
    return { ms, allDay: true };
  }
  throw new GoogleHttpError(400, 'required', `Missing ${field} time.`);
}

function shiftedTime(value: EventDateTime, newStartMs: number, allDay: boolean): EventDateTime {
  if (allDay) return { date: new Date(newStartMs).toISOString().slice(0, 10) };
  return {
    dateTime: new Date(newStartMs).toISOString(),
    ...(value.timeZone ? { timeZone: value.timeZone } : {}),
  };
}

/**
 * The Google side's data: users, calendars and their events, each calendar with an ordered
 * change log so sync tokens behave like Google's. Both the Calendar API and the control API
 * (acting as a user in the Calendar UI) change it through these methods.
 */
export class GoogleWorld {
  readonly users = new Map<string, GoogleUser>();
  readonly domains = new Set<string>();
  readonly calendars = new Map<string, CalendarRecord>();
  private readonly conferenceSigningKey = randomBytes(32);
  private readonly changeListeners: Array<(calendarId: string) => void> = [];
  private nextSubject = 100_000_000_000_000_000_000n;

  constructor(private readonly clock: EmulatorClock) {}

  now(): number {
    return this.clock.nowMs();
  }

  onCalendarChanged(listener: (calendarId: string) => void): void {
    this.changeListeners.push(listener);
  }

  addDomain(domain: string): void {
    this.domains.add(domain.toLowerCase());
  }

  addUser(input: {
    email: string;
    name?: string;
    timeZone?: string;
    customSchemas?: GoogleUser['customSchemas'];
    isAdmin?: boolean;
  }): GoogleUser {
    const email = input.email.toLowerCase();
    const domain = email.split('@')[1];
    if (!domain) throw new GoogleHttpError(400, 'invalid', `Not an email address: ${input.email}`);
    this.addDomain(domain);
    const existing = this.users.get(email);
    const user: GoogleUser = {
      email,
      name: input.name ?? existing?.name ?? email.split('@')[0]!,
      domain,
      sub: existing?.sub ?? String(this.nextSubject++),
      timeZone: input.timeZone ?? existing?.timeZone ?? 'UTC',
      customSchemas: input.customSchemas ?? existing?.customSchemas ?? {},
      isAdmin: input.isAdmin ?? existing?.isAdmin ?? false,
    };
    this.users.set(email, user);
    if (!this.calendars.has(email))
      this.addCalendar({ id: email, ownerEmail: email, summary: email, timeZone: user.timeZone });
    return user;
  }

  addCalendar(input: {
    id?: string;
    ownerEmail: string;
    summary: string;
    timeZone?: string;
  }): CalendarRecord {
    const owner = this.requireUser(input.ownerEmail);
    const id = input.id ?? `${randomBytes(13).toString('hex')}@group.calendar.google.com`;
    if (this.calendars.has(id)) throw new GoogleHttpError(409, 'duplicate', `Calendar ${id} already exists.`);
    const calendar: CalendarRecord = {
      id,
      summary: input.summary,
      timeZone: input.timeZone ?? owner.timeZone,
      ownerEmail: owner.email,
      acl: new Map([[owner.email, 'owner']]),
      events: new Map(),
      sequence: 0,
      syncGeneration: 1,
    };
    this.calendars.set(id, calendar);
    return calendar;
  }

  requireUser(email: string): GoogleUser {
    const user = this.users.get(email.toLowerCase());
    if (!user) throw new GoogleHttpError(404, 'notFound', `Unknown user ${email}.`);
    return user;
  }

  /** Resolves "primary" and checks the caller's access to the calendar. */
  calendarFor(calendarId: string, actorEmail: string, need: 'read' | 'write'): CalendarRecord {
    const id = calendarId === 'primary' ? actorEmail : calendarId;
    const calendar = this.calendars.get(id);
    const role = calendar?.acl.get(actorEmail);
    if (!calendar || !role) throw new GoogleHttpError(404, 'notFound', 'Not Found');
    if (need === 'write' && role === 'reader')
      throw new GoogleHttpError(
        403,
        'requiredAccessLevel',
        'You need to have writer access to this calendar.',
      );
    return calendar;
  }

  calendarById(calendarId: string): CalendarRecord {
    const calendar = this.calendars.get(calendarId);
    if (!calendar) throw new GoogleHttpError(404, 'notFound', `Unknown calendar ${calendarId}.`);
    return calendar;
  }

  share(calendarId: string, email: string, role: CalendarRole): void {
    const calendar = this.calendarById(calendarId);
    const user = this.requireUser(email);
    calendar.acl.set(user.email, role);
  }

  /** Every sync and page token of the calendar now answers 410 GONE. */
  invalidateSyncTokens(calendarId: string): void {
    this.calendarById(calendarId).syncGeneration += 1;
  }

  // ---- reads ----

  getEvent(calendar: CalendarRecord, eventId: string): Event {
    const stored = calendar.events.get(eventId);
    if (stored) return structuredClone(stored.resource);
    const instance = this.materializeInstance(calendar, eventId);
    if (instance) return instance;
    throw new GoogleHttpError(404, 'notFound', 'Not Found');
  }

  listEvents(calendar: CalendarRecord, query: ListQuery): ListResult {
    let position: SyncPosition;
    const incremental = query.syncToken !== undefined;
    if (query.pageToken !== undefined) {
      position = decodePosition(query.pageToken, 'page');
    } else if (query.syncToken !== undefined) {
      const token = decodePosition(query.syncToken, 'sync');
      position = { ...token, upTo: calendar.sequence };
      delete position.after;
    } else {
      position = {
        calendarId: calendar.id,
        generation: calendar.syncGeneration,
        from: 0,
        upTo: calendar.sequence,
        singleEvents: query.singleEvents,
      };
    }
    if (position.calendarId !== calendar.id)
      throw new GoogleHttpError(400, 'invalid', 'The token belongs to another calendar.');
    if (position.generation !== calendar.syncGeneration)
      throw new GoogleHttpError(
        410,
        'fullSyncRequired',
        'Sync token is no longer valid, a full sync is required.',
      );

    const includeCancelled = incremental || query.showDeleted;
    const candidates = [...calendar.events.values()].filter(
      (stored) => stored.changeSequence > position.from && stored.changeSequence <= position.upTo,
    );
    const rows: Array<{ sequence: number; event: Event }> = [];
    for (const stored of candidates) {
      const event = stored.resource;
      if (query.singleEvents && event.recurrence?.length) {
        for (const instance of this.expand(calendar, event, query.timeMaxMs))
          rows.push({ sequence: stored.changeSequence, event: instance });
      } else {
        rows.push({ sequence: stored.changeSequence, event: structuredClone(event) });
      }
    }
    const visible = rows.filter(({ event }) => {
      if (event.status === 'cancelled' && !includeCancelled) return false;
      if (!query.singleEvents || event.status === 'cancelled') return true;
      if (query.timeMinMs === undefined && query.timeMaxMs === undefined) return true;
      const start = timeOf(event.start, 'start').ms;
      const end = timeOf(event.end, 'end').ms;
      return (
        (query.timeMinMs === undefined || end > query.timeMinMs) &&
        (query.timeMaxMs === undefined || start < query.timeMaxMs)
      );
    });
    visible.sort(
      (a, b) =>
        a.sequence - b.sequence || (a.event.id! < b.event.id! ? -1 : a.event.id! > b.event.id! ? 1 : 0),
    );
    const after = position.after;
    const remaining = after
      ? visible.filter(
          ({ sequence, event }) => sequence > after[0] || (sequence === after[0] && event.id! > after[1]),
        )
      : visible;
    const page = remaining.slice(0, query.maxResults);
    const items = page.map(({ event }) => (event.status === 'cancelled' ? cancelledView(event) : event));
    if (remaining.length > page.length) {
      const last = page[page.length - 1]!;
      return {
        items,
        nextPageToken: encodePosition({ ...position, after: [last.sequence, last.event.id!] }),
      };
    }
    const next: SyncPosition = {
      calendarId: calendar.id,
      generation: calendar.syncGeneration,
      from: position.upTo,
      upTo: position.upTo,
      singleEvents: position.singleEvents,
    };
    return { items, nextSyncToken: encodePosition(next) };
  }

  // ---- writes ----

  insertEvent(
    calendar: CalendarRecord,
    input: Event,
    actorEmail: string,
    withConferenceData: boolean,
  ): Event {
    const id = input.id ?? newEventId();
    if (!isValidEventId(id))
      throw new GoogleHttpError(400, 'invalid', 'Invalid resource id value.', { location: 'id' });
    if (calendar.events.has(id))
      throw new GoogleHttpError(409, 'duplicate', 'The requested identifier already exists.');
    const now = this.clock.now().toISOString();
    const actor = this.requireUser(actorEmail);
    const owner = this.requireUser(calendar.ownerEmail);
    const event: Event = {
      kind: 'calendar#event',
      id,
      status: input.status === 'tentative' ? 'tentative' : 'confirmed',
      htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${id} ${calendar.id}`).toString('base64url')}`,
      created: now,
      updated: now,
      summary: input.summary ?? '',
      ...(input.description ? { description: input.description } : {}),
      ...(input.location ? { location: input.location } : {}),
      creator: { email: actor.email, displayName: actor.name },
      organizer: {
        email: calendar.id,
        displayName: calendar.id === owner.email ? owner.name : calendar.summary,
      },
      ...(input.start ? { start: input.start } : {}),
      ...(input.end ? { end: input.end } : {}),
      ...(input.recurrence?.length ? { recurrence: input.recurrence } : {}),
      iCalUID: input.iCalUID ?? `${id}@google.com`,
      sequence: 0,
      attendees: normalizeAttendees(input.attendees, calendar.ownerEmail),
      reminders: { useDefault: true },
      eventType: 'default',
    };
    if (withConferenceData && input.conferenceData)
      event.conferenceData = this.signConference(input.conferenceData);
    validateTimes(event);
    return this.commit(calendar, event);
  }

  /**
   * events.patch (merge) and events.update (replace). Without conferenceDataVersion=1 the
   * request's conferenceData is ignored and the stored one kept, as Google does.
   */
  changeEvent(
    calendar: CalendarRecord,
    eventId: string,
    input: Event,
    mode: 'patch' | 'update',
    withConferenceData: boolean,
  ): Event {
    const current = this.getEvent(calendar, eventId);
    if (current.status === 'cancelled' && input.status !== 'confirmed' && input.status !== 'tentative')
      throw new GoogleHttpError(410, 'deleted', 'Resource has been deleted');
    const immutable = {
      kind: current.kind,
      id: current.id,
      htmlLink: current.htmlLink,
      created: current.created,
      creator: current.creator,
      organizer: current.organizer,
      iCalUID: current.iCalUID,
      ...(current.recurringEventId
        ? { recurringEventId: current.recurringEventId, originalStartTime: current.originalStartTime }
        : {}),
    };
    const { conferenceData: requestedConference, ...rest } = input;
    delete rest.id;
    delete rest.etag;
    delete rest.sequence;
    const base: Event =
      mode === 'patch' ? { ...current, ...rest } : { ...rest, eventType: current.eventType ?? 'default' };
    const next: Event = { ...base, ...immutable, updated: this.clock.now().toISOString() };
    if (next.status !== 'tentative' && next.status !== 'cancelled') next.status = 'confirmed';
    if (input.attendees !== undefined)
      next.attendees = normalizeAttendees(input.attendees, calendar.ownerEmail);
    if (withConferenceData && requestedConference !== undefined) {
      if (requestedConference === null) delete next.conferenceData;
      else next.conferenceData = this.signConference(requestedConference);
    } else if (current.conferenceData) {
      next.conferenceData = current.conferenceData;
    } else {
      delete next.conferenceData;
    }
    validateTimes(next);
    const timeChanged =
      JSON.stringify([current.start, current.end, current.recurrence]) !==
      JSON.stringify([next.start, next.end, next.recurrence]);
    next.sequence = (current.sequence ?? 0) + (timeChanged ? 1 : 0);
    return this.commit(calendar, next);
  }

  deleteEvent(calendar: CalendarRecord, eventId: string): void {
    const current = this.getEvent(calendar, eventId);
    if (current.status === 'cancelled')
      throw new GoogleHttpError(410, 'deleted', 'Resource has been deleted');
    this.commit(calendar, { ...current, status: 'cancelled', updated: this.clock.now().toISOString() });
  }

  /** Cancels one occurrence of a series: an exception with status "cancelled". */
  cancelInstance(calendar: CalendarRecord, seriesId: string, originalStart: string): Event {
    const series = calendar.events.get(seriesId)?.resource;
    if (!series?.recurrence?.length)
      throw new GoogleHttpError(404, 'notFound', `No recurring event ${seriesId}.`);
    const startMs = Date.parse(originalStart);
    const allDay = Boolean(series.start?.date);
    const instance = this.getEvent(calendar, `${seriesId}_${instanceSuffix(startMs, allDay)}`);
    return this.commit(calendar, {
      ...instance,
      status: 'cancelled',
      updated: this.clock.now().toISOString(),
    });
  }

  /**
   * Copies an event to another date (and optionally another calendar) the way the Calendar UI
   * does: a new id and iCalUID, but the same conferenceData, signature included.
   */
  duplicateEvent(
    calendar: CalendarRecord,
    eventId: string,
    newStart: string,
    targetCalendarId?: string,
  ): Event {
    const original = this.getEvent(calendar, eventId);
    const target = targetCalendarId ? this.calendarById(targetCalendarId) : calendar;
    const start = timeOf(original.start, 'start');
    const end = timeOf(original.end, 'end');
    const newStartMs = Date.parse(newStart);
    if (Number.isNaN(newStartMs)) throw new GoogleHttpError(400, 'invalid', `Invalid start ${newStart}.`);
    const copy: Event = {
      ...(original.summary ? { summary: original.summary } : {}),
      ...(original.description ? { description: original.description } : {}),
      start: shiftedTime(original.start!, newStartMs, start.allDay),
      end: shiftedTime(original.end!, newStartMs + (end.ms - start.ms), end.allDay),
      ...(original.attendees ? { attendees: original.attendees } : {}),
    };
    const inserted = this.insertEvent(target, copy, target.ownerEmail, false);
    if (!original.conferenceData) return inserted;
    const stored = target.events.get(inserted.id!)!;
    stored.resource.conferenceData = structuredClone(original.conferenceData);
    // The copy is one change; fold the conference data into it without a second log entry.
    return structuredClone(stored.resource);
  }

  /** events.move: the event leaves the source calendar (cancelled there) and keeps its id in the target. */
  moveEvent(calendar: CalendarRecord, eventId: string, targetCalendarId: string): Event {
    const current = this.getEvent(calendar, eventId);
    if (current.recurringEventId)
      throw new GoogleHttpError(400, 'cannotChangeOrganizerOfInstance', 'Cannot move an instance.');
    const target = this.calendarById(targetCalendarId);
    if (target.id === calendar.id)
      throw new GoogleHttpError(400, 'invalid', 'The event is already on the destination calendar.');
    // An event that left the target before (cancelled there) may come back under its id.
    if (target.events.get(eventId) && target.events.get(eventId)!.resource.status !== 'cancelled')
      throw new GoogleHttpError(409, 'duplicate', 'The requested identifier already exists.');
    const owner = this.requireUser(target.ownerEmail);
    this.commit(calendar, { ...current, status: 'cancelled', updated: this.clock.now().toISOString() });
    return this.commit(target, {
      ...current,
      organizer: { email: target.id, displayName: target.id === owner.email ? owner.name : target.summary },
      updated: this.clock.now().toISOString(),
    });
  }

  // ---- internals ----

  private commit(calendar: CalendarRecord, event: Event): Event {
    calendar.sequence += 1;
    const changeSequence = calendar.sequence;
    event.etag = `"${this.clock.nowMs()}${String(changeSequence).padStart(4, '0')}"`;
    calendar.events.set(event.id!, { resource: structuredClone(event), changeSequence });
    for (const listener of this.changeListeners) listener(calendar.id);
    return structuredClone(event);
  }

  private signConference(input: ConferenceData): ConferenceData {
    const type = input.conferenceSolution?.key?.type;
    if (!type) throw new GoogleHttpError(400, 'invalid', 'Invalid conference type value.');
    const entryPoints = input.entryPoints ?? [];
    for (const kind of ['video', 'sip', 'more'])
      if (entryPoints.filter((entry) => entry.entryPointType === kind).length > 1)
        throw new GoogleHttpError(
          400,
          'invalid',
          `Invalid conference data: more than one ${kind} entry point.`,
        );
    for (const entry of entryPoints) {
      if (!['video', 'phone', 'sip', 'more'].includes(entry.entryPointType ?? ''))
        throw new GoogleHttpError(400, 'invalid', `Invalid entry point type ${entry.entryPointType}.`);
      if (!entry.uri || entry.uri.length > 1300)
        throw new GoogleHttpError(400, 'invalid', 'Invalid entry point uri.');
    }
    if ((input.notes?.length ?? 0) > 2048)
      throw new GoogleHttpError(400, 'invalid', 'Conference notes are too long.');
    const { signature: _ignored, ...data } = structuredClone(input);
    const signature = createHmac('sha256', this.conferenceSigningKey)
      .update(JSON.stringify([data.conferenceId, data.conferenceSolution, data.entryPoints]))
      .digest('base64');
    return { ...data, signature };
  }

  /** Where the series repeats: its start in its own zone (the calendar's when it names none). */
  private anchorOf(calendar: CalendarRecord, series: Event) {
    const start = timeOf(series.start, 'start');
    return {
      firstStartMs: start.ms,
      timeZone: series.start?.timeZone ?? calendar.timeZone,
      allDay: start.allDay,
    };
  }

  /**
   * The occurrences of a series that have no stored exception (a changed or cancelled instance),
   * starting before `beforeMs` (without it, the first 366).
   */
  private expand(calendar: CalendarRecord, series: Event, beforeMs?: number): Event[] {
    const anchor = this.anchorOf(calendar, series);
    const pattern = parseRecurrence(series.recurrence ?? [], anchor);
    const end = timeOf(series.end, 'end');
    if (!pattern) return [structuredClone(series)];
    // Occurrences with a stored exception are left out: the exception is its own log entry.
    return seriesStarts(pattern, beforeMs)
      .map((occurrenceMs) => ({
        occurrenceMs,
        id: `${series.id}_${instanceSuffix(occurrenceMs, anchor.allDay)}`,
      }))
      .filter(({ id }) => !calendar.events.has(id))
      .map(({ occurrenceMs, id }) =>
        instanceOf(series, id, occurrenceMs, end.ms - anchor.firstStartMs, anchor.allDay),
      );
  }

  private materializeInstance(calendar: CalendarRecord, instanceId: string): Event | undefined {
    const separator = instanceId.lastIndexOf('_');
    if (separator === -1) return undefined;
    const series = calendar.events.get(instanceId.slice(0, separator))?.resource;
    if (!series?.recurrence?.length) return undefined;
    const originalStartMs = suffixInstant(instanceId.slice(separator + 1));
    if (originalStartMs === undefined) return undefined;
    return this.expand(calendar, series, originalStartMs + 1).find((instance) => instance.id === instanceId);
  }

  /**
   * events.instances: the series' occurrences (exceptions included, as stored), earliest first;
   * cancelled ones only with showDeleted. Without timeMax, the first 366 occurrences.
   */
  listInstances(
    calendar: CalendarRecord,
    seriesId: string,
    query: InstancesQuery,
  ): { items: Event[]; nextPageToken?: string } {
    const series = calendar.events.get(seriesId)?.resource;
    if (!series) throw new GoogleHttpError(404, 'notFound', 'Not Found');
    if (series.status === 'cancelled') throw new GoogleHttpError(410, 'deleted', 'Resource has been deleted');
    if (!series.recurrence?.length) return { items: [structuredClone(series)] };
    const exceptions = [...calendar.events.values()]
      .map((stored) => stored.resource)
      .filter((event) => event.recurringEventId === seriesId)
      .map((event) => structuredClone(event));
    const all = [...this.expand(calendar, series, query.timeMaxMs), ...exceptions]
      .filter((event) => query.showDeleted || event.status !== 'cancelled')
      .filter(
        (event) =>
          query.originalStartMs === undefined ||
          timeOf(event.originalStartTime, 'originalStartTime').ms === query.originalStartMs,
      )
      .filter((event) => {
        if (event.status === 'cancelled') return true;
        const start = timeOf(event.start, 'start').ms;
        const end = timeOf(event.end, 'end').ms;
        return (
          (query.timeMinMs === undefined || end > query.timeMinMs) &&
          (query.timeMaxMs === undefined || start < query.timeMaxMs)
        );
      })
      .map((event) => ({
        event,
        sortMs: timeOf(event.status === 'cancelled' ? event.originalStartTime : event.start, 'start').ms,
      }))
      .sort((a, b) => a.sortMs - b.sortMs || (a.event.id! < b.event.id! ? -1 : 1))
      .map(({ event }) => (event.status === 'cancelled' ? cancelledView(event) : event));
    const offset = query.pageToken === undefined ? 0 : pageOffset(query.pageToken);
    const items = all.slice(offset, offset + query.maxResults);
    return offset + query.maxResults < all.length
      ? { items, nextPageToken: Buffer.from(String(offset + query.maxResults)).toString('base64url') }
      : { items };
  }

  /**
   * "This and following", as the Calendar UI does it with the two documented calls: the
   * original's rule ends (UNTIL) just before the chosen occurrence, and a new series (new id)
   * starts there with the changes. The original's exceptions from there on are cancelled; the
   * conference is carried over. Both changes reach incremental sync.
   */
  splitSeries(
    calendar: CalendarRecord,
    seriesId: string,
    originalStart: string,
    changes: Event,
  ): { original: Event; following: Event } {
    const series = calendar.events.get(seriesId)?.resource;
    if (!series?.recurrence?.length || series.status === 'cancelled')
      throw new GoogleHttpError(404, 'notFound', `No recurring event ${seriesId}.`);
    const anchor = this.anchorOf(calendar, series);
    const splitMs = Date.parse(originalStart);
    const ruleLine = series.recurrence.find((line) => line.toUpperCase().startsWith('RRULE:'))!;
    const ruleOnly = parseRecurrence([ruleLine], anchor)!;
    const before = seriesStarts(ruleOnly, splitMs);
    if (!seriesStarts(ruleOnly, splitMs + 1).includes(splitMs))
      throw new GoogleHttpError(400, 'invalid', `${originalStart} is not an occurrence of ${seriesId}.`);
    if (before.length === 0)
      throw new GoogleHttpError(
        400,
        'invalid',
        'Split at a later occurrence; the first one changes the whole series.',
      );
    const parts = ruleLine
      .slice(ruleLine.indexOf(':') + 1)
      .split(';')
      .map((part) => part.split('=') as [string, string]);
    const count = parts.find(([name]) => name.toUpperCase() === 'COUNT')?.[1];
    const withoutEnd = parts.filter(([name]) => !['COUNT', 'UNTIL'].includes(name.toUpperCase()));
    const rule = (extra: Array<[string, string]>) =>
      `RRULE:${[...withoutEnd, ...extra].map(([name, value]) => `${name}=${value}`).join(';')}`;
    const untilValue = anchor.allDay
      ? instanceSuffix(splitMs - 86_400_000, true)
      : instanceSuffix(splitMs - 1_000, false);
    const otherLines = series.recurrence.filter((line) => line !== ruleLine);
    const original = this.changeEvent(
      calendar,
      seriesId,
      { recurrence: [rule([['UNTIL', untilValue]]), ...otherLines] },
      'patch',
      false,
    );
    for (const stored of [...calendar.events.values()]) {
      const exception = stored.resource;
      if (exception.recurringEventId !== seriesId || exception.status === 'cancelled') continue;
      if (timeOf(exception.originalStartTime, 'originalStartTime').ms < splitMs) continue;
      this.commit(calendar, { ...exception, status: 'cancelled', updated: this.clock.now().toISOString() });
    }
    const end = timeOf(series.end, 'end');
    const followingRule = count
      ? rule([['COUNT', String(Number(count) - before.length)]])
      : rule(parts.filter(([name]) => name.toUpperCase() === 'UNTIL'));
    const following = this.insertEvent(
      calendar,
      {
        summary: series.summary ?? '',
        ...(series.description ? { description: series.description } : {}),
        ...(series.location ? { location: series.location } : {}),
        ...(series.attendees ? { attendees: series.attendees } : {}),
        start: shiftedTime(series.start!, splitMs, anchor.allDay),
        end: shiftedTime(series.end!, splitMs + (end.ms - anchor.firstStartMs), anchor.allDay),
        recurrence: [followingRule, ...otherLines],
        ...changes,
      },
      calendar.ownerEmail,
      false,
    );
    if (!series.conferenceData) return { original, following };
    const stored = calendar.events.get(following.id!)!;
    stored.resource.conferenceData = structuredClone(series.conferenceData);
    return { original, following: structuredClone(stored.resource) };
  }
}

/** The original start an instance id's suffix names (20270322T080000Z or 20270322). */
function suffixInstant(suffix: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z)?$/.exec(suffix);
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0'] = match;
  return Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
}

function pageOffset(token: string): number {
  const offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0)
    throw new GoogleHttpError(400, 'invalid', 'Invalid page token value.', { location: 'pageToken' });
  return offset;
}

function instanceOf(series: Event, id: string, startMs: number, durationMs: number, allDay: boolean): Event {
  const { recurrence: _recurrence, ...rest } = structuredClone(series);
  const originalStartTime = shiftedTime(series.start!, startMs, allDay);
  return {
    ...rest,
    id,
    recurringEventId: series.id!,
    originalStartTime,
    start: originalStartTime,
    end: shiftedTime(series.end!, startMs + durationMs, allDay),
  };
}

/**
 * The event as Google answers it from one calendar: `self` on the organizer, the creator and
 * each attendee says whether that person is the calendar being read (not the caller), so a
 * delegate reading the owner's calendar sees the owner's entries marked `self`. Stored events
 * never hold `self`.
 */
export function asSeenFrom(event: Event, calendarId: string): Event {
  const id = calendarId.toLowerCase();
  return {
    ...event,
    ...(event.organizer ? { organizer: markSelf(event.organizer, id) } : {}),
    ...(event.creator ? { creator: markSelf(event.creator, id) } : {}),
    ...(event.attendees ? { attendees: event.attendees.map((attendee) => markSelf(attendee, id)) } : {}),
  };
}

function markSelf<Person extends { email?: string | null; self?: boolean | null }>(
  person: Person,
  calendarId: string,
): Person {
  const marked: { email?: string | null; self?: boolean | null } = { ...person };
  delete marked.self;
  if (marked.email?.toLowerCase() === calendarId) marked.self = true;
  return marked as Person;
}

/** Deleted events in list results guarantee only their id (and, for instances, the series link). */
function cancelledView(event: Event): Event {
  return {
    kind: 'calendar#event',
    etag: event.etag ?? null,
    id: event.id ?? null,
    status: 'cancelled',
    ...(event.recurringEventId
      ? { recurringEventId: event.recurringEventId, originalStartTime: event.originalStartTime }
      : {}),
  };
}

function normalizeAttendees(attendees: Event['attendees'], organizerEmail: string): Event['attendees'] {
  if (!attendees) return undefined;
  return attendees.map((attendee) => {
    if (!attendee.email) throw new GoogleHttpError(400, 'required', 'Missing attendee email.');
    // `self` is Google's to say, per calendar read (asSeenFrom); a client's is ignored.
    const { self: _ignored, ...given } = attendee;
    return {
      ...given,
      email: attendee.email.toLowerCase(),
      responseStatus: attendee.responseStatus ?? 'needsAction',
      ...(attendee.email.toLowerCase() === organizerEmail ? { organizer: true } : {}),
    };
  });
}

function validateTimes(event: Event): void {
  const start = timeOf(event.start, 'start');
  const end = timeOf(event.end, 'end');
  if (start.allDay !== end.allDay)
    throw new GoogleHttpError(
      400,
      'invalid',
      'Start and end times must either both be date or both be dateTime.',
    );
  if (end.ms < start.ms)
    throw new GoogleHttpError(400, 'timeRangeEmpty', 'The specified time range is empty.');
  for (const [field, time] of [
    ['start', event.start],
    ['end', event.end],
  ] as const)
    if (time?.timeZone && !DateTime.local().setZone(time.timeZone).isValid)
      throw new GoogleHttpError(400, 'invalid', `Invalid time zone definition for ${field} time.`);
  if (event.recurrence?.length) {
    if (event.recurringEventId)
      throw new GoogleHttpError(400, 'invalid', 'An instance of a recurring event cannot have a recurrence.');
    // The rule's syntax does not depend on the zone; expansion uses the calendar's when the event names none.
    parseRecurrence(event.recurrence, {
      firstStartMs: start.ms,
      timeZone: event.start?.timeZone ?? 'UTC',
      allDay: start.allDay,
    });
  }
}
