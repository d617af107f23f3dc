import express, { type Request, type Response, type Router } from 'express';
import { sendWebexError } from './errors.js';
import { callerOf, requireScope, type Caller } from './oauth.js';
import { checkInviteeFields, hostEmailRefused, type InviteeFields } from './invitees.js';
import { cursorOffset, pageOf, pageSize } from './paging.js';
import { RecurrenceRuleInvalid } from '../core/recurrence.js';
import {
  checkRecurrenceLimits,
  normalizeRecurrence,
  occurrenceStartWindow,
  ruleOccurrences,
  type RuleOccurrence,
} from './recurrence.js';
import type { StoredMeeting, WebexState } from './state.js';
import { formatInZone, isIanaTimeZone, parseDateTime } from './time-zones.js';

export type MeetingEvent = 'created' | 'updated' | 'deleted' | 'started' | 'ended';

export interface MeetingSettings {
  /** Webex: 100 creates per user per 24 h, failed requests included. */
  createsPerDay: number;
}

const minute = 60_000;
const day = 24 * 60 * minute;
export const minimumDurationMs = 10 * minute;
/** The spec and api-notes say "longer than 23 hours 59 minutes" is refused, so 23:59 is the longest. */
export const maximumDurationMs = 23 * 60 * minute + 59 * minute;

function floorToMinute(instantMs: number): number {
  return Math.floor(instantMs / minute) * minute;
}

/** Renders a meeting series as GET/POST return it (MeetingSeriesObject). */
export function renderMeetingSeries(
  state: WebexState,
  meeting: StoredMeeting,
  caller: Caller | undefined,
  timeZone = meeting.timezone,
) {
  const host = state.users.get(meeting.hostUserId)!;
  const siteName = meeting.siteUrl.split('.')[0]!.split('-')[0]!;
  const tags = caller && caller.clientId === meeting.integrationTagsClientId ? meeting.integrationTags : [];
  return {
    id: meeting.id,
    meetingNumber: meeting.meetingNumber,
    title: meeting.title,
    ...(meeting.agenda !== undefined ? { agenda: meeting.agenda } : {}),
    password: meeting.password,
    phoneAndVideoSystemPassword: meeting.phoneAndVideoSystemPassword,
    meetingType: 'meetingSeries' as const,
    state: meeting.state,
    timezone: timeZone,
    start: formatInZone(meeting.startMs, timeZone),
    end: formatInZone(meeting.endMs, timeZone),
    ...(meeting.recurrence !== undefined ? { recurrence: meeting.recurrence } : {}),
    hostUserId: host.id,
    hostDisplayName: host.displayName,
    hostEmail: host.email,
    hostKey: meeting.hostKey,
    siteUrl: meeting.siteUrl,
    webLink: `https://${meeting.siteUrl}/${siteName}/j.php?MTID=${meeting.webLinkToken}`,
    sipAddress: `${meeting.meetingNumber}@${meeting.siteUrl}`,
    dialInIpAddress: '173.243.2.68',
    enabledAutoRecordMeeting: false,
    allowAnyUserToBeCoHost: false,
    enabledJoinBeforeHost: false,
    enableConnectAudioBeforeHost: false,
    joinBeforeHostMinutes: 0,
    excludePassword: false,
    publicMeeting: false,
    reminderTime: 10,
    unlockedMeetingJoinSecurity: 'allowJoin' as const,
    sessionTypeId: 3,
    scheduledType: 'meeting' as const,
    enableAutomaticLock: false,
    automaticLockMinutes: 0,
    allowFirstUserToBeCoHost: false,
    allowAuthenticatedDevices: false,
    telephony: {
      accessCode: meeting.meetingNumber,
      callInNumbers: [
        { label: 'United States Toll', callInNumber: '+1-408-525-6800', tollType: 'toll' as const },
        {
          label: 'United States Toll (Washington D.C.)',
          callInNumber: '+1-202-600-2533',
          tollType: 'toll' as const,
        },
      ],
      links: [
        { rel: 'globalCallinNumbers', href: `/v1/meetings/${meeting.id}/globalCallinNumbers`, method: 'GET' },
      ],
    },
    meetingOptions: {
      enabledChat: true,
      enabledVideo: true,
      enabledNote: true,
      noteType: 'allowAll' as const,
      enabledFileTransfer: true,
      enabledUCFRichMedia: true,
    },
    attendeePrivileges: {
      enabledShareContent: true,
      enabledSaveDocument: false,
      enabledPrintDocument: false,
      enabledAnnotate: false,
      enabledViewParticipantList: true,
      enabledViewThumbnails: false,
      enabledRemoteControl: true,
      enabledViewAnyDocument: false,
      enabledViewAnyPage: false,
      enabledContactOperatorPrivately: false,
      enabledChatHost: true,
      enabledChatPresenter: true,
      enabledChatOtherParticipants: true,
    },
    ...(tags.length > 0 ? { integrationTags: [...tags] } : {}),
    enabledBreakoutSessions: false,
    enabledAudioWatermark: false,
    enabledVisualWatermark: false,
  };
}

