import type {
  AccountDisconnected,
  DataOf,
  WebexAccountConnected,
  WebexSiteResolved,
} from '@scheduler/contracts';

/**
 * The Webex facts of a `user-<userId>` stream, as pure functions (decide/evolve): what has been
 * said about the user's Webex connection and site, so a reconnect or a repeated directory site
 * appends only what changed.
 */

export type WebexAccountFacts = Omit<DataOf<typeof WebexAccountConnected>, 'userId'>;
export type WebexSiteFacts = Omit<DataOf<typeof WebexSiteResolved>, 'userId'>;
export type DisconnectReason = DataOf<typeof AccountDisconnected>['reason'];

export interface WebexConnectionState {
  readonly connected: boolean;
  readonly account?: WebexAccountFacts;
  readonly site?: WebexSiteFacts;
}

export const initialConnectionState: WebexConnectionState = { connected: false };

/** The events of a user stream this module reads; others (Google's) are skipped before this. */
export type ConnectionEvent =
  | { readonly type: 'WebexAccountConnected'; readonly data: DataOf<typeof WebexAccountConnected> }
  | { readonly type: 'WebexSiteResolved'; readonly data: DataOf<typeof WebexSiteResolved> }
  | { readonly type: 'AccountDisconnected'; readonly data: DataOf<typeof AccountDisconnected> };

export const connectionEventTypes: ReadonlySet<string> = new Set([
  'WebexAccountConnected',
  'WebexSiteResolved',
  'AccountDisconnected',
]);

export function evolveConnection(state: WebexConnectionState, event: ConnectionEvent): WebexConnectionState {
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
  }
}

export type ConnectionFact =
  | { readonly kind: 'connected'; readonly account: WebexAccountFacts }
  | { readonly kind: 'site-resolved'; readonly site: WebexSiteFacts }
  | { readonly kind: 'disconnected'; readonly reason: DisconnectReason };

const sameScopes = (left: readonly string[], right: readonly string[]) =>
  left.length === right.length && [...left].sort().join(' ') === [...right].sort().join(' ');

const sameAccount = (left: WebexAccountFacts, right: WebexAccountFacts) =>
  left.webexPersonId === right.webexPersonId &&
  left.email === right.email &&
  left.displayName === right.displayName &&
  sameScopes(left.scopes, right.scopes);

const sameSite = (left: WebexSiteFacts, right: WebexSiteFacts) =>
  left.siteUrl === right.siteUrl &&
  left.source === right.source &&
  left.meetingTemplateId === right.meetingTemplateId;

/**
 * The events that state new facts, in order. Unchanged facts yield nothing (reconnects and
 * redeliveries are idempotent); a site from the Webex account never replaces a directory site;
 * a disconnect is stated once.
 */
export function decideConnection(
  userId: string,
  state: WebexConnectionState,
  facts: readonly ConnectionFact[],
): ConnectionEvent[] {
  const events: ConnectionEvent[] = [];
  let current = state;
  for (const fact of facts) {
    let event: ConnectionEvent | undefined;
    if (fact.kind === 'connected') {
      if (!current.connected || !current.account || !sameAccount(current.account, fact.account))
        event = { type: 'WebexAccountConnected', data: { userId, ...fact.account } };
    } else if (fact.kind === 'site-resolved') {
      const directoryWins = current.site?.source === 'directory' && fact.site.source === 'webex-account';
      if (!directoryWins && (!current.site || !sameSite(current.site, fact.site)))
        event = { type: 'WebexSiteResolved', data: { userId, ...fact.site } };
    } else if (current.connected) {
      event = { type: 'AccountDisconnected', data: { userId, provider: 'webex', reason: fact.reason } };
    }
    if (event) {
      events.push(event);
      current = evolveConnection(current, event);
    }
  }
  return events;
}
