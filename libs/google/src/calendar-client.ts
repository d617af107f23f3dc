import type { OAuth2Client } from 'google-auth-library';
import { calendar, type calendar_v3 } from 'googleapis/build/src/apis/calendar/index.js';
import { z } from 'zod';
import { GoogleCallRunner, type GoogleResilienceOptions } from './call-runner.js';
import { markAccessTokenStale } from './oauth.js';
import { GoogleApiError, GoogleResponseInvalid, SyncTokenExpired } from './errors.js';

export type CalendarEvent = calendar_v3.Schema$Event;
export type ConferenceData = calendar_v3.Schema$ConferenceData;

export interface WatchChannel {
  id: string;
  resourceId: string;
  resourceUri: string | undefined;
  expiresAt: Date;
  token: string | undefined;
}

export interface ChangesPage {
  events: CalendarEvent[];
  /** Store it; the next incremental sync starts from here. */
  nextSyncToken: string;
  /** How many pages Google returned (useful for metrics and tests). */
  pages: number;
}

// Only what our code relies on is checked; everything else passes through untouched.
const EventShape = z.looseObject({ id: z.string().min(1), status: z.string().optional() });
const EventsPageShape = z.looseObject({
  items: z.array(EventShape).default([]),
  nextPageToken: z.string().nullish(),
  nextSyncToken: z.string().nullish(),
});
const ChannelShape = z.looseObject({
  id: z.string().min(1),
  resourceId: z.string().min(1),
  resourceUri: z.string().nullish(),
  expiration: z.union([z.string(), z.number()]).transform(Number).pipe(z.number().int().positive()),
  token: z.string().nullish(),
});
const SettingShape = z.looseObject({ value: z.string().min(1) });

function validate<Schema extends z.ZodType>(
  operation: string,
  schema: Schema,
  value: unknown,
): z.infer<Schema> {
  const result = schema.safeParse(value);
  if (!result.success) throw new GoogleResponseInvalid(operation, z.prettifyError(result.error));
  return result.data;
}

export interface GoogleCalendarClientOptions {
  auth: OAuth2Client;
  /** GoogleEndpoints.calendarRootUrl (global google.options({rootUrl}) is ignored, so it is set here). */
  rootUrl: string;
  /** Names the account in errors. */
  account?: string;
  resilience?: GoogleResilienceOptions;
  /** Share one runner (one circuit breaker) between the clients of many accounts. */
  runner?: GoogleCallRunner;
}

/** The Calendar v3 operations the services use, typed, validated and resilient. */
export class GoogleCalendarClient {
  private readonly api: calendar_v3.Calendar;
  private readonly runner: GoogleCallRunner;
  private readonly account: string | undefined;
  private readonly auth: OAuth2Client;

  constructor(options: GoogleCalendarClientOptions) {
    this.auth = options.auth;
    this.api = calendar({ version: 'v3', auth: options.auth, rootUrl: options.rootUrl, retry: false });
    this.runner = options.runner ?? new GoogleCallRunner('google-calendar', options.resilience);
    this.account = options.account;
  }

  /** events.watch. Not retried automatically: a lost response would leave a channel we do not know about. */
  async watch(
    calendarId: string,
    channel: { id: string; address: string; token: string; ttlSeconds?: number },
  ): Promise<WatchChannel> {
    const operation = 'calendar.events.watch';
    const response = await this.runner.run(
      operation,
      (requestOptions) =>
        this.api.events.watch(
          {
            calendarId,
            requestBody: {
              id: channel.id,
              type: 'web_hook',
              address: channel.address,
              token: channel.token,
              ...(channel.ttlSeconds !== undefined ? { params: { ttl: String(channel.ttlSeconds) } } : {}),
            },
          },
          requestOptions,
        ),
      this.context(false),
    );
    const value = validate(operation, ChannelShape, response.data);
    return {
      id: value.id,
      resourceId: value.resourceId,
      resourceUri: value.resourceUri ?? undefined,
      expiresAt: new Date(value.expiration),
      token: value.token ?? undefined,
    };
  }

  /** channels.stop. A channel that is already gone counts as stopped. */
  async stop(channel: { id: string; resourceId: string }): Promise<void> {
    try {
      await this.runner.run(
        'calendar.channels.stop',
        (requestOptions) =>
          this.api.channels.stop(
            { requestBody: { id: channel.id, resourceId: channel.resourceId } },
            requestOptions,
          ),
        this.context(true),
      );
    } catch (error) {
      if (error instanceof GoogleApiError && error.status === 404) return;
      throw error;
    }
  }

  /**
   * events.list, following every page. With a sync token it returns the changes since then
   * (cancelled events included); without one it is a full sync. A 410 becomes SyncTokenExpired.
   */
  async listChanges(
    calendarId: string,
    options: { syncToken?: string; singleEvents?: boolean; showDeleted?: boolean; maxResults?: number } = {},
  ): Promise<ChangesPage> {
    const operation = 'calendar.events.list';
    const events: CalendarEvent[] = [];
    let pageToken: string | undefined;
    for (let pages = 1; ; pages++) {
      let data: unknown;
      try {
        const response = await this.runner.run(
          operation,
          (requestOptions) =>
            this.api.events.list(
              {
                calendarId,
                ...(options.syncToken ? { syncToken: options.syncToken } : {}),
                ...(pageToken ? { pageToken } : {}),
                ...(options.singleEvents !== undefined ? { singleEvents: options.singleEvents } : {}),
                ...(options.showDeleted !== undefined ? { showDeleted: options.showDeleted } : {}),
                ...(options.maxResults !== undefined ? { maxResults: options.maxResults } : {}),
              },
              requestOptions,
            ),
          this.context(true),
        );
        data = response.data;
      } catch (error) {
        if (error instanceof GoogleApiError && error.status === 410)
          throw new SyncTokenExpired(calendarId, { cause: error });
        throw error;
      }
      const page = validate(operation, EventsPageShape, data);
      events.push(...(page.items as CalendarEvent[]));
      if (page.nextPageToken) {
        pageToken = page.nextPageToken;
        continue;
      }
      if (!page.nextSyncToken)
        throw new GoogleResponseInvalid(operation, 'the last page carries no nextSyncToken');
      return { events, nextSyncToken: page.nextSyncToken, pages };
    }
  }

