import { CircuitBreaker, RetryPolicy, TimeoutError, type RetryAttemptInfo } from '@scheduler/resilience';
import type { z } from 'zod';
import { WebexApiError, WebexNetworkError, WebexRateLimited, WebexRequestInvalid } from './errors.js';
import { errorFrom, exchange, parseBody, type Fetch } from './http.js';
import {
  Meeting,
  MeetingInvitee,
  MeetingInviteeList,
  MeetingList,
  MeetingListItem,
  MeetingTemplates,
  Person,
  Sites,
  Webhook,
  WebhookList,
  type MeetingTemplate,
} from './schemas.js';
import type { WebexTokenProvider } from './tokens.js';

export interface Invitee {
  email: string;
  /** At most 128 characters (Webex). */
  displayName?: string;
  coHost?: boolean;
}

/** Webex sends invitees email unless told not to; we schedule silently, so callers say. */
export interface InviteeEmailOption {
  /** Webex's default is true. */
  sendEmail?: boolean;
}

/** The fields of CreateMeetingObject we use. `start`/`end` are ISO 8601 with an offset. */
export interface CreateMeetingRequest {
  title: string;
  start: string;
  end: string;
  timezone?: string;
  agenda?: string;
  password?: string;
  invitees?: Invitee[];
  sendEmail?: boolean;
  siteUrl?: string;
  templateId?: string;
  integrationTags?: string[];
  /**
   * An RRULE value without "RRULE:" ("FREQ=WEEKLY;INTERVAL=1;COUNT=10"): the meeting becomes a
   * recurring series, repeated in `timezone`. Monthly and yearly rules keep only their first
   * BYDAY/BYMONTHDAY value; a rule with an end may reach at most 5 years ahead.
   */
  recurrence?: string;
}

/** PATCH sets absolute values, so sending it twice leaves the same meeting: safe to retry. */
export interface PatchMeetingRequest {
  title?: string;
  start?: string;
  end?: string;
  timezone?: string;
  agenda?: string;
  password?: string;
  sendEmail?: boolean;
  integrationTags?: string[];
  /**
   * On a series: the new rule, or null to make it non-recurring. A new start, end or rule
   * cancels every occurrence changed or deleted on its own (Webex).
   */
  recurrence?: string | null;
}

/**
 * What one occurrence of a series can change. Its new start must stay from 00:00 of its own day
 * (series zone) to 00:00 of the next occurrence's day; see isOccurrenceOutsideItsDay.
 */
export interface PatchOccurrenceRequest {
  title?: string;
  start?: string;
  end?: string;
  agenda?: string;
  password?: string;
  sendEmail?: boolean;
}

export interface ListOccurrencesQuery {
  /** Occurrences overlapping [from, to); Webex's default is the next 7 days. */
  from?: string;
  to?: string;
  /** Only the occurrences changed on their own (true), or only the others (false). */
  isModified?: boolean;
}

/** PUT replaces the meeting; Webex requires title, password, start and end. */
export interface ReplaceMeetingRequest extends PatchMeetingRequest {
  title: string;
  password: string;
  start: string;
  end: string;
}

export interface ListMeetingsQuery {
  integrationTag?: string;
  /** Webex lists only meetings overlapping [from, to); without them, the next 7 days. */
  from?: string;
  to?: string;
  /** Page size, 1 to 100 (Webex default 10). */
  max?: number;
  siteUrl?: string;
  /** The occurrences (scheduledMeeting) of one series; with it Webex ignores integrationTag and siteUrl. */
  meetingSeriesId?: string;
  /** Webex default meetingSeries. */
  meetingType?: 'meetingSeries' | 'scheduledMeeting';
  isModified?: boolean;
}

export interface CreateWebhookRequest {
  name: string;
  targetUrl: string;
  resource: 'meetings';
  event: 'created' | 'updated' | 'deleted' | 'started' | 'ended' | 'all';
  secret?: string;
  filter?: string;
}

