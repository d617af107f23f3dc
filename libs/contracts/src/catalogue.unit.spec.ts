import { describe, expect, it } from '@jest/globals';
import type { z } from 'zod';
import {
  ContractViolationError,
  eventCatalogue,
  eventContractsByType,
  exampleEventData,
  exampleEventsOf,
  type ContractIssue,
  type EventContract,
} from './index.js';

type Json = Record<string, unknown>;
const contracts = eventCatalogue as readonly EventContract[];
const examplesOf = (contract: EventContract): readonly Json[] =>
  (exampleEventData as unknown as Record<string, readonly Json[] | undefined>)[contract.type] ?? [];
const firstEnvelope = (contract: EventContract): Json =>
  structuredClone(exampleEventsOf(contract as (typeof eventCatalogue)[number])[0]) as unknown as Json;

/** The issues a rejected value produced; fails the test when the value was accepted. */
function violationsOf(contract: EventContract, value: unknown): readonly ContractIssue[] {
  try {
    contract.parse(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ContractViolationError);
    const violation = error as ContractViolationError;
    expect(violation.contract).toBe(contract.type);
    // The message alone must let an operator find the problem.
    for (const issue of violation.issues)
      expect(violation.message).toContain(`${issue.path}: ${issue.message}`);
    return violation.issues;
  }
  throw new Error(`${contract.type} accepted an invalid value: ${JSON.stringify(value)}`);
}

function withData(contract: EventContract, change: (data: Json) => void, example = 0): Json {
  const envelope = firstEnvelope(contract);
  const data = structuredClone(examplesOf(contract)[example]) as Json;
  change(data);
  return { ...envelope, data };
}

/** The object schema a data example is checked against (for a union: the branch it matches). */
function shapeOf(contract: EventContract, example: Json): Record<string, z.ZodType> {
  const schema = contract.data as unknown as { shape?: Record<string, z.ZodType>; options?: z.ZodType[] };
  if (schema.shape) return schema.shape;
  const branch = schema.options?.find((option) => option.safeParse(example).success) as
    { shape: Record<string, z.ZodType> } | undefined;
  if (!branch) throw new Error(`${contract.type}: no object branch accepts the example`);
  return branch.shape;
}

const wrongTypeFor = (value: unknown): unknown =>
  typeof value === 'string' ? 12345 : typeof value === 'number' ? 'twelve' : 'not-the-right-type';

