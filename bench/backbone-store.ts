// npm run bench -- backbone-store
// Our PostgreSQL event store against Emmett's (@event-driven-io/emmett-postgresql), on the
// same embedded PostgreSQL with its default, durable settings, in the same run:
//   1. single-event appends with an exact expected revision, 16 writers over 1,000 streams
//   2. 100-event batch appends with an exact expected revision
//   3. readAll throughput (pages of 1,000 from the start of the log)
//   4. projection rebuild: owned by the read-model projections work; not measured here
// The append phases alternate ours/Emmett's rounds, so drift in a shared machine's load
// hits both. Target: single-event appends >= 1.5x Emmett.
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import pg from 'pg';
import { dumbo } from '@event-driven-io/dumbo';
import { getPostgreSQLEventStore, readMessagesBatch } from '@event-driven-io/emmett-postgresql';
import { startEmbeddedPostgres } from '@scheduler/local-infra';
import { PostgresEventStore } from '@scheduler/event-store';

const WRITERS = 16;
const STREAMS = 1_000;
const BATCH_SIZE = 100;
const BATCH_WRITERS = 4;
const READ_PAGE = 1_000;
const ROUNDS = 3;
const READ_ROUNDS = 2;
const READ_EVENTS = Number(process.env.BENCH_READ_EVENTS ?? 30_000);
const SINGLE_ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 6_000);
const BATCH_ROUND_MS = Number(process.env.BENCH_BATCH_ROUND_MS ?? 4_000);
const POOL_SIZE = 20;

interface Contender {
  readonly name: string;
  /** Appends one event per call with an exact expected revision; returns the next one. */
  appendOne(stream: string, expected: bigint | undefined, data: Record<string, unknown>): Promise<bigint>;
  appendBatch(
    stream: string,
    expected: bigint | undefined,
    batch: Record<string, unknown>[],
  ): Promise<bigint>;
  /** Reads up to `limit` events from the start of the log; returns how many it read. */
  readAll(limit: number): Promise<number>;
  close(): Promise<void>;
}

const payload = (index: number) => ({
  meetingId: randomUUID(),
  title: `Weekly sync #${index}`,
  organizer: 'organizer@example.com',
  attendees: ['a@example.com', 'b@example.com', 'c@example.com'],
  startsAt: '2026-11-26T10:00:00.000Z',
  endsAt: '2026-11-26T10:30:00.000Z',
  webexLink: 'https://example.webex.com/meet/abc',
});

async function ours(url: string): Promise<Contender> {
  const store = await PostgresEventStore.connect({
    connectionString: url,
    schema: 'scheduler_bench',
    poolSize: POOL_SIZE,
  });
  const revisionFor = (expected: bigint | undefined) => (expected === undefined ? 'no_stream' : expected);
  return {
    name: 'ours',
    async appendOne(stream, expected, data) {
      const result = await store.append(
        stream,
        [{ id: randomUUID(), type: 'MeetingScheduled', data }],
        revisionFor(expected),
      );
      return result.nextExpectedRevision;
    },
    async appendBatch(stream, expected, batch) {
      const events = batch.map((data) => ({ id: randomUUID(), type: 'MeetingScheduled', data }));
      return (await store.append(stream, events, revisionFor(expected))).nextExpectedRevision;
    },
    async readAll(limit) {
      let read = 0;
      let after;
      while (read < limit) {
        const page = await store.readAll({ after, maxCount: Math.min(READ_PAGE, limit - read) });
        if (page.length === 0) break;
        read += page.length;
        after = page.at(-1)!.position;
      }
      return read;
    },
    close: () => store.close(),
  };
}

