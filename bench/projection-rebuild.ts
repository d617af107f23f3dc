// npm run bench -- projection-rebuild
// Rebuilding a read model from position 0 (design §4): a realistic meeting-summary
// projection over a log of meeting lifecycles mixed with unrelated events, on one embedded
// PostgreSQL with its default, durable settings. Same-run baseline: the raw readAll
// throughput of the event store over the same events and page size, which bounds any
// rebuild. Target: rebuild >= 20,000 events/s on this 2-core machine.
//   BENCH_MEETINGS (default 20,000: 100,000 meeting events), BENCH_ROUNDS (3), BENCH_BATCH (read page,
//   2,000), BENCH_REBUILD_BATCH (events per rebuild transaction, 20,000)
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import pg from 'pg';
import { startEmbeddedPostgres } from '@scheduler/local-infra';
import {
  PostgresEventStore,
  type EventToAppend,
  type Position,
  type RecordedEvent,
} from '@scheduler/event-store';
import { PostgresReadModelStore, ProjectionRunner, defineProjection } from '@scheduler/read-models';

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

function meetingLifecycle(index: number): { streamId: string; events: EventToAppend[] } {
  const meetingId = randomUUID();
  const userId = `user-${index % 500}`;
  const start = new Date(Date.UTC(2026, 11, 1, 9) + index * 60_000).toISOString();
  const end = new Date(Date.UTC(2026, 11, 1, 9, 30) + index * 60_000).toISOString();
  const invitees = Array.from({ length: 4 }, (_, invitee) => ({
    email: `person${invitee}.${index}@example.com`,
    displayName: `Person ${invitee}`,
  }));
  const event = (type: string, data: Record<string, unknown>): EventToAppend => ({
    id: randomUUID(),
    type,
    data: { meetingId, ...data },
    metadata: { tenantId: 'tenant-bench', correlationId: randomUUID() },
  });
  return {
    streamId: `meeting-${meetingId}`,
    events: [
      event('MeetingRequested', {
        userId,
        source: 'calendar',
        calendarId: 'primary',
        eventId: `evt${index}`,
        title: `Weekly sync #${index}`,
        start,
        end,
        timeZone: 'Europe/Berlin',
        invitees,
      }),
      event('MeetingScheduled', {
        webexMeetingId: `wx${index}`,
        meetingNumber: String(2_500_000_000 + index),
        siteUrl: 'example.webex.com',
        webLink: `https://example.webex.com/meet/j.php?MTID=m${index}`,
        sipAddress: `${2_500_000_000 + index}@example.webex.com`,
      }),
      event('ConferenceAttached', {
        calendarId: 'primary',
        eventId: `evt${index}`,
        conferenceId: String(2_500_000_000 + index),
      }),
      event('MeetingUpdated', {
        webexMeetingId: `wx${index}`,
        title: `Weekly sync #${index} (moved)`,
        start,
        end,
        timeZone: 'Europe/Berlin',
        invitees: invitees.slice(0, 3),
        changed: ['title', 'invitees'],
      }),
      index % 10 === 0
        ? event('MeetingCancelled', { webexMeetingId: `wx${index}`, reason: 'event-deleted' })
        : event('MeetingEnded', { endedAt: end, source: 'scheduled-end' }),
    ],
  };
}

/**
 * Meetings are seeded in chunks, stage by stage, so a meeting's events lie thousands of
 * positions apart, as they do in a real log (a meeting is requested, scheduled, updated and
 * ended over days, between other meetings' events).
 */
async function seed(store: PostgresEventStore): Promise<{ meetingEvents: number; otherEvents: number }> {
  let meetingEvents = 0;
  let otherEvents = 0;
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
            await store.append(
              lifecycle.streamId,
              [lifecycle.events[stage]!],
              stage === 0 ? 'no_stream' : BigInt(stage - 1),
            );
            meetingEvents++;
            if (stage === 0) {
              for (let noise = 0; noise < NOISE_PER_MEETING; noise++) {
                await store.append(
                  `calendarWatch-${chunkStart + index}-${noise}`,
                  [
                    {
                      id: randomUUID(),
                      type: 'CalendarWatchRenewed',
                      data: { channelId: randomUUID(), expiresAt: '2026-12-01T00:00:00Z' },
                    },
                  ],
                  'any',
                );
                otherEvents++;
              }
            }
          }
        }),
      );
    }
  }
  return { meetingEvents, otherEvents };
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

