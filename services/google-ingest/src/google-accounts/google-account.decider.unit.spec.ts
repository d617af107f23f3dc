import { describe, expect, it } from '@jest/globals';
import {
  DirectoryWebexSiteChanged,
  type EventEnvelope,
  GoogleAccountConnected,
  GoogleAccountDisconnected,
  createEvent,
} from '@scheduler/contracts';
import { REDACTED_FORGOTTEN } from '@scheduler/crypto-shredding';
import { DeciderSpecification } from '@scheduler/testing';
import {
  type GoogleProfile,
  type RecordGoogleAccount,
  type RecordGoogleAccountDisconnection,
  googleAccountDecider,
  googleAccountStreamId,
} from './google-account.decider.js';

const userId = '108234567890123456789';
const streamId = googleAccountStreamId(userId);
const tenantId = 'demo.example';
const occurredAt = new Date('2027-01-01T09:00:00Z');
const profile: GoogleProfile = {
  userId,
  email: 'alice@demo.example',
  displayName: 'Alice Example',
  locale: 'en',
  timeZone: 'Europe/Berlin',
  hostedDomain: tenantId,
  scopes: ['email', 'openid'],
};

const connected = (data: GoogleProfile) =>
  createEvent(GoogleAccountConnected, { streamId, tenantId, correlationId: 'corr-0', data });
const siteChanged = (siteUrl: string) =>
  createEvent(DirectoryWebexSiteChanged, {
    streamId,
    tenantId,
    correlationId: 'corr-0',
    data: { userId, siteUrl },
  });
const disconnected = () =>
  createEvent(GoogleAccountDisconnected, {
    streamId,
    tenantId,
    correlationId: 'corr-0',
    data: { userId, reason: 'token-revoked', disconnectedAt: '2027-01-01T08:00:00.000Z' },
  });
const disconnect = (
  changes: Partial<RecordGoogleAccountDisconnection> = {},
): RecordGoogleAccountDisconnection => ({
  kind: 'disconnection',
  userId,
  tenantId,
  correlationId: 'corr-2',
  occurredAt,
  reason: 'token-revoked',
  ...changes,
});
const record = (changes: Partial<RecordGoogleAccount> = {}): RecordGoogleAccount => ({
  tenantId,
  correlationId: 'corr-1',
  occurredAt,
  profile,
  directorySiteUrl: 'acme.webex.com',
  ...changes,
});
/** Events carry a fresh id: compare what they say. */
const said = (events: readonly EventEnvelope[]) =>
  events.map(({ type, streamId: stream, tenantId: tenant, correlationId, occurredAt: at, data }) => ({
    type,
    stream,
    tenant,
    correlationId,
    at,
    data,
  }));

const given = DeciderSpecification.for(googleAccountDecider);

