import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { MeetingCancelled, createEvent, newUuidV7 } from '@scheduler/contracts';
import { PostgresEventStore, envelopeToEventToAppend } from '@scheduler/event-store';
import { freePort, startNatsServer, type RunningNatsServer } from '@scheduler/local-infra';
import { eventually, isolatedSchema, uniqueName, type IsolatedSchema } from '@scheduler/testing';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BusMetrics } from '../metrics.js';
import { busNames } from '../naming.js';
import { EventRelay } from '../relay/event-relay.js';
import { ensureBusStreams } from '../streams/stream-setup.js';
import { startRecordingConsumer, type RecordingConsumer } from './recording-consumer.js';

const TOTAL = 3_000;
const names = busNames(uniqueName('bus_nats_restart'));
const recordPid = (pid: number) => {
  const file = process.env.SCHEDULER_TEST_PIDFILE;
  if (file) appendFileSync(file, `${pid}\n`);
};

describe('nats-server restarted during a run (its own server, same port and store)', () => {
  let schema: IsolatedSchema;
  let store: PostgresEventStore;
  let nats: RunningNatsServer;
  let port: number;
  let storeDir: string;
  let relayConnection: NatsConnection;
  let relay: EventRelay;
  let consumer: RecordingConsumer;
  const metrics = new BusMetrics();
  const relayErrors: unknown[] = [];

  beforeAll(async () => {
    schema = await isolatedSchema('bus_nats_restart');
    store = await PostgresEventStore.connect({ connectionString: schema.connectionString });
    port = await freePort();
    storeDir = mkdtempSync(join(tmpdir(), 'bus-nats-restart-'));
    nats = await startNatsServer({ port, storeDir, onSpawn: recordPid });
    const setup = await connect({ servers: nats.url });
    await ensureBusStreams(await jetstreamManager(setup), names, { duplicateWindowMs: 120_000 });
    await setup.close();
    consumer = await startRecordingConsumer(nats.url, names);
    relayConnection = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    relay = await EventRelay.start({
      store,
      connection: relayConnection,
      relayName: 'restart-test',
      names,
      metrics,
      publishTimeoutMs: 1_000,
      checkpointIntervalMs: 200,
      onError: (error) => relayErrors.push(error),
    });
  }, 30_000);

  afterAll(async () => {
    await relay?.stop();
    await relayConnection?.close();
    await consumer?.close();
    await nats?.stop();
    rmSync(storeDir, { recursive: true, force: true });
    await store?.close();
    await schema?.drop();
  });

  it('loses nothing: every appended event is handled once NATS is back', async () => {
    const appended: string[] = [];
    const appendAll = (async () => {
      for (let batch = 0; batch < TOTAL / 10; batch++) {
        const meetingId = newUuidV7();
        const events = Array.from({ length: 10 }, () =>
          createEvent(MeetingCancelled, {
            streamId: `meeting-${meetingId}`,
            tenantId: 'acme.example.com',
            data: { meetingId, reason: 'event-cancelled' },
          }),
        );
        await store.append(`meeting-${meetingId}`, events.map(envelopeToEventToAppend), 'no_stream');
        appended.push(...events.map((event) => event.id));
        await new Promise((resolve) => setTimeout(resolve, 8));
      }
    })();

    // Restart once a third has been handled, while appends, publishes and deliveries are running.
    await eventually(() => expect(consumer.handled.size).toBeGreaterThanOrEqual(TOTAL / 3), 20_000);
    const firstPid = nats.pid;
    await nats.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    nats = await startNatsServer({ port, storeDir, onSpawn: recordPid });

    await appendAll;
    await eventually(() => expect(consumer.handled.size).toBe(TOTAL), 40_000, 50);
    // A new nats-server process served the rest of the run.
    expect(nats.pid).not.toBe(firstPid);
    expect(new Set(consumer.handled.keys())).toEqual(new Set(appended));
    const check = await connect({ servers: nats.url });
    const info = await (await jetstreamManager(check)).streams.info(names.eventStream);
    await check.close();
    // Re-published events were absorbed by the duplicate window: the stream holds each once.
    expect(info.state.messages).toBe(TOTAL);
    // The relay retried through the outage (its errors are the failed publishes).
    expect(relayErrors.length).toBeGreaterThan(0);
    console.info(
      `nats restart: ${consumer.handled.size}/${TOTAL} handled; handler saw ${consumer.duplicates()} redelivered duplicate(s) ` +
        `(acks lost in the restart; handlers are idempotent); relay reported ${relayErrors.length} publish error(s)`,
    );
  }, 60_000);
});
