import express, { type Request, type Response, type Router } from 'express';
import { sendWebexError } from './errors.js';
import { callerOf, requireScope, type Caller } from './oauth.js';
import { cursorOffset, pageOf, pageSize } from './paging.js';
import type { Invitee, StoredMeeting, WebexState } from './state.js';

/** An invitee as a request describes it, before Webex gives it an id. */
export type InviteeFields = Omit<Invitee, 'id'>;

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** The spec: "The maximum length of `displayName` is 128 characters." */
const maximumDisplayNameLength = 128;
/** The spec: bulk insert "limits the maximum size of `items` in the request body to 100". */
const maximumBulkItems = 100;

/**
 * The invitee fields of a request (email, displayName, coHost, panelist), as meeting creation and
 * the meetingInvitees routes share them. Problems go to `errors`, each prefixed with `label`.
 */
export function checkInviteeFields(
  value: unknown,
  label: string,
  errors: string[],
): InviteeFields | undefined {
  const candidate = (value ?? {}) as Record<string, unknown>;
  if (typeof candidate.email !== 'string' || !emailPattern.test(candidate.email)) {
    errors.push(`${label}email is not a valid email address.`);
    return undefined;
  }
  if (candidate.displayName !== undefined && typeof candidate.displayName !== 'string')
    errors.push(`${label}displayName must be a string.`);
  if (typeof candidate.displayName === 'string' && candidate.displayName.length > maximumDisplayNameLength)
    errors.push(`${label}displayName can be a maximum of ${maximumDisplayNameLength} characters long.`);
  for (const name of ['coHost', 'panelist'])
    if (candidate[name] !== undefined && typeof candidate[name] !== 'boolean')
      errors.push(`${label}${name} must be a boolean.`);
  return {
    email: candidate.email,
    ...(typeof candidate.displayName === 'string' ? { displayName: candidate.displayName } : {}),
    ...(typeof candidate.coHost === 'boolean' ? { coHost: candidate.coHost } : {}),
    ...(typeof candidate.panelist === 'boolean' ? { panelist: candidate.panelist } : {}),
  };
}

/** Acting for another host needs admin on-behalf-of scopes, which our tokens never carry. */
export function hostEmailRefused(hostEmail: unknown, caller: Caller): boolean {
  return hostEmail !== undefined && String(hostEmail).trim().toLowerCase() !== caller.user.email;
}

const sameEmail = (left: string, right: string) => left.toLowerCase() === right.toLowerCase();

/** GetInviteeObject (also CreateInviteesItemResponseObject: the same fields). */
function renderInvitee(state: WebexState, meetingId: string, invitee: Invitee) {
  return {
    id: invitee.id,
    email: invitee.email,
    // Webex: without a displayName, the Webex account's name, else the email.
    displayName: invitee.displayName ?? state.userByEmail(invitee.email)?.displayName ?? invitee.email,
    coHost: invitee.coHost ?? false,
    meetingId,
    panelist: invitee.panelist ?? false,
  };
}

function bodyObject(request: Request): Record<string, unknown> | undefined {
  const body = request.body as unknown;
  return body && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;
}

const notFound = (response: Response) =>
  sendWebexError(response, 404, 'The requested resource could not be found.');

/**
 * The series, or one occurrence of it, that invitees are kept under: a series' invitees are
 * invited to every occurrence, an occurrence's only to it.
 */
function invitedMeeting(
  state: WebexState,
  caller: Caller,
  meetingId: string,
): { id: string; series: StoredMeeting } | undefined {
  const found = state.hostedSeriesOrOccurrence(caller.user.id, meetingId);
  return found ? { id: found.occurrence?.id ?? found.series.id, series: found.series } : undefined;
}

/** Everyone invited to the meeting: an occurrence's own invitees and its series'. */
function alreadyInvited(state: WebexState, meeting: { id: string; series: StoredMeeting }): Invitee[] {
  return [
    ...(meeting.id !== meeting.series.id ? (state.invitees.get(meeting.series.id) ?? []) : []),
    ...(state.invitees.get(meeting.id) ?? []),
  ];
}