describe('the Google account', () => {
  it('a first connection records the profile and the directory site, in that order', () => {
    given([])
      .when(record())
      .thenEvents((events) =>
        expect(said(events)).toEqual([
          {
            type: 'GoogleAccountConnected',
            stream: `googleAccount-${userId}`,
            tenant: tenantId,
            correlationId: 'corr-1',
            at: occurredAt.toISOString(),
            data: profile,
          },
          {
            type: 'DirectoryWebexSiteChanged',
            stream: `googleAccount-${userId}`,
            tenant: tenantId,
            correlationId: 'corr-1',
            at: occurredAt.toISOString(),
            data: { userId, siteUrl: 'acme.webex.com' },
          },
        ]),
      );
  });

  it('a reconnect that learns nothing new records nothing (scopes compare in any order)', () => {
    given([connected(profile), siteChanged('acme.webex.com')])
      .when(record({ profile: { ...profile, scopes: ['openid', 'email'] } }))
      .thenNothingHappened();
  });

  it('a changed profile is recorded again; the unchanged site is not', () => {
    given([connected(profile), siteChanged('acme.webex.com')])
      .when(record({ profile: { ...profile, timeZone: 'Europe/Lisbon' } }))
      .thenEvents((events) =>
        expect(said(events).map((event) => [event.type, event.data])).toEqual([
          ['GoogleAccountConnected', { ...profile, timeZone: 'Europe/Lisbon' }],
        ]),
      );
  });

  it('only the last profile counts: going back to an earlier one is a change', () => {
    given([connected(profile), connected({ ...profile, locale: 'de' })])
      .when(record({ directorySiteUrl: undefined }))
      .thenEvents((events) =>
        expect(said(events).map((event) => event.type)).toEqual(['GoogleAccountConnected']),
      );
  });

  it('a directory site that differs from the last one recorded is recorded; none at all says nothing', () => {
    given([connected(profile), siteChanged('acme.webex.com')])
      .when(record({ directorySiteUrl: 'other.webex.com' }))
      .thenEvents((events) =>
        expect(said(events).map((event) => [event.type, event.data])).toEqual([
          ['DirectoryWebexSiteChanged', { userId, siteUrl: 'other.webex.com' }],
        ]),
      );
    given([connected(profile), siteChanged('acme.webex.com')])
      .when(record({ directorySiteUrl: undefined }))
      .thenNothingHappened();
  });

  it('after the user was forgotten, the redacted profile is recorded again', () => {
    const forgotten = { ...profile, email: REDACTED_FORGOTTEN, displayName: REDACTED_FORGOTTEN };
    given([{ ...connected(profile), data: forgotten }, siteChanged('acme.webex.com')])
      .when(record())
      .thenEvents((events) =>
        expect(said(events).map((event) => [event.type, event.data])).toEqual([
          ['GoogleAccountConnected', profile],
        ]),
      );
  });

  it('events of other types on the stream change nothing', () => {
    const foreign = { ...siteChanged('acme.webex.com'), type: 'SomethingElse' };
    given([connected(profile), foreign])
      .when(record())
      .thenEvents((events) =>
        expect(said(events).map((event) => event.type)).toEqual(['DirectoryWebexSiteChanged']),
      );
  });
});

describe('a disconnected Google account', () => {
  it('a dead grant of a connected account records GoogleAccountDisconnected with its reason and time', () => {
    given([connected(profile), siteChanged('acme.webex.com')])
      .when(disconnect())
      .thenEvents((events) =>
        expect(said(events)).toEqual([
          {
            type: 'GoogleAccountDisconnected',
            stream: `googleAccount-${userId}`,
            tenant: tenantId,
            correlationId: 'corr-2',
            at: occurredAt.toISOString(),
            data: { userId, reason: 'token-revoked', disconnectedAt: occurredAt.toISOString() },
          },
        ]),
      );
    given([connected(profile)])
      .when(disconnect({ reason: 'token-rejected' }))
      .thenEvents((events) =>
        expect(said(events).map((event) => event.data)).toEqual([
          { userId, reason: 'token-rejected', disconnectedAt: occurredAt.toISOString() },
        ]),
      );
  });

  it('is recorded once per disconnection: a second report of the dead grant records nothing', () => {
    given([connected(profile), disconnected()])
      .when(disconnect())
      .thenNothingHappened();
  });

  it('an account the stream never saw connected is not disconnected', () => {
    given([]).when(disconnect()).thenNothingHappened();
  });

  it('a reconnect after a disconnection records GoogleAccountConnected even when the profile is unchanged', () => {
    given([connected(profile), siteChanged('acme.webex.com'), disconnected()])
      .when(record())
      .thenEvents((events) =>
        expect(said(events).map((event) => [event.type, event.data])).toEqual([
          ['GoogleAccountConnected', profile],
        ]),
      );
  });

  it('after the reconnect, the next dead grant is a new disconnection', () => {
    given([connected(profile), disconnected(), connected(profile)])
      .when(disconnect())
      .thenEvents((events) =>
        expect(said(events).map((event) => event.type)).toEqual(['GoogleAccountDisconnected']),
      );
  });
});
