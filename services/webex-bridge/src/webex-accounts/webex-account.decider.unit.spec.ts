import { describe, expect, it } from '@jest/globals';
import {
  AccountDisconnected,
  MeetingPreferencesChanged,
  WebexAccountConnected,
  WebexSiteResolved,
  createEvent,
  type EventEnvelope,
} from '@scheduler/contracts';
import { DeciderSpecification } from '@scheduler/testing';
import {
  webexAccountDecider,
  webexAccountStreamId,
  type ConnectionEvent,
  type ConnectionFact,
  type WebexAccountFacts,
} from './webex-account.decider.js';

const userId = '108234567890123456789';
const account: WebexAccountFacts = {
  webexPersonId: 'person-1',
  email: 'ada@example.com',
  displayName: 'Ada',
  scopes: ['spark:people_read', 'meeting:schedules_write'],
};
const accountSite = { siteUrl: 'acme.webex.com', source: 'webex-account' as const, meetingTemplateId: 't1' };
const directorySite = { siteUrl: 'hq.webex.com', source: 'directory' as const, meetingTemplateId: 't9' };

const tenantId = 'example.com';
const occurredAt = new Date('2026-11-30T08:00:00Z');
const contracts = {
  WebexAccountConnected,
  WebexSiteResolved,
  AccountDisconnected,
  MeetingPreferencesChanged,
} as const;

/** The stored form of a fact: an envelope on the user's Webex account stream. */
const stored = (event: ConnectionEvent): EventEnvelope =>
  createEvent(contracts[event.type], {
    streamId: webexAccountStreamId(userId),
    tenantId,
    data: event.data as never,
  });

const origin = { tenantId, occurredAt, correlationId: 'connect-1' };

/** given(events).when(facts).then(events): the decider's specification, on facts as stated. */
const given = (...events: ConnectionEvent[]) => ({
  when: (...facts: ConnectionFact[]) => ({
    then: (expected: ConnectionEvent[]) =>
      DeciderSpecification.for(webexAccountDecider)(events.map(stored))
        .when({ userId, facts, origin })
        .thenEvents((decided) => expect(decided.map(({ type, data }) => ({ type, data }))).toEqual(expected)),
  }),
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

describe('Webex connection facts on the Webex account stream', () => {
  it('each event is on the user’s Webex account stream, in the tenant, with the origin’s correlation', () =>
    DeciderSpecification.for(webexAccountDecider)([])
      .when({ userId, facts: [{ kind: 'connected', account }], origin })
      .thenEvents(([connected]) =>
        expect(connected).toMatchObject({
          type: 'WebexAccountConnected',
          streamId: `webexAccount-${userId}`,
          tenantId,
          correlationId: 'connect-1',
          causationId: null,
          occurredAt: occurredAt.toISOString(),
        }),
      ));

  it('a first connect states the account and the site', () => {
    given()
      .when({ kind: 'connected', account }, { kind: 'site-resolved', site: accountSite })
      .then([connected(), resolved(accountSite)]);
  });

  it('a reconnect with unchanged facts appends nothing', () => {
    given(connected(), resolved(accountSite))
      .when(
        { kind: 'connected', account: { ...account, scopes: [...account.scopes].reverse() } },
        { kind: 'site-resolved', site: accountSite },
      )
      .then([]);
  });

  it('a changed profile or template is stated again', () => {
    given(connected(), resolved(accountSite))
      .when(
        { kind: 'connected', account: { ...account, displayName: 'Ada L.' } },
        { kind: 'site-resolved', site: { ...accountSite, meetingTemplateId: 't2' } },
      )
      .then([
        connected({ ...account, displayName: 'Ada L.' }),
        resolved({ ...accountSite, meetingTemplateId: 't2' }),
      ]);
  });

  it('a reconnect after a disconnect states the connection again, not the unchanged site', () => {
    given(connected(), resolved(accountSite), disconnected)
      .when({ kind: 'connected', account }, { kind: 'site-resolved', site: accountSite })
      .then([connected()]);
  });

  it('a directory site overrides the account default', () => {
    given(connected(), resolved(accountSite))
      .when({ kind: 'site-resolved', site: directorySite })
      .then([resolved(directorySite)]);
  });

  it('an account default never overrides a directory site', () => {
    given(connected(), resolved(directorySite)).when({ kind: 'site-resolved', site: accountSite }).then([]);
  });

  it('a disconnect is stated once, and never for an account that was not connected', () => {
    const reason = 'reauthorization-required' as const;
    given(connected()).when({ kind: 'disconnected', reason }).then([disconnected]);
    given(connected(), disconnected).when({ kind: 'disconnected', reason }).then([]);
    given().when({ kind: 'disconnected', reason }).then([]);
  });

  it('a Google disconnect does not end the Webex connection', () => {
    const google: ConnectionEvent = {
      type: 'AccountDisconnected',
      data: { userId, provider: 'google', reason: 'revoked' },
    };
    given(connected(), google).when({ kind: 'connected', account }).then([]);
  });

  it('preferences are stated when they differ, as they now stand, connected or not', () => {
    const preferences = { siteUrl: 'hq.webex.com', meetingTemplateId: 't9', language: 'de' };
    const changed: ConnectionEvent = { type: 'MeetingPreferencesChanged', data: { userId, ...preferences } };
    given(connected()).when({ kind: 'preferences-changed', preferences }).then([changed]);
    given(connected(), changed).when({ kind: 'preferences-changed', preferences }).then([]);
    given(changed)
      .when({ kind: 'preferences-changed', preferences: { language: 'de' } })
      .then([{ type: 'MeetingPreferencesChanged', data: { userId, language: 'de' } }]);
    // No preference at all is the initial state: nothing to state.
    given().when({ kind: 'preferences-changed', preferences: {} }).then([]);
  });

  it('a reconnect keeps the preferences', () => {
    const changed: ConnectionEvent = {
      type: 'MeetingPreferencesChanged',
      data: { userId, siteUrl: 'hq.webex.com' },
    };
    given(connected(), changed, disconnected, connected())
      .when({ kind: 'preferences-changed', preferences: { siteUrl: 'hq.webex.com' } })
      .then([]);
  });
});
