import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload, type MicroserviceOptions } from '@nestjs/microservices';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { lastValueFrom } from 'rxjs';
import { JetStreamClient, JetStreamServer, OnEvent, busNames, ensureBusStreams } from '@scheduler/bus';
import {
  MeetingCancelled,
  MeetingDataPurged,
  MeetingEnded,
  MeetingRequested,
  MeetingScheduled,
  createEvent,
  exampleEventData,
  newUuidV7,
  type EventEnvelope,
  type EventOf,
} from '@scheduler/contracts';
import {
  KeyEncryptionKeyRing,
  PersonalDataCodec,
  SecretBox,
  SubjectKeys,
  meetingSubject,
  openDataKeyStore,
  type DataKeyStore,
} from '@scheduler/crypto-shredding';
import { PostgresEventStore } from '@scheduler/event-store';
import { createReadModelStore } from '@scheduler/read-models';
import { sealedEnvelopeCodec } from '@scheduler/runtime';
import {
  eventually,
  isolatedSchema,
  testInfrastructure,
  uniqueName,
  type IsolatedSchema,
} from '@scheduler/testing';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { main } from './main.js';

const tenantId = 'acme.example.com';
const keyEncryptionKey = `cli-test:${randomBytes(32).toString('base64')}`;

/** Output of one CLI run, as an operator's terminal (or a pipe) would receive it. */
class Captured extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
  get lines(): string[] {
    return this.text.split('\n').filter(Boolean);
  }
}

/** What the dead-letter test's consumer does: fail every delivery until the fix is deployed. */
const consumer = { fixed: false, handled: [] as string[] };

@Controller()
class FlakyHandlers {
  @OnEvent(MeetingEnded, { group: 'cli_dlq' })
  ended(@Payload() event: EventOf<typeof MeetingEnded>) {
    if (!consumer.fixed) throw new Error('the handler has a bug');
    consumer.handled.push(event.id);
  }
}

@Module({ controllers: [FlakyHandlers] })
class FlakyModule {}

