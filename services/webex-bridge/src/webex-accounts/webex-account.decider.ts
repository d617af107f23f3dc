import {
  AccountDisconnected,
  MeetingPreferencesChanged,
  WebexAccountConnected,
  WebexSiteResolved,
  createEvent,
  type DataOf,
  type EventCause,
  type EventEnvelope,
} from '@scheduler/contracts';
import type { Decider } from '@scheduler/event-store';

/**
 * The user's Webex account stream, `webexAccount-<userId>`, as a decider: what has been said
 * about the user's Webex connection and site, so a reconnect or a repeated directory site
 * appends only what changed.
 */

export const webexAccountStreamId = (userId: string) => `webexAccount-${userId}`;

export type WebexAccountFacts = Omit<DataOf<typeof WebexAccountConnected>, 'userId'>;
export type WebexSiteFacts = Omit<DataOf<typeof WebexSiteResolved>, 'userId'>;
export type DisconnectReason = DataOf<typeof AccountDisconnected>['reason'];
/** The user's own choices for new meetings; an absent field has no preference. */
export type MeetingPreferences = Omit<DataOf<typeof MeetingPreferencesChanged>, 'userId'>;

export interface WebexConnectionState {
  readonly connected: boolean;
  readonly account?: WebexAccountFacts;
  readonly site?: WebexSiteFacts;
  readonly preferences: MeetingPreferences;
}

export const initialConnectionState: WebexConnectionState = { connected: false, preferences: {} };

/** What a decision states, before decide wraps it in an envelope. */
export type ConnectionEvent =
  | { readonly type: 'WebexAccountConnected'; readonly data: DataOf<typeof WebexAccountConnected> }
  | { readonly type: 'WebexSiteResolved'; readonly data: DataOf<typeof WebexSiteResolved> }
  | { readonly type: 'AccountDisconnected'; readonly data: DataOf<typeof AccountDisconnected> }
  | {
      readonly type: 'MeetingPreferencesChanged';
      readonly data: DataOf<typeof MeetingPreferencesChanged>;
    };

const contracts = {
  WebexAccountConnected,
  WebexSiteResolved,
  AccountDisconnected,
  MeetingPreferencesChanged,
} as const;

export function evolve(state: WebexConnectionState, envelope: EventEnvelope): WebexConnectionState {
  const event = envelope as unknown as ConnectionEvent;
  switch (event.type) {
    case 'WebexAccountConnected': {
      const { userId: _userId, ...account } = event.data;
      return { ...state, connected: true, account };
    }
    case 'WebexSiteResolved': {
      const { userId: _userId, ...site } = event.data;
      return { ...state, site };
    }
    case 'AccountDisconnected':
      return event.data.provider === 'webex' ? { ...state, connected: false } : state;
    case 'MeetingPreferencesChanged': {
      const { userId: _userId, ...preferences } = event.data;
      return { ...state, preferences };
    }
    default:
      return state;
  }
}

export type ConnectionFact =
  | { readonly kind: 'connected'; readonly account: WebexAccountFacts }
  | { readonly kind: 'site-resolved'; readonly site: WebexSiteFacts }
  | { readonly kind: 'disconnected'; readonly reason: DisconnectReason }
  /** The preferences as they now stand (checked against Webex by the caller). */
  | { readonly kind: 'preferences-changed'; readonly preferences: MeetingPreferences };

const sameScopes = (left: readonly string[], right: readonly string[]) =>
  left.length === right.length && [...left].sort().join(' ') === [...right].sort().join(' ');

const sameAccount = (left: WebexAccountFacts, right: WebexAccountFacts) =>
  left.webexPersonId === right.webexPersonId &&
  left.email === right.email &&
  left.displayName === right.displayName &&
  sameScopes(left.scopes, right.scopes) &&
  sameScopes(left.missingScopes ?? [], right.missingScopes ?? []);

const samePreferences = (left: MeetingPreferences, right: MeetingPreferences) =>
  left.siteUrl === right.siteUrl &&
  left.meetingTemplateId === right.meetingTemplateId &&
  left.language === right.language;

const sameSite = (left: WebexSiteFacts, right: WebexSiteFacts) =>
  left.siteUrl === right.siteUrl &&
  left.source === right.source &&
  left.meetingTemplateId === right.meetingTemplateId;

/** Where the events come from: the triggering event, or a command's correlation id. */
export interface AccountOrigin {
  readonly tenantId: string;
  readonly occurredAt: Date;
  readonly cause?: EventCause;
  readonly correlationId?: string;
}

/** State these facts about the user's Webex account, each only if it is news. */
export interface RecordConnectionFacts {
  readonly userId: string;
  readonly facts: readonly ConnectionFact[];
  readonly origin: AccountOrigin;
}

/**
 * The events that state new facts, in order. Unchanged facts yield nothing (reconnects and
 * redeliveries are idempotent); a site from the Webex account never replaces a directory site;
 * a disconnect is stated once; preferences are stated when they differ.
 */
export function decide(command: RecordConnectionFacts, state: WebexConnectionState): EventEnvelope[] {
  const { userId, origin } = command;
  const events: EventEnvelope[] = [];
  let current = state;
  for (const fact of command.facts) {
    let event: ConnectionEvent | undefined;
    if (fact.kind === 'connected') {
      if (!current.connected || !current.account || !sameAccount(current.account, fact.account))
        event = { type: 'WebexAccountConnected', data: { userId, ...fact.account } };
    } else if (fact.kind === 'site-resolved') {
      const directoryWins = current.site?.source === 'directory' && fact.site.source === 'webex-account';
      if (!directoryWins && (!current.site || !sameSite(current.site, fact.site)))
        event = { type: 'WebexSiteResolved', data: { userId, ...fact.site } };
    } else if (fact.kind === 'preferences-changed') {
      if (!samePreferences(current.preferences, fact.preferences))
        event = { type: 'MeetingPreferencesChanged', data: { userId, ...fact.preferences } };
    } else if (current.connected) {
      event = { type: 'AccountDisconnected', data: { userId, provider: 'webex', reason: fact.reason } };
    }
    if (event) {
      const envelope = createEvent(contracts[event.type], {
        streamId: webexAccountStreamId(userId),
        tenantId: origin.tenantId,
        data: event.data as never,
        occurredAt: origin.occurredAt,
        ...(origin.cause ? { cause: origin.cause } : {}),
        ...(origin.correlationId ? { correlationId: origin.correlationId } : {}),
      });
      events.push(envelope);
      current = evolve(current, envelope);
    }
  }
  return events;
}

export const webexAccountDecider: Decider<RecordConnectionFacts, EventEnvelope, WebexConnectionState> = {
  decide,
  evolve,
  initialState: () => initialConnectionState,
};
