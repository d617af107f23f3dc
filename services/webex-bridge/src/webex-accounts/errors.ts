import { ReauthorizationRequired } from '@scheduler/webex';

export type WebexAccountState = 'unknown' | 'reauthorization-required' | 'forgotten';

/**
 * No usable Webex authorization is stored for the user: never connected, the refresh token died,
 * or the user was forgotten (their key destroyed). It extends ReauthorizationRequired because the
 * remedy is the same: the user connects Webex again. The meeting lifecycle records it as
 * `reauthorization-required` instead of retrying forever.
 */
export class WebexAccountNotConnectedError extends ReauthorizationRequired {
  constructor(
    readonly userId: string,
    readonly state: WebexAccountState,
  ) {
    super(`no usable Webex authorization for user ${userId} (${state})`, undefined);
  }
}

/** A site URL outside the allow-list pattern (SSRF guard). Nothing was stored and nothing was called with it. */
export class WebexSiteNotAllowedError extends Error {
  constructor(
    readonly userId: string,
    readonly source: 'directory' | 'webex-account',
    /** Truncated: it is untrusted input. */
    readonly siteUrl: string,
  ) {
    super(
      `the Webex site "${siteUrl}" (${source}) of user ${userId} is not allowed: it must look like "<name>.webex.com"`,
    );
    this.name = 'WebexSiteNotAllowedError';
  }
}

/** The Webex account has no meeting site (GET /meetingPreferences/sites was empty). */
export class WebexSiteUnavailableError extends Error {
  constructor(
    readonly userId: string,
    readonly trackingId?: string,
  ) {
    super(`the Webex account of user ${userId} has no meeting site`);
    this.name = 'WebexSiteUnavailableError';
  }
}

/** The command names a redirect URI other than the one this integration exchanges codes for. */
export class RedirectUriMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly received: string,
  ) {
    super(
      `the authorization code was issued for redirect URI ${received}, but this integration uses ${expected}`,
    );
    this.name = 'RedirectUriMismatchError';
  }
}

/** people/me answered without an email address: the account cannot host meetings for us. */
export class WebexProfileIncompleteError extends Error {
  constructor(
    readonly userId: string,
    readonly missing: string,
  ) {
    super(`the Webex profile of user ${userId} has no ${missing}`);
    this.name = 'WebexProfileIncompleteError';
  }
}

/** The stored tokens do not authenticate (altered in the table, or moved from another user's row). */
export class WebexTokensTamperedError extends Error {
  constructor(readonly userId: string) {
    super(`the stored Webex tokens of user ${userId} do not authenticate; they were altered or moved`);
    this.name = 'WebexTokensTamperedError';
  }
}