export interface WebexRetryOptions {
  /** Attempts per call, including the first. Default 4. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Wait this long after a 429/423 without Retry-After. Webex documents 15 s; tests set it lower. */
  defaultRetryAfterMs?: number;
  /** A Retry-After longer than this is not waited out; the WebexRateLimited goes to the caller. Default 5 min. */
  maxRetryAfterMs?: number;
  random?: () => number;
  sleep?: (milliseconds: number) => Promise<void>;
}

export interface WebexClientOptions {
  /** Default https://webexapis.com/v1 */
  baseUrl?: string;
  tokens: WebexTokenProvider;
  /** Deadline per HTTP attempt. Default 30 s. */
  timeoutMs?: number;
  retry?: WebexRetryOptions;
  /** Share one breaker between the clients of all users: it guards the Webex API, not a user. */
  circuitBreaker?: CircuitBreaker;
  fetch?: Fetch;
  onRetry?: (info: RetryAttemptInfo & { method: string; path: string }) => void;
}

/** Errors that say nothing about whether Webex applied the request, or that it asked us to come back. */
export function isRetryableWebexError(error: unknown): boolean {
  if (error instanceof WebexRateLimited) return true;
  if (error instanceof WebexApiError) return error.status >= 500;
  return error instanceof TimeoutError || error instanceof WebexNetworkError;
}

/** What counts against the API's health: 5xx, timeouts and dead connections; not 4xx, not 429. */
function isOutage(error: unknown): boolean {
  if (error instanceof WebexApiError) return error.status >= 500;
  return error instanceof TimeoutError || error instanceof WebexNetworkError;
}

export function createWebexCircuitBreaker(
  options: { failureThreshold?: number; openDurationMs?: number; now?: () => number } = {},
) {
  return new CircuitBreaker({
    name: 'webex',
    failureThreshold: options.failureThreshold ?? 5,
    openDurationMs: options.openDurationMs ?? 30_000,
    isFailure: isOutage,
    ...(options.now ? { now: options.now } : {}),
  });
}

interface CallOptions<T> {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  schema?: z.ZodType<T>;
  /** An absolute URL to call instead of baseUrl + path (paging). */
  url?: URL;
}

const day = 86_400_000;

/**
 * Typed client for the Webex Meetings REST API. Idempotent calls retry 429/423/5xx/timeouts
 * with jittered exponential backoff and Retry-After; creates never retry blindly.
 */
export class WebexClient {
  private readonly baseUrl: string;
  private readonly fetch: Fetch;
  private readonly breaker: CircuitBreaker;
  private readonly retry: RetryPolicy;
  private readonly defaultRetryAfterMs: number;

  constructor(private readonly options: WebexClientOptions) {
    this.baseUrl = (options.baseUrl ?? 'https://webexapis.com/v1').replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
    this.breaker = options.circuitBreaker ?? createWebexCircuitBreaker();
    this.defaultRetryAfterMs = options.retry?.defaultRetryAfterMs ?? 15_000;
    const retry = options.retry ?? {};
    this.retry = new RetryPolicy({
      maxAttempts: retry.maxAttempts ?? 4,
      baseDelayMs: retry.baseDelayMs ?? 500,
      maxDelayMs: retry.maxDelayMs ?? 30_000,
      maxRetryAfterMs: retry.maxRetryAfterMs ?? 300_000,
      classify: (error) => ({
        retryable: isRetryableWebexError(error),
        ...(error instanceof WebexRateLimited ? { retryAfterMs: error.retryAfterMs } : {}),
      }),
      ...(retry.random ? { random: retry.random } : {}),
      ...(retry.sleep ? { sleep: retry.sleep } : {}),
      onRetry: (info) => {
        const failed = info.error as { method?: string; path?: string };
        this.options.onRetry?.({ ...info, method: failed.method ?? '?', path: failed.path ?? '?' });
      },
    });
  }

