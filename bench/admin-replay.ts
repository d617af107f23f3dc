// npm run bench -- admin-replay
// The operators' `scheduler audit replay --projection gateway-meetings` on 100,000 events: the
// bench seeds meeting lifecycles (personal fields sealed with the real PersonalDataCodec, one
// data key per meeting, as webex-bridge writes them) into one embedded PostgreSQL with its
// default, durable settings, then runs the CLI's bin as an operator does (a fresh process each
// round: cold key cache, the loader's start-up included in nothing but the wall time) and reads
// the rate from the summary line it prints.
//   BENCH_MEETINGS (default 20,000 meetings × 5 events = 100,000 events), BENCH_ROUNDS (3)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  ConferenceAttached,
  MeetingCancelled,
  MeetingEnded,
  MeetingRequested,
  MeetingScheduled,
  MeetingUpdated,
  createEvent,
  exampleEventData,
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
import { PostgresEventStore } from '@scheduler/event-store';
import { startEmbeddedPostgres } from '@scheduler/local-infra';
import { sealedEnvelopeCodec } from '@scheduler/runtime';

const MEETINGS = Number(process.env.BENCH_MEETINGS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SEED_WRITERS = 8;
const bin = fileURLToPath(new URL('../tools/cli/bin/scheduler.mjs', import.meta.url));

function lifecycle(index: number): { streamId: string; events: EventEnvelope[] } {
  const meetingId = newUuidV7();
  const streamId = `meeting-${meetingId}`;
  const common = { streamId, tenantId: 'bench.example.com', correlationId: newUuidV7() };
  const requested = exampleEventData.MeetingRequested[0]!;
  const scheduled = exampleEventData.MeetingScheduled[0]!;
  return {
    streamId,
    events: [
      createEvent(MeetingRequested, {
        ...common,
        data: { ...requested, meetingId, eventId: `evt${index}`, title: `Weekly sync #${index}` },
      }),
      createEvent(MeetingScheduled, { ...common, data: { ...scheduled, meetingId } }),
      createEvent(ConferenceAttached, {
        ...common,
        data: { ...exampleEventData.ConferenceAttached[0]!, meetingId, eventId: `evt${index}` },
      }),
      createEvent(MeetingUpdated, {
        ...common,
        data: { ...exampleEventData.MeetingUpdated[0]!, meetingId, title: `Weekly sync #${index} (moved)` },
      }),
      index % 10 === 0
        ? createEvent(MeetingCancelled, { ...common, data: { meetingId, reason: 'event-deleted' } })
        : createEvent(MeetingEnded, { ...common, data: { ...exampleEventData.MeetingEnded[0]!, meetingId } }),
    ],
  };
}

interface Round {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly wallSeconds: number;
}

/** One `npx scheduler audit replay` in its own process; its summary line is the measurement. */
async function replay(environment: Record<string, string>): Promise<Round> {
  const started = performance.now();
  const child = spawn(process.execPath, [bin, 'audit', 'replay', '--projection', 'gateway-meetings'], {
    env: { ...process.env, ...environment },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const wallSeconds = (performance.now() - started) / 1000;
  const summary = /replayed gateway-meetings: (\d+) events in ([\d.]+) s \((\d+) events\/s\)/.exec(stdout);
  if (status !== 0 || !summary) throw new Error(`the replay exited with ${status}: ${stdout}`);
  return {
    events: Number(summary[1]),
    seconds: Number(summary[2]),
    eventsPerSecond: Number(summary[3]),
    wallSeconds,
  };
}

async function main() {
  const postgres = await startEmbeddedPostgres();
  try {
    const keyEncryptionKey = `bench-kek:${randomBytes(32).toString('base64')}`;
    const environment = {
      EVENT_STORE_URL: postgres.url,
      KEY_STORE_URL: postgres.url,
      READ_MODEL_URL: postgres.url,
      KEY_ENCRYPTION_KEY: keyEncryptionKey,
    };
    // Seeding is set-up, not measured: its sessions commit without waiting for the WAL flush.
    const seedPool = new pg.Pool({
      connectionString: postgres.url,
      max: SEED_WRITERS * 2,
      options: '-c synchronous_commit=off',
    });
    const store = await PostgresEventStore.connect({ connectionString: postgres.url, pool: seedPool });
    const keyStore = new PostgresDataKeyStore({ pool: seedPool });
    await keyStore.ensureSchema();
    const codec = sealedEnvelopeCodec(
      new PersonalDataCodec({
        secretBox: new SecretBox(
          new SubjectKeys({
            store: keyStore,
            keyEncryptionKeys: KeyEncryptionKeyRing.fromEnvironment({ primary: keyEncryptionKey }),
          }),
        ),
      }),
    );
    const seedStarted = performance.now();
    let next = 0;
    let seeded = 0;
    await Promise.all(
      Array.from({ length: SEED_WRITERS }, async () => {
        while (next < MEETINGS) {
          const { streamId, events } = lifecycle(next++);
          await store.append(streamId, await codec.write(events), 'no_stream');
          seeded += events.length;
        }
      }),
    );
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    await store.close();
    await seedPool.end();
    console.log(
      `seeded ${seeded} sealed meeting events (${MEETINGS} meetings) in ${seedSeconds.toFixed(1)} s`,
    );

    const rounds: Round[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const result = await replay(environment);
      rounds.push(result);
      console.log(
        `round ${round + 1}: ${result.events} events in ${result.seconds.toFixed(2)} s, ` +
          `${result.eventsPerSecond} events/s (process wall time ${result.wallSeconds.toFixed(2)} s)`,
      );
    }
    const median = [...rounds].sort((left, right) => left.eventsPerSecond - right.eventsPerSecond)[
      Math.floor(rounds.length / 2)
    ]!;
    const result = {
      benchmark: 'admin-replay',
      measuredAt: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
      parameters: { meetings: MEETINGS, events: seeded, rounds: ROUNDS, projection: 'gateway-meetings' },
      seedEventsPerSecond: Math.round(seeded / seedSeconds),
      replay: {
        eventsPerSecond: median.eventsPerSecond,
        seconds: median.seconds,
        wallSeconds: Number(median.wallSeconds.toFixed(2)),
        rounds: rounds.map((round) => round.eventsPerSecond),
      },
    };
    console.table({
      'audit replay, events/s (median)': { value: result.replay.eventsPerSecond },
      'audit replay, seconds (median round)': { value: result.replay.seconds },
      'process wall time, seconds': { value: result.replay.wallSeconds },
    });
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(
      new URL('./results/admin-replay.json', import.meta.url),
      `${JSON.stringify(result, null, 2)}\n`,
    );
  } finally {
    await postgres.stop();
  }
}

await main();
