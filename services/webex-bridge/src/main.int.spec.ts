import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { describeServiceLifecycle, startServiceProcess, testInfrastructure } from '@scheduler/testing';

const webexBridge = { name: 'webex-bridge', main: new URL('./main.ts', import.meta.url) };

// The bridge's own settings, valid: its private database lives in the
// test's isolated schema (it creates its tables at start), and a Webex integration that is never
// called during a boot.
describeServiceLifecycle(webexBridge, (schema) => ({
  DATABASE_URL: schema.connectionString,
  WEBEX_API_BASE_URL: 'http://127.0.0.1:9/v1',
  WEBEX_CLIENT_ID: 'scheduler-lifecycle-webex-client',
  WEBEX_CLIENT_SECRET: 'scheduler-lifecycle-webex-secret',
  WEBEX_REDIRECT_URI: 'https://scheduler.example/v1/oauth/webex/callback',
}));

describe('webex-bridge configuration', () => {
  it('names every problem with its own settings at once, and never echoes key material', async () => {
    const shortKey = randomBytes(16).toString('base64');
    const service = await startServiceProcess(webexBridge, {
      NATS_URL: testInfrastructure().natsUrl,
      EVENT_STORE_URL: 'postgres://unused.invalid/events',
      DATABASE_URL: 'http://not-postgres.invalid/db',
      KEY_ENCRYPTION_KEY: `kek-1:${shortKey}`,
      KEY_ENCRYPTION_KEYS_PREVIOUS: `kek-0:${randomBytes(32).toString('base64')}, no-separator`,
      WEBEX_API_BASE_URL: 'ftp://webexapis.example/v1',
      WEBEX_CLIENT_SECRET: ' ',
      WEBEX_REDIRECT_URI: 'not a url',
      WEBEX_SITE_CACHE_TTL_MS: '-5',
    });
    const exit = await new Promise((resolve) => service.child.once('exit', (code) => resolve(code)));
    expect(exit).toBe(78);
    const output = service.output();
    expect(output).toContain('Invalid configuration for webex-bridge:');
    expect(output).toMatch(/DATABASE_URL: must be a URL with scheme postgres:\/\//);
    expect(output).toMatch(/KEY_STORE_URL: is required but not set/);
    expect(output).toMatch(/KEY_ENCRYPTION_KEY: key-encryption key "kek-1": the key must decode to 32 bytes/);
    expect(output).toMatch(
      /KEY_ENCRYPTION_KEYS_PREVIOUS: key-encryption key "\(unnamed\)": expected "<id>:<base64 key>"/,
    );
    expect(output).toMatch(/WEBEX_API_BASE_URL: must be a URL with scheme https:\/\//);
    expect(output).toMatch(/WEBEX_CLIENT_ID: is required but not set/);
    expect(output).toMatch(/WEBEX_CLIENT_SECRET: /);
    expect(output).toMatch(/WEBEX_REDIRECT_URI: /);
    expect(output).toMatch(/WEBEX_SITE_CACHE_TTL_MS: /);
    expect(output).not.toContain(shortKey);
  });
});
