import { describe, expect, it } from '@jest/globals';
import { TokenBuckets } from './token-buckets.js';

describe('TokenBuckets', () => {
  it('admits a burst up to the limit, then one request per refill interval, with the wait until then', () => {
    let now = 0;
    const buckets = new TokenBuckets({ limit: 3, windowMs: 3000, now: () => now });
    expect([1, 2, 3].map(() => buckets.take('a').allowed)).toEqual([true, true, true]);
    expect(buckets.take('a')).toEqual({ allowed: false, retryAfterMs: 1000 });
    now = 400;
    expect(buckets.take('a')).toEqual({ allowed: false, retryAfterMs: 600 });
    expect(buckets.take('b').allowed).toBe(true);
    now = 1000;
    expect(buckets.take('a').allowed).toBe(true);
    expect(buckets.take('a').allowed).toBe(false);
    // Idle for a whole window: full again, never more than the limit.
    now = 10_000;
    expect([1, 2, 3, 4].map(() => buckets.take('a').allowed)).toEqual([true, true, true, false]);
  });

  it('keeps at most maximumKeys buckets, dropping idle ones first', () => {
    let now = 0;
    const buckets = new TokenBuckets({ limit: 2, windowMs: 1000, now: () => now, maximumKeys: 2 });
    buckets.take('busy');
    buckets.take('busy');
    buckets.take('idle');
    now = 600; // 'idle' is full again, 'busy' is not
    buckets.take('new');
    expect(buckets.take('busy').allowed).toBe(true);
    expect(buckets.take('busy').allowed).toBe(false);
  });

  it('refuses a limit that is not a positive whole number', () => {
    expect(() => new TokenBuckets({ limit: 0, windowMs: 1000 })).toThrow(RangeError);
  });
});
