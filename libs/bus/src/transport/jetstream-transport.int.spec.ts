import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import {
  ExchangeGoogleAuthorizationCode,
  MeetingCancelled,
  MeetingDataPurged,
  MeetingEnded,
  createEvent,
  newUuidV7,
  type EventOf,
} from '@scheduler/contracts';
import { eventually, testInfrastructure, uniqueName } from '@scheduler/testing';
import { lastValueFrom } from 'rxjs';
import { BusMetrics } from '../metrics.js';
import { busNames, deadLetterSubject, durableName, eventSubject } from '../naming.js';
import { ensureBusStreams } from '../streams/stream-setup.js';
import type { DeadLetter } from './dead-letter.js';
import { JetStreamClient } from './jetstream-client.js';
import type { JetStreamContext } from './jetstream-context.js';
import { JetStreamServer } from './jetstream-server.js';
import { OnCommand, OnEvent } from './patterns.js';

const names = busNames(uniqueName('bus_transport'));
const tenantId = 'acme.example.com';

/** What the handlers saw, shared with the assertions. */
const seen = {
  cancelled: [] as Array<{ event: EventOf<typeof MeetingCancelled>; deliveryCount: number }>,
  endedAttempts: new Map<string, number>(),
  ended: [] as string[],
  purgedAttempts: 0,
  concurrent: 0,
  maxConcurrent: 0,
};

@Controller()
class Handlers {
  @OnEvent(MeetingCancelled)
  async cancelled(@Payload() event: EventOf<typeof MeetingCancelled>, @Ctx() context: JetStreamContext) {
    seen.concurrent++;
    seen.maxConcurrent = Math.max(seen.maxConcurrent, seen.concurrent);
    await new Promise((resolve) => setTimeout(resolve, 5));
    seen.concurrent--;
    seen.cancelled.push({ event, deliveryCount: context.getDeliveryCount() });
  }

  /** Fails on its first two deliveries, then succeeds. */
  @OnEvent(MeetingEnded, { group: 'retrying' })
  ended(@Payload() event: EventOf<typeof MeetingEnded>) {
    const attempts = (seen.endedAttempts.get(event.id) ?? 0) + 1;
    seen.endedAttempts.set(event.id, attempts);
    if (attempts < 3) throw new Error(`transient failure ${attempts}`);
    seen.ended.push(event.id);
  }

  /** A poison message: every delivery fails. */
  @OnEvent(MeetingDataPurged, { group: 'retrying' })
  purged() {
    seen.purgedAttempts++;
    throw new Error('the purge handler always fails');
  }

  @OnCommand(ExchangeGoogleAuthorizationCode)
  exchange(@Payload() request: { userId?: string }) {
    if (request.userId === 'explode') throw new Error('token endpoint unavailable');
    return { userId: request.userId ?? 'new-user', connected: true as const };
  }
}

@Module({ controllers: [Handlers] })
class HandlersModule {}

const cancelledEvent = (meetingId = newUuidV7()) =>
  createEvent(MeetingCancelled, {
    streamId: `meeting-${meetingId}`,
    tenantId,
    data: { meetingId, reason: 'user-request' },
  });

