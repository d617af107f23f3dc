import { type ErrorMessageKey, type MessageKey, type OperationKey, translate } from '@scheduler/i18n';

/**
 * The one error format of the gateway's API: `{ error: { code, message, ...details } }`.
 * Messages and details are written for the caller and must never carry tokens, personal data
 * or internals (stack traces, SQL, upstream bodies). The message is written in the caller's
 * language (libs/i18n, key `errors.<key>`); `code` and the details are not translated.
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

/** A placeholder's value: as it is, or a text of libs/i18n written in the same language. */
export type MessageParam = string | number | { readonly text: MessageKey };

/** An error message by its key under `errors` in libs/i18n's resources, with its placeholders. */
export interface ApiMessage {
  readonly key: ErrorMessageKey;
  readonly params?: Readonly<Record<string, MessageParam>>;
}

/** The message in `language` (a BCP 47 tag; unsupported or none is English). */
export function messageIn(message: ApiMessage, language: string | undefined): string {
  const params = Object.fromEntries(
    Object.entries(message.params ?? {}).map(([name, value]) => [
      name,
      typeof value === 'object' ? translate(language, value.text) : value,
    ]),
  );
  return translate(language, `errors.${message.key}`, params);
}

/** What a gateway call was doing, in English for the `operation` detail (its text in the message is translated). */
const operationDetail = (operation: OperationKey) => translate('en', `operations.${operation}`);

/**
 * An error the API answers as it is: HTTP status, stable machine code, a message by its key
 * (so it can be answered in the caller's language), details. `message` (Error's) is the English
 * text, for logs and tests.
 */
export abstract class ApiError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;

  constructor(
    readonly apiMessage: ApiMessage,
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(messageIn(apiMessage, 'en'), options);
    this.name = new.target.name;
  }

  /** The body in `language` (English when it is not supported or not given). */
  toBody(language?: string): ErrorBody {
    return { error: { code: this.code, message: messageIn(this.apiMessage, language), ...this.details } };
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
    super(
      {
        key: `invalid_request_${location}`,
        params: { fields: fields.map((field) => field.path).join(', ') },
      },
      { fields },
    );
  }
}

/** 401: no bearer token, or one that is not a valid Google ID token for us. */
export class UnauthenticatedError extends ApiError {
  readonly status = 401;
  readonly code = 'unauthenticated';
  constructor(readonly reason: 'missing_token' | 'malformed_header' | 'invalid_token') {
    super({ key: `unauthenticated_${reason}` }, { reason });
  }
}

/** 403: an authentic Google account from a Workspace domain this deployment does not serve. */
export class HostedDomainNotAllowedError extends ApiError {
  readonly status = 403;
  readonly code = 'hosted_domain_not_allowed';
  constructor() {
    // The domain itself is left out: the caller knows it, and logs should not.
    super({ key: 'hosted_domain_not_allowed' });
  }
}

/** 403: the route is for the Workspace administrators of the caller's tenant (the Directory's `isAdmin`). */
export class NotTenantAdministratorError extends ApiError {
  readonly status = 403;
  readonly code = 'not_tenant_administrator';
  constructor() {
    super({ key: 'not_tenant_administrator' });
  }
}

/**
 * 403: the tenant's Workspace administrators turned the service off for it; every route refuses
 * its users until they turn it on again.
 */
export class TenantDisabledError extends ApiError {
  readonly status = 403;
  readonly code = 'tenant_disabled';
  constructor(readonly since?: string) {
    super(
      { key: 'tenant_disabled' },
      { reason: 'disabled_by_tenant_administrator', ...(since ? { since } : {}) },
    );
  }
}

/** 403: the tenant's administrators do not allow this Webex site; `allowedSites` are the ones they do. */
export class WebexSiteNotAllowedError extends ApiError {
  readonly status = 403;
  readonly code = 'webex_site_not_allowed';
  constructor(
    readonly siteUrl: string,
    readonly allowedSites: readonly string[],
  ) {
    super({ key: 'webex_site_not_allowed' }, { siteUrl, allowedSites });
  }
}

/** 403: the user may read the calendar event but does not organise it, so cannot add a meeting to it. */
export class NotEventOrganizerError extends ApiError {
  readonly status = 403;
  readonly code = 'not_event_organizer';
  constructor() {
    super({ key: 'not_event_organizer' });
  }
}

/** 404: no such meeting for this user (another user's meeting is reported the same way). */
export class MeetingNotFoundError extends ApiError {
  readonly status = 404;
  readonly code = 'meeting_not_found';
  constructor(readonly meetingId: string) {
    super({ key: 'meeting_not_found' }, { meetingId });
  }
}

