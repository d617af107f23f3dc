import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { MeetingCancelled, createEvent, newUuidV7 } from '@scheduler/contracts';
import { testInfrastructure, uniqueName } from '@scheduler/testing';
import { busNames, deadLetterSubject, durableName, eventSubject } from '../naming.js';
import { ensureBusStreams } from '../streams/stream-setup.js';
import { envelopeHeaders, encodeEnvelope } from '../wire.js';
import { publishDeadLetter } from './dead-letter.js';
import {
  DeadLetterNotFoundError,
  REPLAYED_FROM_HEADER,
  listDeadLetters,
  readDeadLetter,
  replayDeadLetter,
} from './dead-letter-queue.js';

const names = busNames(uniqueName('bus_dlq'));

describe('the dead-letter queue (list, read, replay) on real nats-server', () => {
  let connection: NatsConnection;
  let manager: JetStreamManager;

  beforeAll(async () => {
    connection = await connect({ servers: testInfrastructure().natsUrl });
    manager = await jetstreamManager(connection);
  });

  afterAll(async () => {
    for (const stream of [names.eventStream, names.deadLetterStream, names.checkpointStream]) {
      await manager?.streams.delete(stream).catch(() => undefined);
    }
    await connection?.close();
  });

  /** Publishes an event, takes it from a durable as the transport would, and dead-letters it. */
  async function deadLetterOne(durable: string) {
    const meetingId = newUuidV7();
    const event = createEvent(MeetingCancelled, {
      streamId: `meeting-${meetingId}`,
      tenantId: 'acme.example.com',
      data: { meetingId, reason: 'user-request' },
    });
    const js = jetstream(connection);
    await js.publish(eventSubject(names, MeetingCancelled), encodeEnvelope(event), {
      msgID: event.id,
      headers: envelopeHeaders(event),
    });
    const name = durableName(names, durable);
    await manager.consumers
      .add(names.eventStream, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        filter_subject: eventSubject(names, MeetingCancelled),
      })
      .catch(() => undefined);
    const consumer = await js.consumers.get(names.eventStream, name);
    const message = await consumer.next({ expires: 5_000 });
    if (!message) throw new Error('the test consumer received nothing');
    const letter = await publishDeadLetter(
      js,
      deadLetterSubject(names, name),
      message,
      'max-deliveries',
      new Error('the handler always fails'),
    );
    message.term();
    return { event, letter };
  }

  it('is empty before the streams exist and when nothing failed', async () => {
    expect(await listDeadLetters(manager, names)).toEqual([]);
    await ensureBusStreams(manager, names, { duplicateWindowMs: 60_000 });
    expect(await listDeadLetters(manager, names)).toEqual([]);
    await expect(readDeadLetter(manager, names, 1)).rejects.toBeInstanceOf(DeadLetterNotFoundError);
  });

  it('lists and reads dead letters with reason, delivery count and error; replay republishes and removes one', async () => {
    const first = await deadLetterOne('first');
    const second = await deadLetterOne('second');
    const listed = await listDeadLetters(manager, names);
    expect(listed.map((stored) => stored.letter.durable)).toEqual([
      durableName(names, 'first'),
      durableName(names, 'second'),
    ]);
    const [stored] = listed;
    expect(stored!.letter).toMatchObject({
      reason: 'max-deliveries',
      deliveryCount: 1,
      subject: eventSubject(names, MeetingCancelled),
      error: { name: 'Error', message: 'the handler always fails' },
    });
    expect(stored!.letter).toEqual(first.letter);
    expect(JSON.parse(stored!.letter.payload)).toEqual(first.event);
    expect(await readDeadLetter(manager, names, stored!.sequence)).toEqual(stored);

    const before = (await manager.streams.info(names.eventStream)).state.last_seq;
    const replayed = await replayDeadLetter(connection, names, stored!.sequence);
    // A new message, though the event id is still inside the duplicate window.
    expect(replayed).toMatchObject({
      sequence: stored!.sequence,
      subject: eventSubject(names, MeetingCancelled),
      republishedAs: { stream: names.eventStream, sequence: before + 1, duplicate: false },
    });
    const republished = await manager.streams.getMessage(names.eventStream, { seq: before + 1 });
    expect(republished!.json()).toEqual(first.event);
    expect(republished!.header.get(REPLAYED_FROM_HEADER)).toBe(
      `${names.deadLetterStream}:${stored!.sequence}`,
    );
    expect(republished!.header.get('Scheduler-Correlation-Id')).toBe(first.event.correlationId);

    // Removed from the queue; the other one stays.
    const remaining = await listDeadLetters(manager, names);
    expect(remaining.map((left) => left.letter)).toEqual([second.letter]);
    await expect(replayDeadLetter(connection, names, stored!.sequence)).rejects.toBeInstanceOf(
      DeadLetterNotFoundError,
    );
  });
});