/** List items, and PATCH/PUT answers, are MeetingObjectForListMeeting: the series plus meetingSeriesId. */
export function renderMeetingListItem(
  state: WebexState,
  meeting: StoredMeeting,
  caller: Caller | undefined,
  timeZone?: string,
) {
  const { id, ...rest } = renderMeetingSeries(state, meeting, caller, timeZone);
  return { id, meetingSeriesId: meeting.id, ...rest };
}

/** An occurrence's times: its own once changed, else where the series' rule puts it. */
export function occurrenceTimes(series: StoredMeeting, occurrence: RuleOccurrence) {
  const exception = series.exceptions.get(occurrence.id);
  return {
    startMs: exception?.startMs ?? occurrence.originalStartMs,
    endMs: exception?.endMs ?? occurrence.originalStartMs + (series.endMs - series.startMs),
  };
}

/** The occurrences that exist: per the rule, less those deleted one by one. */
export function liveOccurrences(series: StoredMeeting) {
  return ruleOccurrences(series)
    .filter((occurrence) => !series.exceptions.get(occurrence.id)?.deleted)
    .map((occurrence) => ({ occurrence, ...occurrenceTimes(series, occurrence) }));
}

/** From the first occurrence's start to the last one's end (5 years ahead at most for open-ended rules). */
export function seriesSpan(series: StoredMeeting): { startMs: number; endMs: number } {
  if (series.recurrence === undefined) return { startMs: series.startMs, endMs: series.endMs };
  const occurrences = liveOccurrences(series);
  return occurrences.reduce(
    (span, occurrence) => ({
      startMs: Math.min(span.startMs, occurrence.startMs),
      endMs: Math.max(span.endMs, occurrence.endMs),
    }),
    { startMs: series.startMs, endMs: series.endMs },
  );
}

/** One occurrence of a series (a scheduledMeeting), as list items and occurrence PATCH answers show it. */
export function renderOccurrence(
  state: WebexState,
  series: StoredMeeting,
  occurrence: RuleOccurrence,
  caller: Caller | undefined,
  timeZone = series.timezone,
) {
  const exception = series.exceptions.get(occurrence.id);
  const { startMs, endMs } = occurrenceTimes(series, occurrence);
  const {
    id: _seriesId,
    recurrence: _recurrence,
    agenda: seriesAgenda,
    ...rest
  } = renderMeetingSeries(state, series, caller, timeZone);
  const agenda = exception?.agenda === undefined ? seriesAgenda : exception.agenda;
  return {
    id: occurrence.id,
    meetingSeriesId: series.id,
    ...rest,
    title: exception?.title ?? series.title,
    ...(typeof agenda === 'string' ? { agenda } : {}),
    password: exception?.password ?? series.password,
    meetingType: 'scheduledMeeting' as const,
    state: endMs <= state.clock.nowMs() ? ('expired' as const) : ('scheduled' as const),
    isModified: exception !== undefined,
    start: formatInZone(startMs, timeZone),
    end: formatInZone(endMs, timeZone),
  };
}

