import type { z } from 'zod';
import { eventCatalogue, type CatalogueEvent } from './catalogue/index.js';
import { createEvent, type EventCause, type EventOf } from './define.js';

// Valid examples of every catalogue event, for tests anywhere in the repository (contract
// tests, the crypto-shredding codec, projections). Not for production code paths.

type CatalogueContract = (typeof eventCatalogue)[number];
type CatalogueEventType = CatalogueContract['type'];
type ExamplesOf<Contract extends CatalogueContract> = readonly [
  z.input<Contract['data']>,
  ...z.input<Contract['data']>[],
];

/** At least one data example per catalogue event type; together they fill every optional field. */
export type ExampleEventData = {
  readonly [Contract in CatalogueContract as Contract['type']]: ExamplesOf<Contract>;
};

export const exampleTenantId = 'example.com';
export const exampleUserId = '108234567890123456789';
/** The meeting of the meeting examples (but the Gmail and copy requests), so they form one stream. */
export const exampleMeetingId = '019ac0a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b';
const gmailMeetingId = '019ac0a0-1c2d-7e3f-9a4b-5c6d7e8f9a0c';
const copyMeetingId = '019ac0a0-1c2d-7e3f-aa4b-5c6d7e8f9a0d';
/** The recurring series of the recurrence examples. */
const seriesMeetingId = '019ac0a0-1c2d-7e3f-ba4b-5c6d7e8f9a0e';
const seriesEventId = '3abc0ab5cd6ef7gh8ij9kl0mn2';
const seriesRecurrence = ['RRULE:FREQ=WEEKLY;COUNT=6'];
const calendarId = 'ada@example.com';
const eventId = '7kvu0ab5cd6ef7gh8ij9kl0mn1';
const start = '2026-12-01T09:00:00Z';
const end = '2026-12-01T09:30:00Z';
const invitees = [{ email: 'grace@example.com', displayName: 'Grace Hopper' }, { email: 'alan@example.org' }];

