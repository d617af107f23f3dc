/**
 * The one error format of the gateway's API: `{ error: { code, message, ...details } }`.
 * Messages and details are written for the caller and must never carry tokens, personal data
 * or internals (stack traces, SQL, upstream bodies).
 */
export interface FieldProblem {
  /** Dot path into the input, e.g. `calendarId` or `attendees.0.email`; `(body)` for the whole body. */
  readonly path: string;
  readonly message: string;
}

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly [detail: string]: unknown;
  };
}

/** An error the API answers as it is: HTTP status, stable machine code, safe message, details. */
export abstract class ApiError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;

  constructor(
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }

  /** HTTP headers the answer carries besides the body (e.g. Retry-After). */
  headers(): Readonly<Record<string, string>> {
    return {};
  }
}

/** 400: the body, query or path did not validate; every bad field is named. */
export class InvalidRequestError extends ApiError {
  readonly status = 400;
  readonly code = 'invalid_request';
  constructor(
    readonly location: 'body' | 'query' | 'path',
    readonly fields: readonly FieldProblem[],
  ) {
    super(`The request ${location} is invalid: ${fields.map((field) => field.path).join(', ')}`, { fields });
  }
}

/** 401: no bearer token, or one that is not a valid Google ID token for us. */
export class UnauthenticatedError extends ApiError {
  readonly status = 401;
  readonly code = 'unauthenticated';
  constructor(readonly reason: 'missing_token' | 'malformed_header' | 'invalid_token') {
    super(
      reason === 'missing_token'
        ? 'An Authorization: Bearer <Google ID token> header is required'
        : reason === 'malformed_header'
          ? 'The Authorization header must be "Bearer <Google ID token>"'
          : 'The ID token is not valid (signature, issuer, audience or expiry)',
      { reason },
    );
  }
}

/** 403: an authentic Google account from a Workspace domain this deployment does not serve. */
export class HostedDomainNotAllowedError extends ApiError {
  readonly status = 403;
  readonly code = 'hosted_domain_not_allowed';
  constructor() {
    // The domain itself is left out: the caller knows it, and logs should not.
    super("The account's Google Workspace domain is not allowed to use this service");
  }
}

/** 403: the user may read the calendar event but does not organise it, so cannot add a meeting to it. */
export class NotEventOrganizerError extends ApiError {
  readonly status = 403;
  readonly code = 'not_event_organizer';
  constructor() {
    super('Only the organiser of the calendar event can add a meeting to it');
  }
}

/** 404: no such meeting for this user (another user's meeting is reported the same way). */
export class MeetingNotFoundError extends ApiError {
  readonly status = 404;
  readonly code = 'meeting_not_found';
  constructor(readonly meetingId: string) {
    super('No meeting with this id exists for the authenticated user', { meetingId });
  }
}

/** 404: the calendar event does not exist or the user cannot see it. */
export class CalendarEventNotFoundError extends ApiError {
  readonly status = 404;
  readonly code = 'calendar_event_not_found';
  constructor() {
    super('The calendar event does not exist or is not visible to the authenticated user');
  }
}

/** 409: the user already has an active meeting on this calendar event. */
export class MeetingAlreadyExistsError extends ApiError {
  readonly status = 409;
  readonly code = 'meeting_already_exists';
  constructor(readonly meetingId: string) {
    super('The calendar event already has an active meeting', { meetingId });
  }
}

/** 409: the meeting ended (or its data was purged): there is nothing left to cancel. */
export class MeetingFinishedError extends ApiError {
  readonly status = 409;
  readonly code = 'meeting_finished';
  constructor(
    readonly meetingId: string,
    readonly meetingStatus: 'ended' | 'purged',
  ) {
    super('The meeting is over and can no longer be cancelled', { meetingId, status: meetingStatus });
  }
}

/** 409: only a failed meeting can be tried again. */
export class MeetingNotFailedError extends ApiError {
  readonly status = 409;
  readonly code = 'meeting_not_failed';
  constructor(
    readonly meetingId: string,
    readonly meetingStatus: string,
  ) {
    super('Only a failed meeting can be retried', { meetingId, status: meetingStatus });
  }
}

/** 404: the Gmail message does not exist in the user's mailbox. */
export class GmailMessageNotFoundError extends ApiError {
  readonly status = 404;
  readonly code = 'gmail_message_not_found';
  constructor() {
    super("The Gmail message does not exist in the authenticated user's mailbox");
  }
}

/**
 * 403: Google refused the per-message token for this message (issued for another message or
 * user, or expired). 403 rather than 422: the request is well formed, the credential it carries
 * does not grant access to the message.
 */
export class GmailMessageTokenRejectedError extends ApiError {
  readonly status = 403;
  readonly code = 'gmail_message_token_rejected';
  constructor() {
    super('The message token does not grant access to this Gmail message');
  }
}

/**
 * 409: the calendar event made earlier from this message at these times was deleted; its id
 * cannot be used again. Other times make another event.
 */
export class CalendarEventGoneError extends ApiError {
  readonly status = 409;
  readonly code = 'calendar_event_deleted';
  constructor() {
    super('The calendar event made from this message at these times was deleted; choose other times');
  }
}