/** 404: the calendar event does not exist or the user cannot see it. */
export class CalendarEventNotFoundError extends ApiError {
  readonly status = 404;
  readonly code = 'calendar_event_not_found';
  constructor() {
    super({ key: 'calendar_event_not_found' });
  }
}

/** 409: the user already has an active meeting on this calendar event. */
export class MeetingAlreadyExistsError extends ApiError {
  readonly status = 409;
  readonly code = 'meeting_already_exists';
  constructor(readonly meetingId: string) {
    super({ key: 'meeting_already_exists' }, { meetingId });
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
    super({ key: 'meeting_finished' }, { meetingId, status: meetingStatus });
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
    super({ key: 'meeting_not_failed' }, { meetingId, status: meetingStatus });
  }
}

/** 404: the Gmail message does not exist in the user's mailbox. */
export class GmailMessageNotFoundError extends ApiError {
  readonly status = 404;
  readonly code = 'gmail_message_not_found';
  constructor() {
    super({ key: 'gmail_message_not_found' });
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
    super({ key: 'gmail_message_token_rejected' });
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
    super({ key: 'calendar_event_deleted' });
  }
}

/** 422: the event exists but cannot carry a meeting as it is (e.g. no start and end time). */
export class CalendarEventUnsupportedError extends ApiError {
  readonly status = 422;
  readonly code = 'calendar_event_unsupported';
  constructor(readonly fields: readonly FieldProblem[]) {
    super({ key: 'calendar_event_unsupported' }, { fields });
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
    super({ key: 'invalid_oauth_state' }, { reason: problem });
  }
}

/** 502: a service behind the gateway did not accept the hand-off (e.g. google-ingest refused the code). */
export class UpstreamFailedError extends ApiError {
  readonly status = 502;
  readonly code = 'upstream_failed';
  constructor(
    readonly operation: OperationKey,
    options?: { cause?: unknown },
  ) {
    super(
      { key: 'upstream_failed', params: { operation: { text: `operations.${operation}` } } },
      { operation: operationDetail(operation) },
      options,
    );
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
    readonly operation: OperationKey,
    options?: { cause?: unknown },
  ) {
    super(
      { key: 'service_unavailable', params: { operation: { text: `operations.${operation}` } } },
      { operation: operationDetail(operation) },
      options,
    );
  }
}

/** 409: the user has not connected their Google account yet, so their calendar cannot be read. */
export class GoogleAccountNotConnectedError extends ApiError {
  readonly status = 409;
  readonly code = 'google_account_not_connected';
  constructor() {
    super({ key: 'google_account_not_connected' });
  }
}

/** 409: the user's Webex account is not connected (or must be connected again), so it cannot be asked. */
export class WebexAccountNotConnectedError extends ApiError {
  readonly status = 409;
  readonly code = 'webex_account_not_connected';
  constructor() {
    super({ key: 'webex_account_not_connected' });
  }
}

/** 422: a preference names a Webex site or meeting template the user's Webex account does not offer. */
export class PreferenceNotOfferedError extends ApiError {
  readonly status = 422;
  readonly code = 'preference_not_offered';
  constructor(readonly fields: readonly FieldProblem[]) {
    super(
      { key: 'preference_not_offered', params: { fields: fields.map((field) => field.path).join(', ') } },
      { fields },
    );
  }
}

/** 422: the tenant's settings are well-formed but contradict each other (a default template on a site not allowed). */
export class TenantSettingsInconsistentError extends ApiError {
  readonly status = 422;
  readonly code = 'tenant_settings_inconsistent';
  constructor(readonly fields: readonly FieldProblem[]) {
    super(
      {
        key: 'tenant_settings_inconsistent',
        params: { fields: fields.map((field) => field.path).join(', ') },
      },
      { fields },
    );
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
    super({ key: `too_many_requests_${scope}` }, { limit: scope, retryAfterSeconds });
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
  Record<OAuthConnectionRefusal, { status: number; code: ErrorMessageKey }>
> = {
  'authorization-code-rejected': {
    status: 400,
    code: 'authorization_code_rejected',
  },
  'user-mismatch': {
    status: 403,
    code: 'google_account_mismatch',
  },
  'email-mismatch': {
    status: 403,
    code: 'webex_email_mismatch',
  },
  'another-webex-account': {
    status: 409,
    code: 'webex_account_already_connected',
  },
  'webex-account-in-use': {
    status: 409,
    code: 'webex_account_in_use',
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
    super({ key: known.code }, { provider });
    this.status = known.status;
    this.code = known.code;
  }
}
