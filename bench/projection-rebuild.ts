// npm run bench -- projection-rebuild
// Rebuilding a read model from position 0: a realistic meeting-summary
// projection over a log of meeting lifecycles mixed with unrelated events, on one embedded
// PostgreSQL with its default, durable settings. Same-run baseline: the raw readAll
// throughput of the event store over the same events and page size, which bounds any
// rebuild. Target: rebuild >= 20,000 events/s on this 2-core machine.
// Same run, same events: a second log holds every event with its personal fields sealed (the
// real PersonalDataCodec, data keys in a PostgresDataKeyStore on the same PostgreSQL, a random
// key-encryption key), rebuilt through the runtime's sealedEventOpener with a cold key cache in
// every round (a rebuild in a fresh process), so the sealed/plaintext ratio is what sealing costs.
//   BENCH_MEETINGS (default 20,000: 100,000 meeting events per log), BENCH_ROUNDS (3), BENCH_BATCH (read
//   page, 2,000), BENCH_REBUILD_BATCH (events per rebuild transaction, 20,000)
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import pg from 'pg';
import { startEmbeddedPostgres } from '@scheduler/local-infra';
import {
  ConferenceAttached,
  MeetingCancelled,
  MeetingEnded,
  MeetingRequested,
  MeetingScheduled,
  MeetingUpdated,
  createEvent,
  newUuidV7,
  type EventEnvelope,
} from '@scheduler/contracts';
import {
  KeyEncryptionKeyRing,
  PersonalDataCodec,
  PostgresDataKeyStore,
  SecretBox,
  SubjectKeys,
} from '@scheduler/crypto-shredding';
import {
  type Position,
  PostgresEventStore,
  type RecordedEvent,
  envelopeToEventToAppend,
} from '@scheduler/event-store';
import {
  PostgresReadModelStore,
  ProjectionRunner,
  defineProjection,
  type RebuildReport,
} from '@scheduler/read-models';
import { sealedEventOpener } from '@scheduler/runtime';