/** 422: the event exists but cannot carry a meeting as it is (e.g. no start and end time). */
export class CalendarEventUnsupportedError extends ApiError {
  readonly status = 422;
  readonly code = 'calendar_event_unsupported';
  constructor(readonly fields: readonly FieldProblem[]) {
    super('The calendar event cannot carry a meeting as it is', { fields });
  }
}

export type OAuthStateProblem =
  | 'missing'
  | 'malformed'
  | 'bad_signature'
  | 'expired'
  | 'wrong_provider'
  /** The state was used already (a callback replayed), or its flow is unknown. */
  | 'replayed'
  /** The browser at the callback is not the one that started the flow (no or another flow cookie). */
  | 'browser_mismatch';

/**
 * 400: the OAuth `state` is absent, not ours, tampered with, expired, from the other provider,
 * used already, or brought back by another browser than the one that started the connection.
 */
export class InvalidOAuthStateError extends ApiError {
  readonly status = 400;
  readonly code = 'invalid_oauth_state';
  constructor(readonly problem: OAuthStateProblem) {
    super('The OAuth state is missing, invalid or expired; start the connection again', { reason: problem });
  }
}

/** 502: a service behind the gateway did not accept the hand-off (e.g. google-ingest refused the code). */
export class UpstreamFailedError extends ApiError {
  readonly status = 502;
  readonly code = 'upstream_failed';
  constructor(
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(`The gateway could not complete ${operation}; try again`, { operation }, options);
  }
}

/**
 * 503: a service behind the gateway did not answer (down, or too slow). Nothing was left
 * half-done that the same request, sent again, cannot complete.
 */
export class ServiceUnavailableError extends ApiError {
  readonly status = 503;
  readonly code = 'service_unavailable';
  constructor(
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(`The gateway could not complete ${operation} right now; try again shortly`, { operation }, options);
  }
}

/** 409: the user has not connected their Google account yet, so their calendar cannot be read. */
export class GoogleAccountNotConnectedError extends ApiError {
  readonly status = 409;
  readonly code = 'google_account_not_connected';
  constructor() {
    super('Connect your Google account first (GET /v1/oauth/google/start)');
  }
}

/** 409: the user's Webex account is not connected (or must be connected again), so it cannot be asked. */
export class WebexAccountNotConnectedError extends ApiError {
  readonly status = 409;
  readonly code = 'webex_account_not_connected';
  constructor() {
    super('Connect your Webex account first (POST /v1/oauth/webex/start)');
  }
}

/** 422: a preference names a Webex site or meeting template the user's Webex account does not offer. */
export class PreferenceNotOfferedError extends ApiError {
  readonly status = 422;
  readonly code = 'preference_not_offered';
  constructor(readonly fields: readonly FieldProblem[]) {
    super(`Your Webex account does not offer this: ${fields.map((field) => field.path).join(', ')}`, {
      fields,
    });
  }
}

export type RateLimitScope = 'user' | 'ip';

/** 429: the caller (this user, or this client address) sent more requests than the limit allows. */
export class TooManyRequestsError extends ApiError {
  readonly status = 429;
  readonly code = 'too_many_requests';
  constructor(
    readonly scope: RateLimitScope,
    /** Whole seconds until a request is accepted again (at least 1). */
    readonly retryAfterSeconds: number,
  ) {
    super(`Too many requests from this ${scope === 'user' ? 'user' : 'client address'}; retry later`, {
      limit: scope,
      retryAfterSeconds,
    });
  }

  override headers(): Readonly<Record<string, string>> {
    return { 'retry-after': String(this.retryAfterSeconds) };
  }
}

/** Why a service refused to connect an account (ExchangeGoogle/WebexAuthorizationCode). */
export type OAuthConnectionRefusal =
  | 'authorization-code-rejected'
  | 'user-mismatch'
  | 'email-mismatch'
  | 'another-webex-account'
  | 'webex-account-in-use';

const connectionRefusals: Readonly<
  Record<OAuthConnectionRefusal, { status: number; code: string; message: string }>
> = {
  'authorization-code-rejected': {
    status: 400,
    code: 'authorization_code_rejected',
    message: 'The provider refused the authorization code; start the connection again',
  },
  'user-mismatch': {
    status: 403,
    code: 'google_account_mismatch',
    message: 'Another Google account consented than the one signed in; consent with the signed-in account',
  },
  'email-mismatch': {
    status: 403,
    code: 'webex_email_mismatch',
    message: "The Webex account's email is not your Google email; connect your own Webex account",
  },
  'another-webex-account': {
    status: 409,
    code: 'webex_account_already_connected',
    message: 'A different Webex account is already connected to your account',
  },
  'webex-account-in-use': {
    status: 409,
    code: 'webex_account_in_use',
    message: 'This Webex account is already connected to another user',
  },
};

/** 400/403/409: the account was not connected, for a reason the user can act on; nothing was stored. */
export class OAuthConnectionRefusedError extends ApiError {
  readonly status: number;
  readonly code: string;
  constructor(
    readonly provider: 'google' | 'webex',
    readonly refusal: OAuthConnectionRefusal,
  ) {
    const known = connectionRefusals[refusal];
    super(known.message, { provider });
    this.status = known.status;
    this.code = known.code;
  }
}
