import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { describeServiceLifecycle, startServiceProcess, testInfrastructure } from '@scheduler/testing';

const retention = { name: 'retention', main: new URL('./main.ts', import.meta.url) };

// retention's own settings, valid: its private database (the meeting timers) lives in the test's
// isolated schema, where it creates its table at start.
describeServiceLifecycle(retention, (schema) => ({ DATABASE_URL: schema.connectionString }));

describe('retention configuration', () => {
  it('refuses malformed policies, naming the setting and each bad entry', async () => {
    const service = await startServiceProcess(retention, {
      NATS_URL: testInfrastructure().natsUrl,
      EVENT_STORE_URL: 'postgres://unused.invalid/events',
      KEY_STORE_URL: 'postgres://unused.invalid/keys',
      KEY_ENCRYPTION_KEY: `kek-1:${randomBytes(32).toString('base64')}`,
      DATABASE_URL: 'postgres://unused.invalid/retention',
      RETENTION_AFTER_END_SECONDS: 'soon',
      RETENTION_POLICIES: 'acme.example=3600,Beta.example=60,gamma.example',
    });
    const exit = await new Promise((resolve) => service.child.once('exit', (code) => resolve(code)));
    expect(exit).toBe(78);
    const output = service.output();
    expect(output).toContain('Invalid configuration for retention:');
    expect(output).toMatch(/RETENTION_AFTER_END_SECONDS: /);
    expect(output).toContain(
      'RETENTION_POLICIES: entry 2 ("Beta.example=60"): "Beta.example" is not a tenant; expected a lower-case domain name',
    );
    expect(output).toContain(
      'RETENTION_POLICIES: entry 3 ("gamma.example"): expected "<tenant domain>=<seconds>", e.g. "acme.example=86400"',
    );
    expect(output).not.toContain('acme.example=3600');
  });
});
