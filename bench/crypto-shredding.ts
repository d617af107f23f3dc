// npm run bench -- crypto-shredding
// What sealing personal data costs on the event path, against what every event already pays
// for (contract validation plus a JSON round trip), measured in the same run.
import { createCipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import {
  CalendarEventChanged,
  MeetingRequested,
  createEvent,
  type EventEnvelope,
} from '@scheduler/contracts';
import {
  KeyEncryptionKeyRing,
  PersonalDataCodec,
  PostgresDataKeyStore,
  SecretBox,
  SubjectKeys,
} from '@scheduler/crypto-shredding';
import { startEmbeddedPostgres } from '@scheduler/local-infra';

const ROUND_MS = 1_500;
const ROTATE_KEYS = 2_000;

const newMeetingId = () => {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
};

function meetingRequested(meetingId: string, invitees: number) {
  return createEvent(MeetingRequested, {
    streamId: `meeting-${meetingId}`,
    tenantId: 'example.com',
    data: {
      meetingId,
      userId: '108234567890123456789',
      source: 'calendar',
      calendarId: 'primary',
      eventId: 'evt1',
      title: 'Quarterly budget review with the finance team',
      start: '2026-12-01T09:00:00Z',
      end: '2026-12-01T09:30:00Z',
      timeZone: 'Europe/Berlin',
      invitees: Array.from({ length: invitees }, (_unused, index) => ({
        email: `person.${index}@example.com`,
        displayName: `Person Number ${index}`,
      })),
    },
  });
}

function calendarEventChanged(meetingId: string) {
  return createEvent(CalendarEventChanged, {
    streamId: `calendarEvent-108234567890123456789.evt1`,
    tenantId: 'example.com',
    data: {
      change: 'updated',
      userId: '108234567890123456789',
      calendarId: 'primary',
      eventId: 'evt1',
      iCalUID: 'evt1@google.com',
      organizedByUser: true,
      title: 'Quarterly budget review with the finance team',
      start: '2026-12-01T09:00:00Z',
      end: '2026-12-01T09:30:00Z',
      timeZone: 'Europe/Berlin',
      attendees: Array.from({ length: 5 }, (_unused, index) => ({ email: `person.${index}@example.com` })),
      organizerEmail: 'ada@example.com',
      conference: { meetingId, conferenceId: 'conf-1' },
      updatedAt: '2026-11-30T09:00:00Z',
    },
  });
}

/** Operations per second of `operation`, run back to back for ROUND_MS. */
async function throughput(operation: () => unknown | Promise<unknown>, roundMs = ROUND_MS): Promise<number> {
  for (let warmUp = 0; warmUp < 50; warmUp++) await operation();
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < roundMs) {
    await operation();
    count++;
  }
  return Math.round((count * 1000) / (performance.now() - started));
}

