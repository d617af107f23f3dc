import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { ConfigurationError, env, loadConfig, serviceEnvironment } from './index.js';

const valid = {
  HTTP_PORT: '8080',
  NATS_URL: 'nats://127.0.0.1:4222',
  EVENT_STORE_URL: 'postgres://u:p@localhost:5432/db',
};

describe('loadConfig', () => {
  it('parses and coerces a valid environment, applying defaults', () => {
    const config = loadConfig('gateway', serviceEnvironment, valid);
    expect(config).toEqual({
      HTTP_PORT: 8080,
      HTTP_HOST: '0.0.0.0',
      NATS_URL: 'nats://127.0.0.1:4222',
      EVENT_STORE_URL: 'postgres://u:p@localhost:5432/db',
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: 10_000,
      BUS_PREFIX: '',
    });
  });

  it('lists every problem in one readable message', () => {
    const attempt = () =>
      loadConfig('gateway', serviceEnvironment, {
        HTTP_PORT: 'eighty',
        EVENT_STORE_URL: 'mysql://x/y',
        LOG_LEVEL: 'loud',
      });
    expect(attempt).toThrow(ConfigurationError);
    try {
      attempt();
    } catch (error) {
      const problems = (error as ConfigurationError).problems;
      expect(problems).toHaveLength(4);
      expect((error as Error).message).toContain('Invalid configuration for gateway:');
      expect((error as Error).message).toContain('NATS_URL: is required but not set');
      expect((error as Error).message).toMatch(/HTTP_PORT: .*number/i);
      expect((error as Error).message).toContain('EVENT_STORE_URL: must be a URL with scheme postgres://');
      expect((error as Error).message).toMatch(/LOG_LEVEL: /);
    }
  });

  it('takes a NATS user with its password, and refuses either without the other', () => {
    expect(
      loadConfig('gateway', serviceEnvironment, { ...valid, NATS_USER: 'gateway', NATS_PASSWORD: 's3cret' }),
    ).toMatchObject({ NATS_USER: 'gateway', NATS_PASSWORD: 's3cret' });
    expect(() => loadConfig('gateway', serviceEnvironment, { ...valid, NATS_USER: 'gateway' })).toThrow(
      'NATS_PASSWORD: is required when NATS_USER is set',
    );
    expect(() => loadConfig('gateway', serviceEnvironment, { ...valid, NATS_PASSWORD: 's3cret' })).toThrow(
      'NATS_USER: is required when NATS_PASSWORD is set',
    );
    expect(() =>
      loadConfig('gateway', serviceEnvironment, { ...valid, NATS_USER: 'a user', NATS_PASSWORD: 's3cret' }),
    ).toThrow(/NATS_USER: may only hold letters/);
  });

  it('reports an empty or malformed URL as a problem instead of crashing', () => {
    expect(() => loadConfig('gateway', serviceEnvironment, { ...valid, EVENT_STORE_URL: '' })).toThrow(
      /EVENT_STORE_URL: /,
    );
    expect(() => loadConfig('gateway', serviceEnvironment, { ...valid, NATS_URL: 'not a url' })).toThrow(
      ConfigurationError,
    );
  });

  it('takes the bus streams’ limits when they are set, and leaves them to the bus when not', () => {
    expect(
      loadConfig('gateway', serviceEnvironment, {
        ...valid,
        BUS_STREAM_REPLICAS: '3',
        BUS_EVENTS_MAX_AGE_MS: '86400000',
        BUS_EVENTS_MAX_BYTES: '1073741824',
        BUS_DUPLICATE_WINDOW_MS: '600000',
      }),
    ).toMatchObject({
      BUS_STREAM_REPLICAS: 3,
      BUS_EVENTS_MAX_AGE_MS: 86_400_000,
      BUS_EVENTS_MAX_BYTES: 1_073_741_824,
      BUS_DUPLICATE_WINDOW_MS: 600_000,
    });
    expect(() => loadConfig('gateway', serviceEnvironment, { ...valid, BUS_STREAM_REPLICAS: '0' })).toThrow(
      /BUS_STREAM_REPLICAS: /,
    );
  });

  it('rejects out-of-range ports and accepts booleans spelled as env vars', () => {
    const schema = z.object({ PORT: env.port(), FLAG: env.boolean() });
    expect(loadConfig('x', schema, { PORT: '1', FLAG: '1' })).toEqual({ PORT: 1, FLAG: true });
    expect(() => loadConfig('x', schema, { PORT: '70000', FLAG: 'yes' })).toThrow(/PORT: [\s\S]*FLAG: /);
  });
});
