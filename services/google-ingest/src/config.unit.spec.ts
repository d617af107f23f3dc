import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ConfigurationError, loadConfig } from '@scheduler/config';
import { keyEncryptionKeysOf } from '@scheduler/runtime';
import { googleIngestEnvironment } from './config.js';

const key = () => randomBytes(32).toString('base64');
const valid = {
  HTTP_PORT: '3001',
  NATS_URL: 'nats://127.0.0.1:4222',
  EVENT_STORE_URL: 'postgres://u:p@127.0.0.1:5432/events',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/google_ingest',
  KEY_STORE_URL: 'postgres://u:p@127.0.0.1:5432/keys',
  KEY_ENCRYPTION_KEY: `dev-2:${key()}`,
  GOOGLE_CLIENT_ID: 'scheduler-dev.apps.googleusercontent.com',
  GOOGLE_CLIENT_SECRET: 'secret',
  GOOGLE_REDIRECT_URI: 'http://127.0.0.1:3000/v1/oauth/google/callback',
  PUBLIC_WEBHOOK_BASE_URL: 'http://127.0.0.1:3001',
};
const problemsOf = (environment: Record<string, string>) => {
  try {
    loadConfig('google-ingest', googleIngestEnvironment, environment);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  return [];
};

describe('google-ingest configuration', () => {
  it('takes the defaults: real Google endpoints, Webex.SiteUrl, renewal every minute, sync every 5 minutes', () => {
    const config = loadConfig('google-ingest', googleIngestEnvironment, valid);
    expect(config.GOOGLE_API_BASE_URL).toBeUndefined();
    expect(config).toMatchObject({
      DIRECTORY_SITE_SCHEMA: 'Webex',
      DIRECTORY_SITE_FIELD: 'SiteUrl',
      CHANNEL_RENEWAL_INTERVAL_MS: 60_000,
      PERIODIC_SYNC_INTERVAL_MS: 300_000,
    });
    expect(keyEncryptionKeysOf(config).keyIds).toEqual(['dev-2']);
  });

  it('keeps previous keys for unwrapping, and refuses one that repeats the primary key material', () => {
    const primary = key();
    const config = loadConfig('google-ingest', googleIngestEnvironment, {
      ...valid,
      KEY_ENCRYPTION_KEY: `dev-2:${primary}`,
      KEY_ENCRYPTION_KEYS_PREVIOUS: `dev-1:${key()}`,
    });
    expect(keyEncryptionKeysOf(config).keyIds).toEqual(['dev-2', 'dev-1']);
    const problems = problemsOf({
      ...valid,
      KEY_ENCRYPTION_KEY: `dev-2:${primary}`,
      KEY_ENCRYPTION_KEYS_PREVIOUS: `dev-1:${primary}`,
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^KEY_ENCRYPTION_KEYS_PREVIOUS: .*same key material/);
    expect(problems.join('\n')).not.toContain(primary);
  });

  it('refuses a key that is not 32 bytes, and a non-postgres private database', () => {
    const problems = problemsOf({
      ...valid,
      KEY_ENCRYPTION_KEY: `dev-2:${randomBytes(16).toString('base64')}`,
      DATABASE_URL: 'mongodb://db/x',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DATABASE_URL: must be a URL with scheme postgres:\/\//),
        expect.stringMatching(/^KEY_ENCRYPTION_KEY: key-encryption key "dev-2"/),
      ]),
    );
    expect(problems).toHaveLength(2);
  });
});
