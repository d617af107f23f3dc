import { describe, expect, it } from '@jest/globals';
import {
  decideConnection,
  evolveConnection,
  initialConnectionState,
  type ConnectionEvent,
  type ConnectionFact,
  type WebexAccountFacts,
} from './webex-connection.js';

const userId = '108234567890123456789';
const account: WebexAccountFacts = {
  webexPersonId: 'person-1',
  email: 'ada@example.com',
  displayName: 'Ada',
  scopes: ['spark:people_read', 'meeting:schedules_write'],
};
const accountSite = { siteUrl: 'acme.webex.com', source: 'webex-account' as const, meetingTemplateId: 't1' };
const directorySite = { siteUrl: 'hq.webex.com', source: 'directory' as const, meetingTemplateId: 't9' };

/** given(events).when(facts).then(events) */
const given = (...events: ConnectionEvent[]) => ({
  when: (...facts: ConnectionFact[]) =>
    decideConnection(userId, events.reduce(evolveConnection, initialConnectionState), facts),
});
const connected = (facts = account): ConnectionEvent => ({
  type: 'WebexAccountConnected',
  data: { userId, ...facts },
});
const resolved = (site: typeof accountSite | typeof directorySite): ConnectionEvent => ({
  type: 'WebexSiteResolved',
  data: { userId, ...site },
});
const disconnected: ConnectionEvent = {
  type: 'AccountDisconnected',
  data: { userId, provider: 'webex', reason: 'reauthorization-required' },
};

describe('Webex connection facts on the user stream', () => {
  it('a first connect states the account and the site', () => {
    expect(
      given().when({ kind: 'connected', account }, { kind: 'site-resolved', site: accountSite }),
    ).toEqual([connected(), resolved(accountSite)]);
  });

  it('a reconnect with unchanged facts appends nothing', () => {
    expect(
      given(connected(), resolved(accountSite)).when(
        { kind: 'connected', account: { ...account, scopes: [...account.scopes].reverse() } },
        { kind: 'site-resolved', site: accountSite },
      ),
    ).toEqual([]);
  });

  it('a changed profile or template is stated again', () => {
    expect(
      given(connected(), resolved(accountSite)).when(
        { kind: 'connected', account: { ...account, displayName: 'Ada L.' } },
        { kind: 'site-resolved', site: { ...accountSite, meetingTemplateId: 't2' } },
      ),
    ).toEqual([
      connected({ ...account, displayName: 'Ada L.' }),
      resolved({ ...accountSite, meetingTemplateId: 't2' }),
    ]);
  });

  it('a reconnect after a disconnect states the connection again, not the unchanged site', () => {
    expect(
      given(connected(), resolved(accountSite), disconnected).when(
        { kind: 'connected', account },
        { kind: 'site-resolved', site: accountSite },
      ),
    ).toEqual([connected()]);
  });

  it('a directory site overrides the account default', () => {
    expect(
      given(connected(), resolved(accountSite)).when({ kind: 'site-resolved', site: directorySite }),
    ).toEqual([resolved(directorySite)]);
  });

  it('an account default never overrides a directory site', () => {
    expect(
      given(connected(), resolved(directorySite)).when({ kind: 'site-resolved', site: accountSite }),
    ).toEqual([]);
  });

  it('a disconnect is stated once, and never for an account that was not connected', () => {
    const reason = 'reauthorization-required' as const;
    expect(given(connected()).when({ kind: 'disconnected', reason })).toEqual([disconnected]);
    expect(given(connected(), disconnected).when({ kind: 'disconnected', reason })).toEqual([]);
    expect(given().when({ kind: 'disconnected', reason })).toEqual([]);
  });

  it('a Google disconnect does not end the Webex connection', () => {
    const google: ConnectionEvent = {
      type: 'AccountDisconnected',
      data: { userId, provider: 'google', reason: 'revoked' },
    };
    expect(given(connected(), google).when({ kind: 'connected', account })).toEqual([]);
  });
});
