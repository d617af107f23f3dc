import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CalendarEventChanged,
  ContractViolationError,
  GoogleAccountConnected,
  MeetingEnded,
  MeetingRequested,
  MeetingScheduled,
  MeetingUpdated,
  MeetingChangeRequested,
  MeetingOccurrenceApplied,
  MeetingOccurrenceChangeRequested,
  WebexAccountConnected,
  UpcasterRegistry,
  createEvent,
  defineEvent,
  eventCatalogue,
  personal,
  type EventContract,
  type EventEnvelope,
} from '@scheduler/contracts';
import { z } from 'zod';
import { isolatedSchema, type IsolatedSchema } from '@scheduler/testing';
import { PostgresDataKeyStore } from './data-key-store/postgres.js';
import {
  DataKeyUnwrapError,
  InvalidSubjectError,
  SubjectForgottenError,
  UnknownKeyEncryptionKeyError,
  UnsealableEventError,
} from './errors.js';
import { KeyEncryptionKeyRing, type KeyEncryptionKeyConfig } from './key-encryption-keys.js';
import {
  PersonalDataCodec,
  REDACTED_FORGOTTEN,
  REDACTED_TAMPERED,
  isRedacted,
} from './personal-data-codec.js';
import { SecretBox, isSealedValue, type SealedValue } from './secret-box.js';
import { SubjectKeys } from './subject-keys.js';

const tenantId = 'example.com';
const newKek = (id: string): KeyEncryptionKeyConfig => ({ id, key: randomBytes(32).toString('base64') });
const newMeetingId = () => {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
};
const newUserId = () => `1${randomBytes(8).readBigUInt64BE().toString().padStart(20, '0')}`;

/** Valid events of every catalogue type that carries personal data, for one user and one meeting. */
function examples(userId: string, meetingId: string) {
  const meetingStream = `meeting-${meetingId}`;
  const googleAccountStream = `googleAccount-${userId}`;
  const webexAccountStream = `webexAccount-${userId}`;
  const calendarStream = `calendarEvent-${userId}.evt${meetingId.slice(0, 8)}`;
  const calendarData = {
    change: 'updated' as const,
    userId,
    calendarId: 'primary',
    eventId: `evt${meetingId.slice(0, 8)}`,
    iCalUID: 'evt1@google.com',
    organizedByUser: true,
    title: 'Budget review with Grace',
    start: '2026-12-01T09:00:00Z',
    end: '2026-12-01T09:30:00Z',
    timeZone: 'Europe/Berlin',
    attendees: [{ email: 'grace@example.com', displayName: 'Grace Hopper' }, { email: 'alan@example.org' }],
    organizerEmail: 'ada@example.com',
    updatedAt: '2026-11-30T09:00:00Z',
  };
  return {
    GoogleAccountConnected: createEvent(GoogleAccountConnected, {
      streamId: googleAccountStream,
      tenantId,
      data: {
        userId,
        email: 'ada@example.com',
        displayName: 'Ada Lovelace',
        locale: 'en-GB',
        timeZone: 'Europe/London',
        hostedDomain: 'example.com',
        scopes: ['openid'],
      },
    }),
    WebexAccountConnected: createEvent(WebexAccountConnected, {
      streamId: webexAccountStream,
      tenantId,
      data: { userId, webexPersonId: 'Y2lzY29', email: 'ada@example.com', scopes: ['spark:people_read'] },
    }),
    CalendarEventChanged: createEvent(CalendarEventChanged, {
      streamId: calendarStream,
      tenantId,
      data: { ...calendarData, conference: { meetingId, conferenceId: 'conf-1' } },
    }),
    CalendarEventChangedUnlinked: createEvent(CalendarEventChanged, {
      streamId: calendarStream,
      tenantId,
      data: calendarData,
    }),
    MeetingRequested: createEvent(MeetingRequested, {
      streamId: meetingStream,
      tenantId,
      data: {
        meetingId,
        userId,
        source: 'calendar',
        calendarId: 'primary',
        eventId: 'evt1',
        title: 'Budget review with Grace',
        start: '2026-12-01T09:00:00Z',
        end: '2026-12-01T09:30:00Z',
        timeZone: 'Europe/Berlin',
        invitees: [{ email: 'grace@example.com', displayName: 'Grace Hopper' }],
      },
    }),
    MeetingScheduled: createEvent(MeetingScheduled, {
      streamId: meetingStream,
      tenantId,
      data: {
        meetingId,
        webexMeetingId: 'wx-1',
        meetingNumber: '12345678',
        siteUrl: 'example.webex.com',
        webLink: 'https://example.webex.com/meet/1',
        password: 'Secr3t-Pa55',
      },
    }),
    MeetingUpdated: createEvent(MeetingUpdated, {
      streamId: meetingStream,
      tenantId,
      data: {
        meetingId,
        webexMeetingId: 'wx-1',
        title: 'Budget review (moved)',
        start: '2026-12-01T10:00:00Z',
        end: '2026-12-01T10:30:00Z',
        timeZone: 'Europe/Berlin',
        invitees: [],
        changed: ['time', 'title'],
      },
    }),
    MeetingChangeRequested: createEvent(MeetingChangeRequested, {
      streamId: meetingStream,
      tenantId,
      data: {
        meetingId,
        title: 'Budget review (moved again)',
        start: '2026-12-01T11:00:00Z',
        end: '2026-12-01T11:30:00Z',
        timeZone: 'Europe/Berlin',
        invitees: [{ email: 'grace@example.com', displayName: 'Grace Hopper' }],
      },
    }),
    MeetingOccurrenceChangeRequested: createEvent(MeetingOccurrenceChangeRequested, {
      streamId: meetingStream,
      tenantId,
      data: {
        meetingId,
        originalStart: '2026-12-15T09:00:00Z',
        cancelled: false,
        shown: { title: 'Budget review (third)', start: '2026-12-15T11:00:00Z', end: '2026-12-15T11:30:00Z' },
      },
    }),
    MeetingOccurrenceApplied: createEvent(MeetingOccurrenceApplied, {
      streamId: meetingStream,
      tenantId,
      data: {
        meetingId,
        webexMeetingId: 'wx-1',
        originalStart: '2026-12-15T09:00:00Z',
        occurrence: 'deleted',
        single: {
          webexMeetingId: 'wx-2',
          shown: {
            title: 'Budget review (third)',
            start: '2026-12-16T09:00:00Z',
            end: '2026-12-16T09:30:00Z',
          },
        },
      },
    }),
  };
}

