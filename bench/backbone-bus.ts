// npm run bench -- backbone-bus
// The bus, measured against its practical limit in the same run:
//   e2e        append to the event store → relay → JetStream → our Nest transport → handler done
//   transport  JetStream publish → our Nest transport (validation, lanes, ack) → handler done
//   raw        nats.js JetStream publish → pull consume → ack (the practical limit)
//   nest-core  NestJS's built-in NATS transport (core NATS, nothing persisted), for reference
// Each path runs flat out (events/s) and paced at 1,000 events/s (p50/p99 latency).
import 'reflect-metadata';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientProxyFactory,
  EventPattern,
  Payload,
  Transport,
  type ClientProxy,
  type MicroserviceOptions,
} from '@nestjs/microservices';
import {
  BusMetrics,
  EventRelay,
  JetStreamServer,
  OnEvent,
  busNames,
  ensureBusStreams,
  eventSubject,
} from '@scheduler/bus';
import { MeetingCancelled, createEvent, newUuidV7, type EventOf } from '@scheduler/contracts';
import { PostgresEventStore, envelopeToEventToAppend } from '@scheduler/event-store';
import { startEmbeddedPostgres, startNatsServer, type RunningNatsServer } from '@scheduler/local-infra';
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { lastValueFrom } from 'rxjs';

const FLAT_OUT = { e2e: 4_000, transport: 10_000, raw: 10_000, core: 10_000 };
const PACED_RATE = 1_000;
const PACED_SECONDS = 5;
const CONCURRENCY = 64;
const WARM_UP = 1_000;
const E2E_SUSTAINABLE_RATE = 400;

type Path = 'e2e' | 'transport' | 'raw' | 'core';

/** Send times and handled times of one measured run, matched by key. */
class Run {
  private readonly sentAt = new Map<string, number>();
  private readonly latencies: number[] = [];
  private firstSent = 0;
  private lastHandled = 0;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  constructor(readonly expected: number) {}
  private readonly committedAt = new Map<string, number>();
  private readonly handledAt = new Map<string, number>();
  private readonly commitLatencies: number[] = [];
  sent(key: string) {
    const now = performance.now();
    if (this.firstSent === 0) this.firstSent = now;
    this.sentAt.set(key, now);
  }
  /** For appends: the store confirmed the commit; the rest of the latency is the bus's. */
  committed(key: string) {
    const now = performance.now();
    const handled = this.handledAt.get(key);
    if (handled !== undefined) {
      this.handledAt.delete(key);
      this.commitLatencies.push(Math.max(0, handled - now));
    } else this.committedAt.set(key, now);
  }
  handled(key: string) {
    const sent = this.sentAt.get(key);
    if (sent === undefined) return;
    this.sentAt.delete(key);
    const now = performance.now();
    const committed = this.committedAt.get(key);
    if (committed !== undefined) {
      this.committedAt.delete(key);
      this.commitLatencies.push(now - committed);
    } else this.handledAt.set(key, now);
    this.latencies.push(now - sent);
    this.lastHandled = now;
    if (this.latencies.length === this.expected) this.resolveDone();
  }
  summary() {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const at = (q: number) =>
      round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
    return {
      events: this.latencies.length,
      eventsPerSecond: Math.round(this.latencies.length / ((this.lastHandled - this.firstSent) / 1000)),
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: round(sorted.at(-1) ?? NaN),
      ...(this.commitLatencies.length > 0 ? this.commitSummary() : {}),
    };
  }
  private commitSummary() {
    const sorted = [...this.commitLatencies].sort((a, b) => a - b);
    const at = (q: number) =>
      round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
    return { commitToHandledP50Ms: at(0.5), commitToHandledP99Ms: at(0.99) };
  }
}

