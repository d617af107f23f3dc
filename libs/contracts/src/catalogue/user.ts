import { z } from 'zod';
import { defineEvent } from '../define.js';
import { personal } from '../personal-data.js';
import { Email, Instant, Locale, MeetingTemplateId, TimeZone, UserId, WebexSiteUrl } from '../primitives.js';

const Provider = z.enum(['google', 'webex']);

/**
 * Each account has its own stream, written by the service that holds its tokens:
 * `googleAccount-<userId>` (google-ingest) and `webexAccount-<userId>` (webex-bridge).
 * Tokens never travel in events; their owners keep them encrypted.
 */
export const GoogleAccountConnected = defineEvent({
  type: 'GoogleAccountConnected',
  producer: 'google-ingest',
  category: 'googleAccount',
  schemaVersion: 1,
  data: z.strictObject({
    userId: UserId,
    email: personal(Email),
    displayName: personal(z.string().min(1).max(256)).optional(),
    locale: Locale,
    timeZone: TimeZone,
    hostedDomain: z.string().min(3).max(253),
    /** The scopes Google granted (the token answer's `scope`). */
    scopes: z.array(z.string().min(1)).min(1),
    /** Scopes the product needs that were not granted: the account needs a reconnect. */
    missingScopes: z.array(z.string().min(1)).optional(),
  }),
});

/** The Webex site an administrator set in the user's Google Directory entry differs from the last one recorded. */
export const DirectoryWebexSiteChanged = defineEvent({
  type: 'DirectoryWebexSiteChanged',
  producer: 'google-ingest',
  category: 'googleAccount',
  schemaVersion: 1,
  data: z.strictObject({
    userId: UserId,
    siteUrl: WebexSiteUrl,
  }),
});

/**
 * Google refused the account's grant, so google-ingest stopped its watch channels and stops
 * syncing until the user consents again; the reconnection records GoogleAccountConnected and
 * resyncs the calendar in full. `token-revoked`: the refresh token was refused (invalid_grant:
 * revoked, expired or never valid). `token-rejected`: a freshly refreshed access token was
 * still refused (401). Recorded once per disconnection.
 */
export const GoogleAccountDisconnected = defineEvent({
  type: 'GoogleAccountDisconnected',
  producer: 'google-ingest',
  category: 'googleAccount',
  schemaVersion: 1,
  data: z.strictObject({
    userId: UserId,
    reason: z.enum(['token-revoked', 'token-rejected']),
    disconnectedAt: Instant,
  }),
});

export const WebexAccountConnected = defineEvent({
  type: 'WebexAccountConnected',
  producer: 'webex-bridge',
  category: 'webexAccount',
  schemaVersion: 1,
  data: z.strictObject({
    userId: UserId,
    webexPersonId: z.string().min(1).max(256),
    email: personal(Email),
    displayName: personal(z.string().min(1).max(256)).optional(),
    /** The scopes Webex granted (the token answer's `scope`; what was requested when it names none). */
    scopes: z.array(z.string().min(1)).min(1),
    /** Scopes the product needs that were not granted: the account needs a reconnect. */
    missingScopes: z.array(z.string().min(1)).optional(),
  }),
});

export const WebexSiteResolved = defineEvent({
  type: 'WebexSiteResolved',
  producer: 'webex-bridge',
  category: 'webexAccount',
  schemaVersion: 1,
  data: z.strictObject({
    userId: UserId,
    siteUrl: WebexSiteUrl,
    /** The Directory custom schema wins over the Webex account's default site. */
    source: z.enum(['directory', 'webex-account']),
    meetingTemplateId: z.string().min(1).max(256).optional(),
  }),
});

export const AccountDisconnected = defineEvent({
  type: 'AccountDisconnected',
  producer: 'webex-bridge',
  category: 'webexAccount',
  schemaVersion: 1,
  data: z.strictObject({
    userId: UserId,
    provider: Provider,
    reason: z.enum(['user-request', 'reauthorization-required', 'revoked']),
  }),
});

/**
 * The user chose where and how new meetings are created: the Webex site and meeting template
 * (both checked against what the user's Webex account offers when chosen) and the language.
 * Carries every preference as it now stands; an absent field has no preference (the directory's
 * or the account's default applies). Recorded only when something changed.
 */
export const MeetingPreferencesChanged = defineEvent({
  type: 'MeetingPreferencesChanged',
  producer: 'webex-bridge',
  category: 'webexAccount',
  schemaVersion: 1,
  data: z.strictObject({
    userId: UserId,
    siteUrl: WebexSiteUrl.optional(),
    meetingTemplateId: MeetingTemplateId.optional(),
    language: Locale.optional(),
  }),
});
