import { z } from 'zod';
import {
  AccountDisconnected,
  AccountErased,
  DirectoryWebexSiteChanged,
  GoogleAccountConnected,
  GoogleAccountDisconnected,
  MeetingPreferencesChanged,
  WebexAccountConnected,
  WebexSiteResolved,
} from '@scheduler/contracts';
import type { RecordedEvent } from '@scheduler/event-store';
import { defineProjection, type ProjectionResult } from '@scheduler/read-models';

/**
 * An account as a front end shows it: `connected`, `needs-reconnect` (the provider refused our
 * grant; the user has to connect it again, see `reason`), or `not-connected` (never connected,
 * or disconnected on the user's request).
 */
export const connectionStatuses = ['connected', 'needs-reconnect', 'not-connected'] as const;

export const AccountConnection = z.strictObject({
  status: z.enum(connectionStatuses),
  /** Why the account needs a reconnect, e.g. `token-revoked` (Google), `reauthorization-required` (Webex). */
  reason: z.string().optional(),
  /** When the account reached this status. */
  since: z.string().optional(),
  /** The account's email address (personal: opened for the projection). */
  email: z.string().optional(),
  /** With reason `scopes-missing`: the scopes the product needs that the user did not grant. */
  missingScopes: z.array(z.string()).optional(),
});
export type AccountConnection = z.infer<typeof AccountConnection>;

const notConnected: AccountConnection = { status: 'not-connected' };

export const AccountsView = z.strictObject({
  tenantId: z.string(),
  userId: z.string(),
  google: AccountConnection,
  webex: AccountConnection,
  /** The site an administrator set in the user's directory entry (DirectoryWebexSiteChanged). */
  directorySite: z.string().optional(),
  /** The site and template webex-bridge resolved (WebexSiteResolved): the directory's or the account's default. */
  resolvedSite: z
    .strictObject({
      siteUrl: z.string(),
      source: z.enum(['directory', 'webex-account']),
      meetingTemplateId: z.string().optional(),
    })
    .optional(),
  /** The user's own choices (MeetingPreferencesChanged). */
  preferences: z.strictObject({
    siteUrl: z.string().optional(),
    meetingTemplateId: z.string().optional(),
    language: z.string().optional(),
  }),
  /** The Google account's locale and time zone. */
  locale: z.string().optional(),
  timeZone: z.string().optional(),
  updatedAt: z.string(),
});
export type AccountsView = z.infer<typeof AccountsView>;

const occurredAt = (event: RecordedEvent): string => {
  const value = event.metadata.occurredAt;
  return typeof value === 'string' ? value : event.recordedAt.toISOString();
};

/** Personal fields are copied only as plain text, never as a sealed (or redacted) value. */
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const withEmail = (connection: AccountConnection, email: string | undefined): AccountConnection =>
  email !== undefined ? { ...connection, email } : connection;

/** Scopes named missing by a connection event; undefined when it names none. */
const missingScopesOf = (data: Record<string, unknown>): string[] | undefined =>
  Array.isArray(data.missingScopes) && data.missingScopes.length > 0
    ? data.missingScopes.filter((scope): scope is string => typeof scope === 'string')
    : undefined;

/**
 * What a connection event makes of the account: connected, or, when the user granted fewer
 * scopes than the product needs, needing a reconnect that names them.
 */
const connection = (
  current: AccountConnection,
  data: Record<string, unknown>,
  at: string,
): AccountConnection => {
  const missingScopes = missingScopesOf(data);
  const next: AccountConnection = missingScopes
    ? { status: 'needs-reconnect', reason: 'scopes-missing', missingScopes, since: at }
    : { status: 'connected', since: connectedSince(current, at) };
  return withEmail(next, text(data.email) ?? current.email);
};

/** A connection stated again while connected (a new sign-in) keeps the time it was connected. */
const connectedSince = (connection: AccountConnection, at: string): string =>
  connection.status === 'connected' && connection.since !== undefined ? connection.since : at;

/** The user's view before any event: nothing connected, nothing chosen. */
function emptyView(tenantId: string, userId: string, at: string): AccountsView {
  return { tenantId, userId, google: notConnected, webex: notConnected, preferences: {}, updatedAt: at };
}

/**
 * Pure: (accounts view, account event) -> accounts view. Folds the user's `googleAccount-<userId>`
 * (google-ingest) and `webexAccount-<userId>` (webex-bridge) streams into one document. Events
 * without a tenant are ignored (the user cannot be scoped).
 */
export function projectAccounts(
  view: AccountsView | undefined,
  event: RecordedEvent,
): ProjectionResult<AccountsView> {
  // The user is erased: their document (email addresses included) goes, on every replay too.
  if (AccountErased.is(event)) return view ? 'delete' : undefined;
  const data = event.data as Record<string, unknown>;
  const tenantId = view?.tenantId ?? event.metadata.tenantId;
  if (typeof tenantId !== 'string' || typeof data.userId !== 'string') return undefined;
  const at = occurredAt(event);
  const current = view ?? emptyView(tenantId, data.userId, at);
  const next = nextView(current, event, data, at);
  return next === undefined ? undefined : { ...next, updatedAt: at };
}

