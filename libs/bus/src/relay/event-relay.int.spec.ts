import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { MeetingCancelled, MeetingEnded, createEvent, newUuidV7, parseEvent } from '@scheduler/contracts';
import {
  PostgresEventStore,
  comparePositions,
  envelopeToEventToAppend,
  positionToString,
} from '@scheduler/event-store';
import {
  eventually,
  isolatedSchema,
  testInfrastructure,
  uniqueName,
  type IsolatedSchema,
} from '@scheduler/testing';
import { BusMetrics } from '../metrics.js';
import { busNames, eventSubject } from '../naming.js';
import { ensureBusStreams } from '../streams/stream-setup.js';
import { BusHeaders } from '../wire.js';
import { JetStreamCheckpointStore } from './checkpoint-store.js';
import { EventRelay } from './event-relay.js';

const names = busNames(uniqueName('bus_relay'));
const tenantId = 'acme.example.com';

describe('EventRelay (PostgreSQL event store → JetStream)', () => {
  let schema: IsolatedSchema;
  let store: PostgresEventStore;
  let connection: NatsConnection;
  let manager: JetStreamManager;

  beforeAll(async () => {
    schema = await isolatedSchema('bus_relay');
    store = await PostgresEventStore.connect({ connectionString: schema.connectionString });
    connection = await connect({ servers: testInfrastructure().natsUrl });
    manager = await jetstreamManager(connection);
    await ensureBusStreams(manager, names, { duplicateWindowMs: 60_000 });
  });

  afterAll(async () => {
    for (const stream of [names.eventStream, names.deadLetterStream, names.checkpointStream]) {
      await manager?.streams.delete(stream).catch(() => undefined);
    }
    await connection?.close();
    await store?.close();
    await schema?.drop();
  });

  const appendMeeting = async (count: number) => {
    const meetingId = newUuidV7();
    const events = [
      ...Array.from({ length: count - 1 }, () =>
        createEvent(MeetingCancelled, {
          streamId: `meeting-${meetingId}`,
          tenantId,
          data: { meetingId, reason: 'user-request' },
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        }),
      ),
      createEvent(MeetingEnded, {
        streamId: `meeting-${meetingId}`,
        tenantId,
        data: { meetingId, endedAt: '2026-11-26T10:00:00Z', source: 'scheduled-end' },
      }),
    ];
    await store.append(`meeting-${meetingId}`, events.map(envelopeToEventToAppend), 'no_stream');
    return events;
  };

  const streamMessages = async () => (await manager.streams.info(names.eventStream)).state.messages;

  it('publishes every committed event, in store order, on its contract subject with Nats-Msg-Id and trace headers', async () => {
    const events = [...(await appendMeeting(3)), ...(await appendMeeting(2))];
    const metrics = new BusMetrics();
    const relay = await EventRelay.start({ store, connection, relayName: 'ordering', names, metrics });
    try {
      await eventually(async () => expect(await streamMessages()).toBe(events.length));
      const first = await manager.streams.info(names.eventStream);
      for (const [index, event] of events.entries()) {
        const stored = await manager.streams.getMessage(names.eventStream, {
          seq: first.state.first_seq + index,
        });
        expect(stored!.subject).toBe(
          eventSubject(names, event.type === 'MeetingEnded' ? MeetingEnded : MeetingCancelled),
        );
        expect(stored!.header.get('Nats-Msg-Id')).toBe(event.id);
        expect(stored!.header.get(BusHeaders.correlationId)).toBe(event.correlationId);
        expect(stored!.header.get(BusHeaders.streamId)).toBe(event.streamId);
        expect(stored!.header.get(BusHeaders.traceparent)).toBe(event.traceparent ?? '');
        // What travels is the envelope the contract validates, unchanged by the round trip.
        expect(parseEvent(stored!.json())).toEqual(event);
      }
      await eventually(() => expect(relay.caughtUp).toBe(true));
      const published = await metrics.registry.getSingleMetricAsString('scheduler_bus_relay_published_total');
      expect(published).toContain(`relay="ordering"} ${events.length}`);
    } finally {
      await relay.stop();
    }
  });

  it('saves its checkpoint and, restarted, resumes after it without re-publishing', async () => {
    const checkpoints = await JetStreamCheckpointStore.create(connection, names);
    const metrics = new BusMetrics();
    const before = await streamMessages();
    await appendMeeting(4);
    const relay = await EventRelay.start({
      store,
      connection,
      relayName: 'resume',
      names,
      metrics,
      checkpointIntervalMs: 50,
    });
    await eventually(async () => expect(await streamMessages()).toBe(before + 4));
    await relay.stop();
    const saved = await checkpoints.load('resume');
    expect(saved).toBeDefined();
    expect(positionToString(saved!)).toBe(positionToString(relay.checkpoint!));

    const later = await appendMeeting(2);
    const resumedMetrics = new BusMetrics();
    const resumed = await EventRelay.start({
      store,
      connection,
      relayName: 'resume',
      names,
      metrics: resumedMetrics,
    });
    try {
      await eventually(async () => expect(await streamMessages()).toBe(before + 6));
      await eventually(() => expect(resumed.caughtUp).toBe(true));
      expect(comparePositions(resumed.checkpoint!, saved!)).toBeGreaterThan(0);
      // Resumed exactly after the checkpoint: only the 2 new events, no duplicate acks.
      const published = await resumedMetrics.registry.getSingleMetricAsString(
        'scheduler_bus_relay_published_total',
      );
      expect(published).toContain('relay="resume"} 2');
      const duplicates = await resumedMetrics.registry.getSingleMetricAsString(
        'scheduler_bus_relay_duplicates_total',
      );
      expect(duplicates).not.toMatch(/relay="resume"} [1-9]/);
      const last = await manager.streams.getMessage(names.eventStream, {
        last_by_subj: eventSubject(names, MeetingEnded),
      });
      expect(last!.header.get('Nats-Msg-Id')).toBe(later[1]!.id);
    } finally {
      await resumed.stop();
    }
  });

  it('a relay with no checkpoint re-publishes from the start, and the duplicate window absorbs it all', async () => {
    const before = await streamMessages();
    const metrics = new BusMetrics();
    const relay = await EventRelay.start({ store, connection, relayName: 'fresh', names, metrics });
    try {
      await eventually(() => expect(relay.caughtUp).toBe(true));
      const duplicates = await metrics.registry.getSingleMetricAsString(
        'scheduler_bus_relay_duplicates_total',
      );
      expect(duplicates).toContain(`relay="fresh"} ${before}`);
      expect(await streamMessages()).toBe(before);
    } finally {
      await relay.stop();
    }
  });
});
