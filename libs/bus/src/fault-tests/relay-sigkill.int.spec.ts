import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { MeetingCancelled, createEvent, newUuidV7 } from '@scheduler/contracts';
import { PostgresEventStore, envelopeToEventToAppend } from '@scheduler/event-store';
import {
  eventually,
  isolatedSchema,
  testInfrastructure,
  typeScriptLoaderPath,
  uniqueName,
  type IsolatedSchema,
} from '@scheduler/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { busNames } from '../naming.js';
import { ensureBusStreams } from '../streams/stream-setup.js';
import { startRecordingConsumer, type RecordingConsumer } from './recording-consumer.js';

const TOTAL = 10_000;
const PER_STREAM = 20;
const names = busNames(uniqueName('bus_relay_kill'));
const relayScript = fileURLToPath(new URL('./relay-process.ts', import.meta.url));

interface RelayStatus {
  published: number;
  duplicates: number;
  checkpoint: string | null;
}

/** The relay in a child process of its own, with its last reported status. */
function spawnRelay(databaseUrl: string, natsUrl: string, sigkillAfterPublished?: number) {
  const child: ChildProcess = spawn(process.execPath, ['--import', typeScriptLoaderPath, relayScript], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      NATS_URL: natsUrl,
      DATABASE_URL: databaseUrl,
      BUS_PREFIX: names.prefix,
      RELAY_NAME: 'fault-test',
      RELAY_MAX_IN_FLIGHT: '64',
      ...(sigkillAfterPublished ? { RELAY_SIGKILL_AFTER_PUBLISHED: String(sigkillAfterPublished) } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const state = { last: undefined as RelayStatus | undefined };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('{')) state.last = JSON.parse(line) as RelayStatus;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, state, exited };
}

describe('relay killed with SIGKILL halfway through 10,000 events (real processes)', () => {
  let schema: IsolatedSchema;
  let store: PostgresEventStore;
  let connection: NatsConnection;
  let manager: JetStreamManager;
  let consumer: RecordingConsumer;
  const relays: Array<ReturnType<typeof spawnRelay>> = [];
  const appendedIds: string[] = [];

  beforeAll(async () => {
    const { natsUrl } = testInfrastructure();
    schema = await isolatedSchema('bus_relay_kill');
    store = await PostgresEventStore.connect({ connectionString: schema.connectionString });
    connection = await connect({ servers: natsUrl });
    manager = await jetstreamManager(connection);
    await ensureBusStreams(manager, names, { duplicateWindowMs: 120_000 });
    consumer = await startRecordingConsumer(natsUrl, names);
    // 500 meetings, 20 events each, appended with a little parallelism.
    const streams = Array.from({ length: TOTAL / PER_STREAM }, () => newUuidV7());
    for (let offset = 0; offset < streams.length; offset += 20) {
      await Promise.all(
        streams.slice(offset, offset + 20).map((meetingId) => {
          const events = Array.from({ length: PER_STREAM }, () =>
            createEvent(MeetingCancelled, {
              streamId: `meeting-${meetingId}`,
              tenantId: 'acme.example.com',
              data: { meetingId, reason: 'event-deleted' },
            }),
          );
          appendedIds.push(...events.map((event) => event.id));
          return store.append(`meeting-${meetingId}`, events.map(envelopeToEventToAppend), 'no_stream');
        }),
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const relay of relays) {
      if (relay.child.exitCode === null && relay.child.signalCode === null) relay.child.kill('SIGKILL');
      await relay.exited;
    }
    await consumer?.close();
    for (const stream of [names.eventStream, names.deadLetterStream, names.checkpointStream]) {
      await manager?.streams.delete(stream).catch(() => undefined);
    }
    await connection?.close();
    await store?.close();
    await schema?.drop();
  });

  it('re-publishes from its checkpoint after the restart, and the consumer handles each event exactly once', async () => {
    const { natsUrl } = testInfrastructure();
    const streamMessages = async () => (await manager.streams.info(names.eventStream)).state.messages;

    // The relay kills itself (SIGKILL) once half is published, wherever its publishing is then.
    const first = spawnRelay(schema.connectionString, natsUrl, TOTAL / 2);
    relays.push(first);
    await first.exited;
    expect(first.child.signalCode).toBe('SIGKILL');
    const publishedBeforeKill = await streamMessages();
    const checkpointAtKill = first.state.last?.checkpoint ?? null;
    // Halfway: the kill landed while publishing, not after it.
    expect(publishedBeforeKill).toBeLessThan(TOTAL);

    const second = spawnRelay(schema.connectionString, natsUrl);
    relays.push(second);
    await eventually(() => expect(consumer.handled.size).toBe(TOTAL), 40_000, 50);
    await eventually(() =>
      expect(second.state.last?.published).toBeGreaterThanOrEqual(TOTAL - publishedBeforeKill),
    );
    // Give late redeliveries a chance to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const counts = [...consumer.handled.values()];
    expect(new Set(consumer.handled.keys())).toEqual(new Set(appendedIds));
    expect(counts.every((count) => count === 1)).toBe(true);
    expect(consumer.duplicates()).toBe(0);
    expect(await streamMessages()).toBe(TOTAL);
    // The restarted relay did re-publish events the first one had already published,
    // and the duplicate window absorbed them: that is what this test is about.
    const status = second.state.last!;
    expect(status.duplicates).toBeGreaterThan(0);
    expect(status.published).toBe(TOTAL - publishedBeforeKill + status.duplicates);
    console.info(
      `relay SIGKILL: killed after ${publishedBeforeKill}/${TOTAL} published (last reported checkpoint ${checkpointAtKill}); ` +
        `restart re-published ${status.duplicates} absorbed as duplicates; handled ${consumer.handled.size}, duplicates seen by the handler ${consumer.duplicates()}`,
    );
  }, 60_000);
});