async function emmett(url: string): Promise<Contender> {
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
  const store = getPostgreSQLEventStore(url, { connectionOptions: { pool } });
  await store.schema.migrate();
  const reader = dumbo({ connectionString: url, pool });
  // Emmett counts stream versions from 1 (0: no events); an exact 0 means "must not exist".
  const versionFor = (expected: bigint | undefined) => (expected === undefined ? 0n : expected + 1n);
  return {
    name: 'emmett',
    async appendOne(stream, expected, data) {
      const result = await store.appendToStream(stream, [{ type: 'MeetingScheduled', data }], {
        expectedStreamVersion: versionFor(expected),
      });
      return result.nextExpectedStreamVersion - 1n;
    },
    async appendBatch(stream, expected, batch) {
      const events = batch.map((data) => ({ type: 'MeetingScheduled', data }));
      const result = await store.appendToStream(stream, events, {
        expectedStreamVersion: versionFor(expected),
      });
      return result.nextExpectedStreamVersion - 1n;
    },
    async readAll(limit) {
      let read = 0;
      let after = 0n;
      while (read < limit) {
        const { messages } = await readMessagesBatch(reader.execute, {
          after,
          batchSize: Math.min(READ_PAGE, limit - read),
        });
        if (messages.length === 0) break;
        read += messages.length;
        after = messages.at(-1)!.metadata.globalPosition;
      }
      return read;
    },
    async close() {
      await store.close();
      await reader.close().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

/** 16 writers, each owning 1/16 of the streams, appending round-robin with exact revisions. */
async function singleAppendRound(contender: Contender, round: number, durationMs: number): Promise<number> {
  const deadline = Date.now() + durationMs;
  let appended = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      const streams = Array.from(
        { length: STREAMS / WRITERS + (writer < STREAMS % WRITERS ? 1 : 0) },
        (_, index) => `meeting-${contender.name}${round}w${writer}s${index}`,
      );
      const revisions = new Map<string, bigint>();
      for (let index = 0; Date.now() < deadline; index++) {
        const stream = streams[index % streams.length]!;
        revisions.set(stream, await contender.appendOne(stream, revisions.get(stream), payload(index)));
        appended++;
      }
    }),
  );
  return appended;
}