/** The invitee with this id, on a meeting the caller hosts; anything else does not exist for them. */
function hostedInvitee(
  state: WebexState,
  caller: Caller,
  inviteeId: string,
): { meeting: { id: string }; invitees: Invitee[]; invitee: Invitee } | undefined {
  for (const [meetingId, invitees] of state.invitees) {
    const invitee = invitees.find((candidate) => candidate.id === inviteeId);
    if (!invitee) continue;
    const meeting = invitedMeeting(state, caller, meetingId);
    return meeting ? { meeting, invitees, invitee } : undefined;
  }
  return undefined;
}

function sendEmailQueryInvalid(value: unknown): boolean {
  return value !== undefined && value !== 'true' && value !== 'false';
}

/** /v1/meetingInvitees: the invitees of a meeting series the caller hosts. */
export function inviteeRoutes(state: WebexState): Router {
  const router = express.Router();
  const read = requireScope('meeting:schedules_read');
  const write = requireScope('meeting:schedules_write');

  router.get('/v1/meetingInvitees', read, (request, response) => {
    const caller = callerOf(response);
    const query = request.query as Record<string, string | undefined>;
    if (query.meetingId === undefined || query.meetingId === '')
      return sendWebexError(response, 400, 'meetingId is required.');
    const max = pageSize(query.max);
    if (max === undefined) return sendWebexError(response, 400, 'max must be an integer from 1 to 100.');
    const offset = cursorOffset(query.cursor);
    if (offset === undefined) return sendWebexError(response, 400, 'Invalid pagination cursor.');
    if (hostEmailRefused(query.hostEmail, caller))
      return sendWebexError(response, 403, 'hostEmail requires an admin-level scope.');
    // `panelist` filters webinar invitees only; our meetings are not webinars, so it changes nothing.
    if (query.panelist !== undefined && !['true', 'false', 'null'].includes(query.panelist))
      return sendWebexError(response, 400, 'panelist must be true, false or null.');
    const meeting = invitedMeeting(state, caller, query.meetingId);
    if (!meeting) return notFound(response);
    const invited = alreadyInvited(state, meeting);
    // "The list returned is sorted in ascending order by email address."
    const sorted = invited.sort(
      (left, right) =>
        left.email.toLowerCase().localeCompare(right.email.toLowerCase()) || left.id.localeCompare(right.id),
    );
    const page = pageOf(request, response, sorted, offset, max);
    response.json({ items: page.map((invitee) => renderInvitee(state, meeting.id, invitee)) });
  });

  router.post('/v1/meetingInvitees', write, (request, response) => {
    const caller = callerOf(response);
    const body = bodyObject(request);
    if (!body) return sendWebexError(response, 400, 'The request body must be a JSON object.');
    const errors: string[] = [];
    if (typeof body.meetingId !== 'string' || body.meetingId === '') errors.push('meetingId is required.');
    const fields = checkInviteeFields(body, '', errors);
    if (body.sendEmail !== undefined && typeof body.sendEmail !== 'boolean')
      errors.push('sendEmail must be a boolean.');
    if (errors.length > 0) return sendWebexError(response, 400, errors[0]!, errors);
    if (hostEmailRefused(body.hostEmail, caller))
      return sendWebexError(response, 403, 'hostEmail requires an admin-level scope.');
    const meeting = invitedMeeting(state, caller, String(body.meetingId));
    if (!meeting) return notFound(response);
    const invitees = state.invitees.get(meeting.id) ?? [];
    if (alreadyInvited(state, meeting).some((invitee) => sameEmail(invitee.email, fields!.email)))
      return sendWebexError(response, 409, 'User is already a meeting invitee.');
    const invitee: Invitee = { id: state.newInviteeId(meeting.id), ...fields! };
    state.invitees.set(meeting.id, [...invitees, invitee]);
    response.status(200).json(renderInvitee(state, meeting.id, invitee));
  });

  router.post('/v1/meetingInvitees/bulkInsert', write, (request, response) => {
    const caller = callerOf(response);
    const body = bodyObject(request);
    if (!body) return sendWebexError(response, 400, 'The request body must be a JSON object.');
    const errors: string[] = [];
    if (typeof body.meetingId !== 'string' || body.meetingId === '') errors.push('meetingId is required.');
    const items = body.items;
    const parsed: InviteeFields[] = [];
    if (!Array.isArray(items) || items.length === 0) errors.push('items must be a non-empty array.');
    else {
      if (items.length > maximumBulkItems) errors.push(`The maximum size of items is ${maximumBulkItems}.`);
      items.forEach((item: unknown, index) => {
        const fields = checkInviteeFields(item, `items[${index}].`, errors);
        const sendEmail = (item as { sendEmail?: unknown } | null)?.sendEmail;
        if (sendEmail !== undefined && typeof sendEmail !== 'boolean')
          errors.push(`items[${index}].sendEmail must be a boolean.`);
        if (fields) parsed.push(fields);
      });
      const emails = parsed.map((fields) => fields.email.toLowerCase());
      if (new Set(emails).size !== emails.length) errors.push('Each invitee should have a unique email.');
    }
    if (errors.length > 0) return sendWebexError(response, 400, errors[0]!, errors);
    if (hostEmailRefused(body.hostEmail, caller))
      return sendWebexError(response, 403, 'hostEmail requires an admin-level scope.');
    const meeting = invitedMeeting(state, caller, String(body.meetingId));
    if (!meeting) return notFound(response);
    const invitees = state.invitees.get(meeting.id) ?? [];
    // All or nothing: one already invited refuses the whole request.
    const invited = alreadyInvited(state, meeting);
    if (parsed.some((fields) => invited.some((invitee) => sameEmail(invitee.email, fields.email))))
      return sendWebexError(response, 409, 'Some users in the list have been invited.');
    const added = parsed.map((fields) => ({ id: state.newInviteeId(meeting.id), ...fields }));
    state.invitees.set(meeting.id, [...invitees, ...added]);
    response.status(200).json({ items: added.map((invitee) => renderInvitee(state, meeting.id, invitee)) });
  });

  router.get('/v1/meetingInvitees/:meetingInviteeId', read, (request, response) => {
    const caller = callerOf(response);
    if (hostEmailRefused(request.query.hostEmail, caller))
      return sendWebexError(response, 403, 'hostEmail requires an admin-level scope.');
    const found = hostedInvitee(state, caller, String(request.params.meetingInviteeId));
    if (!found) return notFound(response);
    response.json(renderInvitee(state, found.meeting.id, found.invitee));
  });

  router.put('/v1/meetingInvitees/:meetingInviteeId', write, (request, response) => {
    const caller = callerOf(response);
    const body = bodyObject(request);
    if (!body) return sendWebexError(response, 400, 'The request body must be a JSON object.');
    const errors: string[] = [];
    const fields = checkInviteeFields(body, '', errors);
    if (body.sendEmail !== undefined && typeof body.sendEmail !== 'boolean')
      errors.push('sendEmail must be a boolean.');
    if (errors.length > 0) return sendWebexError(response, 400, errors[0]!, errors);
    if (hostEmailRefused(body.hostEmail, caller))
      return sendWebexError(response, 403, 'hostEmail requires an admin-level scope.');
    const found = hostedInvitee(state, caller, String(request.params.meetingInviteeId));
    if (!found) return notFound(response);
    if (
      found.invitees.some(
        (invitee) => invitee.id !== found.invitee.id && sameEmail(invitee.email, fields!.email),
      )
    )
      return sendWebexError(response, 409, 'User is already a meeting invitee.');
    // PUT replaces: what the body leaves out goes back to Webex's default.
    const replaced: Invitee = { id: found.invitee.id, ...fields! };
    found.invitees.splice(found.invitees.indexOf(found.invitee), 1, replaced);
    response.json(renderInvitee(state, found.meeting.id, replaced));
  });

  router.delete('/v1/meetingInvitees/:meetingInviteeId', write, (request, response) => {
    const caller = callerOf(response);
    if (sendEmailQueryInvalid(request.query.sendEmail))
      return sendWebexError(response, 400, 'sendEmail must be true or false.');
    if (hostEmailRefused(request.query.hostEmail, caller))
      return sendWebexError(response, 403, 'hostEmail requires an admin-level scope.');
    const found = hostedInvitee(state, caller, String(request.params.meetingInviteeId));
    if (!found) return notFound(response);
    found.invitees.splice(found.invitees.indexOf(found.invitee), 1);
    response.status(204).end();
  });

  return router;
}