const round = (value: number) => Math.round(value * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let current: Run | undefined;

/** Sends `count` items, either flat out with a bounded window or paced at `rate` per second. */
async function drive(count: number, send: (index: number) => Promise<unknown>, rate?: number) {
  const run = new Run(count);
  current = run;
  const start = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let index = 0; index < count; index++) {
    if (rate) {
      const due = start + (index * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
    }
    while (inFlight.size >= (rate ? 1_000 : 256)) await Promise.race(inFlight);
    const task = send(index).finally(() => inFlight.delete(task));
    inFlight.add(task);
  }
  await Promise.all(inFlight);
  await Promise.race([
    run.done,
    sleep(60_000).then(() => Promise.reject(new Error('timed out waiting for handlers'))),
  ]);
  current = undefined;
  return run.summary();
}

const tenantId = 'bench.example.com';
const newEvent = () => {
  const meetingId = newUuidV7();
  return createEvent(MeetingCancelled, {
    streamId: `meeting-${meetingId}`,
    tenantId,
    data: { meetingId, reason: 'user-request' },
  });
};

@Controller()
class BusHandler {
  @OnEvent(MeetingCancelled)
  handle(@Payload() event: EventOf<typeof MeetingCancelled>) {
    current?.handled(event.id);
  }
}
@Module({ controllers: [BusHandler] })
class BusModule {}

@Controller()
class CoreHandler {
  @EventPattern('bench.core.MeetingCancelled')
  handle(@Payload() event: EventOf<typeof MeetingCancelled>) {
    current?.handled(event.id);
  }
}
@Module({ controllers: [CoreHandler] })
class CoreModule {}

async function main() {
  const nats = await startNatsServer();
  const postgres = await startEmbeddedPostgres();
  const cleanups: Array<() => Promise<unknown>> = [() => nats.stop(), () => postgres.stop()];
  const results: Record<string, Record<string, unknown>> = {};
  try {
    const connection = await connect({ servers: nats.url });
    cleanups.unshift(() => connection.close());
    const manager = await jetstreamManager(connection);
    const js = jetstream(connection);

    // --- raw JetStream: publish with msgID, pull-consume, ack ---
    const rawNames = busNames('raw');
    await ensureBusStreams(manager, rawNames);
    await manager.consumers.add(rawNames.eventStream, {
      durable_name: 'raw',
      ack_policy: AckPolicy.Explicit,
    });
    const rawConsumer = await js.consumers.get(rawNames.eventStream, 'raw');
    const rawMessages = await rawConsumer.consume({ max_messages: CONCURRENCY * 2 });
    void (async () => {
      for await (const message of rawMessages) {
        current?.handled(message.json<{ id: string }>().id);
        message.ack();
      }
    })();
    const rawSend = async () => {
      const event = newEvent();
      current!.sent(event.id);
      await js.publish(eventSubject(rawNames, MeetingCancelled), JSON.stringify(event), { msgID: event.id });
    };
    await drive(WARM_UP, rawSend);
    results.raw = {
      flatOut: await drive(FLAT_OUT.raw, rawSend),
      paced: await drive(PACED_RATE * PACED_SECONDS, rawSend, PACED_RATE),
    };
    await rawMessages.close();

    // --- our transport alone: JetStream publish → JetStreamServer → @OnEvent handler ---
    const transportNames = busNames('transport');
    await ensureBusStreams(manager, transportNames);
    const transportApp = await NestFactory.createMicroservice<MicroserviceOptions>(BusModule, {
      strategy: new JetStreamServer({
        servers: nats.url,
        names: transportNames,
        defaultGroup: 'bench',
        concurrency: CONCURRENCY,
      }),
      logger: ['error'],
    });
    await transportApp.listen();
    const transportSend = async () => {
      const event = newEvent();
      current!.sent(event.id);
      await js.publish(eventSubject(transportNames, MeetingCancelled), JSON.stringify(event), {
        msgID: event.id,
      });
    };
    await drive(WARM_UP, transportSend);
    results.transport = {
      flatOut: await drive(FLAT_OUT.transport, transportSend),
      paced: await drive(PACED_RATE * PACED_SECONDS, transportSend, PACED_RATE),
    };
    await transportApp.close();

    // --- end to end: event-store append → relay → JetStream → our transport → handler ---
    const store = await PostgresEventStore.connect({ connectionString: postgres.url, poolSize: 20 });
    cleanups.unshift(() => store.close());
    const e2eNames = busNames('e2e');
    await ensureBusStreams(manager, e2eNames);
    const e2eApp: INestMicroservice = await NestFactory.createMicroservice<MicroserviceOptions>(BusModule, {
      strategy: new JetStreamServer({
        servers: nats.url,
        names: e2eNames,
        defaultGroup: 'bench',
        concurrency: CONCURRENCY,
      }),
      logger: ['error'],
    });
    await e2eApp.listen();
    const relayConnection = await connect({ servers: nats.url });
    // The relay reads through its own pool, so its reads never queue behind the appends.
    const relayStore = await PostgresEventStore.connect({ connectionString: postgres.url, poolSize: 2 });
    cleanups.unshift(() => relayStore.close());
    const relay = await EventRelay.start({
      store: relayStore,
      connection: relayConnection,
      relayName: 'bench',
      names: e2eNames,
      metrics: new BusMetrics(),
    });
    const appendSend = async () => {
      const event = newEvent();
      current!.sent(event.id);
      await store.append(event.streamId, [envelopeToEventToAppend(event)], 'no_stream');
      current?.committed(event.id);
    };
    await drive(WARM_UP, appendSend);
    // Appends are bounded by PostgreSQL; 32 writers is what a few services would do.
    const e2eFlat = await driveWithWriters(FLAT_OUT.e2e, appendSend, 32);
    results.e2e = {
      flatOut: e2eFlat,
      paced: await drive(PACED_RATE * PACED_SECONDS, appendSend, PACED_RATE),
      // A rate the store sustains here, to show the bus's own latency apart from a backlog.
      pacedBelowStoreLimit: await drive(
        E2E_SUSTAINABLE_RATE * PACED_SECONDS,
        appendSend,
        E2E_SUSTAINABLE_RATE,
      ),
    };
    await relay.stop();
    await relayConnection.close();
    await e2eApp.close();
    // The bound on e2e: the same appends with nothing downstream.
    const appendOnly = async () => {
      const event = newEvent();
      current!.sent(event.id);
      await store.append(event.streamId, [envelopeToEventToAppend(event)], 'no_stream');
      current!.handled(event.id);
    };
    results.appendOnly = { flatOut: await driveWithWriters(FLAT_OUT.e2e, appendOnly, 32) };

    // --- NestJS built-in NATS transport (core NATS, nothing persisted) ---
    const coreApp = await NestFactory.createMicroservice<MicroserviceOptions>(CoreModule, {
      transport: Transport.NATS,
      options: { servers: [nats.url] },
      logger: ['error'],
    });
    await coreApp.listen();
    const coreClient: ClientProxy = ClientProxyFactory.create({
      transport: Transport.NATS,
      options: { servers: [nats.url] },
    });
    await coreClient.connect();
    const coreSend = async () => {
      const event = newEvent();
      current!.sent(event.id);
      await lastValueFrom(coreClient.emit('bench.core.MeetingCancelled', event), { defaultValue: undefined });
    };
    await drive(WARM_UP, coreSend);
    results.core = {
      flatOut: await drive(FLAT_OUT.core, coreSend),
      paced: await drive(PACED_RATE * PACED_SECONDS, coreSend, PACED_RATE),
    };
    await coreClient.close();
    await coreApp.close();

    report(results as Results, connection, nats);
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}

type Summary = Awaited<ReturnType<typeof drive>>;
type Results = Record<Path, { flatOut: Summary; paced: Summary }> & { appendOnly: { flatOut: Summary } };

/** Flat out with a fixed number of concurrent writers (appends wait for the database). */
async function driveWithWriters(count: number, send: () => Promise<unknown>, writers: number) {
  const run = new Run(count);
  current = run;
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < count) {
        next++;
        await send();
      }
    }),
  );
  await Promise.race([
    run.done,
    sleep(60_000).then(() => Promise.reject(new Error('timed out waiting for handlers'))),
  ]);
  current = undefined;
  return run.summary();
}