function nextView(
  view: AccountsView,
  event: RecordedEvent,
  data: Record<string, unknown>,
  at: string,
): AccountsView | undefined {
  if (GoogleAccountConnected.is(event)) {
    const locale = text(data.locale);
    const timeZone = text(data.timeZone);
    return {
      ...view,
      google: connection(view.google, data, at),
      ...(locale !== undefined ? { locale } : {}),
      ...(timeZone !== undefined ? { timeZone } : {}),
    };
  }
  if (GoogleAccountDisconnected.is(event)) {
    // Recorded once per disconnection; a repeat (redelivery) keeps the first time.
    if (view.google.status === 'needs-reconnect') return undefined;
    return {
      ...view,
      google: withEmail(
        { status: 'needs-reconnect', reason: String(data.reason), since: text(data.disconnectedAt) ?? at },
        view.google.email,
      ),
    };
  }
  if (DirectoryWebexSiteChanged.is(event)) return { ...view, directorySite: String(data.siteUrl) };
  if (WebexAccountConnected.is(event)) return { ...view, webex: connection(view.webex, data, at) };
  if (WebexSiteResolved.is(event)) {
    const meetingTemplateId = text(data.meetingTemplateId);
    return {
      ...view,
      resolvedSite: {
        siteUrl: String(data.siteUrl),
        source: data.source === 'directory' ? 'directory' : 'webex-account',
        ...(meetingTemplateId !== undefined ? { meetingTemplateId } : {}),
      },
    };
  }
  if (AccountDisconnected.is(event)) {
    // The Webex account stream speaks for Webex only; Google's status is google-ingest's.
    if (data.provider !== 'webex') return undefined;
    const connection: AccountConnection =
      data.reason === 'user-request'
        ? { status: 'not-connected', since: at }
        : { status: 'needs-reconnect', reason: String(data.reason), since: at };
    return { ...view, webex: withEmail(connection, view.webex.email) };
  }
  if (MeetingPreferencesChanged.is(event)) {
    const siteUrl = text(data.siteUrl);
    const meetingTemplateId = text(data.meetingTemplateId);
    const language = text(data.language);
    return {
      ...view,
      preferences: {
        ...(siteUrl !== undefined ? { siteUrl } : {}),
        ...(meetingTemplateId !== undefined ? { meetingTemplateId } : {}),
        ...(language !== undefined ? { language } : {}),
      },
    };
  }
  return undefined;
}

/** Where the site in use came from: the user's choice, the directory, or the Webex account's default. */
export type SiteSource = 'preference' | 'directory' | 'account-default';

export interface SiteInUse {
  readonly siteUrl: string;
  readonly source: SiteSource;
  readonly meetingTemplateId?: string;
}

/**
 * The site and template new meetings are created on, in webex-bridge's order: the user's
 * preference, then the directory's site, then the Webex account's default. A preferred template
 * belongs to the preferred site; otherwise the resolved template counts only on its own site.
 */
export function siteInUse(view: AccountsView): SiteInUse | undefined {
  const { preferences, resolvedSite } = view;
  const resolvedTemplate = (siteUrl: string) =>
    resolvedSite?.siteUrl === siteUrl && resolvedSite.meetingTemplateId
      ? { meetingTemplateId: resolvedSite.meetingTemplateId }
      : {};
  if (preferences.siteUrl) {
    const siteUrl = preferences.siteUrl;
    return {
      siteUrl,
      source: 'preference',
      ...(preferences.meetingTemplateId
        ? { meetingTemplateId: preferences.meetingTemplateId }
        : resolvedTemplate(siteUrl)),
    };
  }
  const directorySite =
    view.directorySite ?? (resolvedSite?.source === 'directory' ? resolvedSite.siteUrl : undefined);
  if (directorySite)
    return { siteUrl: directorySite, source: 'directory', ...resolvedTemplate(directorySite) };
  if (resolvedSite)
    return {
      siteUrl: resolvedSite.siteUrl,
      source: 'account-default',
      ...resolvedTemplate(resolvedSite.siteUrl),
    };
  return undefined;
}

/**
 * The gateway's `accounts` read model: one document per user, from the Google and Webex account
 * streams and the erasure stream (AccountErased deletes the document) only (the event store's
 * category filter), so no other event is read.
 */
export const accountsProjection = defineProjection<AccountsView>({
  name: 'gateway-accounts',
  collection: {
    name: 'accounts',
    indexes: { tenantId: 'string', userId: 'string' },
    schema: AccountsView,
  },
  filter: {
    categories: [GoogleAccountConnected.category, WebexAccountConnected.category, AccountErased.category],
  },
  documentId: (event) => (typeof event.data.userId === 'string' ? event.data.userId : undefined),
  project: projectAccounts,
});