export const exampleEventData: ExampleEventData = {
  GoogleAccountConnected: [
    {
      userId: exampleUserId,
      email: 'ada@example.com',
      displayName: 'Ada Lovelace',
      locale: 'en-GB',
      timeZone: 'Europe/London',
      hostedDomain: 'example.com',
      scopes: ['openid', 'email', 'https://www.googleapis.com/auth/calendar.events'],
    },
    {
      userId: exampleUserId,
      email: 'ada@example.com',
      displayName: 'Ada Lovelace',
      locale: 'en-GB',
      timeZone: 'Europe/London',
      hostedDomain: 'example.com',
      scopes: ['openid', 'email'],
      // The user unticked a scope on Google's consent screen.
      missingScopes: ['https://www.googleapis.com/auth/calendar.events'],
    },
  ],
  DirectoryWebexSiteChanged: [{ userId: exampleUserId, siteUrl: 'example.webex.com' }],
  GoogleAccountDisconnected: [
    { userId: exampleUserId, reason: 'token-revoked', disconnectedAt: '2026-12-02T08:00:00Z' },
    { userId: exampleUserId, reason: 'token-rejected', disconnectedAt: '2026-12-02T08:00:00.000Z' },
  ],
  WebexAccountConnected: [
    {
      userId: exampleUserId,
      webexPersonId: 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS9hZGE',
      email: 'ada@example.com',
      displayName: 'Ada Lovelace',
      scopes: ['spark:people_read', 'meeting:schedules_write'],
    },
    {
      userId: exampleUserId,
      webexPersonId: 'Y2lzY29zcGFyazovL3VzL1BFT1BMRS9hZGE',
      email: 'ada@example.com',
      displayName: 'Ada Lovelace',
      scopes: ['spark:people_read'],
      missingScopes: ['meeting:schedules_write'],
    },
  ],
  WebexSiteResolved: [
    {
      userId: exampleUserId,
      siteUrl: 'example.webex.com',
      source: 'directory',
      meetingTemplateId: 'template-standard',
    },
  ],
  AccountDisconnected: [{ userId: exampleUserId, provider: 'webex', reason: 'user-request' }],
  MeetingPreferencesChanged: [
    {
      userId: exampleUserId,
      siteUrl: 'example.webex.com',
      meetingTemplateId: 'template-standard',
      language: 'en-GB',
    },
    { userId: exampleUserId, language: 'de' },
  ],
  CalendarWatchStarted: [
    {
      userId: exampleUserId,
      calendarId,
      channelId: 'channel-1',
      resourceId: 'resource-1',
      expiresAt: '2026-12-03T09:00:00Z',
    },
  ],
  CalendarWatchRenewed: [
    {
      userId: exampleUserId,
      calendarId,
      channelId: 'channel-2',
      resourceId: 'resource-1',
      expiresAt: '2026-12-10T09:00:00Z',
      previousChannelId: 'channel-1',
    },
  ],
  CalendarWatchStopped: [{ userId: exampleUserId, calendarId, channelId: 'channel-1', reason: 'renewed' }],
  CalendarSyncReset: [
    { userId: exampleUserId, calendarId, reason: 'sync-token-expired' },
    { userId: exampleUserId, calendarId, reason: 'account-reconnected' },
  ],
  CalendarEventChanged: [
    {
      change: 'created',
      userId: exampleUserId,
      calendarId,
      eventId,
      iCalUID: `${eventId}@google.com`,
      organizedByUser: true,
      title: 'Quarterly planning',
      start,
      end,
      timeZone: 'Europe/Berlin',
      attendees: invitees,
      organizerEmail: 'ada@example.com',
      conference: { meetingId: exampleMeetingId, conferenceId: '2501234567' },
      updatedAt: '2026-11-26T08:00:00.123Z',
    },
    {
      change: 'cancelled',
      userId: exampleUserId,
      calendarId,
      eventId,
      conference: { meetingId: exampleMeetingId, conferenceId: '2501234567' },
      updatedAt: '2026-11-27T08:00:00Z',
    },
    {
      change: 'conference-removed',
      userId: exampleUserId,
      calendarId,
      eventId,
      conference: { meetingId: exampleMeetingId, conferenceId: '2501234567' },
      updatedAt: '2026-11-26T09:00:00Z',
    },
    {
      change: 'updated',
      userId: exampleUserId,
      calendarId,
      eventId: seriesEventId,
      iCalUID: `${seriesEventId}@google.com`,
      organizedByUser: true,
      title: 'Weekly sync',
      start,
      end,
      timeZone: 'Europe/Berlin',
      attendees: invitees,
      organizerEmail: 'ada@example.com',
      conference: { meetingId: seriesMeetingId, conferenceId: '2507654321' },
      updatedAt: '2026-11-26T08:00:00Z',
      recurrence: ['RRULE:FREQ=WEEKLY;COUNT=6', 'EXDATE;TZID=Europe/Berlin:20261215T100000'],
    },
    {
      change: 'updated',
      userId: exampleUserId,
      calendarId,
      eventId: `${seriesEventId}_20261208T090000Z`,
      iCalUID: `${seriesEventId}@google.com`,
      organizedByUser: true,
      title: 'Weekly sync (moved)',
      start: '2026-12-08T11:00:00Z',
      end: '2026-12-08T11:30:00Z',
      timeZone: 'Europe/Berlin',
      attendees: invitees,
      organizerEmail: 'ada@example.com',
      conference: { meetingId: seriesMeetingId, conferenceId: '2507654321' },
      updatedAt: '2026-11-27T08:00:00Z',
      recurringEventId: seriesEventId,
      originalStartTime: '2026-12-08T09:00:00Z',
    },
  ],
  MeetingRequested: [
    {
      meetingId: exampleMeetingId,
      userId: exampleUserId,
      source: 'calendar',
      calendarId,
      eventId,
      title: 'Quarterly planning',
      start,
      end,
      timeZone: 'Europe/Berlin',
      invitees,
    },
    {
      meetingId: gmailMeetingId,
      userId: exampleUserId,
      source: 'gmail',
      calendarId,
      gmailMessageId: '18c2f3a4b5d6e7f8',
      title: 'Re: budget',
      start,
      end,
      timeZone: 'America/New_York',
      invitees: [],
    },
    {
      // A copied calendar event gets a meeting of its own.
      meetingId: copyMeetingId,
      userId: exampleUserId,
      source: 'copy',
      calendarId,
      eventId: `${eventId}copy`,
      copiedFromMeetingId: exampleMeetingId,
      title: 'Quarterly planning',
      start: '2026-12-08T09:00:00Z',
      end: '2026-12-08T09:30:00Z',
      timeZone: 'Europe/Berlin',
      invitees,
    },
    {
      meetingId: seriesMeetingId,
      userId: exampleUserId,
      source: 'calendar',
      calendarId,
      eventId: seriesEventId,
      title: 'Weekly sync',
      start,
      end,
      timeZone: 'Europe/Berlin',
      invitees,
      recurrence: seriesRecurrence,
    },
  ],
  MeetingScheduled: [
    {
      meetingId: exampleMeetingId,
      webexMeetingId: '5f1e2d3c4b5a69788796a5b4c3d2e1f0',
      meetingNumber: '2501234567',
      siteUrl: 'example.webex.com',
      webLink: 'https://example.webex.com/example/j.php?MTID=m0123456789abcdef',
      sipAddress: '2501234567@example.webex.com',
      password: 'pQ3xY7zK',
      telephony: {
        accessCode: '2501234567',
        callInNumbers: [{ label: 'United States Toll', callInNumber: '+1-415-655-0001', tollType: 'toll' }],
      },
    },
  ],
  ConferenceAttached: [{ meetingId: exampleMeetingId, calendarId, eventId, conferenceId: '2501234567' }],
  MeetingUpdated: [
    {
      meetingId: exampleMeetingId,
      webexMeetingId: '5f1e2d3c4b5a69788796a5b4c3d2e1f0',
      title: 'Quarterly planning (moved)',
      start: '2026-12-01T10:00:00+01:00',
      end: '2026-12-01T11:00:00+01:00',
      timeZone: 'Europe/Berlin',
      invitees,
      changed: ['title', 'time'],
    },
    {
      meetingId: seriesMeetingId,
      webexMeetingId: '6a1e2d3c4b5a69788796a5b4c3d2e1f1',
      title: 'Weekly sync',
      start,
      end,
      timeZone: 'Europe/Berlin',
      invitees,
      recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4'],
      changed: ['recurrence'],
    },
  ],
  MeetingCancelled: [
    {
      meetingId: exampleMeetingId,
      webexMeetingId: '5f1e2d3c4b5a69788796a5b4c3d2e1f0',
      reason: 'event-deleted',
    },
    { meetingId: exampleMeetingId, reason: 'conference-removed' },
  ],
  MeetingSchedulingFailed: [
    {
      meetingId: exampleMeetingId,
      reason: 'webex-rejected',
      message: 'Webex rejected the meeting: the start time is in the past',
      webexTrackingId: 'ROUTER_5F1E2D3C-0000-0000-0000-000000000000',
      retryable: false,
    },
  ],
  MeetingChangeRequested: [
    {
      meetingId: exampleMeetingId,
      title: 'Quarterly planning (moved)',
      start: '2026-12-01T10:00:00+01:00',
      end: '2026-12-01T11:00:00+01:00',
      timeZone: 'Europe/Berlin',
      invitees,
    },
    {
      meetingId: seriesMeetingId,
      title: 'Weekly sync',
      start,
      end,
      timeZone: 'Europe/Berlin',
      invitees,
      recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4'],
    },
  ],
  MeetingOccurrenceChangeRequested: [
    {
      meetingId: seriesMeetingId,
      originalStart: '2026-12-15T09:00:00Z',
      cancelled: false,
      shown: { title: 'Weekly sync', start: '2026-12-15T11:00:00Z', end: '2026-12-15T11:30:00Z' },
    },
    { meetingId: seriesMeetingId, originalStart: '2026-12-22T09:00:00Z', cancelled: true },
  ],
  MeetingOccurrenceApplied: [
    {
      meetingId: seriesMeetingId,
      webexMeetingId: '8f3c2b1a0e9d4c7b6a5f4e3d2c1b0a99',
      originalStart: '2026-12-15T09:00:00Z',
      occurrence: 'patched',
      shown: { title: 'Weekly sync', start: '2026-12-15T11:00:00Z', end: '2026-12-15T11:30:00Z' },
    },
    {
      meetingId: seriesMeetingId,
      webexMeetingId: '8f3c2b1a0e9d4c7b6a5f4e3d2c1b0a99',
      originalStart: '2026-12-22T09:00:00Z',
      occurrence: 'deleted',
      single: {
        webexMeetingId: '1a2b3c4d5e6f40718293a4b5c6d7e8f9',
        shown: { title: 'Weekly sync', start: '2026-12-23T09:00:00Z', end: '2026-12-23T09:30:00Z' },
      },
    },
  ],
  MeetingCancellationRequested: [
    { meetingId: exampleMeetingId, reason: 'event-deleted' },
    { meetingId: exampleMeetingId, reason: 'conference-removed' },
    { meetingId: exampleMeetingId, reason: 'user-request' },
  ],
  MeetingRetryRequested: [{ meetingId: exampleMeetingId }],
  MeetingSyncDeferred: [
    {
      meetingId: exampleMeetingId,
      attempt: 3,
      nextAttemptAt: '2026-11-30T08:00:04Z',
      reason: 'webex-unavailable',
      message: 'Webex answered 503 to PATCH /meetings/5f1e2d3c4b5a69788796a5b4c3d2e1f0',
    },
  ],
  MeetingReconnectRequired: [
    {
      meetingId: exampleMeetingId,
      account: 'webex',
      message: 'the Webex authorization is no longer valid; the user has to connect Webex again',
    },
  ],
  MeetingDriftDetected: [
    {
      meetingId: exampleMeetingId,
      webexMeetingId: '5f1e2d3c4b5a69788796a5b4c3d2e1f0',
      found: 'changed',
      changed: ['time'],
    },
    {
      meetingId: exampleMeetingId,
      webexMeetingId: '5f1e2d3c4b5a69788796a5b4c3d2e1f0',
      found: 'deleted',
      changed: [],
    },
  ],
  MeetingEnded: [
    { meetingId: exampleMeetingId, endedAt: end, source: 'scheduled-end' },
    { meetingId: exampleMeetingId, endedAt: '2026-12-01T09:47:12Z', source: 'webex-webhook' },
  ],
  MeetingDataPurged: [
    { meetingId: exampleMeetingId, purgedAt: '2026-12-01T09:30:05Z', retentionAfterEndSeconds: 0 },
  ],
  TenantSettingsChanged: [
    {
      tenantId: exampleTenantId,
      changedBy: exampleUserId,
      settings: {
        enabled: true,
        retentionAfterEndSeconds: 86400,
        allowedWebexSites: ['example.webex.com'],
        defaultMeetingTemplate: { siteUrl: 'example.webex.com', templateId: 'template-standard' },
      },
    },
    {
      tenantId: exampleTenantId,
      changedBy: exampleUserId,
      settings: {
        enabled: false,
        retentionAfterEndSeconds: null,
        allowedWebexSites: null,
        defaultMeetingTemplate: null,
      },
    },
  ],
  AccountErasureRequested: [
    { userId: exampleUserId, futureMeetings: 'cancel', requestedAt: '2026-12-02T10:00:00Z' },
    { userId: exampleUserId, futureMeetings: 'keep', requestedAt: '2026-12-02T10:00:00Z' },
  ],
  AccountErasureStepCompleted: [
    {
      userId: exampleUserId,
      step: 'webex-bridge',
      completedAt: '2026-12-02T10:00:02Z',
      meetingIds: [exampleMeetingId, gmailMeetingId],
      uncancelledMeetingIds: [gmailMeetingId],
    },
    { userId: exampleUserId, step: 'google-ingest', completedAt: '2026-12-02T10:00:03Z' },
  ],
  AccountErased: [{ userId: exampleUserId, erasedAt: '2026-12-02T10:00:04Z', meetingsPurged: 2 }],
};