async function main() {
  const postgres = await startEmbeddedPostgres();
  try {
    const eventStore = await PostgresEventStore.connect({
      connectionString: postgres.url,
      schema: 'bench_events',
    });
    const readModels = await PostgresReadModelStore.connect({
      connectionString: postgres.url,
      schema: 'bench_read_models',
    });
    try {
      const settings = new pg.Client({ connectionString: postgres.url });
      await settings.connect();
      const { rows } = await settings.query<{ name: string; setting: string }>(
        `SELECT name, setting FROM pg_settings
         WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers')`,
      );
      await settings.end();

      // Seeding is set-up, not measured: its sessions commit without waiting for the WAL flush.
      const seedPool = new pg.Pool({
        connectionString: postgres.url,
        max: SEED_WRITERS,
        options: '-c synchronous_commit=off',
      });
      const seeder = await PostgresEventStore.connect({
        connectionString: postgres.url,
        schema: 'bench_events',
        pool: seedPool,
      });
      const seedStarted = performance.now();
      const seeded = await seed(seeder);
      const seedSeconds = (performance.now() - seedStarted) / 1000;
      await seeder.close();
      await seedPool.end();
      console.log(
        `seeded ${seeded.meetingEvents} meeting events + ${seeded.otherEvents} other events in ${seedSeconds.toFixed(1)} s`,
      );

      const runner = new ProjectionRunner<MeetingSummary>({
        eventStore,
        store: readModels,
        projection: meetingSummary,
        batchSize: BATCH,
        rebuildBatchSize: REBUILD_BATCH,
      });
      const baseline: number[] = [];
      const rebuilds: number[] = [];
      let lastReport;
      // Warm-up: one read of the log, so neither side pays for a cold cache alone.
      await readAllThroughput(eventStore);
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate the two, so drift in a shared machine's load hits both.
        const read = await readAllThroughput(eventStore);
        baseline.push(read.eventsPerSecond);
        const report = await runner.rebuild();
        rebuilds.push(report.eventsPerSecond);
        lastReport = report;
        console.log(
          `round ${round + 1}: readAll ${Math.round(read.eventsPerSecond)} events/s, ` +
            `rebuild ${Math.round(report.eventsPerSecond)} events/s (${report.events} events, generation ${report.generation}; ` +
            `waiting for events ${Math.round(report.phases.waitingForEventsMs)} ms, applying ` +
            `${Math.round(report.phases.applyingMs)} ms, swap ${Math.round(report.phases.swapMs)} ms)`,
        );
      }

      const summaries = await readModels.collection(meetingSummary.collection);
      const documents = (await summaries.find({ where: { status: 'cancelled' }, limit: 10_000 })).length;
      const cancelledExpected = Math.ceil(MEETINGS / 10);
      if (documents !== cancelledExpected) {
        throw new Error(
          `rebuilt read model is wrong: ${documents} cancelled meetings, expected ${cancelledExpected}`,
        );
      }

      const rebuildMedian = median(rebuilds);
      const readMedian = median(baseline);
      const result = {
        benchmark: 'projection-rebuild',
        measuredAt: new Date().toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
        postgres: Object.fromEntries(rows.map((row) => [row.name, row.setting])),
        parameters: {
          meetings: MEETINGS,
          meetingEvents: seeded.meetingEvents,
          otherEvents: seeded.otherEvents,
          batchSize: BATCH,
          rebuildBatchSize: REBUILD_BATCH,
          seedChunk: SEED_CHUNK,
          rounds: ROUNDS,
          projection: meetingSummary.name,
        },
        seedEventsPerSecond: Math.round((seeded.meetingEvents + seeded.otherEvents) / seedSeconds),
        readAllBaseline: { eventsPerSecond: Math.round(readMedian), rounds: baseline.map(Math.round) },
        rebuild: {
          eventsPerSecond: Math.round(rebuildMedian),
          rounds: rebuilds.map(Math.round),
          documents: MEETINGS,
          lastGeneration: lastReport?.generation,
          lastPhasesMs: lastReport && {
            waitingForEvents: Math.round(lastReport.phases.waitingForEventsMs),
            applying: Math.round(lastReport.phases.applyingMs),
            swap: Math.round(lastReport.phases.swapMs),
          },
        },
        rebuildToReadAllRatio: Number((rebuildMedian / readMedian).toFixed(2)),
        target: { rebuildEventsPerSecond: TARGET, met: rebuildMedian >= TARGET },
      };
      console.table({
        'readAll (baseline)': { 'events/s (median)': result.readAllBaseline.eventsPerSecond },
        'projection rebuild': { 'events/s (median)': result.rebuild.eventsPerSecond },
        'rebuild / readAll': { 'events/s (median)': result.rebuildToReadAllRatio },
        target: { 'events/s (median)': TARGET },
      });
      console.log(`target ${TARGET} events/s: ${result.target.met ? 'met' : 'NOT met'}`);
      mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
      writeFileSync(
        new URL('./results/projection-rebuild.json', import.meta.url),
        `${JSON.stringify(result, null, 2)}\n`,
      );
    } finally {
      await readModels.close();
      await eventStore.close();
    }
  } finally {
    await postgres.stop();
  }
}

await main();