const MEETINGS = Number(process.env.BENCH_MEETINGS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH = Number(process.env.BENCH_BATCH ?? 2_000);
const REBUILD_BATCH = Number(process.env.BENCH_REBUILD_BATCH ?? 20_000);
const TARGET = 20_000;
const SEED_WRITERS = 8;
/** Meetings whose lifecycles are interleaved in the log: a meeting's events lie ~this many x 5 positions apart. */
const SEED_CHUNK = 2_000;
/** Unrelated events (user, calendarWatch) per meeting, so the category filter has work to do. */
const NOISE_PER_MEETING = 1;

interface MeetingSummary {
  [key: string]: unknown;
  meetingId: string;
  userId: string;
  status: 'requested' | 'scheduled' | 'cancelled' | 'failed' | 'ended';
  title: string | null;
  start: string;
  end: string;
  timeZone: string;
  inviteeCount: number;
  joinLink?: string;
  meetingNumber?: string;
  sipAddress?: string;
  calendarEventId?: string;
  purged: boolean;
}

/** What the gateway's meeting list shows: status, title, times, join link. */
const meetingSummary = defineProjection<MeetingSummary>({
  name: 'meeting-summary',
  collection: {
    name: 'meeting_summary',
    indexes: { userId: 'string', status: 'string', start: 'string' },
  },
  filter: { categories: ['meeting'] },
  documentId: (event) => (typeof event.data.meetingId === 'string' ? event.data.meetingId : undefined),
  project: (summary, event) => {
    const data = event.data as Record<string, unknown>;
    switch (event.type) {
      case 'MeetingRequested':
        return {
          meetingId: data.meetingId as string,
          userId: data.userId as string,
          status: 'requested',
          title: data.title as string,
          start: data.start as string,
          end: data.end as string,
          timeZone: data.timeZone as string,
          inviteeCount: (data.invitees as unknown[]).length,
          purged: false,
        };
      case 'MeetingScheduled':
        return (
          summary && {
            ...summary,
            status: 'scheduled',
            joinLink: data.webLink as string,
            meetingNumber: data.meetingNumber as string,
            sipAddress: data.sipAddress as string,
          }
        );
      case 'ConferenceAttached':
        return summary && { ...summary, calendarEventId: data.eventId as string };
      case 'MeetingUpdated':
        return (
          summary && {
            ...summary,
            title: data.title as string,
            start: data.start as string,
            end: data.end as string,
            inviteeCount: (data.invitees as unknown[]).length,
          }
        );
      case 'MeetingCancelled':
        return summary && { ...summary, status: 'cancelled' };
      case 'MeetingEnded':
        return summary && { ...summary, status: 'ended' };
      case 'MeetingDataPurged':
        return summary && { ...summary, title: null, purged: true };
      default:
        return undefined;
    }
  },
});

function meetingLifecycle(index: number): { streamId: string; events: EventEnvelope[] } {
  const meetingId = newUuidV7();
  const streamId = `meeting-${meetingId}`;
  const userId = `user${index % 500}`;
  const start = new Date(Date.UTC(2026, 11, 1, 9) + index * 60_000).toISOString();
  const end = new Date(Date.UTC(2026, 11, 1, 9, 30) + index * 60_000).toISOString();
  const invitees = Array.from({ length: 4 }, (_, invitee) => ({
    email: `person${invitee}.${index}@example.com`,
    displayName: `Person ${invitee}`,
  }));
  const common = { streamId, tenantId: 'bench.example.com', correlationId: randomUUID() };
  const webexMeetingId = `wx${index}`;
  return {
    streamId,
    events: [
      createEvent(MeetingRequested, {
        ...common,
        data: {
          meetingId,
          userId,
          source: 'calendar',
          calendarId: 'primary',
          eventId: `evt${index}`,
          title: `Weekly sync #${index}`,
          start,
          end,
          timeZone: 'Europe/Berlin',
          invitees,
        },
      }),
      createEvent(MeetingScheduled, {
        ...common,
        data: {
          meetingId,
          webexMeetingId,
          meetingNumber: String(2_500_000_000 + index),
          siteUrl: 'example.webex.com',
          webLink: `https://example.webex.com/meet/j.php?MTID=m${index}`,
          sipAddress: `${2_500_000_000 + index}@example.webex.com`,
        },
      }),
      createEvent(ConferenceAttached, {
        ...common,
        data: {
          meetingId,
          calendarId: 'primary',
          eventId: `evt${index}`,
          conferenceId: String(2_500_000_000 + index),
        },
      }),
      createEvent(MeetingUpdated, {
        ...common,
        data: {
          meetingId,
          webexMeetingId,
          title: `Weekly sync #${index} (moved)`,
          start,
          end,
          timeZone: 'Europe/Berlin',
          invitees: invitees.slice(0, 3),
          changed: ['title', 'invitees'],
        },
      }),
      index % 10 === 0
        ? createEvent(MeetingCancelled, {
            ...common,
            data: { meetingId, webexMeetingId, reason: 'event-deleted' },
          })
        : createEvent(MeetingEnded, {
            ...common,
            data: { meetingId, endedAt: end, source: 'scheduled-end' },
          }),
    ],
  };
}

/**
 * Meetings are seeded in chunks, stage by stage, so a meeting's events lie thousands of
 * positions apart, as they do in a real log (a meeting is requested, scheduled, updated and
 * ended over days, between other meetings' events). Every event goes to both logs, as is and
 * sealed, at the same place.
 */
async function seed(
  plaintextStore: PostgresEventStore,
  sealedStore: PostgresEventStore,
  codec: PersonalDataCodec,
): Promise<{ meetingEvents: number; otherEvents: number; sealedEvents: number }> {
  let meetingEvents = 0;
  let otherEvents = 0;
  let sealedEvents = 0;
  for (let chunkStart = 0; chunkStart < MEETINGS; chunkStart += SEED_CHUNK) {
    const lifecycles = Array.from({ length: Math.min(SEED_CHUNK, MEETINGS - chunkStart) }, (_, offset) =>
      meetingLifecycle(chunkStart + offset),
    );
    for (let stage = 0; stage < lifecycles[0]!.events.length; stage++) {
      let next = 0;
      await Promise.all(
        Array.from({ length: SEED_WRITERS }, async () => {
          while (next < lifecycles.length) {
            const index = next++;
            const lifecycle = lifecycles[index]!;
            const event = lifecycle.events[stage]!;
            const sealed = await codec.encode(event);
            if (JSON.stringify(sealed.data).includes('"$sealed"')) sealedEvents++;
            const expected = stage === 0 ? 'no_stream' : BigInt(stage - 1);
            await Promise.all([
              plaintextStore.append(lifecycle.streamId, [envelopeToEventToAppend(event)], expected),
              sealedStore.append(lifecycle.streamId, [envelopeToEventToAppend(sealed)], expected),
            ]);
            meetingEvents++;
            if (stage === 0) {
              for (let noise = 0; noise < NOISE_PER_MEETING; noise++) {
                const watch = {
                  id: randomUUID(),
                  type: 'CalendarWatchRenewed',
                  data: { channelId: randomUUID(), expiresAt: '2026-12-01T00:00:00Z' },
                };
                const watchStream = `calendarWatch-${chunkStart + index}-${noise}`;
                await Promise.all([
                  plaintextStore.append(watchStream, [watch], 'any'),
                  sealedStore.append(watchStream, [watch], 'any'),
                ]);
                otherEvents++;
              }
            }
          }
        }),
      );
    }
  }
  return { meetingEvents, otherEvents, sealedEvents };
}

/** The baseline: what reading the same events, in the same pages, costs on its own. */
async function readAllThroughput(
  store: PostgresEventStore,
): Promise<{ events: number; eventsPerSecond: number }> {
  const started = performance.now();
  let after: Position | undefined;
  let events = 0;
  for (;;) {
    const page: RecordedEvent[] = await store.readAll({
      ...(after ? { after } : {}),
      maxCount: BATCH,
      filter: { categories: ['meeting'] },
    });
    if (page.length === 0) break;
    events += page.length;
    after = page.at(-1)!.position;
    if (page.length < BATCH) break;
  }
  const seconds = (performance.now() - started) / 1000;
  return { events, eventsPerSecond: events / seconds };
}

const median = (values: number[]) =>
  [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)]!;

