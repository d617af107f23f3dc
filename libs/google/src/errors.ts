/** A Google API call failed; carries what an operator needs to tell why. */
export class GoogleApiError extends Error {
  override readonly name = 'GoogleApiError';
  constructor(
    readonly operation: string,
    /** HTTP status, or undefined when no response arrived (network error, timeout). */
    readonly status: number | undefined,
    /** Google's errors[0].reason, e.g. "rateLimitExceeded", "notFound". */
    readonly reason: string | undefined,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(
      `${operation} failed${status !== undefined ? ` with ${status}` : ''}${reason ? ` (${reason})` : ''}: ${message}`,
      options,
    );
  }

  /** 429, 5xx, rate-limit 403s and lost responses are worth retrying; everything else is not. */
  get transient(): boolean {
    if (this.status === undefined) return true;
    if (this.status === 429 || this.status >= 500) return true;
    return (
      this.status === 403 && (this.reason === 'rateLimitExceeded' || this.reason === 'userRateLimitExceeded')
    );
  }
}

/** The sync token was invalidated (410 GONE): wipe local state for the calendar and do a full sync. */
export class SyncTokenExpired extends Error {
  override readonly name = 'SyncTokenExpired';
  constructor(
    readonly calendarId: string,
    options?: { cause?: unknown },
  ) {
    super(`the sync token of calendar ${calendarId} is no longer valid; a full sync is required`, options);
  }
}

/** The refresh token is dead (invalid_grant: revoked, expired or never valid): the user must consent again. */
export class ReauthorizationRequired extends Error {
  override readonly name = 'ReauthorizationRequired';
  constructor(
    /** Which account, as the caller named it (e.g. the user's email or id). */
    readonly account: string | undefined,
    readonly oauthError: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Google authorization${account ? ` of ${account}` : ''} must be granted again (${oauthError})`,
      options,
    );
  }
}

/** Google answered with something our code cannot rely on. */
export class GoogleResponseInvalid extends Error {
  override readonly name = 'GoogleResponseInvalid';
  constructor(
    readonly operation: string,
    readonly issues: string,
  ) {
    super(`${operation} returned an unexpected response: ${issues}`);
  }
}