interface MeetingFields {
  title?: string;
  agenda?: string | null;
  password?: string;
  startMs?: number;
  endMs?: number;
  timezone?: string;
  /** null: make the series non-recurring. */
  recurrence?: string | null;
  integrationTags?: string[];
  invitees?: InviteeFields[];
  siteUrl?: string;
  templateId?: string;
  hostEmail?: string;
}

type Checked = { ok: true; fields: MeetingFields } | { ok: false; errors: string[] };

/** Field-level checks shared by POST, PATCH and PUT; time rules run on the merged result. */
function checkFields(body: Record<string, unknown>, fallbackTimeZone: string): Checked {
  const errors: string[] = [];
  const fields: MeetingFields = {};
  const text = (name: string, maximum: number) => {
    const value = body[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      errors.push(`${name} must be a string.`);
      return undefined;
    }
    if (value.length > maximum) errors.push(`${name} can be a maximum of ${maximum} characters long.`);
    return value;
  };
  const title = text('title', 128);
  if (title !== undefined) {
    if (title.trim() === '') errors.push('title cannot be empty.');
    fields.title = title;
  }
  if (body.agenda === null) fields.agenda = null;
  else {
    const agenda = text('agenda', 1300);
    if (agenda !== undefined) fields.agenda = agenda;
  }
  const password = text('password', 64);
  if (password !== undefined) {
    if (password.length < 4) errors.push('password does not conform to the site password complexity rules.');
    fields.password = password;
  }
  const timezone = text('timezone', 64);
  if (timezone !== undefined) {
    if (!isIanaTimeZone(timezone)) errors.push(`timezone ${timezone} is not a valid IANA time zone.`);
    else fields.timezone = timezone;
  }
  if (body.recurrence === null) fields.recurrence = null;
  else {
    const recurrence = text('recurrence', 512);
    if (recurrence !== undefined) {
      try {
        fields.recurrence = normalizeRecurrence(recurrence);
      } catch (error) {
        if (!(error instanceof RecurrenceRuleInvalid)) throw error;
        errors.push(`recurrence ${recurrence} is invalid: ${error.reason}.`);
      }
    }
  }
  const zone = fields.timezone ?? fallbackTimeZone;
  for (const name of ['start', 'end'] as const) {
    const raw = text(name, 64);
    if (raw === undefined) continue;
    const parsed = parseDateTime(raw, zone);
    if (parsed === undefined) errors.push(`${name} ${raw} is not a valid ISO 8601 date and time.`);
    else fields[name === 'start' ? 'startMs' : 'endMs'] = parsed;
  }
  if (body.integrationTags !== undefined) {
    const tags = body.integrationTags;
    if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string'))
      errors.push('integrationTags must be an array of strings.');
    else {
      if (tags.length > 3) errors.push('The maximum size of integrationTags is 3.');
      if (tags.some((tag: string) => tag.length > 64))
        errors.push('Each item of integrationTags can be a maximum of 64 characters long.');
      fields.integrationTags = tags as string[];
    }
  }
  if (body.invitees !== undefined) {
    const invitees = body.invitees;
    if (!Array.isArray(invitees)) errors.push('invitees must be an array.');
    else {
      if (invitees.length > 1000) errors.push('The maximum size of invitees is 1000.');
      const parsed: InviteeFields[] = [];
      invitees.forEach((invitee: unknown, index) => {
        const checked = checkInviteeFields(invitee, `invitees[${index}].`, errors);
        if (checked) parsed.push(checked);
      });
      fields.invitees = parsed;
    }
  }
  const siteUrl = text('siteUrl', 256);
  if (siteUrl !== undefined) fields.siteUrl = siteUrl;
  const templateId = text('templateId', 128);
  if (templateId !== undefined) fields.templateId = templateId;
  const hostEmail = text('hostEmail', 256);
  if (hostEmail !== undefined) fields.hostEmail = hostEmail;
  for (const name of [
    'sendEmail',
    'enabledJoinBeforeHost',
    'publicMeeting',
    'excludePassword',
    'enabledAutoRecordMeeting',
  ]) {
    if (body[name] !== undefined && typeof body[name] !== 'boolean')
      errors.push(`${name} must be a boolean.`);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, fields };
}