function report(results: Results, connection: NatsConnection, nats: RunningNatsServer) {
  const raw = results.raw.flatOut.eventsPerSecond;
  const rows = (
    [
      ['e2e: append → relay → our transport', results.e2e],
      ['our transport (JetStream → handler)', results.transport],
      ['raw nats.js JetStream', results.raw],
      ['NestJS built-in NATS (core, reference)', results.core],
    ] as const
  ).map(([label, result]) => ({
    path: label,
    'events/s': result.flatOut.eventsPerSecond,
    'vs raw': round(result.flatOut.eventsPerSecond / raw),
    'p50 ms @1k/s': result.paced.p50Ms,
    'p99 ms @1k/s': result.paced.p99Ms,
    'max ms @1k/s': result.paced.maxMs,
  }));
  console.table(rows);
  const e2e = results.e2e as unknown as Record<string, Summary & Record<string, number>>;
  console.log(
    `e2e at 1,000/s, commit → handled (the bus's part): p50 ${e2e.paced!.commitToHandledP50Ms} ms, p99 ${e2e.paced!.commitToHandledP99Ms} ms`,
  );
  console.log(
    `e2e at ${E2E_SUSTAINABLE_RATE}/s: append → handled p50 ${e2e.pacedBelowStoreLimit!.p50Ms} ms, p99 ${e2e.pacedBelowStoreLimit!.p99Ms} ms; ` +
      `commit → handled p50 ${e2e.pacedBelowStoreLimit!.commitToHandledP50Ms} ms, p99 ${e2e.pacedBelowStoreLimit!.commitToHandledP99Ms} ms`,
  );
  console.log(
    `event-store appends alone (32 writers, the bound on e2e): ${results.appendOnly.flatOut.eventsPerSecond} events/s`,
  );
  const transportRatio = round(results.transport.flatOut.eventsPerSecond / raw);
  const e2eP99 = results.e2e.paced.p99Ms;
  const targets = {
    transportThroughputVsRaw: { target: '>= 0.5', measured: transportRatio, met: transportRatio >= 0.5 },
    e2eP99At1000PerSecondMs: { target: '<= 50', measured: e2eP99, met: e2eP99 <= 50 },
  };
  console.log('targets:', JSON.stringify(targets));
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('./results/backbone-bus.json', import.meta.url),
    `${JSON.stringify(
      {
        benchmark: 'backbone-bus',
        measuredAt: new Date().toISOString(),
        machine: {
          cpus: cpus().length,
          model: cpus()[0]?.model.split(' ').slice(0, 2).join(' '),
          node: process.version,
        },
        natsServer: connection.info?.version,
        parameters: {
          e2eSustainableRate: E2E_SUSTAINABLE_RATE,
          warmUp: WARM_UP,
          flatOut: FLAT_OUT,
          pacedRate: PACED_RATE,
          pacedSeconds: PACED_SECONDS,
          concurrency: CONCURRENCY,
          e2eWriters: 32,
        },
        notes:
          'One process runs the appender, relay, consumer and publisher; latency is send call → handler returned. ' +
          `nats-server ${nats.version} with ${nats.syncAlways ? 'sync_interval: always' : 'default JetStream sync (not sync_interval: always)'}; PostgreSQL with fsync on.`,
        results,
        targets,
      },
      null,
      2,
    )}\n`,
  );
}

await main();
