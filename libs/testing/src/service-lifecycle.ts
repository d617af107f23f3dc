import { randomBytes } from 'node:crypto';
import type * as JestGlobals from '@jest/globals';
import { DiscardPolicy, RetentionPolicy, StorageType, jetstreamManager } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import {
  busNames,
  eventConsumers,
  eventSubjectsWildcard,
  eventsProducedBy,
  type ServiceName,
} from '@scheduler/contracts';
import { isolatedSchema, uniqueName, type IsolatedSchema } from './isolation.js';
import { testInfrastructure } from './infrastructure.js';
import { startServiceProcess, type ServiceSource } from './service-process.js';

// Jest's globals, read when a suite is declared: importing '@jest/globals' would make this
// package unusable outside jest (benchmarks and tools import @scheduler/testing too).
const jest = () => globalThis as unknown as typeof JestGlobals;

/**
 * The lifecycle every service must honour: boot against real NATS and PostgreSQL, report
 * live and ready, serve metrics, exit 0 on SIGTERM after a graceful shutdown, and refuse
 * to start on bad configuration with every problem named.
 */
export function describeServiceLifecycle(
  source: ServiceSource,
  /**
   * The service's own required settings (valid values), added to the shared ones; a function
   * gets the test's isolated schema, for settings that must reach a real database.
   */
  environment: Record<string, string> | ((schema: IsolatedSchema) => Record<string, string>) = {},
): void {
  const { afterAll, beforeAll, describe, expect, it } = jest();
  const service = source.name;
  describe(`${service} process`, () => {
    let schema: IsolatedSchema;
    let nats: NatsConnection | undefined;
    beforeAll(async () => {
      schema = await isolatedSchema(`boot_${service}`);
    });
    afterAll(async () => {
      await nats?.close();
      await schema.drop();
    });

    it('boots as its own NATS user, reports live and ready, serves /metrics, leaves an existing stream as it was, and exits 0 on SIGTERM', async () => {
      // Its own JetStream names, so the booted service never consumes another file's events.
      const names = busNames(uniqueName(`lifecycle_${service}`));
      const { natsUrl, natsUsers } = testInfrastructure();
      nats = await connect({ servers: natsUrl });
      const streams = (await jetstreamManager(nats)).streams;
      // An operator set the event stream's limits (`scheduler streams apply`); this service is
      // started with others. It must warn, not reset them.
      const operatorLimits = {
        max_age: nanos(3_600_000),
        max_bytes: 64 * 1024 ** 2,
        duplicate_window: nanos(60_000),
      };
      await streams.add({
        name: names.eventStream,
        subjects: [eventSubjectsWildcard(names)],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        max_msg_size: 1024 * 1024,
        ...operatorLimits,
      });
      const user = natsUsers[service];
      const process = await startServiceProcess(source, {
        // Every service opens the shared data-key store (sealed personal data on the bus).
        KEY_STORE_URL: schema.connectionString,
        KEY_ENCRYPTION_KEY: `kek-lifecycle:${randomBytes(32).toString('base64')}`,
        ...(typeof environment === 'function' ? environment(schema) : environment),
        ...(user ? { NATS_USER: user.user, NATS_PASSWORD: user.password } : {}),
        NATS_URL: natsUrl,
        EVENT_STORE_URL: schema.connectionString,
        BUS_PREFIX: names.prefix,
        BUS_EVENTS_MAX_AGE_MS: '7200000',
        BUS_EVENTS_MAX_BYTES: String(128 * 1024 ** 2),
        BUS_DUPLICATE_WINDOW_MS: '120000',
      });
      try {
        await process.waitUntilReady();
        expect((await streams.info(names.eventStream)).config).toMatchObject(operatorLimits);
        const usesJetStream =
          eventConsumers.includes(service as ServiceName) ||
          eventsProducedBy(service as ServiceName).length > 0;
        // The missing streams were created; the gateway, which needs no JetStream, touched none.
        const deadLetters = await streams.info(names.deadLetterStream).catch(() => undefined);
        expect(deadLetters !== undefined).toBe(usesJetStream);
        const live = await fetch(`${process.baseUrl}/health/live`);
        expect(live.status).toBe(200);
        const ready = (await (await fetch(`${process.baseUrl}/health/ready`)).json()) as {
          status: string;
          info: object;
        };
        expect(ready.status).toBe('ok');
        // Services add probes of their own (relay, private database); these two are everyone's.
        expect(Object.keys(ready.info)).toEqual(expect.arrayContaining(['nats', 'postgres']));
        const metrics = await (await fetch(`${process.baseUrl}/metrics`)).text();
        expect(metrics).toContain(`process_cpu_user_seconds_total{service="${service}"}`);
        if (usesJetStream) {
          const warnings = process.logs().map((line) => String(line.message));
          expect(warnings).toContainEqual(
            expect.stringMatching(new RegExp(`^stream ${names.eventStream}: max_age is .* left as it is`)),
          );
          expect(metrics).toMatch(
            new RegExp(
              `scheduler_bus_stream_setting_drift\\{[^}]*stream="${names.eventStream}",setting="max_bytes"[^}]*\\} 1`,
            ),
          );
        }
      } catch (error) {
        await process.stop('SIGKILL');
        // The cause is in what the process printed; a failed exit check would hide it.
        throw new Error(
          `${service} failed its lifecycle check: ${String(error)}\n${process.output().slice(-4000)}`,
          {
            cause: error,
          },
        );
      }
      const exit = await process.stop('SIGTERM');
      if (exit !== 0)
        throw new Error(
          `${service} exited with ${String(exit)} on SIGTERM:\n${process.output().slice(-4000)}`,
        );
      const messages = process.logs().map((line) => line.message);
      expect(messages).toContain('SIGTERM received: shutting down');
      expect(messages).toContain('shutdown complete');
      for (const stream of [names.eventStream, names.deadLetterStream, names.checkpointStream])
        await streams.delete(stream).catch(() => undefined);
    });

    it('refuses to start with bad configuration, naming every problem', async () => {
      const process = await startServiceProcess(source, {
        NATS_URL: 'http://not-nats',
        EVENT_STORE_URL: '',
      });
      const exit = await new Promise((resolve) => process.child.once('exit', (code) => resolve(code)));
      expect(exit).toBe(78);
      expect(process.output()).toContain(`Invalid configuration for ${service}:`);
      expect(process.output()).toMatch(/NATS_URL: must be a URL with scheme nats:\/\//);
      expect(process.output()).toMatch(/EVENT_STORE_URL: /);
    });
  });
}
