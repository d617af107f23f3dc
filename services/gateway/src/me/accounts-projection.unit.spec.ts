import { describe, expect, it } from '@jest/globals';
import {
  AccountDisconnected,
  AccountErased,
  AccountErasureRequested,
  DirectoryWebexSiteChanged,
  GoogleAccountConnected,
  GoogleAccountDisconnected,
  MeetingPreferencesChanged,
  WebexAccountConnected,
  WebexSiteResolved,
  createEvent,
  type EventContract,
} from '@scheduler/contracts';
import { envelopeToEventToAppend, type RecordedEvent } from '@scheduler/event-store';
import { isSealedValue } from '@scheduler/crypto-shredding';
import {
  AccountsView as AccountsViewSchema,
  type AccountsView,
  accountsProjection,
  projectAccounts,
  siteInUse,
} from './accounts-projection.js';

const tenantId = 'demo.example';
const userId = '1001';
let position = 0n;

function recorded<Contract extends EventContract>(
  contract: Contract,
  data: Record<string, unknown>,
  at: string,
  tenant: string = tenantId,
): RecordedEvent {
  const append = envelopeToEventToAppend(
    createEvent(contract, {
      streamId: `${contract.category}-${userId}`,
      tenantId: tenant,
      occurredAt: new Date(at),
      data: { userId, ...data } as never,
    }),
  );
  position++;
  return {
    id: append.id,
    streamId: `${contract.category}-${userId}`,
    revision: position,
    position: { commit: position, prepare: position },
    type: append.type,
    data: append.data,
    metadata: append.metadata ?? {},
    recordedAt: new Date(at),
  };
}

/** Folds events as the runner does: 'delete' removes, undefined leaves the document as it is. */
function fold(events: RecordedEvent[]): AccountsView | undefined {
  let view: AccountsView | undefined;
  for (const event of events) {
    const next = projectAccounts(view, event);
    if (next === 'delete') view = undefined;
    else if (next !== undefined) view = AccountsViewSchema.parse(next);
  }
  return view;
}

const googleConnected = (at = '2026-12-01T08:00:00Z') =>
  recorded(
    GoogleAccountConnected,
    {
      email: 'alice@demo.example',
      locale: 'en-GB',
      timeZone: 'Europe/Berlin',
      hostedDomain: 'demo.example',
      scopes: ['openid'],
    },
    at,
  );
const googleDisconnected = (at = '2026-12-02T08:00:00Z') =>
  recorded(GoogleAccountDisconnected, { reason: 'token-revoked', disconnectedAt: at }, at);
const webexConnected = (at = '2026-12-01T09:00:00Z') =>
  recorded(
    WebexAccountConnected,
    { webexPersonId: 'person-1', email: 'alice@webex.example', scopes: ['spark:people_read'] },
    at,
  );
const webexDisconnected = (
  reason: 'reauthorization-required' | 'user-request',
  at = '2026-12-03T08:00:00Z',
) => recorded(AccountDisconnected, { provider: 'webex', reason }, at);
const siteResolved = (siteUrl: string, source: 'directory' | 'webex-account', meetingTemplateId?: string) =>
  recorded(
    WebexSiteResolved,
    { siteUrl, source, ...(meetingTemplateId ? { meetingTemplateId } : {}) },
    '2026-12-01T09:00:01Z',
  );
const preferencesChanged = (preferences: Record<string, string>) =>
  recorded(MeetingPreferencesChanged, preferences, '2026-12-04T08:00:00Z');