/** How each stream category names its streams (`<category>-<id>`). */
const exampleStreamIds: Readonly<Record<string, (data: Record<string, string>) => string>> = {
  googleAccount: (data) => `googleAccount-${data.userId}`,
  webexAccount: (data) => `webexAccount-${data.userId}`,
  calendarWatch: (data) => `calendarWatch-${data.userId}`,
  calendarEvent: (data) => `calendarEvent-${data.userId}.${data.eventId}`,
  meeting: (data) => `meeting-${data.meetingId}`,
  tenant: (data) => `tenant-${data.tenantId}`,
  accountErasure: (data) => `accountErasure-${data.userId}`,
};

export interface ExampleEventOptions {
  readonly tenantId?: string;
  readonly cause?: EventCause;
  readonly occurredAt?: Date;
}

/** Valid envelopes of one contract, one per data example, built by createEvent (fresh ids each call). */
export function exampleEventsOf<Contract extends CatalogueContract>(
  contract: Contract,
  options: ExampleEventOptions = {},
): EventOf<Contract>[] {
  const examples = (exampleEventData as Record<CatalogueEventType, readonly unknown[] | undefined>)[
    contract.type
  ];
  if (!examples?.length) throw new Error(`no example for event type ${contract.type}`);
  const streamIdOf = exampleStreamIds[contract.category];
  if (!streamIdOf) throw new Error(`no example stream id for category ${contract.category}`);
  return examples.map(
    (data) =>
      createEvent(contract as CatalogueContract, {
        streamId: streamIdOf(data as Record<string, string>),
        tenantId: options.tenantId ?? exampleTenantId,
        data: data as never,
        ...(options.cause ? { cause: options.cause } : {}),
        ...(options.occurredAt ? { occurredAt: options.occurredAt } : {}),
      }) as EventOf<Contract>,
  );
}

/** The first valid envelope of one contract. */
export function exampleEvent<Contract extends CatalogueContract>(
  contract: Contract,
  options: ExampleEventOptions = {},
): EventOf<Contract> {
  return exampleEventsOf(contract, options)[0]!;
}

/** Valid envelopes of every example of every catalogue event, in catalogue order. */
export function exampleEvents(options: ExampleEventOptions = {}): CatalogueEvent[] {
  return eventCatalogue.flatMap((contract) => exampleEventsOf(contract, options)) as CatalogueEvent[];
}