  /**
   * This client with each call made once, without its own retries. For a caller that is itself
   * the retry, such as a probe asking whether Webex is back: the backoff between attempts would
   * only delay its answer. The tokens and the circuit breaker are shared with this client.
   */
  withoutRetries(): WebexClient {
    return new WebexClient({
      ...this.options,
      circuitBreaker: this.breaker,
      retry: { ...this.options.retry, maxAttempts: 1 },
    });
  }

  // Meetings

  /**
   * Creates a meeting carrying `integrationTag` (our meeting id). If an attempt fails in a way
   * that leaves its fate unknown, the next attempt first looks the tag up and adopts what it
   * finds, so a meeting is never created twice.
   */
  async createMeeting(
    request: CreateMeetingRequest,
    options: { integrationTag: string },
  ): Promise<{ meeting: Meeting; adopted: boolean }> {
    const integrationTags = [...new Set([...(request.integrationTags ?? []), options.integrationTag])];
    const issues = [
      ...(integrationTags.length > 3 ? ['at most 3 integrationTags'] : []),
      ...integrationTags
        .filter((tag) => tag.length > 64 || tag.length === 0)
        .map((tag) => `integrationTag "${tag}" must be 1 to 64 characters`),
      ...(request.title.length > 128 ? ['title longer than 128 characters'] : []),
      ...recurrenceIssues(request.recurrence),
    ];
    if (issues.length > 0) throw new WebexRequestInvalid(issues);
    const body = { ...request, integrationTags };
    // Webex lists the user's preferred site unless told which: look where the meeting was created.
    const window = {
      ...lookupWindow(request.start, request.end),
      ...(request.siteUrl ? { siteUrl: request.siteUrl } : {}),
    };

    return this.retry.run(
      async (attempt) => {
        if (attempt > 1) {
          const existing = await this.findByIntegrationTagOnce(options.integrationTag, window);
          if (existing) return { meeting: await this.getMeeting(existing.id), adopted: true };
        }
        const meeting = await this.callOnce('POST', '/meetings', { body, schema: Meeting });
        return { meeting, adopted: false };
      },
      { idempotent: true },
    );
  }

  getMeeting(meetingId: string): Promise<Meeting> {
    return this.call('GET', `/meetings/${encodeURIComponent(meetingId)}`, { schema: Meeting });
  }

  patchMeeting(meetingId: string, patch: PatchMeetingRequest): Promise<MeetingListItem> {
    const issues = recurrenceIssues(patch.recurrence);
    if (issues.length > 0) return Promise.reject(new WebexRequestInvalid(issues));
    return this.call('PATCH', `/meetings/${encodeURIComponent(meetingId)}`, {
      body: patch,
      schema: MeetingListItem,
    });
  }

  replaceMeeting(meetingId: string, meeting: ReplaceMeetingRequest): Promise<MeetingListItem> {
    return this.call('PUT', `/meetings/${encodeURIComponent(meetingId)}`, {
      body: meeting,
      schema: MeetingListItem,
    });
  }

  /** A 404 means the meeting is already gone, which is what we wanted. */
  async deleteMeeting(
    meetingId: string,
    options: { sendEmail?: boolean } = {},
  ): Promise<'deleted' | 'alreadyGone'> {
    try {
      await this.call('DELETE', `/meetings/${encodeURIComponent(meetingId)}`, {
        query: { sendEmail: options.sendEmail },
      });
      return 'deleted';
    } catch (error) {
      if (error instanceof WebexApiError && error.status === 404) return 'alreadyGone';
      throw error;
    }
  }

  // Occurrences of a recurring series (Webex "scheduled meetings", ids "<series id>_<yyyymmddThhmmssZ>")

  /** Every occurrence of the series overlapping the window, earliest first, following the pages. */
  listMeetingOccurrences(
    meetingSeriesId: string,
    query: ListOccurrencesQuery = {},
  ): Promise<MeetingListItem[]> {
    return this.listMeetings({ ...query, meetingSeriesId, meetingType: 'scheduledMeeting', max: 100 });
  }

