import { envelopeToEventToAppend } from '@scheduler/event-store';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import {
  MeetingEnded,
  MeetingRequested,
  UpcasterRegistry,
  createEvent,
  defineEvent,
  eventContractsByType,
  newUuidV7,
  personal,
  type EventContract,
  type EventEnvelope,
} from '@scheduler/contracts';
import {
  KeyEncryptionKeyRing,
  PersonalDataCodec,
  PostgresDataKeyStore,
  REDACTED_FORGOTTEN,
  REDACTED_TAMPERED,
  SecretBox,
  SubjectKeys,
  type SealedValue,
} from '@scheduler/crypto-shredding';
import type { RecordedEvent } from '@scheduler/event-store';
import { isolatedSchema, type IsolatedSchema } from '@scheduler/testing';
import { sealedEventOpener } from './sealed-event-opener.js';

const tenantId = 'example.com';

/** What the event store hands a projection: the envelope's fields as data and metadata. */
function recorded(envelope: EventEnvelope, commit: number): RecordedEvent {
  const append = envelopeToEventToAppend(envelope);
  return {
    id: append.id,
    streamId: envelope.streamId,
    revision: 0n,
    position: { commit: BigInt(commit), prepare: BigInt(commit) },
    type: append.type,
    data: append.data,
    metadata: append.metadata ?? {},
    recordedAt: new Date(),
  };
}

function meetingRequested(meetingId: string) {
  return createEvent(MeetingRequested, {
    streamId: `meeting-${meetingId}`,
    tenantId,
    data: {
      meetingId,
      userId: 'u1',
      source: 'calendar',
      calendarId: 'primary',
      eventId: 'evt1',
      title: 'Budget review with Grace',
      start: '2026-12-01T09:00:00Z',
      end: '2026-12-01T09:30:00Z',
      timeZone: 'Europe/Berlin',
      invitees: [{ email: 'grace@example.com', displayName: 'Grace Hopper' }],
    },
  });
}