/**
 * Webex's time rules: start not before now, end after start, 10 min to 23 h 59 min, both
 * accurate to the minute (a start inside the current minute moves to the next minute).
 */
function checkTimes(
  startMs: number,
  endMs: number,
  nowMs: number,
): { ok: true; startMs: number; endMs: number } | { ok: false; errors: string[] } {
  const currentMinute = floorToMinute(nowMs);
  if (startMs < currentMinute)
    return { ok: false, errors: ['start cannot be before current date and time.'] };
  const roundedStart =
    floorToMinute(startMs) === currentMinute ? currentMinute + minute : floorToMinute(startMs);
  const roundedEnd = floorToMinute(endMs);
  if (endMs < nowMs) return { ok: false, errors: ['end cannot be before current date and time.'] };
  if (roundedEnd <= roundedStart) return { ok: false, errors: ['end cannot be before start.'] };
  const duration = roundedEnd - roundedStart;
  if (duration < minimumDurationMs || duration > maximumDurationMs)
    return {
      ok: false,
      errors: [
        'Duration between start and end cannot be shorter than 10 minutes or longer than 23 hours 59 minutes.',
      ],
    };
  return { ok: true, startMs: roundedStart, endMs: roundedEnd };
}

/** The reason a series' rule breaks Webex's limits, if it does. */
function recurrenceLimitError(
  candidate: Pick<StoredMeeting, 'recurrence' | 'startMs' | 'timezone'>,
): string | undefined {
  try {
    checkRecurrenceLimits(candidate);
    return undefined;
  } catch (error) {
    if (!(error instanceof RecurrenceRuleInvalid)) throw error;
    return `recurrence ${error.rule} is invalid: ${error.reason}.`;
  }
}

/** Webex's code for an occurrence moved outside its day window (its "recurring interval"). */
export const occurrenceOutsideItsDay = 'meeting.err.two_meeting_schedule_at_same_day';

function bodyObject(request: Request): Record<string, unknown> | undefined {
  const body = request.body as unknown;
  return body && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;
}

function headerTimeZone(request: Request, response: Response): string | undefined | false {
  const zone = request.header('timezone');
  if (zone === undefined) return undefined;
  if (!isIanaTimeZone(zone)) {
    sendWebexError(response, 400, `timezone ${zone} is not a valid IANA time zone.`);
    return false;
  }
  return zone;
}