  /**
   * events.instances, following every page: the occurrences of a recurring event (ids
   * `<event id>_<yyyymmddThhmmssZ>`, with recurringEventId and originalStartTime), exceptions as
   * they were changed; cancelled ones only with showDeleted. timeMin bounds the end, timeMax the start.
   */
  async listInstances(
    calendarId: string,
    eventId: string,
    options: { timeMin?: string; timeMax?: string; showDeleted?: boolean; maxResults?: number } = {},
  ): Promise<CalendarEvent[]> {
    const operation = 'calendar.events.instances';
    const instances: CalendarEvent[] = [];
    let pageToken: string | undefined;
    for (;;) {
      const response = await this.runner.run(
        operation,
        (requestOptions) =>
          this.api.events.instances(
            {
              calendarId,
              eventId,
              ...(options.timeMin !== undefined ? { timeMin: options.timeMin } : {}),
              ...(options.timeMax !== undefined ? { timeMax: options.timeMax } : {}),
              ...(options.showDeleted !== undefined ? { showDeleted: options.showDeleted } : {}),
              ...(options.maxResults !== undefined ? { maxResults: options.maxResults } : {}),
              ...(pageToken ? { pageToken } : {}),
            },
            requestOptions,
          ),
        this.context(true),
      );
      const page = validate(operation, EventsPageShape, response.data);
      instances.push(...(page.items as CalendarEvent[]));
      if (!page.nextPageToken) return instances;
      pageToken = page.nextPageToken;
    }
  }

  async getEvent(calendarId: string, eventId: string): Promise<CalendarEvent> {
    const operation = 'calendar.events.get';
    const response = await this.runner.run(
      operation,
      (requestOptions) => this.api.events.get({ calendarId, eventId }, requestOptions),
      this.context(true),
    );
    return validate(operation, EventShape, response.data) as CalendarEvent;
  }

  /**
   * Writes our conference into the event (conferenceDataVersion=1, without which Google ignores
   * it). It sends the whole desired conference, so repeating it is safe and it may retry.
   */
  async patchConferenceData(
    calendarId: string,
    eventId: string,
    conferenceData: ConferenceData,
  ): Promise<CalendarEvent> {
    const operation = 'calendar.events.patch';
    const response = await this.runner.run(
      operation,
      (requestOptions) =>
        this.api.events.patch(
          { calendarId, eventId, conferenceDataVersion: 1, requestBody: { conferenceData } },
          requestOptions,
        ),
      this.context(true),
    );
    return validate(operation, EventShape, response.data) as CalendarEvent;
  }

  /**
   * Takes our conference off the event (conferenceData null, conferenceDataVersion=1); the event
   * stays. Safe to repeat.
   */
  async removeConferenceData(calendarId: string, eventId: string): Promise<CalendarEvent> {
    const operation = 'calendar.events.patch';
    const response = await this.runner.run(
      operation,
      (requestOptions) =>
        this.api.events.patch(
          // googleapis types conferenceData as an object; Google reads null as "remove".
          { calendarId, eventId, conferenceDataVersion: 1, requestBody: { conferenceData: null as never } },
          requestOptions,
        ),
      this.context(true),
    );
    return validate(operation, EventShape, response.data) as CalendarEvent;
  }

  /**
   * events.insert. With a client-chosen `event.id`, a second insert (a retry, a repeated
   * request) answers 409 instead of making a second event, so it may retry.
   */
  async insertEvent(calendarId: string, event: CalendarEvent): Promise<CalendarEvent> {
    const operation = 'calendar.events.insert';
    const response = await this.runner.run(
      operation,
      (requestOptions) =>
        this.api.events.insert({ calendarId, sendUpdates: 'all', requestBody: event }, requestOptions),
      this.context(event.id !== undefined && event.id !== null),
    );
    return validate(operation, EventShape, response.data) as CalendarEvent;
  }

  /** The user's Calendar time zone (settings.get('timezone')), an IANA name. */
  async timeZone(): Promise<string> {
    const operation = 'calendar.settings.get';
    const response = await this.runner.run(
      operation,
      (requestOptions) => this.api.settings.get({ setting: 'timezone' }, requestOptions),
      this.context(true),
    );
    return validate(operation, SettingShape, response.data).value;
  }

  async listCalendars(): Promise<calendar_v3.Schema$CalendarListEntry[]> {
    const operation = 'calendar.calendarList.list';
    const response = await this.runner.run(
      operation,
      (requestOptions) => this.api.calendarList.list({}, requestOptions),
      this.context(true),
    );
    return validate(
      operation,
      z.looseObject({ items: z.array(z.looseObject({ id: z.string() })).default([]) }),
      response.data,
    ).items as calendar_v3.Schema$CalendarListEntry[];
  }

  private context(idempotent: boolean) {
    return {
      idempotent,
      onUnauthorized: () => markAccessTokenStale(this.auth),
      ...(this.account !== undefined ? { account: this.account } : {}),
    };
  }
}
