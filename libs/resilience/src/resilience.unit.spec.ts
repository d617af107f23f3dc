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
    // Equal jitter: the delay lies in the upper half of the bound, [200, 400] on attempt 3.
    expect(backoffDelay(3, { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.25 })).toBe(250);
    expect(backoffDelay(3, { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0 })).toBe(200);
    expect(backoffDelay(10, { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0 })).toBe(500);
  });

  it('is never near zero, whatever the random number', () => {
    for (let attempt = 1; attempt <= 40; attempt++) {
      const bound = Math.min(1_000, 100 * 2 ** (attempt - 1));
      const delay = backoffDelay(attempt, { baseDelayMs: 100, maxDelayMs: 1_000 });
      expect(delay).toBeGreaterThanOrEqual(bound / 2);
      expect(delay).toBeLessThanOrEqual(bound);
    }
  });

  it('rejects settings that make no sense', () => {
    expect(() => backoffDelay(1, { baseDelayMs: 100, maxDelayMs: 50 })).toThrow(RangeError);
    expect(() => backoffDelay(1, { baseDelayMs: -1, maxDelayMs: 50 })).toThrow(RangeError);
    expect(() => backoffDelay(1, { baseDelayMs: 1, maxDelayMs: Infinity })).toThrow(RangeError);
    expect(() => backoffDelay(1, { baseDelayMs: Number.NaN, maxDelayMs: 50 })).toThrow(RangeError);
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
    // Retry-After (2 s) beats the backoff of attempt 1; attempt 2's backoff is 200 · (0.5 + 0.5 · 0.5).
    expect(sleeps).toEqual([2_000, 150]);
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

  it('serves optimistic-concurrency retries: small delays, a bounded number of attempts, no Retry-After', async () => {
    class VersionConflict extends Error {}
    const sleeps: number[] = [];
    const conflicts = new RetryPolicy({
      maxAttempts: 4,
      baseDelayMs: 5,
      maxDelayMs: 100,
      random: () => 1,
      sleep: async (milliseconds) => {
        sleeps.push(milliseconds);
      },
      classify: (error) => ({ retryable: error instanceof VersionConflict }),
    });
    const seen: number[] = [];
    await expect(
      conflicts.run(
        async (attempt) => {
          seen.push(attempt);
          throw new VersionConflict('stream moved on');
        },
        { idempotent: true },
      ),
    ).rejects.toBeInstanceOf(VersionConflict);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(sleeps).toEqual([5, 10, 20]);
  });

  it('with Infinity attempts retries until the classifier says stop, telling it the attempt', async () => {
    const attempts: number[] = [];
    const endless = new RetryPolicy({
      maxAttempts: Infinity,
      baseDelayMs: 1,
      maxDelayMs: 2,
      sleep: async () => undefined,
      classify: (_error, attempt) => {
        attempts.push(attempt);
        return { retryable: attempt < 30 };
      },
    });
    await expect(
      endless.run(async () => Promise.reject(new Transient()), { idempotent: true }),
    ).rejects.toBeInstanceOf(Transient);
    expect(attempts).toHaveLength(30);
    expect(attempts.at(-1)).toBe(30);
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
    expect(
      () =>
        new RetryPolicy({
          maxAttempts: 3,
          baseDelayMs: 10,
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
