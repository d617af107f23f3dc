import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload, type MicroserviceOptions } from '@nestjs/microservices';
import { MeetingCancelled, createEvent, newUuidV7, type EventOf } from '@scheduler/contracts';
import { eventually, testInfrastructure, uniqueName } from '@scheduler/testing';
import { lastValueFrom } from 'rxjs';
import { busNames, durableName } from '../naming.js';
import { ensureBusStreams } from '../streams/stream-setup.js';
import { JetStreamClient } from './jetstream-client.js';
import { JetStreamServer } from './jetstream-server.js';
import { OnEvent } from './patterns.js';

const names = busNames(uniqueName('bus_drain'));
const started: string[] = [];
const finished: string[] = [];

@Controller()
class SlowHandler {
  @OnEvent(MeetingCancelled)
  async handle(@Payload() event: EventOf<typeof MeetingCancelled>) {
    started.push(event.id);
    await new Promise((resolve) => setTimeout(resolve, 500));
    finished.push(event.id);
  }
}

@Module({ controllers: [SlowHandler] })
class SlowModule {}

describe('JetStreamServer shutdown', () => {
  let connection: NatsConnection;
  let manager: JetStreamManager;

  beforeAll(async () => {
    connection = await connect({ servers: testInfrastructure().natsUrl });
    manager = await jetstreamManager(connection);
    await ensureBusStreams(manager, names);
  });

  afterAll(async () => {
    for (const stream of [names.eventStream, names.deadLetterStream, names.checkpointStream]) {
      await manager?.streams.delete(stream).catch(() => undefined);
    }
    await connection?.close();
  });

  it('drains: stops pulling, lets the handler in flight finish and ack, then closes', async () => {
    const { natsUrl } = testInfrastructure();
    const startApp = async () => {
      const instance = await NestFactory.createMicroservice<MicroserviceOptions>(SlowModule, {
        // A short ack wait bounds how long a message pulled by the closed instance waits.
        strategy: new JetStreamServer({
          servers: natsUrl,
          names,
          defaultGroup: 'slow',
          concurrency: 1,
          ackWaitMs: 2_000,
        }),
        logger: ['error'],
      });
      await instance.listen();
      return instance;
    };
    const app = await startApp();
    const client = new JetStreamClient({ servers: natsUrl, names });
    const meetingId = newUuidV7();
    const events = Array.from({ length: 3 }, () =>
      createEvent(MeetingCancelled, {
        streamId: `meeting-${meetingId}`,
        tenantId: 'acme.example.com',
        data: { meetingId, reason: 'user-request' },
      }),
    );
    for (const event of events) await lastValueFrom(client.emit(MeetingCancelled, event));
    await client.close();
    await eventually(() => expect(started).toHaveLength(1));

    await app.close();

    // The one in flight finished before close returned; the others were never started here.
    expect(finished).toEqual(started);
    // The finished one was acked; the others are handled by the next instance, once each.
    const info = await manager.consumers.info(names.eventStream, durableName(names, 'slow'));
    expect(info.ack_floor.stream_seq).toBe(1);
    const next = await startApp();
    try {
      await eventually(() => expect(finished).toHaveLength(events.length), 15_000);
      expect([...finished].sort()).toEqual(events.map((event) => event.id).sort());
    } finally {
      await next.close();
    }
  });
});