export function meetingRoutes(
  state: WebexState,
  settings: MeetingSettings,
  emit: (event: MeetingEvent, meeting: StoredMeeting) => void,
): Router {
  const router = express.Router();
  const read = requireScope('meeting:schedules_read');
  const write = requireScope('meeting:schedules_write');

  router.post('/v1/meetings', write, (request, response) => {
    const caller = callerOf(response);
    const now = state.clock.nowMs();
    const attempts = (state.createAttempts.get(caller.user.id) ?? []).filter((at) => at > now - day);
    if (attempts.length >= settings.createsPerDay) {
      const retryAfterSeconds = Math.max(1, Math.ceil((attempts[0]! + day - now) / 1000));
      response.setHeader('Retry-After', String(retryAfterSeconds));
      state.createAttempts.set(caller.user.id, attempts);
      return sendWebexError(
        response,
        429,
        `A user may create ${settings.createsPerDay} meetings in 24 hours.`,
      );
    }
    // Failed requests count against the limit too.
    attempts.push(now);
    state.createAttempts.set(caller.user.id, attempts);

    const body = bodyObject(request);
    if (!body) return sendWebexError(response, 400, 'The request body must be a JSON object.');
    const checked = checkFields(body, caller.user.timezone);
    if (!checked.ok) return sendWebexError(response, 400, checked.errors[0]!, checked.errors);
    const fields = checked.fields;
    const missing = (['title', 'startMs', 'endMs'] as const).filter((name) => fields[name] === undefined);
    if (missing.length > 0 && fields.templateId === undefined)
      return sendWebexError(
        response,
        400,
        'Missing required fields.',
        missing.map((name) => `${name.replace('Ms', '')} is required.`),
      );
    if (hostEmailRefused(fields.hostEmail, caller))
      return sendWebexError(response, 403, 'hostEmail requires an admin-level scope.');
    const siteUrl = fields.siteUrl ?? state.defaultSite(caller.user);
    if (!caller.user.sites.some((site) => site.siteUrl === siteUrl))
      return sendWebexError(response, 400, `siteUrl ${siteUrl} is not a site of the user.`);
    if (
      fields.templateId !== undefined &&
      !state.templates.some((template) => template.id === fields.templateId && template.siteUrl === siteUrl)
    )
      return sendWebexError(
        response,
        400,
        `templateId ${fields.templateId} is not a template of site ${siteUrl}.`,
      );
    const times = checkTimes(fields.startMs ?? now + 5 * minute, fields.endMs ?? now + 65 * minute, now);
    if (!times.ok) return sendWebexError(response, 400, times.errors[0]!, times.errors);

    const timezone = fields.timezone ?? caller.user.timezone;
    const recurrence = fields.recurrence ?? undefined;
    const limitError = recurrenceLimitError({ recurrence, startMs: times.startMs, timezone });
    if (limitError) return sendWebexError(response, 400, limitError);

    const identity = state.newMeetingIdentity(siteUrl);
    const meeting: StoredMeeting = {
      ...identity,
      title: fields.title ?? `${caller.user.displayName}'s meeting`,
      ...(typeof fields.agenda === 'string' ? { agenda: fields.agenda } : {}),
      password: fields.password ?? identity.password,
      startMs: times.startMs,
      endMs: times.endMs,
      timezone,
      ...(recurrence !== undefined ? { recurrence } : {}),
      exceptions: new Map(),
      hostUserId: caller.user.id,
      integrationTags: fields.integrationTags ?? [],
      integrationTagsClientId: caller.clientId,
      ...(fields.templateId !== undefined ? { templateId: fields.templateId } : {}),
      state: 'active',
      createdAtMs: now,
      updatedAtMs: now,
    };
    state.meetings.set(meeting.id, meeting);
    state.invitees.set(
      meeting.id,
      (fields.invitees ?? []).map((invitee) => ({ id: state.newInviteeId(meeting.id), ...invitee })),
    );
    emit('created', meeting);
    response.status(200).json(renderMeetingSeries(state, meeting, caller));
  });

  router.get('/v1/meetings', read, (request, response) => {
    const caller = callerOf(response);
    const query = request.query as Record<string, string | undefined>;
    const zone = headerTimeZone(request, response);
    if (zone === false) return;
    const renderZone = zone ?? 'UTC';
    const max = pageSize(query.max);
    if (max === undefined) return sendWebexError(response, 400, 'max must be an integer from 1 to 100.');
    const now = state.clock.nowMs();
    const from = query.from === undefined ? undefined : parseDateTime(query.from, renderZone);
    const to = query.to === undefined ? undefined : parseDateTime(query.to, renderZone);
    if ((query.from !== undefined && from === undefined) || (query.to !== undefined && to === undefined))
      return sendWebexError(response, 400, 'from and to must be ISO 8601 dates.');
    // The documented defaults: a 7-day window starting now. A meeting further out is not listed.
    const rangeFrom = from ?? (to !== undefined ? to - 7 * day : now);
    const rangeTo = to ?? rangeFrom + 7 * day;
    if (rangeFrom > rangeTo) return sendWebexError(response, 400, 'from cannot be after to.');
    const meetingType = query.meetingType ?? 'meetingSeries';
    if (!['meetingSeries', 'scheduledMeeting', 'meeting'].includes(meetingType))
      return sendWebexError(response, 400, `meetingType ${meetingType} is not supported.`);
    const offset = cursorOffset(query.cursor);
    if (offset === undefined) return sendWebexError(response, 400, 'Invalid pagination cursor.');

    if (query.isModified !== undefined && query.isModified !== 'true' && query.isModified !== 'false')
      return sendWebexError(response, 400, 'isModified must be true or false.');
    const hosted = [...state.meetings.values()].filter(
      (meeting) => meeting.deletedAtMs === undefined && meeting.hostUserId === caller.user.id,
    );
    const taggedForCaller = (meeting: StoredMeeting) =>
      query.integrationTag === undefined ||
      (meeting.integrationTagsClientId === caller.clientId &&
        meeting.integrationTags.includes(query.integrationTag));

    if (meetingType === 'scheduledMeeting') {
      // With meetingSeriesId, Webex ignores integrationTag and siteUrl.
      const seriesList =
        query.meetingSeriesId !== undefined
          ? hosted.filter((meeting) => meeting.id === query.meetingSeriesId)
          : hosted
              .filter(taggedForCaller)
              .filter((meeting) => query.siteUrl === undefined || meeting.siteUrl === query.siteUrl);
      const occurrences = seriesList
        .flatMap((series) => liveOccurrences(series).map((live) => ({ series, ...live })))
        .filter(({ startMs, endMs }) => endMs > rangeFrom && startMs < rangeTo)
        .filter(
          ({ series, occurrence }) =>
            query.isModified === undefined ||
            series.exceptions.has(occurrence.id) === (query.isModified === 'true'),
        )
        .sort(
          (left, right) =>
            left.startMs - right.startMs || left.occurrence.id.localeCompare(right.occurrence.id),
        );
      const page = pageOf(request, response, occurrences, offset, max);
      return response.json({
        items: page.map(({ series, occurrence }) =>
          renderOccurrence(state, series, occurrence, caller, renderZone),
        ),
      });
    }

    // Running or ended instances are not listed: the emulator keeps only the latest run of a series.
    const series = meetingType === 'meetingSeries' ? hosted : [];
    const matching = series
      .map((meeting) => ({ meeting, span: seriesSpan(meeting) }))
      .filter(({ span }) => span.endMs > rangeFrom && span.startMs < rangeTo)
      .map(({ meeting }) => meeting)
      .filter((meeting) => query.meetingSeriesId === undefined || meeting.id === query.meetingSeriesId)
      .filter((meeting) => query.siteUrl === undefined || meeting.siteUrl === query.siteUrl)
      .filter((meeting) => query.state === undefined || meeting.state === query.state)
      .filter(taggedForCaller)
      .sort((left, right) => left.startMs - right.startMs || left.id.localeCompare(right.id));
    const page = pageOf(request, response, matching, offset, max);
    response.json({
      items: page.map((meeting) => renderMeetingListItem(state, meeting, caller, renderZone)),
    });
  });

  router.get('/v1/meetings/:meetingId', read, (request, response, next) => {
    if (request.params.meetingId === 'templates') return next();
    const zone = headerTimeZone(request, response);
    if (zone === false) return;
    const caller = callerOf(response);
    const found = state.hostedSeriesOrOccurrence(caller.user.id, String(request.params.meetingId));
    if (!found) return sendWebexError(response, 404, 'The requested resource could not be found.');
    const { series, occurrence } = found;
    if (occurrence) return response.json(renderOccurrence(state, series, occurrence, caller, zone));
    if (request.query.current === 'true' && series.recurrence !== undefined) {
      // The series' current or next scheduled meeting.
      const now = state.clock.nowMs();
      const next = liveOccurrences(series).find(({ endMs }) => endMs > now);
      if (next) return response.json(renderOccurrence(state, series, next.occurrence, caller, zone));
    }
    response.json(renderMeetingSeries(state, series, caller, zone));
  });

  const update = (mode: 'patch' | 'put') => (request: Request, response: Response) => {
    const caller = callerOf(response);
    const found = state.hostedSeriesOrOccurrence(caller.user.id, String(request.params.meetingId));
    if (!found) return sendWebexError(response, 404, 'The requested resource could not be found.');
    const meeting = found.series;
    const body = bodyObject(request);
    if (!body) return sendWebexError(response, 400, 'The request body must be a JSON object.');
    if (mode === 'put') {
      const missing = ['title', 'password', 'start', 'end'].filter((name) => body[name] === undefined);
      if (missing.length > 0)
        return sendWebexError(
          response,
          400,
          'Missing required fields.',
          missing.map((name) => `${name} is required.`),
        );
    }
    if (meeting.state !== 'active')
      return sendWebexError(response, 400, `A meeting that is ${meeting.state} cannot be updated.`);
    const checked = checkFields(body, meeting.timezone);
    if (!checked.ok) return sendWebexError(response, 400, checked.errors[0]!, checked.errors);
    const fields = checked.fields;
    if (fields.invitees !== undefined || fields.siteUrl !== undefined || fields.templateId !== undefined)
      return sendWebexError(response, 400, 'invitees, siteUrl and templateId cannot be updated here.');
    if (found.occurrence) return updateOccurrence(meeting, found.occurrence, fields, mode);
    let startMs = meeting.startMs;
    let endMs = meeting.endMs;
    if (fields.startMs !== undefined || fields.endMs !== undefined) {
      const times = checkTimes(
        fields.startMs ?? meeting.startMs,
        fields.endMs ?? meeting.endMs,
        state.clock.nowMs(),
      );
      if (!times.ok) return sendWebexError(response, 400, times.errors[0]!, times.errors);
      ({ startMs, endMs } = times);
    }
    const timezone = fields.timezone ?? meeting.timezone;
    const recurrence =
      fields.recurrence === undefined ? meeting.recurrence : (fields.recurrence ?? undefined);
    const limitError = recurrenceLimitError({ recurrence, startMs, timezone });
    if (limitError) return sendWebexError(response, 400, limitError);
    // Webex: changing the series' start, end or rule cancels every changed or deleted occurrence.
    // A new zone moves every occurrence too, so it does the same here.
    if (
      startMs !== meeting.startMs ||
      endMs !== meeting.endMs ||
      recurrence !== meeting.recurrence ||
      timezone !== meeting.timezone
    )
      meeting.exceptions.clear();
    if (recurrence === undefined) delete meeting.recurrence;
    else meeting.recurrence = recurrence;
    if (fields.title !== undefined) meeting.title = fields.title;
    if (fields.agenda === null || (mode === 'put' && fields.agenda === undefined)) delete meeting.agenda;
    else if (fields.agenda !== undefined) meeting.agenda = fields.agenda;
    if (fields.password !== undefined) meeting.password = fields.password;
    meeting.timezone = timezone;
    if (fields.integrationTags !== undefined) {
      meeting.integrationTags = fields.integrationTags;
      meeting.integrationTagsClientId = caller.clientId;
    }
    meeting.startMs = startMs;
    meeting.endMs = endMs;
    meeting.updatedAtMs = state.clock.nowMs();
    emit('updated', meeting);
    response.json(renderMeetingListItem(state, meeting, caller));

    /** PATCH/PUT on one occurrence: it becomes an exception (isModified); the series is untouched. */
    function updateOccurrence(
      series: StoredMeeting,
      occurrence: RuleOccurrence,
      fields: MeetingFields,
      mode: 'patch' | 'put',
    ) {
      if (
        fields.recurrence !== undefined ||
        fields.integrationTags !== undefined ||
        fields.timezone !== undefined
      )
        return sendWebexError(
          response,
          400,
          'recurrence, integrationTags and timezone can be changed on the meeting series only.',
        );
      const current = occurrenceTimes(series, occurrence);
      const now = state.clock.nowMs();
      if (current.endMs <= now)
        return sendWebexError(response, 400, 'A scheduled meeting that has ended cannot be updated.');
      let { startMs, endMs } = current;
      if (fields.startMs !== undefined || fields.endMs !== undefined) {
        const times = checkTimes(fields.startMs ?? startMs, fields.endMs ?? endMs, now);
        if (!times.ok) return sendWebexError(response, 400, times.errors[0]!, times.errors);
        ({ startMs, endMs } = times);
      }
      const window = occurrenceStartWindow(ruleOccurrences(series), occurrence.id, series.timezone);
      if (startMs < window.fromMs || startMs >= window.toMs)
        return sendWebexError(response, 400, occurrenceOutsideItsDay, [
          'The start of a scheduled meeting must stay between 00:00 of its own day and 00:00 of the day of the next scheduled meeting of the series.',
        ]);
      const previous = series.exceptions.get(occurrence.id);
      const title = fields.title ?? previous?.title;
      const password = fields.password ?? previous?.password;
      const agenda = fields.agenda !== undefined ? fields.agenda : mode === 'put' ? null : previous?.agenda;
      series.exceptions.set(occurrence.id, {
        deleted: false,
        startMs,
        endMs,
        ...(title !== undefined ? { title } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(agenda !== undefined ? { agenda } : {}),
        updatedAtMs: now,
      });
      emit('updated', series);
      response.json(renderOccurrence(state, series, occurrence, caller));
    }
  };
  router.patch('/v1/meetings/:meetingId', write, update('patch'));
  router.put('/v1/meetings/:meetingId', write, update('put'));

  router.delete('/v1/meetings/:meetingId', write, (request, response) => {
    const sendEmail = request.query.sendEmail;
    if (sendEmail !== undefined && sendEmail !== 'true' && sendEmail !== 'false')
      return sendWebexError(response, 400, 'sendEmail must be true or false.');
    const found = state.hostedSeriesOrOccurrence(
      callerOf(response).user.id,
      String(request.params.meetingId),
    );
    if (!found) return sendWebexError(response, 404, 'The requested resource could not be found.');
    const { series, occurrence } = found;
    if (occurrence) {
      // One occurrence goes; the series stays, so its subscribers hear of an update.
      series.exceptions.set(occurrence.id, {
        deleted: true,
        ...occurrenceTimes(series, occurrence),
        updatedAtMs: state.clock.nowMs(),
      });
      emit('updated', series);
      return response.status(204).end();
    }
    series.deletedAtMs = state.clock.nowMs();
    emit('deleted', series);
    response.status(204).end();
  });

  return router;
}

/** Moves meetings whose end has passed on the emulator clock to "expired" and reports them as ended. */
export function expireEndedMeetings(
  state: WebexState,
  emit: (event: MeetingEvent, meeting: StoredMeeting) => void,
): void {
  const now = state.clock.nowMs();
  for (const meeting of state.meetings.values()) {
    if (meeting.deletedAtMs !== undefined || meeting.state === 'expired' || meeting.endMs > now) continue;
    // A recurring series ends with its last occurrence (never, within 5 years, when open-ended).
    if (meeting.recurrence !== undefined && seriesSpan(meeting).endMs > now) continue;
    endMeeting(state, meeting, emit);
  }
}

export function startMeeting(
  state: WebexState,
  meeting: StoredMeeting,
  emit: (event: MeetingEvent, meeting: StoredMeeting) => void,
): void {
  if (meeting.state !== 'active') return;
  meeting.state = 'inProgress';
  meeting.instanceId = state.newInstanceId(meeting.id);
  emit('started', meeting);
}

export function endMeeting(
  state: WebexState,
  meeting: StoredMeeting,
  emit: (event: MeetingEvent, meeting: StoredMeeting) => void,
): void {
  if (meeting.state === 'expired') return;
  meeting.instanceId ??= state.newInstanceId(meeting.id);
  meeting.state = 'expired';
  emit('ended', meeting);
}