  /** Changes one occurrence only (it becomes isModified); the series and its other occurrences stay. */
  patchMeetingOccurrence(occurrenceId: string, patch: PatchOccurrenceRequest): Promise<MeetingListItem> {
    return this.call('PATCH', `/meetings/${encodeURIComponent(occurrenceId)}`, {
      body: patch,
      schema: MeetingListItem,
    });
  }

  /** Deletes one occurrence; the series stays. A 404 means it is already gone. */
  deleteMeetingOccurrence(
    occurrenceId: string,
    options: { sendEmail?: boolean } = {},
  ): Promise<'deleted' | 'alreadyGone'> {
    return this.deleteMeeting(occurrenceId, options);
  }

  /** Every matching meeting series (or occurrence, by meetingType), following the Link rel="next" pages. */
  async listMeetings(query: ListMeetingsQuery = {}): Promise<MeetingListItem[]> {
    const items: MeetingListItem[] = [];
    let page = await this.callWithHeaders(
      'GET',
      '/meetings',
      { query: { ...query }, schema: MeetingList },
      true,
    );
    for (;;) {
      items.push(...page.data.items);
      const next = this.nextPage(page.headers.get('link'));
      if (!next) return items;
      page = await this.callWithHeaders('GET', next.pathname, { url: next, schema: MeetingList }, true);
    }
  }

  /** The meetings carrying our tag. `around` narrows the window; Webex's default is only the next 7 days. */
  listMeetingsByIntegrationTag(
    integrationTag: string,
    around: { from: string; to: string },
  ): Promise<MeetingListItem[]> {
    return this.listMeetings({ integrationTag, from: around.from, to: around.to, max: 100 });
  }

  // Meeting invitees (a meeting's invitees cannot be changed through PATCH or PUT /meetings)

  /** Every invitee of the meeting series, following the Link rel="next" pages. */
  async listMeetingInvitees(meetingId: string): Promise<MeetingInvitee[]> {
    const items: MeetingInvitee[] = [];
    let page = await this.callWithHeaders(
      'GET',
      '/meetingInvitees',
      { query: { meetingId, max: 100 }, schema: MeetingInviteeList },
      true,
    );
    for (;;) {
      items.push(...page.data.items);
      const next = this.nextPage(page.headers.get('link'));
      if (!next) return items;
      page = await this.callWithHeaders(
        'GET',
        next.pathname,
        { url: next, schema: MeetingInviteeList },
        true,
      );
    }
  }

  getMeetingInvitee(inviteeId: string): Promise<MeetingInvitee> {
    return this.call('GET', `/meetingInvitees/${encodeURIComponent(inviteeId)}`, { schema: MeetingInvitee });
  }

  /**
   * Invites one person. Webex refuses an email already invited (409), so a retry after a lost
   * answer cannot invite twice: on a 409 the existing invitee is looked up and adopted.
   */
  async createMeetingInvitee(
    meetingId: string,
    invitee: Invitee,
    options: InviteeEmailOption = {},
  ): Promise<{ invitee: MeetingInvitee; adopted: boolean }> {
    checkInvitees([invitee]);
    const body = { meetingId, ...invitee, ...emailOption(options) };
    return this.retry.run(
      async () => {
        try {
          const created = await this.callOnce('POST', '/meetingInvitees', { body, schema: MeetingInvitee });
          return { invitee: created, adopted: false };
        } catch (error) {
          if (!(error instanceof WebexApiError) || error.status !== 409) throw error;
          const existing = (await this.listMeetingInvitees(meetingId)).find((candidate) =>
            sameEmail(candidate.email, invitee.email),
          );
          if (!existing) throw error;
          return { invitee: existing, adopted: true };
        }
      },
      { idempotent: true },
    );
  }