/** Every [path, value] of string leaves under keys that hold email addresses, e.g. "invitees[0].email". */
function emailPaths(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => emailPaths(item, `${path}[${index}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const childPath = path ? `${path}.${key}` : key;
    return /email$/i.test(key) && typeof child === 'string' ? [childPath] : emailPaths(child, childPath);
  });
}

function setAt(target: Json, path: string, value: unknown): void {
  const keys = path.match(/[^.[\]]+/g)!;
  let node = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

const byType = contracts.map((contract) => [contract.type, contract] as const);

describe('event catalogue', () => {
  it('has a contract per type, and an example for every contract and for nothing else', () => {
    expect(eventContractsByType.size).toBe(contracts.length);
    expect(Object.keys(exampleEventData).sort()).toEqual(contracts.map((contract) => contract.type).sort());
  });

  it('gives every contract its own subject', () => {
    const subjects = contracts.map((contract) => contract.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
  });

  it('names events in the past tense and streams by a known category', () => {
    for (const contract of contracts) {
      expect(contract.type).toMatch(/(ed|Reset)$/);
      expect([
        'googleAccount',
        'webexAccount',
        'calendarWatch',
        'calendarEvent',
        'meeting',
        'tenant',
        'accountErasure',
      ]).toContain(contract.category);
    }
  });

  it('gives every stream category exactly one producing service (its one writer)', () => {
    const writers = new Map<string, Set<string>>();
    for (const contract of contracts)
      writers.set(contract.category, (writers.get(contract.category) ?? new Set()).add(contract.producer));
    expect(Object.fromEntries([...writers].map(([category, services]) => [category, [...services]]))).toEqual(
      {
        meeting: ['webex-bridge'],
        webexAccount: ['webex-bridge'],
        googleAccount: ['google-ingest'],
        calendarEvent: ['google-ingest'],
        calendarWatch: ['google-ingest'],
        tenant: ['google-ingest'],
        accountErasure: ['webex-bridge'],
      },
    );
  });

  it('covers every branch of CalendarEventChanged', () => {
    const changes = examplesOf(eventContractsByType.get('CalendarEventChanged')!).map((data) => data.change);
    expect(changes).toEqual(expect.arrayContaining(['cancelled', 'conference-removed']));
    expect(changes.some((change) => change === 'created' || change === 'updated')).toBe(true);
  });
});

describe.each(byType)('%s', (type, contract) => {
  it('has at least one valid example, and createEvent accepts every one', () => {
    const examples = examplesOf(contract);
    expect(examples.length).toBeGreaterThan(0);
    const envelopes = exampleEventsOf(contract as (typeof eventCatalogue)[number]);
    expect(envelopes).toHaveLength(examples.length);
    envelopes.forEach((envelope, index) => {
      expect(envelope.type).toBe(type);
      expect(envelope.schemaVersion).toBe(contract.schemaVersion);
      expect(envelope.streamId.startsWith(`${contract.category}-`)).toBe(true);
      expect(envelope.data).toEqual(examples[index]);
      // What was built validates again unchanged: the same schema at publish and at consume.
      expect(contract.parse(JSON.parse(JSON.stringify(envelope)))).toEqual(envelope);
    });
  });

  it('has examples that together fill every field, optional ones included', () => {
    const schema = contract.data as unknown as { shape?: object; options?: { shape: object }[] };
    const fields = (schema.shape ? [schema.shape] : schema.options!.map((option) => option.shape)).flatMap(
      (shape) => Object.keys(shape),
    );
    const filled = examplesOf(contract).flatMap((example) => Object.keys(example));
    expect([...new Set(filled)].sort()).toEqual([...new Set(fields)].sort());
  });

  it('derives its subject evt.<category>.<Type>', () => {
    expect(contract.subject).toBe(`evt.${contract.category}.${type}`);
    expect(contract.subject).toMatch(/^evt\.[a-z][A-Za-z0-9]*\.[A-Z][A-Za-z0-9]*$/);
  });

  it('rejects each missing required field by name, and accepts each missing optional one', () => {
    for (const [index, example] of examplesOf(contract).entries()) {
      const shape = shapeOf(contract, example);
      let required = 0;
      for (const key of Object.keys(example)) {
        const candidate = withData(contract, (data) => delete data[key], index);
        if (shape[key]!.safeParse(undefined).success) {
          expect(() => contract.parse(candidate)).not.toThrow();
          continue;
        }
        required++;
        const issues = violationsOf(contract, candidate);
        // A missing discriminator names the branches instead.
        expect(issues).toContainEqual({
          path: `data.${key}`,
          message: key === 'change' ? expect.stringContaining("Expected 'created'") : 'is required',
        });
      }
      expect(required).toBeGreaterThan(0);
    }
  });

  it('rejects a value of the wrong type in each field, naming the field', () => {
    for (const [index, example] of examplesOf(contract).entries()) {
      for (const [key, value] of Object.entries(example)) {
        const issues = violationsOf(
          contract,
          withData(contract, (data) => (data[key] = wrongTypeFor(value)), index),
        );
        const issue = issues.find((candidate) => candidate.path === `data.${key}`);
        expect(issue).toBeDefined();
        expect(issue!.message).toMatch(/expected|must be/i);
        expect(issue!.message).not.toMatch(/\[object|undefined/);
      }
    }
  });

  it('rejects an extra field in data, in the envelope, and in nested objects', () => {
    expect(
      violationsOf(
        contract,
        withData(contract, (data) => (data.unexpectedField = 1)),
      ),
    ).toEqual([{ path: 'data.unexpectedField', message: 'is not allowed (unknown field)' }]);
    expect(violationsOf(contract, { ...firstEnvelope(contract), metadata: {} })).toEqual([
      { path: 'metadata', message: 'is not allowed (unknown field)' },
    ]);
    for (const [index, example] of examplesOf(contract).entries()) {
      for (const [key, value] of Object.entries(example)) {
        const nested = Array.isArray(value) ? value[0] : value;
        if (typeof nested !== 'object' || nested === null) continue;
        const path = Array.isArray(value) ? `${key}[0]` : key;
        const candidate = withData(contract, (data) => setAt(data, `${path}.unexpectedField`, true), index);
        expect(violationsOf(contract, candidate)).toEqual([
          { path: `data.${path}.unexpectedField`, message: 'is not allowed (unknown field)' },
        ]);
      }
    }
  });

  describe('envelope', () => {
    const otherCategory = contract.category === 'meeting' ? 'webexAccount' : 'meeting';
    const cases: [string, (envelope: Json) => void, ContractIssue][] = [
      [
        'an id that is not a UUIDv7 (a v4)',
        (envelope) => (envelope.id = '3b241101-e2bb-4255-8caf-4136c566a962'),
        { path: 'id', message: 'must be a UUIDv7' },
      ],
      [
        'an upper-case UUIDv7',
        (envelope) => (envelope.id = String(envelope.id).toUpperCase()),
        { path: 'id', message: 'must be a UUIDv7' },
      ],
      [
        'a stream id of another category',
        (envelope) => (envelope.streamId = `${otherCategory}-42`),
        { path: 'streamId', message: `must be a "${contract.category}-<id>" stream name` },
      ],
      [
        'a stream id with no id after the category',
        (envelope) => (envelope.streamId = `${contract.category}-`),
        { path: 'streamId', message: `must be a "${contract.category}-<id>" stream name` },
      ],
      [
        'a tenant id that is not a lower-case domain',
        (envelope) => (envelope.tenantId = 'Example.COM'),
        { path: 'tenantId', message: 'must be a lower-case domain name' },
      ],
      [
        'a tenant id that is not a domain',
        (envelope) => (envelope.tenantId = 'acme'),
        { path: 'tenantId', message: 'must be a lower-case domain name' },
      ],
      [
        'a malformed traceparent',
        (envelope) => (envelope.traceparent = '00-abc-def-01'),
        { path: 'traceparent', message: 'must be a W3C traceparent' },
      ],
      [
        'a traceparent with an all-zero trace id',
        (envelope) => (envelope.traceparent = `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`),
        { path: 'traceparent', message: 'must be a W3C traceparent' },
      ],
      [
        'another schemaVersion',
        (envelope) => (envelope.schemaVersion = contract.schemaVersion + 1),
        { path: 'schemaVersion', message: `Invalid input: expected ${contract.schemaVersion}` },
      ],
      [
        'another event type',
        (envelope) => (envelope.type = 'SomethingElseHappened'),
        { path: 'type', message: `Invalid input: expected "${type}"` },
      ],
      [
        'an occurredAt without an offset',
        (envelope) => (envelope.occurredAt = '2026-11-26T09:00:00'),
        {
          path: 'occurredAt',
          message: 'must be an ISO 8601 date-time with an offset, e.g. "2026-11-26T09:00:00Z"',
        },
      ],
      [
        'a correlation id with spaces',
        (envelope) => (envelope.correlationId = 'not a valid id'),
        { path: 'correlationId', message: 'must be 1–128 characters of [A-Za-z0-9._:-]' },
      ],
      ['no data', (envelope) => delete envelope.data, { path: 'data', message: 'is required' }],
      ['no tenant id', (envelope) => delete envelope.tenantId, { path: 'tenantId', message: 'is required' }],
    ];
    it.each(cases)('rejects %s', (_name, change, expected) => {
      const envelope = firstEnvelope(contract);
      change(envelope);
      expect(violationsOf(contract, envelope)).toEqual([expected]);
    });

    it('accepts a valid traceparent and causation id', () => {
      const envelope = {
        ...firstEnvelope(contract),
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        causationId: '019ac0a0-1c2d-7e3f-8a4b-5c6d7e8f9a00',
      };
      expect(contract.parse(envelope)).toEqual(envelope);
    });
  });
});

/** Field-specific rules, listed per contract; the coverage tests below keep the lists complete. */
const badTimeZones: [string, string][] = byType
  .filter(([, contract]) => examplesOf(contract).some((data) => 'timeZone' in data))
  .flatMap(([type]) =>
    ['Mars/Phobos', 'europe/berlin', 'EUROPE/BERLIN', 'Europe/Berlin ', '+01:00', ''].map(
      (zone) => [type, zone] as [string, string],
    ),
  );

const badEmails: [string, string, number][] = byType.flatMap(([type, contract]) =>
  examplesOf(contract).flatMap((data, index) =>
    emailPaths(data).map((path) => [type, path, index] as [string, string, number]),
  ),
);

const endBeforeStart: [string, string][] = [
  ['MeetingRequested', 'must be after start'],
  ['MeetingUpdated', 'must be after start'],
  ['MeetingChangeRequested', 'must be after start'],
  ['CalendarEventChanged', 'must not be before start'],
];

describe('field rules', () => {
  it('checks time zones, emails and start/end wherever the catalogue has them', () => {
    expect([...new Set(badTimeZones.map(([type]) => type))].sort()).toEqual([
      'CalendarEventChanged',
      'GoogleAccountConnected',
      'MeetingChangeRequested',
      'MeetingRequested',
      'MeetingUpdated',
    ]);
    expect(badEmails.map(([type, path]) => `${type}.${path}`)).toEqual(
      expect.arrayContaining([
        'GoogleAccountConnected.email',
        'WebexAccountConnected.email',
        'CalendarEventChanged.organizerEmail',
        'CalendarEventChanged.attendees[0].email',
        'MeetingRequested.invitees[0].email',
        'MeetingUpdated.invitees[0].email',
        'MeetingChangeRequested.invitees[0].email',
      ]),
    );
    const withStartAndEnd = byType
      .filter(([, contract]) => examplesOf(contract).some((data) => 'start' in data && 'end' in data))
      .map(([type]) => type);
    expect(endBeforeStart.map(([type]) => type).sort()).toEqual(withStartAndEnd.sort());
  });

  it.each(badTimeZones)('%s rejects the time zone %j', (type, zone) => {
    const contract = eventContractsByType.get(type)!;
    const candidate = withData(contract, (data) => (data.timeZone = zone));
    expect(violationsOf(contract, candidate)).toEqual([
      { path: 'data.timeZone', message: 'must be an IANA time zone such as "Europe/Berlin"' },
    ]);
  });

  it.each(['UTC', 'Etc/GMT+5', 'America/Argentina/Buenos_Aires', 'US/Pacific', 'Asia/Kolkata'])(
    'accepts the IANA time zone %s',
    (zone) => {
      const contract = eventContractsByType.get('MeetingRequested')!;
      expect(() => contract.parse(withData(contract, (data) => (data.timeZone = zone)))).not.toThrow();
    },
  );

  it.each(badEmails)('%s rejects a bad email at %s', (type, path, index) => {
    const contract = eventContractsByType.get(type)!;
    for (const email of ['not-an-email', 'ada@', 'ada example@example.com']) {
      const candidate = withData(contract, (data) => setAt(data, path, email), index);
      expect(violationsOf(contract, candidate)).toEqual([
        { path: `data.${path}`, message: 'must be an email address' },
      ]);
    }
  });

  it.each(endBeforeStart)('%s rejects an end before the start: %s', (type, message) => {
    const contract = eventContractsByType.get(type)!;
    const candidate = withData(contract, (data) => {
      data.start = '2026-12-01T10:00:00Z';
      data.end = '2026-12-01T09:59:59Z';
    });
    expect(violationsOf(contract, candidate)).toEqual([{ path: 'data.end', message }]);
  });

  it('compares start and end as instants, across offsets', () => {
    const contract = eventContractsByType.get('MeetingRequested')!;
    // 10:30+01:00 is 09:30Z: before the start, although it reads later.
    const candidate = withData(contract, (data) => {
      data.start = '2026-12-01T10:00:00Z';
      data.end = '2026-12-01T10:30:00+01:00';
    });
    expect(violationsOf(contract, candidate)).toEqual([{ path: 'data.end', message: 'must be after start' }]);
  });

  it('reports an unparsable end once, as a format problem', () => {
    const contract = eventContractsByType.get('MeetingUpdated')!;
    const candidate = withData(contract, (data) => (data.end = 'tomorrow'));
    expect(violationsOf(contract, candidate)).toEqual([
      {
        path: 'data.end',
        message: 'must be an ISO 8601 date-time with an offset, e.g. "2026-11-26T09:00:00Z"',
      },
    ]);
  });

  it('lets a calendar event end when it starts (Calendar allows zero-length events)', () => {
    const contract = eventContractsByType.get('CalendarEventChanged')!;
    const candidate = withData(contract, (data) => (data.end = data.start));
    expect(() => contract.parse(candidate)).not.toThrow();
  });

  it('reports every problem of one value at once, each with its own path', () => {
    const contract = eventContractsByType.get('MeetingRequested')!;
    const candidate = withData(contract, (data) => {
      data.timeZone = 'Mars/Phobos';
      setAt(data, 'invitees[1].email', 'nobody');
      delete data.title;
    });
    expect(violationsOf(contract, candidate)).toEqual(
      expect.arrayContaining([
        { path: 'data.timeZone', message: 'must be an IANA time zone such as "Europe/Berlin"' },
        { path: 'data.invitees[1].email', message: 'must be an email address' },
        { path: 'data.title', message: 'is required' },
      ]),
    );
  });

  it('names the allowed values of an enum and the branches of CalendarEventChanged', () => {
    const meeting = eventContractsByType.get('MeetingRequested')!;
    expect(
      violationsOf(
        meeting,
        withData(meeting, (data) => (data.source = 'fax')),
      ),
    ).toEqual([
      { path: 'data.source', message: 'Invalid option: expected one of "calendar"|"gmail"|"copy"' },
    ]);
    const calendar = eventContractsByType.get('CalendarEventChanged')!;
    expect(
      violationsOf(
        calendar,
        withData(calendar, (data) => (data.change = 'moved')),
      ),
    ).toEqual([
      {
        path: 'data.change',
        message:
          "Invalid discriminator value. Expected 'created' | 'updated' | 'cancelled' | 'conference-removed'",
      },
    ]);
  });

  it('checks each branch of CalendarEventChanged by its own rules', () => {
    const contract = eventContractsByType.get('CalendarEventChanged')!;
    // A cancellation carries no title; a creation must.
    expect(
      violationsOf(
        contract,
        withData(contract, (data) => (data.title = 'x'), 1),
      ),
    ).toEqual([{ path: 'data.title', message: 'is not allowed (unknown field)' }]);
    expect(
      violationsOf(
        contract,
        withData(contract, (data) => (data.change = 'created'), 1),
      ),
    ).toEqual(expect.arrayContaining([{ path: 'data.title', message: 'is required' }]));
    const updated = contract.parse(withData(contract, (data) => (data.change = 'updated'))) as {
      data: { change: string };
    };
    expect(updated.data.change).toBe('updated');
    // A removed conference names the link it removes: without it the bridge could not know the meeting.
    expect(
      violationsOf(
        contract,
        withData(contract, (data) => delete data.conference, 2),
      ),
    ).toEqual([{ path: 'data.conference', message: 'is required' }]);
  });
});
