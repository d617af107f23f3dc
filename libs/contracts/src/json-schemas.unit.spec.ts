import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import {
  commandCatalogue,
  contractJsonSchemas,
  eventCatalogue,
  exampleEvent,
  exampleEventData,
  exampleEvents,
  MeetingRequested,
} from './index.js';

const schemasDirectory = fileURLToPath(new URL('../schemas/', import.meta.url));
const REGENERATE =
  'the committed JSON Schemas are stale: run `npm run contracts:schemas` and commit the result';

function committedFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? committedFiles(join(directory, entry.name))
      : [relative(schemasDirectory, join(directory, entry.name)).split(sep).join('/')],
  );
}

describe('contract JSON Schemas', () => {
  const generated = contractJsonSchemas();

  it('has one file per event contract and two per command contract', () => {
    const expected = [
      ...eventCatalogue.map((contract) => `events/${contract.type}.v${contract.schemaVersion}.json`),
      ...commandCatalogue.flatMap((contract) => [
        `commands/${contract.name}.v${contract.schemaVersion}.request.json`,
        `commands/${contract.name}.v${contract.schemaVersion}.response.json`,
      ]),
    ];
    expect(Object.keys(generated).sort()).toEqual(expected.sort());
  });

  it('matches the committed files exactly (names and contents)', () => {
    const committed = committedFiles(schemasDirectory).sort();
    const missingOrExtra = {
      notCommitted: Object.keys(generated).filter((name) => !committed.includes(name)),
      noLongerGenerated: committed.filter((name) => !(name in generated)),
    };
    if (missingOrExtra.notCommitted.length || missingOrExtra.noLongerGenerated.length) {
      throw new Error(`${REGENERATE}\n${JSON.stringify(missingOrExtra, null, 2)}`);
    }
    const stale = committed.filter(
      (name) =>
        readFileSync(join(schemasDirectory, name), 'utf8') !==
        JSON.stringify(generated[name], null, 2) + '\n',
    );
    if (stale.length) throw new Error(`${REGENERATE}\nstale: ${stale.join(', ')}`);
  });

  it('carries the subject, stream category and personal-data paths of each event', () => {
    for (const contract of eventCatalogue) {
      expect(generated[`events/${contract.type}.v${contract.schemaVersion}.json`]).toMatchObject({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        title: contract.type,
        'x-subject': contract.subject,
        'x-stream-category': contract.category,
        'x-personal-data': contract.personalDataPaths,
        additionalProperties: false,
      });
    }
  });

  // A second, independent validator: what zod accepts, a JSON Schema consumer accepts too.
  describe('validated by a JSON Schema validator (ajv)', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validatorOf = (type: string) => {
      const contract = eventCatalogue.find((candidate) => candidate.type === type)!;
      return ajv.compile(generated[`events/${type}.v${contract.schemaVersion}.json`] as object);
    };

    it('accepts every example event', () => {
      for (const event of exampleEvents()) {
        const validate = validatorOf(event.type);
        expect({
          type: event.type,
          valid: validate(JSON.parse(JSON.stringify(event))),
          errors: validate.errors,
        }).toEqual({ type: event.type, valid: true, errors: null });
      }
    });

    it('rejects an extra field, a missing field, a bad email and a wrong stream category', () => {
      const validate = validatorOf('MeetingRequested');
      const event = exampleEvent(MeetingRequested);
      const { title: _title, ...withoutTitle } = event.data;
      const invalid = [
        { ...event, data: { ...event.data, unexpectedField: 1 } },
        { ...event, data: withoutTitle },
        { ...event, data: { ...event.data, invitees: [{ email: 'not-an-email' }] } },
        { ...event, streamId: 'user-42' },
        { ...event, id: '3b241101-e2bb-4255-8caf-4136c566a962' },
      ];
      for (const candidate of invalid) expect(validate(candidate)).toBe(false);
    });

    it('accepts a command request and response', () => {
      const exchange = {
        request: {
          tenantId: 'example.com',
          userId: '108234567890123456789',
          code: 'code',
          redirectUri: 'https://scheduler.example.com/callback',
          codeVerifier: 'pkce-verifier-0123456789-abcdefghijklmnopqrstuvwxyz',
          correlationId: 'request-1',
        },
        response: { userId: '108234567890123456789', connected: true },
      };
      const trace = { correlationId: 'request-1', causationId: null, traceparent: null };
      const usersMeeting = {
        meetingId: exampleEventData.MeetingRequested[0].meetingId,
        userId: '108234567890123456789',
      };
      const examples: Record<
        (typeof commandCatalogue)[number]['name'],
        { request: unknown; response: unknown }
      > = {
        ExchangeGoogleAuthorizationCode: exchange,
        ExchangeWebexAuthorizationCode: {
          request: { ...exchange.request, googleEmail: 'ada@example.com' },
          response: { connected: false, refused: 'webex-account-in-use' },
        },
        ReadCalendarEvent: {
          request: {
            tenantId: 'example.com',
            userId: '108234567890123456789',
            calendarId: 'ada@example.com',
            eventId: 'abc123def456',
          },
          response: { outcome: 'not-found', reason: 'cancelled' },
        },
        RequestMeeting: {
          request: { tenantId: 'example.com', trace, data: exampleEventData.MeetingRequested[0] },
          response: { outcome: 'requested', position: '42/7' },
        },
        RecordConferenceAttached: {
          request: { tenantId: 'example.com', trace, data: exampleEventData.ConferenceAttached[0] },
          response: { outcome: 'recorded' },
        },
        EndMeeting: {
          request: { tenantId: 'example.com', trace, data: exampleEventData.MeetingEnded[0] },
          response: { outcome: 'already-recorded' },
        },
        RecordMeetingDataPurged: {
          request: { tenantId: 'example.com', trace, data: exampleEventData.MeetingDataPurged[0] },
          response: { outcome: 'meeting-gone' },
        },
        ListMeetingOptions: {
          request: { tenantId: 'example.com', userId: '108234567890123456789' },
          response: {
            outcome: 'listed',
            sites: [{ siteUrl: 'example.webex.com', default: true }],
            templates: [
              { id: 'template-standard', name: 'Standard', siteUrl: 'example.webex.com', isDefault: true },
            ],
          },
        },
        ChangeMeetingPreferences: {
          request: {
            tenantId: 'example.com',
            userId: '108234567890123456789',
            correlationId: 'request-1',
            siteUrl: 'example.webex.com',
            meetingTemplateId: null,
            language: 'en-GB',
          },
          response: {
            outcome: 'changed',
            position: '42/7',
            preferences: { siteUrl: 'example.webex.com', language: 'en-GB' },
          },
        },
        CancelMeeting: {
          request: { tenantId: 'example.com', trace, data: usersMeeting },
          response: { outcome: 'finished', status: 'ended' },
        },
        RetryMeeting: {
          request: { tenantId: 'example.com', trace, data: usersMeeting },
          response: { outcome: 'not-failed', status: 'scheduled' },
        },
        CreateCalendarEventFromMessage: {
          request: {
            tenantId: 'example.com',
            userId: '108234567890123456789',
            messageId: '18c2f0a1b2c3d4e5',
            messageToken: 'per-message-token',
            start: '2026-12-01T09:00:00Z',
            end: '2026-12-01T09:30:00Z',
            correlationId: 'request-1',
          },
          response: { outcome: 'message-token-rejected' },
        },
        CheckTenantAdministrator: {
          request: { tenantId: 'example.com', userId: '108234567890123456789' },
          response: { outcome: 'administrator' },
        },
        ChangeTenantSettings: {
          request: {
            tenantId: 'example.com',
            userId: '108234567890123456789',
            correlationId: 'request-1',
            settings: {
              enabled: false,
              retentionAfterEndSeconds: 86400,
              allowedWebexSites: ['example.webex.com'],
              defaultMeetingTemplate: null,
            },
          },
          response: { outcome: 'changed', position: '12/12' },
        },
        EraseAccount: {
          request: {
            tenantId: 'example.com',
            userId: '108234567890123456789',
            futureMeetings: 'cancel',
            trace,
          },
          response: { outcome: 'requested', position: '12/12', requestedAt: '2026-12-02T10:00:00Z' },
        },
        RecordAccountErasureStep: {
          request: { tenantId: 'example.com', userId: '108234567890123456789', step: 'google-ingest', trace },
          response: { outcome: 'recorded' },
        },
        RecordAccountErased: {
          request: {
            tenantId: 'example.com',
            userId: '108234567890123456789',
            erasedAt: '2026-12-02T10:00:04Z',
            meetingsPurged: 2,
            trace,
          },
          response: { outcome: 'not-ready' },
        },
      };
      for (const contract of commandCatalogue) {
        const base = `commands/${contract.name}.v${contract.schemaVersion}`;
        const request = ajv.compile(generated[`${base}.request.json`] as object);
        const response = ajv.compile(generated[`${base}.response.json`] as object);
        expect(request(examples[contract.name].request)).toBe(true);
        expect(response(examples[contract.name].response)).toBe(true);
        expect(contract.parseRequest(examples[contract.name].request)).toBeDefined();
      }
    });
  });
});