async function batchAppendRound(contender: Contender, round: number, durationMs: number): Promise<number> {
  const deadline = Date.now() + durationMs;
  let appended = 0;
  await Promise.all(
    Array.from({ length: BATCH_WRITERS }, async (_, writer) => {
      let revision: bigint | undefined;
      const stream = `calendar-${contender.name}${round}w${writer}`;
      for (let index = 0; Date.now() < deadline; index++) {
        const batch = Array.from({ length: BATCH_SIZE }, (_, position) =>
          payload(index * BATCH_SIZE + position),
        );
        revision = await contender.appendBatch(stream, revision, batch);
        appended += BATCH_SIZE;
      }
    }),
  );
  return appended;
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { result, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

interface Figure {
  readonly ours: number;
  readonly emmett: number;
  readonly ratio: number;
  readonly roundsOurs: number[];
  readonly roundsEmmett: number[];
}

async function alternate(
  contenders: [Contender, Contender],
  rounds: number,
  run: (contender: Contender, round: number) => Promise<number>,
): Promise<Figure> {
  const totals = { ours: { events: 0, seconds: 0 }, emmett: { events: 0, seconds: 0 } };
  const perRound: Record<string, number[]> = { ours: [], emmett: [] };
  for (let round = 0; round < rounds; round++) {
    // Swap who goes first each round.
    const order = round % 2 === 0 ? contenders : ([contenders[1], contenders[0]] as const);
    for (const contender of order) {
      const { result, seconds } = await timed(() => run(contender, round));
      const key = contender.name as 'ours' | 'emmett';
      totals[key].events += result;
      totals[key].seconds += seconds;
      perRound[key]!.push(Math.round(result / seconds));
    }
  }
  const oursRate = totals.ours.events / totals.ours.seconds;
  const emmettRate = totals.emmett.events / totals.emmett.seconds;
  return {
    ours: Math.round(oursRate),
    emmett: Math.round(emmettRate),
    ratio: Number((oursRate / emmettRate).toFixed(2)),
    roundsOurs: perRound.ours!,
    roundsEmmett: perRound.emmett!,
  };
}

async function main(): Promise<void> {
  const postgres = await startEmbeddedPostgres();
  const contenders: Contender[] = [];
  try {
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    const settingNames = [
      'server_version',
      'fsync',
      'synchronous_commit',
      'full_page_writes',
      'wal_sync_method',
      'shared_buffers',
    ];
    const settings: Record<string, string> = {};
    for (const name of settingNames) settings[name] = (await admin.query(`SHOW ${name}`)).rows[0][name];
    await admin.end();

    const both: [Contender, Contender] = [await ours(postgres.url), await emmett(postgres.url)];
    contenders.push(...both);

    // Warm-up: connections, prepared statements, the first pages of both tables.
    for (const contender of both) await singleAppendRound(contender, 99, 1_000);

    console.log(
      `backbone-store: ${ROUNDS} alternating rounds per contender; PostgreSQL ${settings.server_version}`,
    );
    console.log(
      `  settings: fsync=${settings.fsync} synchronous_commit=${settings.synchronous_commit} full_page_writes=${settings.full_page_writes} wal_sync_method=${settings.wal_sync_method} shared_buffers=${settings.shared_buffers}`,
    );
    const single = await alternate(both, ROUNDS, (contender, round) =>
      singleAppendRound(contender, round, SINGLE_ROUND_MS),
    );
    const batch = await alternate(both, ROUNDS, (contender, round) =>
      batchAppendRound(contender, round, BATCH_ROUND_MS),
    );
    // The append phases leave far more than this in each log; a longer read mostly
    // measures Emmett's full sort per page (its messages table has no index on the order).
    const readLimit = READ_EVENTS;
    const readCounts: Record<string, number> = {};
    const read = await alternate(both, READ_ROUNDS, async (contender) => {
      const count = await contender.readAll(readLimit);
      readCounts[contender.name] = count;
      return count;
    });

    const rows = [
      { figure: 'single-event append, exact revision, 16 writers / 1,000 streams (events/s)', ...single },
      {
        figure: `${BATCH_SIZE}-event batch append, exact revision, ${BATCH_WRITERS} writers (events/s)`,
        ...batch,
      },
      {
        figure: `readAll from the start, pages of ${READ_PAGE}, ${readCounts.ours} / ${readCounts.emmett} events (events/s)`,
        ...read,
      },
    ];
    console.table(
      rows.map((row) => ({
        figure: row.figure,
        ours: row.ours,
        emmett: row.emmett,
        'ours / emmett': row.ratio,
      })),
    );
    console.log('  projection rebuild: not measured here (owned by the read-model projections work)');
    const target = single.ratio >= 1.5 ? 'met' : 'NOT met';
    console.log(`  target single-event append >= 1.5x Emmett: ${target} (${single.ratio}x)`);

    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(
      new URL('./results/backbone-store.json', import.meta.url),
      `${JSON.stringify(
        {
          benchmark: 'backbone-store',
          measuredAt: new Date().toISOString(),
          machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
          postgres: settings,
          parameters: {
            writers: WRITERS,
            streams: STREAMS,
            batchSize: BATCH_SIZE,
            batchWriters: BATCH_WRITERS,
            rounds: ROUNDS,
            singleRoundMs: SINGLE_ROUND_MS,
            batchRoundMs: BATCH_ROUND_MS,
            poolSize: POOL_SIZE,
            readPage: READ_PAGE,
            readRounds: READ_ROUNDS,
            readEvents: readCounts,
          },
          singleEventAppend: single,
          batchAppend: batch,
          readAll: read,
          projectionRebuild: { skipped: 'owned by the read-model projections work' },
          targetSingleEventAppendRatio: 1.5,
          targetMet: single.ratio >= 1.5,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await Promise.allSettled(contenders.map((contender) => contender.close()));
    await postgres.stop();
  }
}

await main();