describe('scheduler (the admin CLI) against real PostgreSQL and NATS', () => {
  let schema: IsolatedSchema;
  let environment: {
    EVENT_STORE_URL: string;
    KEY_STORE_URL: string;
    READ_MODEL_URL: string;
    KEY_ENCRYPTION_KEY: string;
    NATS_URL: string;
    BUS_PREFIX: string;
  };
  let store: PostgresEventStore;
  let dataKeys: DataKeyStore;
  let keys: SubjectKeys;
  let codec: PersonalDataCodec;

  const run = async (...argv: string[]) => {
    const stdout = new Captured();
    const stderr = new Captured();
    const io: CliIo = { stdout, stderr, environment };
    const code = await main(argv, io);
    return { code, stdout, stderr };
  };

  /** A meeting's lifecycle, sealed and appended as webex-bridge appends it. */
  async function seedMeeting(options: { purged: boolean }) {
    const meetingId = newUuidV7();
    const streamId = `meeting-${meetingId}`;
    const correlationId = newUuidV7();
    const common = { streamId, tenantId, correlationId };
    const requested = exampleEventData.MeetingRequested[0]!;
    const events: EventEnvelope[] = [
      createEvent(MeetingRequested, {
        ...common,
        data: { ...requested, meetingId, title: `Planning ${meetingId}` },
      }),
      createEvent(MeetingScheduled, {
        ...common,
        data: { ...exampleEventData.MeetingScheduled[0]!, meetingId },
      }),
      createEvent(MeetingCancelled, { ...common, data: { meetingId, reason: 'event-deleted' } }),
    ];
    if (options.purged) {
      events.push(
        createEvent(MeetingDataPurged, {
          ...common,
          data: { meetingId, purgedAt: new Date().toISOString(), retentionAfterEndSeconds: 0 },
        }),
      );
    }
    await store.append(streamId, await sealedEnvelopeCodec(codec).write(events), 'no_stream');
    // The purge is the destruction of the meeting's key (retention does exactly this).
    if (options.purged) await keys.forget(meetingSubject(meetingId));
    return { meetingId, correlationId, title: `Planning ${meetingId}`, events };
  }

  beforeAll(async () => {
    schema = await isolatedSchema('cli');
    const { natsUrl } = testInfrastructure();
    environment = {
      EVENT_STORE_URL: schema.connectionString,
      KEY_STORE_URL: schema.connectionString,
      READ_MODEL_URL: schema.connectionString,
      KEY_ENCRYPTION_KEY: keyEncryptionKey,
      NATS_URL: natsUrl,
      BUS_PREFIX: uniqueName('cli'),
    };
    store = await PostgresEventStore.connect({ connectionString: schema.connectionString });
    dataKeys = openDataKeyStore(schema.connectionString);
    await dataKeys.ensureSchema();
    keys = new SubjectKeys({
      store: dataKeys,
      keyEncryptionKeys: KeyEncryptionKeyRing.fromEnvironment({ primary: keyEncryptionKey }),
    });
    codec = new PersonalDataCodec({ secretBox: new SecretBox(keys) });
  });

  afterAll(async () => {
    await store?.close();
    await dataKeys?.close();
    await schema?.drop();
  });

  describe('usage and configuration', () => {
    it('prints help with the exit codes, and exits 2 on a wrong command line', async () => {
      const help = await run('audit', 'timeline', '--help');
      expect(help.code).toBe(ExitCode.ok);
      expect(help.stdout.text).toContain(
        'Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 78 configuration',
      );
      expect((await run('audit', 'timeline')).code).toBe(ExitCode.usage);
      expect((await run('audit', 'export', '--since', 'yesterday')).code).toBe(ExitCode.usage);
      expect((await run('audit', 'replay', '--projection', 'nope')).code).toBe(ExitCode.usage);
      expect((await run('dlq', 'show', 'abc')).code).toBe(ExitCode.usage);
      expect((await run('dlq', 'replay')).code).toBe(ExitCode.usage);
      expect((await run('frobnicate')).code).toBe(ExitCode.usage);
    });

    it('reads the services’ own variables and names each missing one (exit 78)', async () => {
      const stderr = new Captured();
      const code = await main(['audit', 'timeline', newUuidV7()], {
        stdout: new Captured(),
        stderr,
        environment: { EVENT_STORE_URL: environment.EVENT_STORE_URL },
      });
      expect(code).toBe(ExitCode.configuration);
      expect(stderr.text).toContain('KEY_STORE_URL: is required but not set');
      expect(stderr.text).toContain('KEY_ENCRYPTION_KEY: is required but not set');
    });
  });

  describe('audit timeline', () => {
    it('lists a meeting’s events in order with time, type, producer, correlation id and its personal fields opened', async () => {
      const meeting = await seedMeeting({ purged: false });
      const { code, stdout } = await run('audit', 'timeline', meeting.meetingId, '--json');
      expect(code).toBe(ExitCode.ok);
      const entries = stdout.lines.map((line) => JSON.parse(line));
      expect(entries.map((entry) => entry.type)).toEqual([
        'MeetingRequested',
        'MeetingScheduled',
        'MeetingCancelled',
      ]);
      expect(entries[0]).toMatchObject({
        revision: 0,
        occurredAt: meeting.events[0]!.occurredAt,
        producer: 'webex-bridge',
        correlationId: meeting.correlationId,
        eventId: meeting.events[0]!.id,
        personal: { title: meeting.title, invitees: exampleEventData.MeetingRequested[0]!.invitees },
      });
      const text = await run('audit', 'timeline', meeting.meetingId);
      expect(text.stdout.lines).toHaveLength(3);
      expect(text.stdout.lines[0]).toContain(`correlation ${meeting.correlationId}`);
      expect(text.stdout.lines[0]).toContain(`title=${meeting.title}`);
    });

    it('shows a purged meeting’s personal fields as [redacted]', async () => {
      const meeting = await seedMeeting({ purged: true });
      const { code, stdout } = await run('audit', 'timeline', meeting.meetingId, '--json');
      expect(code).toBe(ExitCode.ok);
      const entries = stdout.lines.map((line) => JSON.parse(line));
      expect(entries.map((entry) => entry.type)).toEqual([
        'MeetingRequested',
        'MeetingScheduled',
        'MeetingCancelled',
        'MeetingDataPurged',
      ]);
      expect(entries[0].personal).toEqual({ title: '[redacted]', invitees: '[redacted]' });
      expect(stdout.text).not.toContain(meeting.title);
      const text = await run('audit', 'timeline', meeting.meetingId);
      expect(text.stdout.lines[0]).toContain('title=[redacted]  invitees=[redacted]');
    });

    it('exits 3 for a meeting that does not exist', async () => {
      const { code, stderr } = await run('audit', 'timeline', newUuidV7());
      expect(code).toBe(ExitCode.notFound);
      expect(stderr.text).toMatch(/meeting .* not found/);
    });
  });

  describe('audit export', () => {
    it('prints the log from a time on as NDJSON, personal fields [sealed] or [redacted], opened with --open', async () => {
      const since = new Date(Date.now() - 1_000);
      const live = await seedMeeting({ purged: false });
      const purged = await seedMeeting({ purged: true });
      const exported = await run('audit', 'export', '--since', since.toISOString());
      expect(exported.code).toBe(ExitCode.ok);
      const lines = exported.stdout.lines.map((line) => JSON.parse(line));
      const requestOf = (meetingId: string, of = lines) =>
        of.find((line) => line.type === 'MeetingRequested' && line.data.meetingId === meetingId);
      expect(requestOf(live.meetingId)).toMatchObject({
        streamId: `meeting-${live.meetingId}`,
        producer: 'webex-bridge',
        correlationId: live.correlationId,
        data: { title: '[sealed]', invitees: '[sealed]', timeZone: 'Europe/Berlin' },
      });
      expect(requestOf(purged.meetingId).data).toMatchObject({ title: '[redacted]', invitees: '[redacted]' });
      expect(exported.stdout.text).not.toContain(live.title);
      // In log order, nothing recorded before the time.
      const positions = lines.map((line) => line.position);
      expect(lines.every((line) => new Date(line.recordedAt) >= since)).toBe(true);
      expect(positions).toEqual([...new Set(positions)]);
      expect(exported.stderr.text).toContain(`exported ${lines.length} events`);

      const opened = await run('audit', 'export', '--since', since.toISOString(), '--open');
      const openedLines = opened.stdout.lines.map((line) => JSON.parse(line));
      expect(requestOf(live.meetingId, openedLines).data.title).toBe(live.title);
      expect(requestOf(purged.meetingId, openedLines).data.title).toBe('[redacted]');

      const future = await run('audit', 'export', '--since', new Date(Date.now() + 60_000).toISOString());
      expect(future.stdout.lines).toEqual([]);
    });
  });

  describe('audit replay', () => {
    it('rebuilds the gateway’s meetings read model from position 0 and prints a summary line', async () => {
      const live = await seedMeeting({ purged: false });
      const purged = await seedMeeting({ purged: true });
      const { code, stdout } = await run('audit', 'replay', '--projection', 'gateway-meetings');
      expect(code).toBe(ExitCode.ok);
      expect(stdout.text).toMatch(
        /^replayed gateway-meetings: \d+ events in \d+\.\d\d s \(\d+ events\/s\), generation \d+ swapped in\n$/,
      );
      const readModels = await createReadModelStore(schema.connectionString);
      try {
        const { gatewayProjections } = await import('@scheduler/gateway/projections');
        const meetings = await readModels.collection(gatewayProjections.get('gateway-meetings')!.collection);
        expect((await meetings.get(live.meetingId))?.document).toMatchObject({
          title: live.title,
          status: 'cancelled',
        });
        expect((await meetings.get(purged.meetingId))?.document).toMatchObject({ status: 'purged' });
        expect(JSON.stringify((await meetings.get(purged.meetingId))?.document)).not.toContain(purged.title);
      } finally {
        await readModels.close();
      }
      // A second replay builds the next generation and swaps again.
      const again = await run('audit', 'replay', '--projection', 'gateway-meetings');
      expect(again.code).toBe(ExitCode.ok);
      const generation = (text: string) => Number(/generation (\d+)/.exec(text)![1]);
      expect(generation(again.stdout.text)).toBe(generation(stdout.text) + 1);
      // Every gateway projection can be replayed; the accounts one reads only the account streams.
      const accounts = await run('audit', 'replay', '--projection', 'gateway-accounts');
      expect(accounts.code).toBe(ExitCode.ok);
      expect(accounts.stdout.text).toMatch(/^replayed gateway-accounts: 0 events in /);
    });
  });

  describe('dlq', () => {
    let app: INestMicroservice;
    let client: JetStreamClient;
    let connection: NatsConnection;

    beforeAll(async () => {
      const names = busNames(environment.BUS_PREFIX);
      connection = await connect({ servers: environment.NATS_URL });
      await ensureBusStreams(await jetstreamManager(connection), names, { duplicateWindowMs: 60_000 });
      app = await NestFactory.createMicroservice<MicroserviceOptions>(FlakyModule, {
        strategy: new JetStreamServer({
          servers: environment.NATS_URL,
          names,
          defaultGroup: 'cli_default',
          maxDeliveries: 2,
          retryDelay: { baseDelayMs: 20, maxDelayMs: 50 },
        }),
        logger: false,
      });
      await app.listen();
      client = new JetStreamClient({ servers: environment.NATS_URL, names });
    });

    afterAll(async () => {
      await client?.close();
      await app?.close();
      const manager = connection && (await jetstreamManager(connection));
      const names = busNames(environment.BUS_PREFIX);
      for (const stream of [names.eventStream, names.deadLetterStream, names.checkpointStream]) {
        await manager?.streams.delete(stream).catch(() => undefined);
      }
      await connection?.close();
    });

    it('lists and shows a poison message, and replays it once the consumer accepts it', async () => {
      expect((await run('dlq', 'list')).stderr.text).toContain('the dead-letter queue is empty');
      const meetingId = newUuidV7();
      const poison = createEvent(MeetingEnded, {
        streamId: `meeting-${meetingId}`,
        tenantId,
        data: { meetingId, endedAt: new Date().toISOString(), source: 'scheduled-end' },
      });
      await lastValueFrom(client.emit(MeetingEnded, poison));

      const [listed] = await eventually(async () => {
        const { code, stdout } = await run('dlq', 'list', '--json');
        expect(code).toBe(ExitCode.ok);
        expect(stdout.lines).toHaveLength(1);
        return stdout.lines.map((line) => JSON.parse(line));
      });
      expect(listed).toMatchObject({
        reason: 'max-deliveries',
        deliveryCount: 2,
        durable: `${environment.BUS_PREFIX}_cli_dlq`,
        subject: `${environment.BUS_PREFIX}.evt.meeting.MeetingEnded`,
        error: { name: 'Error', message: 'the handler has a bug' },
      });
      const text = await run('dlq', 'list');
      expect(text.stdout.text).toContain(`#${listed.id}`);
      expect(text.stdout.text).toContain('deliveries 2');

      const shown = await run('dlq', 'show', String(listed.id));
      expect(shown.code).toBe(ExitCode.ok);
      expect(JSON.parse(shown.stdout.text)).toMatchObject({
        id: listed.id,
        reason: 'max-deliveries',
        payload: poison,
      });
      expect((await run('dlq', 'show', String(listed.id + 1000))).code).toBe(ExitCode.notFound);

      // The fix is deployed: the consumer now accepts it.
      consumer.fixed = true;
      const replayed = await run('dlq', 'replay', String(listed.id));
      expect(replayed.code).toBe(ExitCode.ok);
      expect(replayed.stdout.text).toContain(`replayed #${listed.id} to ${listed.subject}`);
      await eventually(() => expect(consumer.handled).toEqual([poison.id]));
      expect((await run('dlq', 'list', '--json')).stdout.lines).toEqual([]);
      expect((await run('dlq', 'replay', String(listed.id))).code).toBe(ExitCode.notFound);
      expect((await run('dlq', 'replay', '--all')).code).toBe(ExitCode.ok);
    });

    it('streams apply sets the streams’ limits from the configuration the services read', async () => {
      const names = busNames(environment.BUS_PREFIX);
      const stdout = new Captured();
      const code = await main(['streams', 'apply'], {
        stdout,
        stderr: new Captured(),
        environment: { ...environment, BUS_EVENTS_MAX_AGE_MS: '3600000', BUS_DUPLICATE_WINDOW_MS: '30000' },
      });
      expect(code).toBe(ExitCode.ok);
      expect(stdout.lines).toHaveLength(3);
      expect(stdout.lines[0]).toBe(
        `${names.eventStream}: replicas 1, retention limits, max age 3600000 ms, max bytes ${10 * 1024 ** 3}, ` +
          'duplicate window 30000 ms',
      );
      const { config } = await (await jetstreamManager(connection)).streams.info(names.eventStream);
      expect(config.max_age).toBe(3_600_000 * 1_000_000);
      expect(config.duplicate_window).toBe(30_000 * 1_000_000);
      const invalid = await main(['streams', 'apply'], {
        stdout: new Captured(),
        stderr: new Captured(),
        environment: { ...environment, BUS_STREAM_REPLICAS: 'many' },
      });
      expect(invalid).toBe(ExitCode.configuration);
    });
  });

  it('runs as `npx scheduler` (the bin through the project loader), with the exit code as its status', async () => {
    const meeting = await seedMeeting({ purged: true });
    const bin = fileURLToPath(new URL('../bin/scheduler.mjs', import.meta.url));
    const child = spawn(process.execPath, [bin, 'audit', 'timeline', meeting.meetingId, '--json'], {
      env: { ...process.env, ...environment },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(status).toBe(ExitCode.ok);
    expect(JSON.parse(stdout.split('\n')[0]!).personal).toEqual({
      title: '[redacted]',
      invitees: '[redacted]',
    });

    const missing = spawn(process.execPath, [bin, 'dlq', 'show', '424242'], {
      env: { ...process.env, ...environment },
    });
    expect(await new Promise((resolve) => missing.on('exit', resolve))).toBe(ExitCode.notFound);
  }, 60_000);

  it('keys rotate re-wraps every data key under the new primary key, resumably, so the old one can be retired', async () => {
    const meeting = await seedMeeting({ purged: false });
    const newKey = `cli-new:${randomBytes(32).toString('base64')}`;
    const rotating = {
      ...environment,
      KEY_ENCRYPTION_KEY: newKey,
      KEY_ENCRYPTION_KEYS_PREVIOUS: keyEncryptionKey,
    };
    const rotate = async (batchSize: string) => {
      const stdout = new Captured();
      const code = await main(['keys', 'rotate', '--batch-size', batchSize], {
        stdout,
        stderr: new Captured(),
        environment: rotating,
      });
      return { code, rewrapped: Number(/re-wrapped (\d+) data keys under cli-new/.exec(stdout.text)?.[1]) };
    };
    const first = await rotate('2');
    expect(first.code).toBe(ExitCode.ok);
    expect(first.rewrapped).toBeGreaterThanOrEqual(1);
    // Nothing is left for a second run: it would resume with whatever an interrupted run left.
    expect(await rotate('2')).toEqual({ code: ExitCode.ok, rewrapped: 0 });

    // The old key retired: the meeting still opens with the new one alone.
    const stdout = new Captured();
    const code = await main(['audit', 'timeline', meeting.meetingId, '--json'], {
      stdout,
      stderr: new Captured(),
      environment: { ...environment, KEY_ENCRYPTION_KEY: newKey },
    });
    expect(code).toBe(ExitCode.ok);
    expect(JSON.parse(stdout.lines[0]!).personal.title).toBe(meeting.title);
  });
});
