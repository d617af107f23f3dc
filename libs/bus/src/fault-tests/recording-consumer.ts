import 'reflect-metadata';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload, type MicroserviceOptions } from '@nestjs/microservices';
import { MeetingCancelled, type EventOf } from '@scheduler/contracts';
import type { BusNames } from '../naming.js';
import { JetStreamServer } from '../transport/jetstream-server.js';
import { OnEvent } from '../transport/patterns.js';

export interface RecordingConsumer {
  /** How many times the handler ran for each event id. */
  readonly handled: Map<string, number>;
  readonly app: INestMicroservice;
  duplicates(): number;
  close(): Promise<void>;
}

/** A NestJS app on our transport whose one handler counts MeetingCancelled events by id. */
export async function startRecordingConsumer(natsUrl: string, names: BusNames): Promise<RecordingConsumer> {
  const handled = new Map<string, number>();

  @Controller()
  class CountingHandler {
    @OnEvent(MeetingCancelled)
    count(@Payload() event: EventOf<typeof MeetingCancelled>) {
      handled.set(event.id, (handled.get(event.id) ?? 0) + 1);
    }
  }

  @Module({ controllers: [CountingHandler] })
  class CountingModule {}

  const app = await NestFactory.createMicroservice<MicroserviceOptions>(CountingModule, {
    strategy: new JetStreamServer({ servers: natsUrl, names, defaultGroup: 'counter', concurrency: 64 }),
    logger: ['error'],
  });
  await app.listen();
  return {
    handled,
    app,
    duplicates: () => [...handled.values()].reduce((sum, count) => sum + count - 1, 0),
    close: () => app.close(),
  };
}