  /**
   * Invites up to 100 people in one call. Webex refuses the whole list (409) when one is already
   * invited, without saying which, so a retry first lists the invitees and adopts them when every
   * one is there already; otherwise the 409 goes to the caller.
   */
  async createMeetingInvitees(
    meetingId: string,
    invitees: readonly Invitee[],
    options: InviteeEmailOption = {},
  ): Promise<{ invitees: MeetingInvitee[]; adopted: boolean }> {
    checkInvitees(invitees);
    if (invitees.length === 0 || invitees.length > 100)
      throw new WebexRequestInvalid([`bulk insert takes 1 to 100 invitees, not ${invitees.length}`]);
    const emails = invitees.map((invitee) => invitee.email.toLowerCase());
    if (new Set(emails).size !== emails.length)
      throw new WebexRequestInvalid(['each invitee of a bulk insert needs its own email']);
    const body = {
      meetingId,
      items: invitees.map((invitee) => ({ ...invitee, ...emailOption(options) })),
    };
    return this.retry.run(
      async (attempt) => {
        if (attempt > 1) {
          const current = await this.listMeetingInvitees(meetingId);
          const found = invitees.map((invitee) =>
            current.find((candidate) => sameEmail(candidate.email, invitee.email)),
          );
          if (found.every((invitee): invitee is MeetingInvitee => invitee !== undefined))
            return { invitees: found, adopted: true };
        }
        const created = await this.callOnce('POST', '/meetingInvitees/bulkInsert', {
          body,
          schema: MeetingInviteeList,
        });
        return { invitees: created.items, adopted: false };
      },
      { idempotent: true },
    );
  }

  /** PUT replaces the invitee's email, displayName and coHost: what is left out goes back to Webex's default. */
  updateMeetingInvitee(
    inviteeId: string,
    invitee: Invitee,
    options: InviteeEmailOption = {},
  ): Promise<MeetingInvitee> {
    checkInvitees([invitee]);
    return this.call('PUT', `/meetingInvitees/${encodeURIComponent(inviteeId)}`, {
      body: { ...invitee, ...emailOption(options) },
      schema: MeetingInvitee,
    });
  }

  /** A 404 means the invitee is already gone, which is what we wanted. */
  async deleteMeetingInvitee(
    inviteeId: string,
    options: InviteeEmailOption = {},
  ): Promise<'deleted' | 'alreadyGone'> {
    try {
      await this.call('DELETE', `/meetingInvitees/${encodeURIComponent(inviteeId)}`, {
        query: { sendEmail: options.sendEmail },
      });
      return 'deleted';
    } catch (error) {
      if (error instanceof WebexApiError && error.status === 404) return 'alreadyGone';
      throw error;
    }
  }

  // The user

  getMe(): Promise<Person> {
    return this.call('GET', '/people/me', { schema: Person });
  }

  async listSites(): Promise<Sites['sites']> {
    return (await this.call('GET', '/meetingPreferences/sites', { schema: Sites })).sites;
  }

  async listMeetingTemplates(
    options: { templateType?: 'meeting' | 'webinar'; siteUrl?: string } = {},
  ): Promise<MeetingTemplate[]> {
    return (
      await this.call('GET', '/meetings/templates', {
        query: { templateType: options.templateType ?? 'meeting', siteUrl: options.siteUrl },
        schema: MeetingTemplates,
      })
    ).items;
  }

  // Webhooks

  /** Not retried: a lost answer could leave a webhook registered; callers list before retrying. */
  createWebhook(request: CreateWebhookRequest): Promise<Webhook> {
    return this.callOnce('POST', '/webhooks', { body: request, schema: Webhook });
  }

  async listWebhooks(): Promise<Webhook[]> {
    return (await this.call('GET', '/webhooks', { query: { max: 100 }, schema: WebhookList })).items;
  }

  async deleteWebhook(webhookId: string): Promise<'deleted' | 'alreadyGone'> {
    try {
      await this.call('DELETE', `/webhooks/${encodeURIComponent(webhookId)}`, {});
      return 'deleted';
    } catch (error) {
      if (error instanceof WebexApiError && error.status === 404) return 'alreadyGone';
      throw error;
    }
  }

  // Transport

