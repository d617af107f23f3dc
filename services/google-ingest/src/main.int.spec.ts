import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { describeServiceLifecycle, startServiceProcess, testInfrastructure } from '@scheduler/testing';

const googleIngest = { name: 'google-ingest', main: new URL('./main.ts', import.meta.url) };

// The private tables and the data keys share the lifecycle's schema with the event store: their
// table names do not meet, and the boot test only needs them to be real and reachable.
describeServiceLifecycle(googleIngest, (schema) => ({
  DATABASE_URL: schema.connectionString,
  GOOGLE_CLIENT_ID: 'scheduler-lifecycle.apps.googleusercontent.com',
  GOOGLE_CLIENT_SECRET: 'lifecycle-secret',
  GOOGLE_REDIRECT_URI: 'https://scheduler.example/v1/oauth/google/callback',
  PUBLIC_WEBHOOK_BASE_URL: 'https://google-ingest.scheduler.example',
}));

describe('google-ingest configuration', () => {
  it('names every problem with its own settings at once, without echoing key material', async () => {
    const leakedKey = randomBytes(16).toString('base64');
    const process = await startServiceProcess(googleIngest, {
      NATS_URL: testInfrastructure().natsUrl,
      EVENT_STORE_URL: 'postgres://unused.invalid/events',
      DATABASE_URL: 'mysql://unused.invalid/google',
      KEY_ENCRYPTION_KEY: `short:${leakedKey}`,
      KEY_ENCRYPTION_KEYS_PREVIOUS: `old-1:${randomBytes(32).toString('base64')}, no-id-here`,
      GOOGLE_REDIRECT_URI: 'not a url',
      CHANNEL_RENEWAL_INTERVAL_MS: '-5',
      DIRECTORY_SITE_SCHEMA: 'Webex; DROP',
    });
    const exit = await new Promise((resolve) => process.child.once('exit', (code) => resolve(code)));
    expect(exit).toBe(78);
    const output = process.output();
    expect(output).toContain('Invalid configuration for google-ingest:');
    expect(output).toMatch(/DATABASE_URL: must be a URL with scheme postgres:\/\//);
    expect(output).toMatch(/KEY_STORE_URL: is required but not set/);
    expect(output).toMatch(/KEY_ENCRYPTION_KEY: key-encryption key "short"/);
    expect(output).toMatch(
      /KEY_ENCRYPTION_KEYS_PREVIOUS: key-encryption key "\(unnamed\)": expected "<id>:<base64 key>"/,
    );
    expect(output).toMatch(/GOOGLE_CLIENT_ID: is required but not set/);
    expect(output).toMatch(/GOOGLE_CLIENT_SECRET: is required but not set/);
    expect(output).toMatch(/GOOGLE_REDIRECT_URI: /);
    expect(output).toMatch(/PUBLIC_WEBHOOK_BASE_URL: is required but not set/);
    expect(output).toMatch(/CHANNEL_RENEWAL_INTERVAL_MS: /);
    expect(output).toMatch(/DIRECTORY_SITE_SCHEMA: must be a Directory custom schema or field name/);
    expect(output).not.toContain(leakedKey);
  });
});
