import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ConfigurationError, loadConfig } from '@scheduler/config';
import { retentionEnvironment } from '../config.js';
import { MAX_RETENTION_SECONDS, RetentionPolicy, parseRetentionPolicies } from './retention-policy.js';

describe('parseRetentionPolicies', () => {
  it('reads "<tenant>=<seconds>" entries, ignoring blanks and spaces', () => {
    const parsed = parseRetentionPolicies(' acme.example=86400 , ,beta.example = 0,');
    expect(parsed.problems).toEqual([]);
    expect([...parsed.policies]).toEqual([
      ['acme.example', 86_400],
      ['beta.example', 0],
    ]);
  });

  it('an empty text means no overrides', () => {
    expect(parseRetentionPolicies('')).toEqual({ policies: new Map(), problems: [] });
  });

  it('names every bad entry at once, by position', () => {
    const parsed = parseRetentionPolicies(
      'acme.example, ACME.example=5, b.example=-1, c.example=1.5, d.example=, e.example=3, e.example=4, x=1',
    );
    expect(parsed.problems).toEqual([
      'entry 1 ("acme.example"): expected "<tenant domain>=<seconds>", e.g. "acme.example=86400"',
      'entry 2 ("ACME.example=5"): "ACME.example" is not a tenant; expected a lower-case domain name',
      `entry 3 ("b.example=-1"): "-1" is not a number of seconds from 0 to ${MAX_RETENTION_SECONDS} (10 years)`,
      `entry 4 ("c.example=1.5"): "1.5" is not a number of seconds from 0 to ${MAX_RETENTION_SECONDS} (10 years)`,
      `entry 5 ("d.example="): "" is not a number of seconds from 0 to ${MAX_RETENTION_SECONDS} (10 years)`,
      'entry 7 ("e.example=4"): tenant "e.example" is listed twice',
      'entry 8 ("x=1"): "x" is not a tenant; expected a lower-case domain name',
    ]);
    expect([...parsed.policies]).toEqual([['e.example', 3]]);
  });

  it('refuses more than ten years', () => {
    expect(parseRetentionPolicies(`a.example=${MAX_RETENTION_SECONDS + 1}`).problems).toHaveLength(1);
    expect(parseRetentionPolicies(`a.example=${MAX_RETENTION_SECONDS}`).problems).toEqual([]);
  });
});

describe('RetentionPolicy', () => {
  it('a listed tenant gets its override, every other tenant the default', () => {
    const policy = new RetentionPolicy(3600, new Map([['acme.example', 0]]));
    expect(policy.secondsAfterEnd('acme.example')).toBe(0);
    expect(policy.secondsAfterEnd('other.example')).toBe(3600);
  });
});

describe('retention configuration', () => {
  const valid = {
    HTTP_PORT: '0',
    NATS_URL: 'nats://127.0.0.1:4222',
    EVENT_STORE_URL: 'postgres://localhost/events',
    KEY_STORE_URL: 'postgres://localhost/keys',
    KEY_ENCRYPTION_KEY: `kek-1:${randomBytes(32).toString('base64')}`,
    DATABASE_URL: 'postgres://localhost/retention',
  };

  it('defaults to purging right after the end, no overrides, a one-second loop', () => {
    const config = loadConfig('retention', retentionEnvironment, valid);
    expect(config.RETENTION_AFTER_END_SECONDS).toBe(0);
    expect(config.RETENTION_POLICIES).toEqual(new Map());
    expect(config.RETENTION_TIMER_INTERVAL_MS).toBe(1000);
  });

  it('parses the policies into a map', () => {
    const config = loadConfig('retention', retentionEnvironment, {
      ...valid,
      RETENTION_AFTER_END_SECONDS: '600',
      RETENTION_POLICIES: 'acme.example=60',
    });
    expect(config.RETENTION_AFTER_END_SECONDS).toBe(600);
    expect(config.RETENTION_POLICIES).toEqual(new Map([['acme.example', 60]]));
  });

  it('takes an outside clock outside production, and refuses it in production', () => {
    const clockUrl = 'http://127.0.0.1:4010/control/clock';
    const config = loadConfig('retention', retentionEnvironment, { ...valid, RETENTION_CLOCK_URL: clockUrl });
    expect(config.RETENTION_CLOCK_URL).toBe(clockUrl);
    let problems: readonly string[] = [];
    try {
      loadConfig('retention', retentionEnvironment, {
        ...valid,
        NODE_ENV: 'production',
        RETENTION_CLOCK_URL: clockUrl,
      });
    } catch (error) {
      problems = (error as ConfigurationError).problems;
    }
    expect(problems).toEqual([
      'RETENTION_CLOCK_URL: must not be set when NODE_ENV is production: retention must run on the real clock there',
    ]);
  });

  it('names each bad setting', () => {
    const load = () =>
      loadConfig('retention', retentionEnvironment, {
        ...valid,
        DATABASE_URL: 'mysql://localhost/retention',
        RETENTION_AFTER_END_SECONDS: '-1',
        RETENTION_POLICIES: 'acme.example=soon',
        RETENTION_TIMER_INTERVAL_MS: '0',
      });
    expect(load).toThrow(ConfigurationError);
    let problems: readonly string[] = [];
    try {
      load();
    } catch (error) {
      problems = (error as ConfigurationError).problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        'DATABASE_URL: must be a URL with scheme postgres:// or postgresql://',
        'RETENTION_AFTER_END_SECONDS: must be 0 or more seconds',
        `RETENTION_POLICIES: entry 1 ("acme.example=soon"): "soon" is not a number of seconds from 0 to ${MAX_RETENTION_SECONDS} (10 years)`,
        expect.stringMatching(/^RETENTION_TIMER_INTERVAL_MS: /),
      ]),
    );
    expect(problems).toHaveLength(4);
  });
});
