import { describe, expect, it } from '@jest/globals';
import { loadConfig, serviceEnvironment } from '@scheduler/config';
import { busStreamLimitsOf } from './bus-stream-limits.js';

const required = {
  HTTP_PORT: '8080',
  NATS_URL: 'nats://127.0.0.1:4222',
  EVENT_STORE_URL: 'postgres://u:p@h/db',
};

describe('busStreamLimitsOf', () => {
  it('passes on the limits the configuration sets, and nothing for those it leaves to the bus', () => {
    expect(busStreamLimitsOf(loadConfig('x', serviceEnvironment, required))).toEqual({});
    expect(
      busStreamLimitsOf(
        loadConfig('x', serviceEnvironment, {
          ...required,
          BUS_STREAM_REPLICAS: '3',
          BUS_EVENTS_MAX_AGE_MS: '3600000',
          BUS_EVENTS_MAX_BYTES: '1000000',
          BUS_DUPLICATE_WINDOW_MS: '120000',
        }),
      ),
    ).toEqual({ replicas: 3, maxAgeMs: 3_600_000, maxBytes: 1_000_000, duplicateWindowMs: 120_000 });
  });
});