describe('sealedEventOpener', () => {
  let schema: IsolatedSchema;
  let store: PostgresDataKeyStore;
  const keyEncryptionKeys = KeyEncryptionKeyRing.fromConfig({
    primary: { id: 'kek-opener', key: randomBytes(32).toString('base64') },
  });
  const codecOver = (
    options: { contracts?: ReadonlyMap<string, EventContract>; upcasters?: UpcasterRegistry } = {},
  ) => {
    const keys = new SubjectKeys({ store, keyEncryptionKeys });
    return { keys, codec: new PersonalDataCodec({ secretBox: new SecretBox(keys), ...options }) };
  };

  beforeAll(async () => {
    schema = await isolatedSchema('sealed_event_opener');
    store = new PostgresDataKeyStore({ connectionString: schema.connectionString });
    await store.ensureSchema();
  });
  afterAll(async () => {
    await store?.close();
    await schema?.drop();
  });

  it('opens current-version events in place, keeps positions, and passes the rest through untouched', async () => {
    const writer = codecOver();
    const meetingId = newUuidV7();
    const requested = meetingRequested(meetingId);
    const ended = createEvent(MeetingEnded, {
      streamId: `meeting-${meetingId}`,
      tenantId,
      data: { meetingId, endedAt: '2026-12-01T09:30:00Z', source: 'scheduled-end' },
    });
    const page = [
      recorded(await writer.codec.encode(requested), 1),
      recorded(ended, 2),
      { ...recorded(ended, 3), type: 'SomethingNobodyDefined', data: { $sealed: 'v1' } },
    ];
    const opened = await sealedEventOpener({ codec: codecOver().codec })(page);
    expect(opened).toHaveLength(3);
    expect(opened[0]).toEqual({ ...page[0], data: requested.data });
    expect(opened[0]!.metadata).toBe(page[0]!.metadata);
    expect(opened[1]).toBe(page[1]);
    expect(opened[2]).toBe(page[2]);
    expect(JSON.stringify(page[0]!.data)).toContain('$sealed'); // the stored page is not modified

    const nothingSealed = [page[1]!];
    expect(await sealedEventOpener({ codec: codecOver().codec })(nothingSealed)).toBe(nothingSealed);
  });

  it('yields markers, never an error, for a forgotten key or a tampered value', async () => {
    const logged: Record<string, unknown>[] = [];
    const writer = codecOver();
    const forgottenMeeting = newUuidV7();
    const tamperedMeeting = newUuidV7();
    const forgotten = recorded(await writer.codec.encode(meetingRequested(forgottenMeeting)), 1);
    const sealed = await writer.codec.encode(meetingRequested(tamperedMeeting));
    const title = (sealed.data as { title: SealedValue }).title;
    const flipped = Buffer.from(title.ciphertext, 'base64url');
    flipped[0]! ^= 1;
    const tampered = recorded(
      {
        ...sealed,
        data: { ...(sealed.data as object), title: { ...title, ciphertext: flipped.toString('base64url') } },
      },
      2,
    );
    await writer.keys.forget(`meeting:${forgottenMeeting}`);
    const keys = new SubjectKeys({ store, keyEncryptionKeys });
    const codec = new PersonalDataCodec({
      secretBox: new SecretBox(keys),
      logger: { error: (details) => logged.push(details) },
    });
    const [openedForgotten, openedTampered] = await sealedEventOpener({ codec })([forgotten, tampered]);
    expect(openedForgotten!.data).toMatchObject({ title: REDACTED_FORGOTTEN, invitees: REDACTED_FORGOTTEN });
    expect(openedTampered!.data).toMatchObject({
      title: REDACTED_TAMPERED,
      invitees: [{ email: 'grace@example.com', displayName: 'Grace Hopper' }],
    });
    expect(logged).toEqual([expect.objectContaining({ eventId: tampered.id, path: 'data.title' })]);
  });

  it('decodes (upcasts) events of an older schema version, and reports one it cannot read', async () => {
    const dataV1 = z.strictObject({ meetingId: z.string(), note: personal(z.string()) });
    const NoteV1 = defineEvent({
      type: 'NoteTaken',
      producer: 'webex-bridge',
      category: 'meeting',
      schemaVersion: 1,
      data: dataV1,
    });
    const NoteV2 = defineEvent({
      type: 'NoteTaken',
      producer: 'webex-bridge',
      category: 'meeting',
      schemaVersion: 2,
      data: dataV1.extend({ language: z.enum(['en', 'de']) }),
    });
    const v1 = new Map<string, EventContract>([...eventContractsByType, ['NoteTaken', NoteV1]]);
    const v2 = new Map<string, EventContract>([...eventContractsByType, ['NoteTaken', NoteV2]]);
    const upcasters = new UpcasterRegistry(v2).register({
      type: 'NoteTaken',
      fromVersion: 1,
      upcast: (data) => ({ ...(data as object), language: 'en' }),
    });
    const writer = codecOver({ contracts: v1, upcasters: new UpcasterRegistry(v1) });
    const reader = codecOver({ contracts: v2, upcasters });
    const meetingId = newUuidV7();
    const old = recorded(
      await writer.codec.encode(
        createEvent(NoteV1, {
          streamId: `meeting-${meetingId}`,
          tenantId,
          data: { meetingId, note: 'Call Grace' },
        }),
      ),
      1,
    );
    const broken = { ...old, id: newUuidV7(), position: { commit: 2n, prepare: 2n }, data: { meetingId } };
    const unreadable: { id: string; error: string }[] = [];
    const opened = await sealedEventOpener({
      codec: reader.codec,
      contracts: v2,
      onUnreadable: (event, error) => unreadable.push({ id: event.id, error: error.name }),
    })([old, broken]);
    expect(opened[0]).toEqual({
      ...old,
      data: { meetingId, note: 'Call Grace', language: 'en' },
      metadata: { ...old.metadata, schemaVersion: 2 },
    });
    expect(opened[1]).toBe(broken);
    expect(unreadable).toEqual([{ id: broken.id, error: 'ContractViolationError' }]);
  });
});