  private async findByIntegrationTagOnce(
    integrationTag: string,
    window: { from: string; to: string; siteUrl?: string },
  ) {
    const page = await this.callWithHeaders(
      'GET',
      '/meetings',
      { query: { integrationTag, ...window, max: 100 }, schema: MeetingList },
      false,
    );
    return page.data.items.find((item) => item.integrationTags?.includes(integrationTag) ?? true);
  }

  private nextPage(link: string | null): URL | undefined {
    const match = link && /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
    if (!match) return undefined;
    const next = new URL(match[1]!, this.baseUrl);
    // Follow pages on the API's own origin only: a Link header must not send our token elsewhere.
    if (next.origin !== new URL(this.baseUrl).origin)
      throw new WebexRequestInvalid([`refusing to follow a next page on ${next.origin}`]);
    return next;
  }

  private async call<T>(method: string, path: string, options: CallOptions<T>): Promise<T> {
    return (await this.callWithHeaders(method, path, options, method !== 'POST')).data;
  }

  private async callOnce<T>(method: string, path: string, options: CallOptions<T>): Promise<T> {
    return (await this.callWithHeaders(method, path, options, false)).data;
  }

  private callWithHeaders<T>(
    method: string,
    path: string,
    options: CallOptions<T>,
    idempotent: boolean,
  ): Promise<{ data: T; headers: Headers }> {
    return this.retry.run(() => this.breaker.execute(() => this.authorizedAttempt(method, path, options)), {
      idempotent,
    });
  }

  /** One attempt; a 401 refreshes the token once and repeats the request. */
  private async authorizedAttempt<T>(
    method: string,
    path: string,
    options: CallOptions<T>,
  ): Promise<{ data: T; headers: Headers }> {
    let token = await this.options.tokens.getAccessToken();
    let response = await this.send(method, path, options, token);
    if (response.status === 401) {
      token = await this.options.tokens.refreshAccessToken(token);
      response = await this.send(method, path, options, token);
    }
    if (!response.ok) throw await errorFrom(response, method, path, this.defaultRetryAfterMs);
    if (!options.schema) return { data: undefined as T, headers: response.headers };
    return { data: await parseBody(response, options.schema, method, path), headers: response.headers };
  }

  private send<T>(method: string, path: string, options: CallOptions<T>, token: string): Promise<Response> {
    const url = options.url ?? new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, String(value));
    return exchange(
      this.fetch,
      {
        method,
        url,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      },
      this.options.timeoutMs ?? 30_000,
    );
  }
}

const sameEmail = (left: string, right: string) => left.toLowerCase() === right.toLowerCase();

/** Webex takes the rule's value only; "RRULE:…" is what the calendar side writes, not Webex. */
function recurrenceIssues(recurrence: string | null | undefined): string[] {
  if (typeof recurrence !== 'string') return [];
  if (/^RRULE:/i.test(recurrence)) return ['recurrence must be the rule without "RRULE:"'];
  if (!/(^|;)FREQ=/i.test(recurrence)) return ['recurrence must name FREQ'];
  return [];
}

const emailOption = (options: InviteeEmailOption) =>
  options.sendEmail === undefined ? {} : { sendEmail: options.sendEmail };

/** What Webex would refuse anyway, refused before sending. */
function checkInvitees(invitees: readonly Invitee[]): void {
  const issues = invitees
    .filter((invitee) => (invitee.displayName?.length ?? 0) > 128)
    .map((invitee) => `displayName of ${invitee.email} longer than 128 characters`);
  if (issues.length > 0) throw new WebexRequestInvalid(issues);
}

/** A window around the requested times wide enough for any offset and Webex's minute rounding. */
function lookupWindow(start: string, end: string): { from: string; to: string } {
  const startMs = Date.parse(start);
  const endMs = Date.parse(end);
  if (Number.isNaN(startMs) || Number.isNaN(endMs))
    throw new WebexRequestInvalid(['start and end must be ISO 8601 date-times']);
  return { from: new Date(startMs - day).toISOString(), to: new Date(endMs + day).toISOString() };
}