describe('the accounts projection', () => {
  it('reads only the Google and Webex account streams and the erasure stream, one document per user', () => {
    expect(accountsProjection.filter).toEqual({
      categories: ['googleAccount', 'webexAccount', 'accountErasure'],
    });
    expect(accountsProjection.documentId(googleConnected())).toBe(userId);
  });

  it('a connected Google account: connected since, with its email, locale and time zone', () => {
    expect(fold([googleConnected()])).toEqual({
      tenantId,
      userId,
      google: { status: 'connected', since: '2026-12-01T08:00:00.000Z', email: 'alice@demo.example' },
      webex: { status: 'not-connected' },
      preferences: {},
      locale: 'en-GB',
      timeZone: 'Europe/Berlin',
      updatedAt: '2026-12-01T08:00:00.000Z',
    });
  });

  it('a revoked Google token needs a reconnect, with its reason and time; reconnecting makes it connected', () => {
    const revoked = fold([googleConnected(), webexConnected(), googleDisconnected()]);
    expect(revoked?.google).toEqual({
      status: 'needs-reconnect',
      reason: 'token-revoked',
      since: '2026-12-02T08:00:00Z',
      email: 'alice@demo.example',
    });
    expect(revoked?.webex.status).toBe('connected');
    const again = fold([googleConnected(), googleDisconnected(), googleConnected('2026-12-05T08:00:00Z')]);
    expect(again?.google).toEqual({
      status: 'connected',
      since: '2026-12-05T08:00:00.000Z',
      email: 'alice@demo.example',
    });
  });

  it('a connection that lacks scopes the product needs is needs-reconnect, naming them; a full one connects', () => {
    const partial = recorded(
      GoogleAccountConnected,
      {
        email: 'alice@demo.example',
        locale: 'en-GB',
        timeZone: 'Europe/Berlin',
        hostedDomain: tenantId,
        scopes: ['email', 'openid'],
        missingScopes: ['https://www.googleapis.com/auth/gmail.addons.current.message.metadata'],
      },
      '2026-12-04T08:00:00Z',
    );
    expect(fold([googleConnected(), partial])?.google).toEqual({
      status: 'needs-reconnect',
      reason: 'scopes-missing',
      missingScopes: ['https://www.googleapis.com/auth/gmail.addons.current.message.metadata'],
      since: '2026-12-04T08:00:00.000Z',
      email: 'alice@demo.example',
    });
    expect(fold([partial, googleConnected('2026-12-05T08:00:00Z')])?.google).toEqual({
      status: 'connected',
      since: '2026-12-05T08:00:00.000Z',
      email: 'alice@demo.example',
    });
  });

  it('a repeated disconnection keeps the first time; a repeated connection keeps the time it connected', () => {
    expect(fold([googleDisconnected(), googleDisconnected('2026-12-09T00:00:00Z')])?.google.since).toBe(
      '2026-12-02T08:00:00Z',
    );
    expect(fold([googleConnected(), googleConnected('2026-12-09T00:00:00Z')])?.google.since).toBe(
      '2026-12-01T08:00:00.000Z',
    );
  });

  it('a dead Webex refresh token needs a reconnect; a disconnect on request is not-connected', () => {
    expect(fold([webexConnected(), webexDisconnected('reauthorization-required')])?.webex).toEqual({
      status: 'needs-reconnect',
      reason: 'reauthorization-required',
      since: '2026-12-03T08:00:00.000Z',
      email: 'alice@webex.example',
    });
    expect(fold([webexConnected(), webexDisconnected('user-request')])?.webex.status).toBe('not-connected');
    expect(
      fold([webexConnected(), webexDisconnected('reauthorization-required'), webexConnected()])?.webex.status,
    ).toBe('connected');
  });

  it('a Google disconnect recorded on the Webex stream does not touch either connection', () => {
    const google = recorded(
      AccountDisconnected,
      { provider: 'google', reason: 'revoked' },
      '2026-12-03T08:00:00Z',
    );
    const view = fold([googleConnected(), webexConnected(), google]);
    expect([view?.google.status, view?.webex.status]).toEqual(['connected', 'connected']);
  });

  it('never copies a sealed email as if it were text', () => {
    const sealed = googleConnected();
    const stored = { ...sealed, data: { ...sealed.data, email: { $sealed: 'v1', subject: 'user:1001' } } };
    const view = fold([stored]);
    expect(view?.google).toEqual({ status: 'connected', since: '2026-12-01T08:00:00.000Z' });
    expect(isSealedValue(view?.google.email)).toBe(false);
  });

  it('ignores an event without a tenant', () => {
    const event = googleConnected();
    expect(projectAccounts(undefined, { ...event, metadata: {} })).toBeUndefined();
  });

  describe('the site in use', () => {
    it('is the Webex account’s default, with its template', () => {
      const view = fold([webexConnected(), siteResolved('demo.webex.com', 'webex-account', 't-default')])!;
      expect(siteInUse(view)).toEqual({
        siteUrl: 'demo.webex.com',
        source: 'account-default',
        meetingTemplateId: 't-default',
      });
    });

    it('is the directory’s once an administrator set one, before webex-bridge resolved it too', () => {
      const directory = recorded(
        DirectoryWebexSiteChanged,
        { siteUrl: 'hq.webex.com' },
        '2026-12-01T10:00:00Z',
      );
      const view = fold([
        webexConnected(),
        siteResolved('demo.webex.com', 'webex-account', 't-default'),
        directory,
      ])!;
      expect(siteInUse(view)).toEqual({ siteUrl: 'hq.webex.com', source: 'directory' });
      const resolved = fold([
        webexConnected(),
        siteResolved('demo.webex.com', 'webex-account', 't-default'),
        directory,
        siteResolved('hq.webex.com', 'directory', 't-hq'),
      ])!;
      expect(siteInUse(resolved)).toEqual({
        siteUrl: 'hq.webex.com',
        source: 'directory',
        meetingTemplateId: 't-hq',
      });
    });

    it('is the user’s preference first, with the preferred template; language from the preference, else Google', () => {
      const base = [googleConnected(), webexConnected(), siteResolved('hq.webex.com', 'directory', 't-hq')];
      const preferred = fold([
        ...base,
        preferencesChanged({ siteUrl: 'demo.webex.com', meetingTemplateId: 't-board', language: 'de' }),
      ])!;
      expect(siteInUse(preferred)).toEqual({
        siteUrl: 'demo.webex.com',
        source: 'preference',
        meetingTemplateId: 't-board',
      });
      expect(preferred.preferences).toEqual({
        siteUrl: 'demo.webex.com',
        meetingTemplateId: 't-board',
        language: 'de',
      });
      // A preferred site without a template: the resolved template only on the same site.
      expect(siteInUse(fold([...base, preferencesChanged({ siteUrl: 'demo.webex.com' })])!)).toEqual({
        siteUrl: 'demo.webex.com',
        source: 'preference',
      });
      expect(siteInUse(fold([...base, preferencesChanged({ siteUrl: 'hq.webex.com' })])!)).toEqual({
        siteUrl: 'hq.webex.com',
        source: 'preference',
        meetingTemplateId: 't-hq',
      });
      // Preferences as they now stand: a later event without a site removes the site preference.
      const cleared = fold([
        ...base,
        preferencesChanged({ siteUrl: 'demo.webex.com' }),
        preferencesChanged({ language: 'fr' }),
      ])!;
      expect(cleared.preferences).toEqual({ language: 'fr' });
      expect(siteInUse(cleared)?.source).toBe('directory');
    });

    it('is unknown before any site was resolved', () => {
      expect(siteInUse(fold([googleConnected()])!)).toBeUndefined();
    });
  });

  it('forgets the user, email addresses included, once the account is erased (on every replay too)', () => {
    const requested = recorded(
      AccountErasureRequested,
      { futureMeetings: 'cancel', requestedAt: '2026-12-05T08:00:00Z' },
      '2026-12-05T08:00:00Z',
    );
    const erased = recorded(
      AccountErased,
      { erasedAt: '2026-12-05T08:00:05Z', meetingsPurged: 1 },
      '2026-12-05T08:00:05Z',
    );
    expect(fold([googleConnected(), webexConnected(), requested])?.google.email).toBe('alice@demo.example');
    expect(fold([googleConnected(), webexConnected(), requested, erased])).toBeUndefined();
    // An erasure event alone makes no document.
    expect(fold([requested, erased])).toBeUndefined();
  });
});