describe('JetStream transport (NestJS custom transport on real nats-server)', () => {
  let app: INestMicroservice;
  let client: JetStreamClient;
  let connection: NatsConnection;
  let manager: JetStreamManager;
  const metrics = new BusMetrics();

  beforeAll(async () => {
    const { natsUrl } = testInfrastructure();
    connection = await connect({ servers: natsUrl });
    manager = await jetstreamManager(connection);
    await ensureBusStreams(manager, names, { duplicateWindowMs: 60_000 });
    app = await NestFactory.createMicroservice<MicroserviceOptions>(HandlersModule, {
      strategy: new JetStreamServer({
        servers: natsUrl,
        names,
        defaultGroup: 'meetings',
        concurrency: 4,
        maxDeliveries: 3,
        retryDelay: { baseDelayMs: 50, maxDelayMs: 200 },
        metrics,
      }),
      logger: ['error'],
    });
    await app.listen();
    client = new JetStreamClient({ servers: natsUrl, names });
  });

  afterAll(async () => {
    await client?.close();
    await app?.close();
    for (const stream of [names.eventStream, names.deadLetterStream, names.checkpointStream]) {
      await manager?.streams.delete(stream).catch(() => undefined);
    }
    await connection?.close();
  });

  async function deadLetters(durable: string): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    const info = await manager.streams.info(names.deadLetterStream);
    for (
      let sequence = info.state.first_seq;
      sequence <= info.state.last_seq && info.state.messages > 0;
      sequence++
    ) {
      const stored = await manager.streams.getMessage(names.deadLetterStream, { seq: sequence });
      if (stored && stored.subject === deadLetterSubject(names, durable))
        letters.push(stored.json<DeadLetter>());
    }
    return letters;
  }

  it('delivers a published event to its @OnEvent handler, validated and typed, and acks it', async () => {
    const event = cancelledEvent();
    const ack = await lastValueFrom(client.emit(MeetingCancelled, event));
    expect(ack).toMatchObject({ stream: names.eventStream, duplicate: false });
    await eventually(() => expect(seen.cancelled.map((entry) => entry.event.id)).toContain(event.id));
    const handled = seen.cancelled.find((entry) => entry.event.id === event.id)!;
    expect(handled.event).toEqual(event);
    expect(handled.deliveryCount).toBe(1);
    const consumer = await manager.consumers.info(names.eventStream, durableName(names, 'meetings'));
    await eventually(async () => {
      const info = await manager.consumers.info(names.eventStream, consumer.name);
      expect(info.num_ack_pending).toBe(0);
      expect(info.num_pending).toBe(0);
    });
  });

  it('publishes with Nats-Msg-Id = event id, so a second publish of the same event is absorbed', async () => {
    const event = cancelledEvent();
    await lastValueFrom(client.emit(MeetingCancelled, event));
    const again = await lastValueFrom(client.emit(MeetingCancelled, event));
    expect(again).toMatchObject({ duplicate: true });
    await eventually(() =>
      expect(seen.cancelled.filter((entry) => entry.event.id === event.id)).toHaveLength(1),
    );
  });

  it('refuses to publish an event that fails its contract', async () => {
    const invalid = { ...cancelledEvent(), data: { meetingId: 'not-a-uuid', reason: 'user-request' } };
    await expect(lastValueFrom(client.emit(MeetingCancelled, invalid))).rejects.toThrow(/meetingId/);
  });

  it('sends a payload that fails its contract straight to dead-letter with the validation error, and handles the events behind it', async () => {
    const jetStreamClient = jetstream(connection);
    const bad = { ...cancelledEvent(), data: { meetingId: newUuidV7(), reason: 'bored' } };
    const badHeaders = headers();
    badHeaders.set('Scheduler-Stream-Id', bad.streamId);
    await jetStreamClient.publish(eventSubject(names, MeetingCancelled), JSON.stringify(bad), {
      msgID: bad.id,
      headers: badHeaders,
    });
    await jetStreamClient.publish(eventSubject(names, MeetingCancelled), 'not json at all', {
      msgID: newUuidV7(),
    });
    const behind = cancelledEvent();
    await lastValueFrom(client.emit(MeetingCancelled, behind));

    await eventually(() => expect(seen.cancelled.map((entry) => entry.event.id)).toContain(behind.id));
    expect(seen.cancelled.map((entry) => entry.event.id)).not.toContain(bad.id);
    const letters = await eventually(async () => {
      const found = await deadLetters(durableName(names, 'meetings'));
      expect(found).toHaveLength(2);
      return found;
    });
    const [invalid, notJson] = letters;
    expect(invalid).toMatchObject({
      reason: 'invalid-payload',
      deliveryCount: 1,
      subject: eventSubject(names, MeetingCancelled),
      error: { name: 'ContractViolationError', issues: [{ path: 'data.reason' }] },
    });
    expect(JSON.parse(invalid!.payload)).toEqual(bad);
    expect(invalid!.headers['Scheduler-Stream-Id']).toBe(bad.streamId);
    expect(notJson).toMatchObject({
      reason: 'invalid-payload',
      deliveryCount: 1,
      payload: 'not json at all',
    });
    expect(notJson!.error.message).toMatch(/not UTF-8 JSON/);
  });

  it('naks a failing handler with a delay and succeeds on a later delivery', async () => {
    const meetingId = newUuidV7();
    const event = createEvent(MeetingEnded, {
      streamId: `meeting-${meetingId}`,
      tenantId,
      data: { meetingId, endedAt: new Date().toISOString(), source: 'scheduled-end' },
    });
    const started = Date.now();
    await lastValueFrom(client.emit(MeetingEnded, event));
    await eventually(() => expect(seen.ended).toContain(event.id));
    expect(seen.endedAttempts.get(event.id)).toBe(3);
    // Two naks: ~25–50 ms then ~50–100 ms (jittered); the margin is wide for a noisy machine.
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
  });

  it('terms a poison message after maxDeliveries, dead-letters it with the error and the delivery count, and keeps going', async () => {
    const meetingId = newUuidV7();
    const poison = createEvent(MeetingDataPurged, {
      streamId: `meeting-${meetingId}`,
      tenantId,
      data: { meetingId, purgedAt: new Date().toISOString(), retentionAfterEndSeconds: 0 },
    });
    await lastValueFrom(client.emit(MeetingDataPurged, poison));
    const laterId = newUuidV7();
    const later = createEvent(MeetingEnded, {
      streamId: `meeting-${laterId}`,
      tenantId,
      data: { meetingId: laterId, endedAt: new Date().toISOString(), source: 'webex-webhook' },
    });
    await lastValueFrom(client.emit(MeetingEnded, later));

    const [letter] = await eventually(async () => {
      const found = await deadLetters(durableName(names, 'retrying'));
      expect(found).toHaveLength(1);
      return found;
    });
    expect(letter).toMatchObject({
      reason: 'max-deliveries',
      deliveryCount: 3,
      error: { name: 'Error', message: 'the purge handler always fails' },
    });
    expect(JSON.parse(letter!.payload)).toEqual(poison);
    expect(seen.purgedAttempts).toBe(3);
    await eventually(() => expect(seen.ended).toContain(later.id));
    const deadLettered = await metrics.registry.getSingleMetricAsString('scheduler_bus_dead_lettered_total');
    expect(deadLettered).toMatch(/group="retrying",reason="max-deliveries"} 1/);
    // Not retried forever: nothing is left pending on the consumer.
    await eventually(async () => {
      const info = await manager.consumers.info(names.eventStream, durableName(names, 'retrying'));
      expect(info.num_ack_pending).toBe(0);
      expect(info.num_pending).toBe(0);
    });
  });

  it('keeps to the concurrency limit under a burst', async () => {
    const burst = Array.from({ length: 60 }, () => cancelledEvent());
    await Promise.all(burst.map((event) => lastValueFrom(client.emit(MeetingCancelled, event))));
    await eventually(() => {
      const ids = new Set(seen.cancelled.map((entry) => entry.event.id));
      expect(burst.every((event) => ids.has(event.id))).toBe(true);
    });
    expect(seen.maxConcurrent).toBeGreaterThan(1);
    expect(seen.maxConcurrent).toBeLessThanOrEqual(4);
  });

  it('answers commands by request/reply, validated on both ends', async () => {
    const request = {
      tenantId,
      userId: 'user-1',
      code: 'auth-code',
      redirectUri: 'https://scheduler.example.com/oauth/google',
      codeVerifier: 'pkce-verifier-0123456789-abcdefghijklmnopqrstuvwxyz',
      correlationId: 'c-1',
    };
    await expect(lastValueFrom(client.send(ExchangeGoogleAuthorizationCode, request))).resolves.toEqual({
      userId: 'user-1',
      connected: true,
    });
    // Nest's exception filter keeps internal error text from callers, as in its own transports.
    await expect(
      lastValueFrom(client.send(ExchangeGoogleAuthorizationCode, { ...request, userId: 'explode' })),
    ).rejects.toThrow(/Internal server error/);
    await expect(
      lastValueFrom(client.send(ExchangeGoogleAuthorizationCode, { ...request, redirectUri: 'nope' })),
    ).rejects.toThrow(/redirectUri/);
  });

  it('refuses a subject typed by hand', async () => {
    await expect(
      lastValueFrom(client.emit('evt.meeting.MeetingCancelled', cancelledEvent())),
    ).rejects.toThrow(/routes by contract/);
  });
});
