import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import {
  CalendarEventChanged,
  ExchangeGoogleAuthorizationCode,
  GoogleAccountConnected,
  MeetingRequested,
  MeetingChangeRequested,
  MeetingOccurrenceApplied,
  MeetingOccurrenceChangeRequested,
  MeetingScheduled,
  MeetingUpdated,
  WebexAccountConnected,
  defineEvent,
  eventCatalogue,
  personal,
  personalDataPaths,
  primitives,
  type EventContract,
} from './index.js';

describe('personalDataPaths of the catalogue', () => {
  const expectations: [EventContract, string[]][] = [
    [MeetingRequested, ['invitees', 'title']],
    [MeetingUpdated, ['invitees', 'title']],
    [MeetingChangeRequested, ['invitees', 'title']],
    [MeetingOccurrenceChangeRequested, ['shown.title']],
    [MeetingOccurrenceApplied, ['shown.title', 'single.shown.title']],
    // Only the created/updated branch carries personal data; the paths are the union of branches.
    [CalendarEventChanged, ['attendees', 'organizerEmail', 'title']],
    [GoogleAccountConnected, ['displayName', 'email']],
    [WebexAccountConnected, ['displayName', 'email']],
    // An optional field nested inside the data.
    [MeetingScheduled, ['password']],
  ];
  it.each(expectations.map(([contract, expected]) => [contract.type, contract, expected] as const))(
    '%s',
    (_type, contract, expected) => {
      expect(contract.personalDataPaths).toEqual(expected);
      expect(personalDataPaths(contract.data)).toEqual(expected);
    },
  );

  it('marks no personal data in the other events', () => {
    const withPersonalData = eventCatalogue
      .filter((contract) => contract.personalDataPaths.length > 0)
      .map((contract) => contract.type);
    expect(withPersonalData.sort()).toEqual([
      'CalendarEventChanged',
      'GoogleAccountConnected',
      'MeetingChangeRequested',
      'MeetingOccurrenceApplied',
      'MeetingOccurrenceChangeRequested',
      'MeetingRequested',
      'MeetingScheduled',
      'MeetingUpdated',
      'WebexAccountConnected',
    ]);
  });

  it('marks nothing in a command that carries no personal data', () => {
    expect(ExchangeGoogleAuthorizationCode.personalDataPaths).toEqual([]);
  });
});

describe('personalDataPaths', () => {
  it('walks nested objects and arrays, including arrays of arrays', () => {
    const schema = z.strictObject({
      organizer: z.strictObject({ name: personal(z.string()), id: z.string() }),
      rooms: z.array(z.strictObject({ bookedBy: z.array(z.strictObject({ email: personal(z.string()) })) })),
      matrix: z.array(z.array(personal(z.string()))),
    });
    expect(personalDataPaths(schema)).toEqual(['matrix[][]', 'organizer.name', 'rooms[].bookedBy[].email']);
  });

  it('looks through optional, nullable, default, readonly, catch and pipe wrappers', () => {
    const schema = z.object({
      optional: personal(z.string()).optional(),
      nullable: personal(z.string()).nullable(),
      defaulted: personal(z.string()).default('x'),
      readonly: z.object({ inner: personal(z.string()) }).readonly(),
      caught: z.object({ inner: personal(z.string()) }).catch({ inner: '' }),
      piped: personal(z.string()).transform((value) => value.trim()),
      optionalObject: z.object({ inner: personal(z.string()) }).optional(),
      plain: z.string().optional(),
    });
    expect(personalDataPaths(schema)).toEqual([
      'caught.inner',
      'defaulted',
      'nullable',
      'optional',
      'optionalObject.inner',
      'piped',
      'readonly.inner',
    ]);
  });

  it('collects the paths of every union branch and of both sides of an intersection, once each', () => {
    const schema = z.object({
      contact: z.union([
        z.object({ kind: z.literal('email'), email: personal(z.string()), name: personal(z.string()) }),
        z.object({ kind: z.literal('phone'), phone: personal(z.string()), name: personal(z.string()) }),
      ]),
      both: z.intersection(z.object({ a: personal(z.string()) }), z.object({ b: personal(z.string()) })),
    });
    expect(personalDataPaths(schema)).toEqual([
      'both.a',
      'both.b',
      'contact.email',
      'contact.name',
      'contact.phone',
    ]);
  });

  it('stops at a personal container: the whole value is personal', () => {
    const schema = z.object({ invitees: personal(z.array(z.object({ email: personal(z.string()) }))) });
    expect(personalDataPaths(schema)).toEqual(['invitees']);
  });

  it('returns the root itself when the whole schema is personal', () => {
    expect(personalDataPaths(personal(z.string()))).toEqual(['']);
  });

  it('marks a copy, so marking a shared schema does not leak into its other uses', () => {
    const shared = z.string();
    const marked = personal(shared);
    expect(marked).not.toBe(shared);
    expect(personalDataPaths(z.object({ marked, shared }))).toEqual(['marked']);
    // The catalogue marks `personal(Email)`; the shared primitive itself stays unmarked.
    expect(personalDataPaths(z.object({ address: primitives.Email }))).toEqual([]);
    expect(personalDataPaths(z.object({ invitee: primitives.Invitee }))).toEqual([]);
  });

  it('keeps the validation of the schema it marks', () => {
    const email = personal(primitives.Email);
    expect(email.safeParse('ada@example.com').success).toBe(true);
    expect(email.safeParse('ada').success).toBe(false);
  });

  it.each([
    ['record', z.object({ notes: z.record(z.string(), personal(z.string())) })],
    ['map', z.object({ notes: z.map(z.string(), personal(z.string())) })],
    ['set', z.object({ notes: z.set(personal(z.string())) })],
    ['tuple', z.object({ pair: z.tuple([z.string(), personal(z.string())]) })],
    ['lazy', z.object({ later: z.lazy(() => z.object({ name: personal(z.string()) })) })],
  ])('refuses personal data inside a %s, which a path cannot address', (container, schema) => {
    expect(() => personalDataPaths(schema)).toThrow(`inside a ${container} schema`);
  });

  it('accepts a container that is personal as a whole', () => {
    const schema = z.object({ notes: personal(z.record(z.string(), z.string())) });
    expect(personalDataPaths(schema)).toEqual(['notes']);
  });

  it('terminates on a recursive schema without personal data in a container', () => {
    interface Node {
      name: string;
      children: Node[];
    }
    const node: z.ZodType<Node> = z.lazy(() => z.object({ name: z.string(), children: z.array(node) }));
    expect(personalDataPaths(z.object({ tree: node }))).toEqual([]);
  });

  it('is computed when a contract is defined, so a bad mark fails at start-up', () => {
    expect(() =>
      defineEvent({
        type: 'NotesTaken',
        producer: 'webex-bridge',
        category: 'meeting',
        schemaVersion: 1,
        data: z.object({ notes: z.record(z.string(), personal(z.string())) }),
      }),
    ).toThrow('inside a record schema');
  });
});