const postgres = await startEmbeddedPostgres();
const store = new PostgresDataKeyStore({ connectionString: postgres.url, table: 'bench_data_keys' });
try {
  await store.ensureSchema();
  const firstKek = { id: 'bench-1', key: randomBytes(32).toString('base64') };
  const ring = KeyEncryptionKeyRing.fromConfig({ primary: firstKek });
  const keys = new SubjectKeys({ store, keyEncryptionKeys: ring });
  const codec = new PersonalDataCodec({ secretBox: new SecretBox(keys) });

  const rows: { case: string; opsPerSecond: number; microsecondsPerOp: number; ratioToBaseline?: number }[] =
    [];
  const record = (name: string, opsPerSecond: number, baseline?: number) => {
    rows.push({
      case: name,
      opsPerSecond,
      microsecondsPerOp: Math.round((1e6 / opsPerSecond) * 10) / 10,
      ...(baseline ? { ratioToBaseline: Math.round((baseline / opsPerSecond) * 100) / 100 } : {}),
    });
  };

  for (const [label, event] of [
    ['MeetingRequested, 20 invitees', meetingRequested(newMeetingId(), 20)],
    ['MeetingRequested, 500 invitees', meetingRequested(newMeetingId(), 500)],
    ['CalendarEventChanged, 5 attendees', calendarEventChanged(newMeetingId())],
  ] as const) {
    const contract = label.startsWith('Calendar') ? CalendarEventChanged : MeetingRequested;
    // Every publish and consume already validates and (de)serialises the event.
    const baseline = await throughput(() => contract.parse(JSON.parse(JSON.stringify(event))));
    record(`${label}: baseline (validate + JSON round trip)`, baseline);
    const sealed = await codec.encode(event as EventEnvelope);
    record(
      `${label}: encode (validate + seal), key cached`,
      await throughput(() => codec.encode(event as EventEnvelope)),
      baseline,
    );
    const storedJson = JSON.stringify(sealed);
    record(
      `${label}: decode (open + upcast + validate), key cached`,
      await throughput(() => codec.decode(JSON.parse(storedJson))),
      baseline,
    );
    record(
      `${label}: decode, cold cache (store read + unwrap)`,
      await throughput(() => {
        keys.clearCache();
        return codec.decode(JSON.parse(storedJson));
      }),
      baseline,
    );
  }

  // A replay page: 100 events of 100 different meetings, cold cache, with and without prefetch.
  const page: unknown[] = [];
  for (let index = 0; index < 100; index++)
    page.push(await codec.encode(meetingRequested(newMeetingId(), 20)));
  const decodePage = async (prefetch: boolean) => {
    keys.clearCache();
    if (prefetch) await codec.prefetchKeys(page);
    for (const event of page) await codec.decode(event);
  };
  const withoutPrefetch = await throughput(() => decodePage(false), 3_000);
  record('replay page of 100 events / 100 subjects, cold cache: decode each', withoutPrefetch);
  record(
    'replay page of 100 events / 100 subjects, cold cache: prefetchKeys, then decode each',
    await throughput(() => decodePage(true), 3_000),
    withoutPrefetch,
  );

  // First event of a new meeting: creates, wraps and inserts its data key.
  record(
    'MeetingRequested, 20 invitees: encode for a new subject (key created)',
    await throughput(() => codec.encode(meetingRequested(newMeetingId(), 20))),
  );

  // Per field or per event? The AES-GCM work itself, for the 2 personal fields of the 20-invitee
  // MeetingRequested sealed separately, versus one operation over both.
  const key = createSecretKey(randomBytes(32)); // as the codec holds its cached keys
  const event = meetingRequested(newMeetingId(), 20);
  const fields = [JSON.stringify(event.data.title), JSON.stringify(event.data.invitees)].map((text) =>
    Buffer.from(text),
  );
  const together = Buffer.from(JSON.stringify({ title: event.data.title, invitees: event.data.invitees }));
  const seal = (plaintext: Buffer) => {
    const cipher = createCipheriv('aes-256-gcm', key, randomBytes(12));
    cipher.setAAD(Buffer.from('context'));
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  };
  const perEvent = await throughput(() => seal(together));
  record('AES-GCM alone: one operation for both personal fields', perEvent);
  record(
    'AES-GCM alone: one operation per personal field (2)',
    await throughput(() => fields.forEach(seal)),
    perEvent,
  );

  // Rotation: re-wrap every data key under a new key-encryption key.
  for (let index = 0; index < ROTATE_KEYS; index++) await keys.forSealing(`user:rotate${index}`);
  const rotating = new SubjectKeys({
    store,
    keyEncryptionKeys: KeyEncryptionKeyRing.fromConfig({
      primary: { id: 'bench-2', key: randomBytes(32).toString('base64') },
      previous: [firstKek],
    }),
  });
  const rotateStarted = performance.now();
  const report = await rotating.rotate();
  const rotateMs = performance.now() - rotateStarted;

  console.table(rows);
  console.log(`rotate(): re-wrapped ${report.rewrapped} data keys in ${Math.round(rotateMs)} ms`);

  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('./results/crypto-shredding.json', import.meta.url),
    `${JSON.stringify(
      {
        benchmark: 'crypto-shredding',
        measuredAt: new Date().toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
        roundMs: ROUND_MS,
        rows,
        rotation: { rewrapped: report.rewrapped, milliseconds: Math.round(rotateMs) },
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await store.close();
  await postgres.stop();
}