const describeRebuild = (report: RebuildReport) =>
  `${Math.round(report.eventsPerSecond)} events/s (${report.events} events; waiting for events ` +
  `${Math.round(report.phases.waitingForEventsMs)} ms, applying ${Math.round(report.phases.applyingMs)} ms, ` +
  `swap ${Math.round(report.phases.swapMs)} ms)`;

const phasesOf = (report: RebuildReport | undefined) =>
  report && {
    waitingForEvents: Math.round(report.phases.waitingForEventsMs),
    applying: Math.round(report.phases.applyingMs),
    swap: Math.round(report.phases.swapMs),
  };

async function main() {
  const postgres = await startEmbeddedPostgres();
  const connect = (schema: string) => PostgresEventStore.connect({ connectionString: postgres.url, schema });
  try {
    const eventStore = await connect('bench_events');
    const sealedEventStore = await connect('bench_sealed_events');
    const readModels = await PostgresReadModelStore.connect({
      connectionString: postgres.url,
      schema: 'bench_read_models',
    });
    const sealedReadModels = await PostgresReadModelStore.connect({
      connectionString: postgres.url,
      schema: 'bench_sealed_read_models',
    });
    const keyEncryptionKeys = KeyEncryptionKeyRing.fromConfig({
      primary: { id: 'bench-kek', key: randomBytes(32).toString('base64') },
    });
    const readerKeyStore = new PostgresDataKeyStore({
      connectionString: postgres.url,
      table: 'bench_data_keys',
    });
    try {
      const settings = new pg.Client({ connectionString: postgres.url });
      await settings.connect();
      const { rows } = await settings.query<{ name: string; setting: string }>(
        `SELECT name, setting FROM pg_settings
         WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers')`,
      );
      await settings.end();
      await readerKeyStore.ensureSchema();

      // Seeding is set-up, not measured: its sessions commit without waiting for the WAL flush.
      const seedPool = new pg.Pool({
        connectionString: postgres.url,
        max: SEED_WRITERS * 3,
        options: '-c synchronous_commit=off',
      });
      const seeders = await Promise.all(
        ['bench_events', 'bench_sealed_events'].map((schema) =>
          PostgresEventStore.connect({ connectionString: postgres.url, schema, pool: seedPool }),
        ),
      );
      // The writer has its own key cache, so the reader finds none of the keys in memory.
      const writerCodec = new PersonalDataCodec({
        secretBox: new SecretBox(
          new SubjectKeys({
            store: new PostgresDataKeyStore({ pool: seedPool, table: 'bench_data_keys' }),
            keyEncryptionKeys,
          }),
        ),
      });
      const seedStarted = performance.now();
      const seeded = await seed(seeders[0]!, seeders[1]!, writerCodec);
      const seedSeconds = (performance.now() - seedStarted) / 1000;
      for (const seeder of seeders) await seeder.close();
      await seedPool.end();
      console.log(
        `seeded ${seeded.meetingEvents} meeting events (${seeded.sealedEvents} with sealed fields in the sealed log) ` +
          `+ ${seeded.otherEvents} other events into each of two logs in ${seedSeconds.toFixed(1)} s`,
      );

      const readerKeys = new SubjectKeys({ store: readerKeyStore, keyEncryptionKeys });
      const runner = new ProjectionRunner<MeetingSummary>({
        eventStore,
        store: readModels,
        projection: meetingSummary,
        batchSize: BATCH,
        rebuildBatchSize: REBUILD_BATCH,
      });
      // Time spent in the open hook (key loads and opening), the part of a sealed rebuild that sealing adds.
      const opener = sealedEventOpener({
        codec: new PersonalDataCodec({ secretBox: new SecretBox(readerKeys) }),
      });
      let openingMs = 0;
      const timedOpener: typeof opener = async (events) => {
        const started = performance.now();
        try {
          return await opener(events);
        } finally {
          openingMs += performance.now() - started;
        }
      };
      const sealedRunner = new ProjectionRunner<MeetingSummary>({
        eventStore: sealedEventStore,
        store: sealedReadModels,
        projection: meetingSummary,
        batchSize: BATCH,
        rebuildBatchSize: REBUILD_BATCH,
        open: timedOpener,
      });
      const baseline: number[] = [];
      const sealedBaseline: number[] = [];
      const rebuilds: number[] = [];
      const sealedRebuilds: number[] = [];
      const openingRounds: number[] = [];
      let lastReport: RebuildReport | undefined;
      let lastSealedReport: RebuildReport | undefined;
      // Warm-up: one read of each log, so no side pays for a cold cache alone.
      await readAllThroughput(eventStore);
      await readAllThroughput(sealedEventStore);
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate them, so drift in a shared machine's load hits every side.
        const read = await readAllThroughput(eventStore);
        baseline.push(read.eventsPerSecond);
        const report = await runner.rebuild();
        rebuilds.push(report.eventsPerSecond);
        lastReport = report;
        const sealedRead = await readAllThroughput(sealedEventStore);
        sealedBaseline.push(sealedRead.eventsPerSecond);
        readerKeys.clearCache();
        openingMs = 0;
        const sealedReport = await sealedRunner.rebuild();
        openingRounds.push(openingMs);
        sealedRebuilds.push(sealedReport.eventsPerSecond);
        lastSealedReport = sealedReport;
        console.log(
          `round ${round + 1}: readAll ${Math.round(read.eventsPerSecond)} events/s (sealed log ` +
            `${Math.round(sealedRead.eventsPerSecond)}); plaintext rebuild ${describeRebuild(report)}; ` +
            `sealed rebuild ${describeRebuild(sealedReport)}, of which opening ${Math.round(openingMs)} ms`,
        );
      }

      const cancelledExpected = Math.ceil(MEETINGS / 10);
      for (const [name, store] of [
        ['plaintext', readModels],
        ['sealed', sealedReadModels],
      ] as const) {
        const summaries = await store.collection(meetingSummary.collection);
        const cancelled = (await summaries.find({ where: { status: 'cancelled' }, limit: 10_000 })).length;
        const [sample] = await summaries.find({ where: { status: 'ended' }, limit: 1 });
        const document = sample?.document;
        if (
          cancelled !== cancelledExpected ||
          !document ||
          !/^Weekly sync #[0-9]+ \(moved\)$/.test(String(document.title)) ||
          document.inviteeCount !== 3
        ) {
          throw new Error(
            `the ${name} rebuilt read model is wrong: ${cancelled} cancelled meetings (expected ` +
              `${cancelledExpected}), sample ${JSON.stringify(document)}`,
          );
        }
      }

      const rebuildMedian = median(rebuilds);
      const sealedRebuildMedian = median(sealedRebuilds);
      const readMedian = median(baseline);
      const sealedReadMedian = median(sealedBaseline);
      const result = {
        benchmark: 'projection-rebuild',
        measuredAt: new Date().toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
        postgres: Object.fromEntries(rows.map((row) => [row.name, row.setting])),
        parameters: {
          meetings: MEETINGS,
          meetingEvents: seeded.meetingEvents,
          sealedMeetingEvents: seeded.sealedEvents,
          otherEvents: seeded.otherEvents,
          batchSize: BATCH,
          rebuildBatchSize: REBUILD_BATCH,
          seedChunk: SEED_CHUNK,
          rounds: ROUNDS,
          projection: meetingSummary.name,
          sealedRebuildKeyCache: 'cleared before every round (keys of the whole log loaded by the rebuild)',
        },
        seedEventsPerSecond: Math.round((2 * (seeded.meetingEvents + seeded.otherEvents)) / seedSeconds),
        readAllBaseline: { eventsPerSecond: Math.round(readMedian), rounds: baseline.map(Math.round) },
        sealedReadAllBaseline: {
          eventsPerSecond: Math.round(sealedReadMedian),
          rounds: sealedBaseline.map(Math.round),
        },
        rebuild: {
          eventsPerSecond: Math.round(rebuildMedian),
          rounds: rebuilds.map(Math.round),
          documents: MEETINGS,
          lastGeneration: lastReport?.generation,
          lastPhasesMs: phasesOf(lastReport),
        },
        sealedRebuild: {
          eventsPerSecond: Math.round(sealedRebuildMedian),
          rounds: sealedRebuilds.map(Math.round),
          documents: MEETINGS,
          lastGeneration: lastSealedReport?.generation,
          lastPhasesMs: phasesOf(lastSealedReport),
          openingMs: {
            median: Math.round(median(openingRounds)),
            rounds: openingRounds.map(Math.round),
            microsecondsPerSealedEvent: Number(
              ((median(openingRounds) * 1000) / seeded.sealedEvents).toFixed(1),
            ),
          },
        },
        rebuildToReadAllRatio: Number((rebuildMedian / readMedian).toFixed(2)),
        sealedToPlaintextRebuildRatio: Number((sealedRebuildMedian / rebuildMedian).toFixed(2)),
        target: {
          rebuildEventsPerSecond: TARGET,
          met: rebuildMedian >= TARGET,
          sealedMet: sealedRebuildMedian >= TARGET,
        },
      };
      console.table({
        'readAll, plaintext log (baseline), events/s': { median: result.readAllBaseline.eventsPerSecond },
        'readAll, sealed log, events/s': { median: result.sealedReadAllBaseline.eventsPerSecond },
        'rebuild, plaintext log, events/s': { median: result.rebuild.eventsPerSecond },
        'rebuild, sealed log (sealedEventOpener), events/s': { median: result.sealedRebuild.eventsPerSecond },
        'rebuild / readAll': { median: result.rebuildToReadAllRatio },
        'sealed / plaintext rebuild': { median: result.sealedToPlaintextRebuildRatio },
        'opening, µs per sealed event (cold key cache)': {
          median: result.sealedRebuild.openingMs.microsecondsPerSealedEvent,
        },
        'target, events/s': { median: TARGET },
      });
      console.log(
        `target ${TARGET} events/s: plaintext ${result.target.met ? 'met' : 'NOT met'}, ` +
          `sealed ${result.target.sealedMet ? 'met' : 'NOT met'}`,
      );
      mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
      writeFileSync(
        new URL('./results/projection-rebuild.json', import.meta.url),
        `${JSON.stringify(result, null, 2)}\n`,
      );
    } finally {
      await readerKeyStore.close();
      await sealedReadModels.close();
      await readModels.close();
      await sealedEventStore.close();
      await eventStore.close();
    }
  } finally {
    await postgres.stop();
  }
}

await main();
