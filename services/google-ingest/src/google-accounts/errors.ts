/** Why a Google connection was refused. Safe to log and to show: never personal data or tokens. */
export type GoogleConnectionRejection =
  | 'redirect-uri-mismatch'
  | 'authorization-code-rejected'
  | 'id-token-missing'
  | 'id-token-rejected'
  | 'user-mismatch'
  | 'refresh-token-missing';

/** The authorization code could not become a connected account; nothing was stored or appended. */
export class GoogleConnectionRejectedError extends Error {
  override readonly name = 'GoogleConnectionRejectedError';
  constructor(
    readonly reason: GoogleConnectionRejection,
    readonly correlationId: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Google connection rejected (${reason}, correlation ${correlationId}): ${detail}`, options);
  }
}

/** The user has no usable Google account here: never connected, forgotten, or the refresh token died. */
export class GoogleAccountUnavailableError extends Error {
  override readonly name = 'GoogleAccountUnavailableError';
  constructor(
    readonly userId: string,
    readonly status: 'not-connected' | 'reauthorization-required' | 'forgotten',
  ) {
    super(`the Google account of user ${userId} is not usable (${status})`);
  }
}

/** A sealed token or email of an account did not authenticate: the row was altered. */
export class GoogleAccountTamperedError extends Error {
  override readonly name = 'GoogleAccountTamperedError';
  constructor(
    readonly userId: string,
    readonly column: string,
  ) {
    super(`google_accounts.${column} of user ${userId} does not authenticate`);
  }
}
