import { randomBytes } from 'node:crypto';
import type * as JestGlobals from '@jest/globals';
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
    beforeAll(async () => {
      schema = await isolatedSchema(`boot_${service}`);
    });
    afterAll(async () => schema.drop());

    it('boots, reports live and ready, serves /metrics, and exits 0 on SIGTERM', async () => {
      const process = await startServiceProcess(source, {
        // Its own JetStream names, so the booted service never consumes another file's events.
        BUS_PREFIX: uniqueName(`lifecycle_${service}`),
        // Every service opens the shared data-key store (sealed personal data on the bus).
        KEY_STORE_URL: schema.connectionString,
        KEY_ENCRYPTION_KEY: `kek-lifecycle:${randomBytes(32).toString('base64')}`,
        ...(typeof environment === 'function' ? environment(schema) : environment),
        NATS_URL: testInfrastructure().natsUrl,
        EVENT_STORE_URL: schema.connectionString,
      });
      try {
        await process.waitUntilReady();
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
