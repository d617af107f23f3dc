/** Base of every error this client throws, so callers can tell Webex trouble from their own. */
export class WebexError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface WebexErrorDetail {
  description: string;
}

/** Webex answered with an error status. Carries the trackingId Cisco support asks for. */
export class WebexApiError extends WebexError {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly trackingId: string | undefined,
    readonly webexMessage: string,
    readonly errors: readonly WebexErrorDetail[],
  ) {
    super(
      `Webex ${method} ${path} failed with ${status}: ${webexMessage}${trackingId ? ` (trackingId ${trackingId})` : ''}`,
    );
  }
}

/** 429 or 423: Webex asked us to wait `retryAfterMs` (Retry-After, or the documented 15 s when it is missing). */
export class WebexRateLimited extends WebexApiError {
  constructor(
    status: number,
    method: string,
    path: string,
    trackingId: string | undefined,
    webexMessage: string,
    errors: readonly WebexErrorDetail[],
    readonly retryAfterMs: number,
  ) {
    super(status, method, path, trackingId, webexMessage, errors);
  }
}

/** The refresh token is dead (invalid_grant): the user has to authorize the integration again. */
export class ReauthorizationRequired extends WebexError {
  constructor(
    readonly reason: string,
    readonly trackingId: string | undefined,
  ) {
    super(
      `Webex authorization must be renewed by the user: ${reason}${trackingId ? ` (trackingId ${trackingId})` : ''}`,
    );
  }
}

/** The request never got an HTTP answer (connection refused, reset, DNS). */
export class WebexNetworkError extends WebexError {
  constructor(
    readonly method: string,
    readonly path: string,
    cause: unknown,
  ) {
    super(
      `Webex ${method} ${path} failed before an answer arrived: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** Webex answered 2xx with a body that does not match what we rely on. */
export class WebexResponseInvalid extends WebexError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly trackingId: string | undefined,
    readonly issues: readonly string[],
  ) {
    super(
      `Webex ${method} ${path} returned an unexpected body: ${issues.join('; ')}${trackingId ? ` (trackingId ${trackingId})` : ''}`,
    );
  }
}

/** We refused to send a request Webex would reject (e.g. more than 3 integration tags). */
export class WebexRequestInvalid extends WebexError {
  constructor(readonly issues: readonly string[]) {
    super(`invalid Webex request: ${issues.join('; ')}`);
  }
}

/**
 * Webex refused to move one occurrence of a series outside its day window (from 00:00 of its own
 * day to 00:00 of the next occurrence's day, series zone): "meeting.err.two_meeting_schedule_at_same_day".
 */
export function isOccurrenceOutsideItsDay(error: unknown): boolean {
  return (
    error instanceof WebexApiError &&
    error.status === 400 &&
    [error.webexMessage, ...error.errors.map((detail) => detail.description)].some((text) =>
      text.includes('two_meeting_schedule_at_same_day'),
    )
  );
}
