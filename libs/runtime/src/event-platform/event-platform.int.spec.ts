import { envelopeToEventToAppend } from '@scheduler/event-store';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, type DynamicModule, type INestApplication, Module } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { z } from 'zod';
import { OnCommand, OnEvent, type JetStreamClient } from '@scheduler/bus';
import {
  MeetingRequested,
  createEvent,
  defineCommand,
  exampleEventData,
  type EventOf,
} from '@scheduler/contracts';
import { randomBytes } from 'node:crypto';
import { PersonalDataCodec, isSealedValue } from '@scheduler/crypto-shredding';
import type { EventStore } from '@scheduler/event-store';
import {
  eventually,
  isolatedSchema,
  testInfrastructure,
  uniqueName,
  type IsolatedSchema,
} from '@scheduler/testing';
import { createServiceApp } from '../bootstrap.js';
import { RuntimeModule } from '../runtime.module.js';
import { BUS_CLIENT, EVENT_STORE, EventPlatformModule } from './event-platform.module.js';
import { platformEnvironment, type PlatformEnvironment } from './personal-data.js';

// A service wired the way the real ones are: its event reaches JetStream through its own
// relay and comes back to its @OnEvent handler; a command is answered by its @OnCommand.
const service = uniqueName('probe').replace(/_/g, '-');
const Echo = defineCommand({
  name: 'Echo',
  service,
  action: 'echo',
  sentBy: ['gateway'],
  schemaVersion: 1,
  request: z.strictObject({ text: z.string().min(1) }),
  response: z.strictObject({ echoed: z.string() }),
});

const received: Array<EventOf<typeof MeetingRequested>> = [];

@Controller()
class ProbeHandlers {
  @OnEvent(MeetingRequested)
  requested(@Payload() event: EventOf<typeof MeetingRequested>) {
    received.push(event);
  }

  @OnCommand(Echo)
  echo(@Payload() request: { text: string }) {
    return { echoed: request.text.toUpperCase() };
  }
}

@Module({})
class ProbeModule {
  static forRoot(config: PlatformEnvironment): DynamicModule {
    return {
      module: ProbeModule,
      imports: [
        RuntimeModule.forRoot({ service, config }),
        EventPlatformModule.forRoot({ service: 'webex-bridge', relayName: service }),
      ],
      controllers: [ProbeHandlers],
    };
  }
}

describe('EventPlatformModule', () => {
  let schema: IsolatedSchema;
  let app: INestApplication;

  beforeAll(async () => {
    schema = await isolatedSchema('event_platform');
    const config = platformEnvironment.parse({
      HTTP_PORT: '0',
      KEY_STORE_URL: schema.connectionString,
      KEY_ENCRYPTION_KEY: `kek-platform:${randomBytes(32).toString('base64')}`,
      NATS_URL: testInfrastructure().natsUrl,
      EVENT_STORE_URL: schema.connectionString,
      LOG_LEVEL: 'warn',
      BUS_PREFIX: uniqueName('platform'),
    });
    app = await createServiceApp(
      {
        service,
        environment: platformEnvironment,
        module: (validated) => ProbeModule.forRoot(validated),
        consumesEvents: true,
      },
      config,
    );
    await app.startAllMicroservices();
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await schema?.drop();
  });

  it('publishes an appended event through the relay to the handler, validated and typed', async () => {
    const store = app.get<EventStore>(EVENT_STORE);
    const event = createEvent(MeetingRequested, {
      streamId: `meeting-${exampleEventData.MeetingRequested[0]!.meetingId}`,
      tenantId: 'demo.example',
      data: exampleEventData.MeetingRequested[0]!,
    });
    await store.append(event.streamId, [envelopeToEventToAppend(event)], 'any');
    await eventually(() => expect(received.map((entry) => entry.id)).toContain(event.id), 15_000);
    const handled = received.find((entry) => entry.id === event.id)!;
    expect(handled.data.title).toBe(event.data.title);
    expect(handled.correlationId).toBe(event.correlationId);
  });

  it('stores personal data sealed, carries it sealed over JetStream, and hands it opened to the handler', async () => {
    const store = app.get<EventStore>(EVENT_STORE);
    const codec = app.get(PersonalDataCodec);
    const data = {
      ...exampleEventData.MeetingRequested[0]!,
      meetingId: '01964f4e-7b2a-7c1d-9e3f-5a6b7c8d9e0f',
    };
    const event = createEvent(MeetingRequested, {
      streamId: `meeting-${data.meetingId}`,
      tenantId: 'demo.example',
      data,
    });
    await store.append(event.streamId, [envelopeToEventToAppend(await codec.encode(event))], 'no_stream');
    const [stored] = await store.readStream(event.streamId);
    expect(isSealedValue(stored!.data.title)).toBe(true);
    expect(JSON.stringify(stored!.data)).not.toContain(event.data.title);
    await eventually(() => expect(received.map((entry) => entry.id)).toContain(event.id), 15_000);
    const handled = received.find((entry) => entry.id === event.id)!;
    expect(handled.data.title).toBe(event.data.title);
    expect(handled.data.invitees).toEqual(event.data.invitees);
  });

  it('answers a command over request/reply, and refuses a request that breaks the contract', async () => {
    const client = app.get<JetStreamClient>(BUS_CLIENT);
    const { firstValueFrom } = await import('rxjs');
    await expect(firstValueFrom(client.send(Echo, { text: 'hello' }))).resolves.toEqual({ echoed: 'HELLO' });
    await expect(firstValueFrom(client.send(Echo, { text: '' }))).rejects.toThrow();
  });
});