const personalStrings = [
  'ada@example.com',
  'Ada Lovelace',
  'Budget review',
  'grace@example.com',
  'Grace Hopper',
  'Secr3t',
];

describe('PersonalDataCodec with the PostgreSQL key store', () => {
  let schema: IsolatedSchema;
  let store: PostgresDataKeyStore;
  const firstKek = newKek('kek-2026-01');
  const ring = KeyEncryptionKeyRing.fromConfig({ primary: firstKek });
  const codecWith = (
    keyEncryptionKeys = ring,
    options: { logger?: { error(details: Record<string, unknown>, message: string): void } } = {},
  ) => {
    const keys = new SubjectKeys({ store, keyEncryptionKeys });
    return { keys, codec: new PersonalDataCodec({ secretBox: new SecretBox(keys), ...options }) };
  };

  beforeAll(async () => {
    schema = await isolatedSchema('crypto_shredding');
    store = new PostgresDataKeyStore({ connectionString: schema.connectionString });
    await store.ensureSchema();
  });
  afterAll(async () => {
    await store?.close();
    await schema?.drop();
  });

  it('has an example for every catalogue event type with personal data', () => {
    const withPersonalData = eventCatalogue.filter((contract) => contract.personalDataPaths.length > 0);
    const covered = new Set<string>(
      Object.values(examples(newUserId(), newMeetingId())).map((event) => event.type),
    );
    expect(withPersonalData.map((contract) => contract.type).filter((type) => !covered.has(type))).toEqual(
      [],
    );
  });

  it('round-trips every catalogue event with personal data, sealing exactly the personal fields', async () => {
    const { codec } = codecWith();
    for (const [name, event] of Object.entries(examples(newUserId(), newMeetingId()))) {
      const sealed = await codec.encode(event);
      const text = JSON.stringify(sealed);
      for (const personalValue of personalStrings)
        expect({ name, leaked: text.includes(personalValue) }).toEqual({ name, leaked: false });
      // Personal fields may sit inside nested objects (an occurrence's `shown.title`): each object
      // of the data is checked field by field, as the data itself is.
      const objectsOf = (
        original: Record<string, unknown>,
        encoded: Record<string, unknown>,
      ): [Record<string, unknown>, Record<string, unknown>][] => [
        [original, encoded],
        ...Object.entries(original)
          .filter(([, value]) => typeof value === 'object' && value !== null && !Array.isArray(value))
          .flatMap(([field, value]) =>
            isSealedValue(encoded[field])
              ? []
              : objectsOf(value as Record<string, unknown>, encoded[field] as Record<string, unknown>),
          ),
      ];
      for (const [original, data] of objectsOf(
        event.data as Record<string, unknown>,
        sealed.data as Record<string, unknown>,
      ))
        for (const [field, value] of Object.entries(original)) {
          const isPersonal = [
            'title',
            'invitees',
            'attendees',
            'organizerEmail',
            'email',
            'displayName',
            'password',
          ].includes(field);
          expect({ name, field, sealed: isSealedValue(data[field]) }).toEqual({
            name,
            field,
            sealed: isPersonal,
          });
          const nested = typeof value === 'object' && value !== null && !Array.isArray(value);
          if (!isPersonal && !nested) expect(data[field]).toEqual(value);
        }
      const decoded = await codec.decode(JSON.parse(text));
      expect({ name, event: decoded.event, redacted: decoded.redacted }).toEqual({
        name,
        event,
        redacted: [],
      });
    }
  });

  it('seals calendar events carrying our conference under the meeting, and others under the user', async () => {
    const { codec } = codecWith();
    const userId = newUserId();
    const meetingId = newMeetingId();
    const events = examples(userId, meetingId);
    const linked = (await codec.encode(events.CalendarEventChanged)).data as Record<string, SealedValue>;
    const unlinked = (await codec.encode(events.CalendarEventChangedUnlinked)).data as Record<
      string,
      SealedValue
    >;
    expect(linked.title!.subject).toBe(`meeting:${meetingId}`);
    expect(unlinked.title!.subject).toBe(`user:${userId}`);
  });

  it('leaves events without personal values untouched and creates no key for them', async () => {
    const { codec } = codecWith();
    const meetingId = newMeetingId();
    const ended = createEvent(MeetingEnded, {
      streamId: `meeting-${meetingId}`,
      tenantId,
      data: { meetingId, endedAt: '2026-12-01T10:30:00Z', source: 'scheduled-end' },
    });
    expect(await codec.encode(ended)).toEqual(ended);
    const withoutPassword = createEvent(MeetingScheduled, {
      streamId: `meeting-${meetingId}`,
      tenantId,
      data: {
        meetingId,
        webexMeetingId: 'wx-1',
        meetingNumber: '12345678',
        siteUrl: 'example.webex.com',
        webLink: 'https://example.webex.com/meet/1',
      },
    });
    expect(await codec.encode(withoutPassword)).toEqual(withoutPassword);
    expect(await store.get(`meeting:${meetingId}`)).toBeUndefined();
    expect((await codec.decode(ended)).event).toEqual(ended);
  });

  it('refuses to seal an invalid event, an unknown type, or an old schema version', async () => {
    const { codec } = codecWith();
    const event = examples(newUserId(), newMeetingId()).MeetingRequested;
    await expect(codec.encode({ ...event, data: { ...event.data, title: '' } })).rejects.toThrow(
      ContractViolationError,
    );
    await expect(codec.encode({ ...event, type: 'Mystery' } as EventEnvelope)).rejects.toThrow(
      UnsealableEventError,
    );
    await expect(codec.encode({ ...event, schemaVersion: 0 })).rejects.toThrow(/only new events are sealed/);
    await expect(codec.encode(event, 'not a subject')).rejects.toThrow(InvalidSubjectError);
  });

  it('redacts the fields of a forgotten subject, keeps everything else, and a replay never stops', async () => {
    const writer = codecWith();
    const userId = newUserId();
    const meetingId = newMeetingId();
    const events = examples(userId, meetingId);
    const stored = [];
    for (const event of Object.values(events)) stored.push(await writer.codec.encode(event));
    await writer.keys.forget(`meeting:${meetingId}`);
    await writer.keys.forget(`meeting:${meetingId}`); // idempotent

    // The writer's own process (cache evicted) and a fresh process both see the purge.
    for (const { codec } of [writer, codecWith()]) {
      const decoded = [];
      for (const event of stored) decoded.push(await codec.decode(event));
      const byType = new Map(decoded.map((result, index) => [Object.keys(events)[index], result]));
      expect(byType.get('GoogleAccountConnected')!.event).toEqual(events.GoogleAccountConnected);
      expect(byType.get('CalendarEventChangedUnlinked')!.event).toEqual(events.CalendarEventChangedUnlinked);
      const requested = byType.get('MeetingRequested')!;
      expect(requested.redacted).toEqual(['data.title', 'data.invitees']);
      expect(requested.tampered).toEqual([]);
      expect(requested.event.data).toEqual({
        ...events.MeetingRequested.data,
        title: REDACTED_FORGOTTEN,
        invitees: REDACTED_FORGOTTEN,
      });
      expect(isRedacted((requested.event.data as { title: unknown }).title)).toBe(true);
      expect(byType.get('MeetingScheduled')!.redacted).toEqual(['data.password']);
      expect(byType.get('CalendarEventChanged')!.redacted).toEqual([
        'data.title',
        'data.attendees',
        'data.organizerEmail',
      ]);
    }
  });

  it('stores redaction markers instead of personal data written after the purge', async () => {
    const { codec, keys } = codecWith();
    const meetingId = newMeetingId();
    await keys.forget(`meeting:${meetingId}`);
    const late = examples(newUserId(), meetingId).MeetingUpdated;
    const sealed = await codec.encode(late);
    expect(sealed.data).toMatchObject({ title: REDACTED_FORGOTTEN, invitees: REDACTED_FORGOTTEN });
    expect(JSON.stringify(sealed)).not.toContain('Budget');
    expect((await codec.decode(sealed)).redacted).toEqual(['data.title', 'data.invitees']);
    expect(await store.get(`meeting:${meetingId}`)).toMatchObject({ state: 'forgotten' });
  });

  it('detects tampering: altered ciphertext, values moved between fields or events; reports and logs it, never throws', async () => {
    const logged: { details: Record<string, unknown>; message: string }[] = [];
    const { codec } = codecWith(ring, {
      logger: { error: (details, message) => logged.push({ details, message }) },
    });
    const events = examples(newUserId(), newMeetingId());
    const calendar = await codec.encode(events.CalendarEventChanged);
    const other = await codec.encode({
      ...events.MeetingRequested,
      id: '019ac0a0-0000-7000-8000-000000000001',
    });
    const requested = await codec.encode(events.MeetingRequested);

    const data = calendar.data as Record<string, SealedValue>;
    const flipped = Buffer.from(data.title!.ciphertext, 'base64url');
    flipped[0]! ^= 1;
    const altered = {
      ...calendar,
      data: { ...data, title: { ...data.title!, ciphertext: flipped.toString('base64url') } },
    };
    const swappedFields = {
      ...calendar,
      data: { ...data, title: data.organizerEmail, organizerEmail: data.title },
    };
    const movedBetweenEvents = {
      ...requested,
      data: { ...(requested.data as object), title: (other.data as Record<string, unknown>).title },
    };

    const results = [];
    for (const stored of [altered, swappedFields, movedBetweenEvents, requested])
      results.push(await codec.decode(stored));
    expect(results[0]!.tampered).toEqual(['data.title']);
    expect((results[0]!.event.data as Record<string, unknown>).title).toEqual(REDACTED_TAMPERED);
    expect((results[0]!.event.data as Record<string, unknown>).organizerEmail).toBe('ada@example.com');
    expect(results[1]!.tampered).toEqual(['data.title', 'data.organizerEmail']);
    expect(results[2]!.tampered).toEqual(['data.title']);
    expect(results[3]!.event).toEqual(events.MeetingRequested);
    expect(logged).toHaveLength(4);
    expect(logged[0]).toMatchObject({
      message: expect.stringContaining('failed authentication'),
      details: { eventId: calendar.id, path: 'data.title', eventType: 'CalendarEventChanged' },
    });
    const logText = JSON.stringify(logged);
    for (const personalValue of personalStrings) expect(logText).not.toContain(personalValue);
    expect(logText).not.toContain(data.title!.ciphertext);
  });

  it('still rejects an event that is invalid beyond its redacted fields', async () => {
    const { codec, keys } = codecWith();
    const meetingId = newMeetingId();
    const sealed = await codec.encode(examples(newUserId(), meetingId).MeetingRequested);
    await keys.forget(`meeting:${meetingId}`);
    await expect(codec.decode({ ...sealed, tenantId: 'NOT A DOMAIN' })).rejects.toThrow(
      ContractViolationError,
    );
    await expect(
      codec.decode({ ...sealed, data: { ...(sealed.data as object), timeZone: 'Mars/Olympus' } }),
    ).rejects.toThrow(/data.timeZone/);
  });

  it('rotates to a new key-encryption key: re-wraps every data key, after which the old one can be retired', async () => {
    const oldKek = newKek('kek-old');
    const newKekConfig = newKek('kek-new');
    const before = codecWith(KeyEncryptionKeyRing.fromConfig({ primary: oldKek }));
    const userId = newUserId();
    const meetingId = newMeetingId();
    const events = examples(userId, meetingId);
    const sealed = [
      await before.codec.encode(events.GoogleAccountConnected),
      await before.codec.encode(events.MeetingRequested),
    ];

    const retiredTooEarly = codecWith(KeyEncryptionKeyRing.fromConfig({ primary: newKekConfig }));
    await expect(retiredTooEarly.codec.decode(sealed[0])).rejects.toThrow(UnknownKeyEncryptionKeyError);

    const rotating = codecWith(
      KeyEncryptionKeyRing.fromConfig({ primary: newKekConfig, previous: [oldKek, firstKek] }),
    );
    const progress: number[] = [];
    const report = await rotating.keys.rotate({
      batchSize: 1,
      onProgress: ({ rewrapped }) => progress.push(rewrapped),
    });
    expect(report.rewrapped).toBeGreaterThanOrEqual(2);
    // One report per batch of one key, counting up to the total.
    expect(progress).toEqual(Array.from({ length: report.rewrapped }, (_, index) => index + 1));
    expect(await rotating.keys.rotate()).toEqual({ rewrapped: 0, skipped: 0 });
    expect(await store.findWrappedByOtherThan('kek-new', 10)).toEqual([]);

    const after = codecWith(KeyEncryptionKeyRing.fromConfig({ primary: newKekConfig }));
    expect((await after.codec.decode(sealed[0])).event).toEqual(events.GoogleAccountConnected);
    expect((await after.codec.decode(sealed[1])).event).toEqual(events.MeetingRequested);
  });

  it('fails with a clear typed error, not a redaction, when the key-encryption key material is wrong', async () => {
    const { codec } = codecWith();
    const sealed = await codec.encode(examples(newUserId(), newMeetingId()).GoogleAccountConnected);
    const wrongMaterial = codecWith(
      KeyEncryptionKeyRing.fromConfig({
        primary: newKek('kek-new'),
        previous: [{ id: firstKek.id, key: randomBytes(32).toString('base64') }],
      }),
    );
    const attempt = wrongMaterial.codec.decode(sealed);
    await expect(attempt).rejects.toThrow(DataKeyUnwrapError);
    await expect(wrongMaterial.codec.decode(sealed)).rejects.toThrow(
      /the configured key material for "kek-2026-01"/,
    );
  });

  it('gives concurrent creators (separate processes, separate caches) one key per subject', async () => {
    const subject = `meeting:${newMeetingId()}`;
    const processes = Array.from({ length: 8 }, () => codecWith().keys);
    const keys = await Promise.all(processes.map((keys) => keys.forSealing(subject)));
    const keyIds = new Set(keys.map((key) => (key.state === 'active' ? key.dataKey.keyId : 'forgotten')));
    expect(keyIds.size).toBe(1);
    const boxes = processes.map((keys) => new SecretBox(keys));
    const sealed = await Promise.all(boxes.map((box, index) => box.seal(subject, `value ${index}`, 'test')));
    for (const [index, value] of sealed.entries()) {
      const opened = await boxes[(index + 1) % boxes.length]!.open(value, 'test');
      expect(opened.outcome === 'opened' && opened.plaintext.toString()).toBe(`value ${index}`);
    }
  });

  it('bounds how long another process can still open a forgotten subject by the cache time to live', async () => {
    let now = 1_000_000;
    const subject = `user:${newUserId()}`;
    const other = new SubjectKeys({
      store,
      keyEncryptionKeys: ring,
      cacheTimeToLiveMs: 5_000,
      now: () => now,
    });
    const here = new SubjectKeys({ store, keyEncryptionKeys: ring });
    const sealed = await new SecretBox(here).seal(subject, 'token', 'refresh-token');
    const otherBox = new SecretBox(other);
    expect((await otherBox.open(sealed, 'refresh-token')).outcome).toBe('opened');
    await here.forget(subject);
    expect((await new SecretBox(here).open(sealed, 'refresh-token')).outcome).toBe('forgotten');
    expect((await otherBox.open(sealed, 'refresh-token')).outcome).toBe('opened'); // the documented window
    now += 5_000;
    expect((await otherBox.open(sealed, 'refresh-token')).outcome).toBe('forgotten');
  });

  it('handles nested paths through arrays and absent optional fields, and upcasts old sealed events', async () => {
    // A contract shape the catalogue does not have yet: personal fields inside array elements.
    const dataV1 = z.strictObject({
      meetingId: z.string(),
      nickname: personal(z.string()).optional(),
      guests: z.array(z.strictObject({ email: personal(z.string()), rsvp: z.boolean() })),
    });
    const GuestsListedV1 = defineEvent({
      type: 'GuestsListed',
      producer: 'webex-bridge',
      category: 'meeting',
      schemaVersion: 1,
      data: dataV1,
    });
    const GuestsListedV2 = defineEvent({
      type: 'GuestsListed',
      producer: 'webex-bridge',
      category: 'meeting',
      schemaVersion: 2,
      data: dataV1.extend({ source: z.enum(['calendar', 'gmail']) }),
    });
    expect(GuestsListedV1.personalDataPaths).toEqual(['guests[].email', 'nickname']);
    const v1Contracts = new Map<string, EventContract>([['GuestsListed', GuestsListedV1]]);
    const v2Contracts = new Map<string, EventContract>([['GuestsListed', GuestsListedV2]]);
    const v2Upcasters = new UpcasterRegistry(v2Contracts).register({
      type: 'GuestsListed',
      fromVersion: 1,
      upcast: (data) => ({ ...(data as object), source: 'calendar' }),
    });
    const keys = new SubjectKeys({ store, keyEncryptionKeys: ring });
    const writer = new PersonalDataCodec({
      secretBox: new SecretBox(keys),
      contracts: v1Contracts,
      upcasters: new UpcasterRegistry(v1Contracts),
    });
    const reader = new PersonalDataCodec({
      secretBox: new SecretBox(keys),
      contracts: v2Contracts,
      upcasters: v2Upcasters,
    });

    const meetingId = newMeetingId();
    const event = createEvent(GuestsListedV1, {
      streamId: `meeting-${meetingId}`,
      tenantId,
      data: {
        meetingId,
        guests: [
          { email: 'grace@example.com', rsvp: true },
          { email: 'alan@example.org', rsvp: false },
        ],
      },
    });
    const sealed = await writer.encode(event);
    const guests = (sealed.data as { guests: { email: unknown; rsvp: boolean }[] }).guests;
    expect(guests.map((guest) => [isSealedValue(guest.email), guest.rsvp])).toEqual([
      [true, true],
      [true, false],
    ]);
    expect(sealed.data).not.toHaveProperty('nickname');
    // Swapping two array slots breaks authentication: the index is bound in.
    const swapped = structuredClone(sealed) as typeof sealed & { data: { guests: { email: unknown }[] } };
    [swapped.data.guests[0]!.email, swapped.data.guests[1]!.email] = [guests[1]!.email, guests[0]!.email];
    expect((await reader.decode(swapped)).tampered).toEqual(['data.guests[0].email', 'data.guests[1].email']);

    const decoded = await reader.decode(JSON.parse(JSON.stringify(sealed)));
    expect(decoded.event).toEqual({
      ...event,
      schemaVersion: 2,
      data: { ...event.data, source: 'calendar' },
    });

    await keys.forget(`meeting:${meetingId}`);
    const purged = await reader.decode(sealed);
    expect(purged.redacted).toEqual(['data.guests[0].email', 'data.guests[1].email']);
    expect(purged.event.schemaVersion).toBe(2);
    expect(purged.event.data).toEqual({
      meetingId,
      source: 'calendar',
      guests: [
        { email: REDACTED_FORGOTTEN, rsvp: true },
        { email: REDACTED_FORGOTTEN, rsvp: false },
      ],
    });
  });

  it('prefetches the keys of a page of events in one store round trip', async () => {
    const writer = codecWith();
    const meetingIds = Array.from({ length: 10 }, newMeetingId);
    const userId = newUserId();
    const stored = [];
    for (const meetingId of meetingIds)
      stored.push(await writer.codec.encode(examples(userId, meetingId).MeetingRequested));
    for (const meetingId of meetingIds.slice(0, 3)) await writer.keys.forget(`meeting:${meetingId}`);

    const calls = { get: 0, getMany: 0 };
    const countingStore = Object.assign(Object.create(store) as PostgresDataKeyStore, {
      get: (subject: string) => (calls.get++, store.get(subject)),
      getMany: (subjects: readonly string[]) => (calls.getMany++, store.getMany(subjects)),
    });
    const keys = new SubjectKeys({ store: countingStore, keyEncryptionKeys: ring });
    const reader = new PersonalDataCodec({ secretBox: new SecretBox(keys) });
    await reader.prefetchKeys(stored);
    const decoded = [];
    for (const event of stored) decoded.push(await reader.decode(event));
    expect(calls).toEqual({ get: 0, getMany: 1 });
    expect(decoded.map((result) => result.redacted.length > 0)).toEqual([
      true,
      true,
      true,
      ...Array(7).fill(false),
    ]);
    await reader.prefetchKeys(stored); // everything known: no round trip at all
    expect(calls.getMany).toBe(1);
  });

  describe('open (projections: no upcasting, no validation, no deep copy)', () => {
    it('opens every catalogue event to what decode yields, copying only what it replaces', async () => {
      const { codec } = codecWith();
      for (const [name, event] of Object.entries(examples(newUserId(), newMeetingId()))) {
        const stored = JSON.parse(JSON.stringify(await codec.encode(event))) as EventEnvelope;
        const before = structuredClone(stored);
        const opened = await codec.open(stored);
        const decoded = await codec.decode(stored);
        expect({ name, event: opened.event, redacted: opened.redacted, tampered: opened.tampered }).toEqual({
          name,
          event: decoded.event,
          redacted: [],
          tampered: [],
        });
        expect({ name, stored }).toEqual({ name, stored: before });
        expect(opened.event).not.toBe(stored);
        expect(opened.event.data).not.toBe(stored.data);
      }
      // What holds no sealed value is shared, not copied.
      const calendar = (await codec.encode(examples(newUserId(), newMeetingId()).CalendarEventChanged)) as {
        data: { conference: object };
      };
      expect(((await codec.open(calendar)).event as typeof calendar).data.conference).toBe(
        calendar.data.conference,
      );
      const meetingId = newMeetingId();
      const ended = createEvent(MeetingEnded, {
        streamId: `meeting-${meetingId}`,
        tenantId,
        data: { meetingId, endedAt: '2026-12-01T10:30:00Z', source: 'scheduled-end' },
      });
      expect((await codec.open(ended)).event).toBe(ended);
    });

    it('opens a store record (id and data) and keeps its other fields as they are', async () => {
      const { codec } = codecWith();
      const event = examples(newUserId(), newMeetingId()).MeetingRequested;
      const sealed = await codec.encode(event);
      const recorded = {
        id: sealed.id,
        streamId: sealed.streamId,
        type: sealed.type,
        revision: 0n,
        data: sealed.data,
        metadata: { schemaVersion: 1, tenantId },
      };
      const opened = await codec.open(recorded);
      expect(opened.event).toEqual({ ...recorded, data: event.data });
      expect(opened.event.metadata).toBe(recorded.metadata);
      expect(opened.opened).toEqual(['data.title', 'data.invitees']);
      // The id is bound in: the same data under another event id does not open.
      const moved = await codec.open({ ...recorded, id: '019ac0a0-0000-7000-8000-000000000002' });
      expect(moved.tampered).toEqual(['data.title', 'data.invitees']);
      expect(moved.opened).toEqual([]);
    });

    it('redacts forgotten and tampered values exactly as decode does, logs tampering, never throws', async () => {
      const logged: Record<string, unknown>[] = [];
      const { codec, keys } = codecWith(ring, { logger: { error: (details) => logged.push(details) } });
      const meetingId = newMeetingId();
      const events = examples(newUserId(), meetingId);
      const requested = await codec.encode(events.MeetingRequested);
      const calendar = await codec.encode(events.CalendarEventChanged);
      const data = calendar.data as Record<string, SealedValue>;
      const flipped = Buffer.from(data.title!.ciphertext, 'base64url');
      flipped[3]! ^= 1;
      const altered = {
        ...calendar,
        data: { ...data, title: { ...data.title!, ciphertext: flipped.toString('base64url') } },
      };
      const alteredResult = await codec.open(altered);
      expect(alteredResult.tampered).toEqual(['data.title']);
      expect(alteredResult.redacted).toEqual(['data.title']);
      expect(alteredResult.event.data).toEqual({
        ...events.CalendarEventChanged.data,
        title: REDACTED_TAMPERED,
      });
      expect(logged).toEqual([expect.objectContaining({ eventId: calendar.id, path: 'data.title' })]);
      expect((await codec.decode(altered)).event.data).toEqual(alteredResult.event.data);

      await keys.forget(`meeting:${meetingId}`);
      for (const reader of [codec, codecWith().codec]) {
        const opened = await reader.open(requested);
        expect(opened.redacted).toEqual(['data.title', 'data.invitees']);
        expect(opened.tampered).toEqual([]);
        expect(opened.event.data).toEqual({
          ...events.MeetingRequested.data,
          title: REDACTED_FORGOTTEN,
          invitees: REDACTED_FORGOTTEN,
        });
        expect(opened.event.data).toEqual((await reader.decode(requested)).event.data);
      }
      // Markers stored after the purge are reported as redacted too.
      const late = await codec.encode(events.MeetingUpdated);
      expect((await codec.open(late)).redacted).toEqual(['data.title', 'data.invitees']);
    });

    it('does not validate: an event invalid beyond its sealed fields opens, where decode rejects it', async () => {
      const { codec } = codecWith();
      const sealed = await codec.encode(examples(newUserId(), newMeetingId()).MeetingRequested);
      const invalid = { ...sealed, tenantId: 'NOT A DOMAIN' };
      await expect(codec.decode(invalid)).rejects.toThrow(ContractViolationError);
      const opened = await codec.open(invalid);
      expect((opened.event.data as { title: unknown }).title).toBe('Budget review with Grace');
      await expect(codec.open(null as unknown as object)).rejects.toThrow(ContractViolationError);
    });
  });

  it('decode returns an event that shares nothing with the stored one, redacted or not', async () => {
    const { codec, keys } = codecWith();
    const meetingId = newMeetingId();
    const stored = await codec.encode(examples(newUserId(), meetingId).CalendarEventChanged);
    const before = structuredClone(stored);
    const mutate = (event: EventEnvelope) => {
      const data = event.data as { conference: { conferenceId: string }; attendees: unknown };
      data.conference.conferenceId = 'changed';
      data.attendees = 'changed';
    };
    mutate((await codec.decode(stored)).event);
    await keys.forget(`meeting:${meetingId}`);
    const redacted = await codec.decode(stored);
    expect(redacted.redacted.length).toBeGreaterThan(0);
    mutate(redacted.event);
    expect(stored).toEqual(before);
  });

  it('serves token stores too: seals secrets under the user, bound to their context', async () => {
    const { keys } = codecWith();
    const box = new SecretBox(keys);
    const subject = `user:${newUserId()}`;
    const sealed = await box.seal(subject, '1//0refresh-token', 'google-refresh-token');
    expect(JSON.stringify(sealed)).not.toContain('refresh-token');
    const opened = await box.open(sealed, 'google-refresh-token');
    expect(opened.outcome === 'opened' && opened.plaintext.toString()).toBe('1//0refresh-token');
    expect((await box.open(sealed, 'webex-refresh-token')).outcome).toBe('tampered');
    expect((await box.open({ ...sealed, subject: 'user:\u0000x' }, 'google-refresh-token')).outcome).toBe(
      'tampered',
    );
    await keys.forget(subject);
    expect((await box.open(sealed, 'google-refresh-token')).outcome).toBe('forgotten');
    await expect(box.seal(subject, 'new token', 'google-refresh-token')).rejects.toThrow(
      SubjectForgottenError,
    );
  });
});
