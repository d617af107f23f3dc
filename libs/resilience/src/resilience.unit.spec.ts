import { describe, expect, it } from '@jest/globals';
import {
  CircuitBreaker,
  CircuitOpenError,
  RetryPolicy,
  backoffDelay,
  parseRetryAfter,
  withTimeout,
  TimeoutError,
} from './index.js';

class Transient extends Error {
  constructor(readonly retryAfterMs?: number) {
    super('transient');
  }
}

const policy = (sleeps: number[], maxAttempts = 4) =>
  new RetryPolicy({
    maxAttempts,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    maxRetryAfterMs: 10_000,
    random: () => 0.5,
    sleep: async (milliseconds) => {
      sleeps.push(milliseconds);
    },
    classify: (error) =>
      error instanceof Transient
        ? {
            retryable: true,
            ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
          }
        : { retryable: false },
  });

describe('backoff', () => {
  it('grows exponentially, is capped, and is jittered', () => {
    expect(backoffDelay(1, { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 1 })).toBe(100);
    expect(backoffDelay(3, { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 1 })).toBe(400);
    expect(backoffDelay(10, { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 1 })).toBe(1_000);
    expect(backoffDelay(3, { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.25 })).toBe(100);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('RetryPolicy', () => {
  it('retries an idempotent call and waits at least Retry-After', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await policy(sleeps).run(
      async () => {
        calls++;
        if (calls === 1) throw new Transient(2_000);
        if (calls === 2) throw new Transient();
        return 'ok';
      },
      { idempotent: true },
    );
    expect(result).toBe('ok');
    expect(sleeps).toEqual([2_000, 100]);
  });

  it('never retries a non-idempotent call', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    await expect(
      policy(sleeps).run(
        async () => {
          calls++;
          throw new Transient();
        },
        { idempotent: false },
      ),
    ).rejects.toBeInstanceOf(Transient);
    expect(calls).toBe(1);
  });

  it('gives up after maxAttempts with the last error, and on non-retryable errors at once', async () => {
    let calls = 0;
    await expect(
      policy([], 3).run(
        async () => {
          calls++;
          throw new Transient();
        },
        { idempotent: true },
      ),
    ).rejects.toBeInstanceOf(Transient);
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      policy([]).run(
        async () => {
          calls++;
          throw new Error('bad request');
        },
        { idempotent: true },
      ),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });

  it('does not wait out a Retry-After longer than allowed', async () => {
    const sleeps: number[] = [];
    await expect(
      policy(sleeps).run(
        async () => {
          throw new Transient(60_000);
        },
        { idempotent: true },
      ),
    ).rejects.toBeInstanceOf(Transient);
    expect(sleeps).toEqual([]);
  });

  it('rejects a nonsensical attempt count', () => {
    expect(
      () =>
        new RetryPolicy({
          maxAttempts: 0,
          baseDelayMs: 1,
          maxDelayMs: 1,
          classify: () => ({ retryable: false }),
        }),
    ).toThrow(RangeError);
  });
});

describe('CircuitBreaker', () => {
  it('opens after consecutive failures, fails fast, then lets one trial through', async () => {
    let now = 0;
    const breaker = new CircuitBreaker({
      name: 'test-api',
      failureThreshold: 2,
      openDurationMs: 1_000,
      now: () => now,
      isFailure: (error) => error instanceof Transient,
    });
    const fail = () => breaker.execute(async () => Promise.reject(new Transient()));
    await expect(fail()).rejects.toBeInstanceOf(Transient);
    await expect(breaker.execute(async () => Promise.reject(new Error('404')))).rejects.toThrow('404');
    await expect(fail()).rejects.toBeInstanceOf(Transient);
    await expect(fail()).rejects.toBeInstanceOf(Transient);
    expect(breaker.state).toBe('open');
    const open = await breaker.execute(async () => 'never').catch((error: unknown) => error);
    expect(open).toBeInstanceOf(CircuitOpenError);
    expect((open as CircuitOpenError).circuit).toBe('test-api');
    now = 1_000;
    expect(breaker.state).toBe('half-open');
    await expect(fail()).rejects.toBeInstanceOf(Transient);
    expect(breaker.state).toBe('open');
    now = 2_000;
    await expect(breaker.execute(async () => 'ok')).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });
});

describe('withTimeout', () => {
  it('rejects with TimeoutError and aborts the signal', async () => {
    let aborted = false;
    const error = await withTimeout('slow call', 20, (signal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise(() => undefined);
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(aborted).toBe(true);
  });
});
