/** A bucket's verdict: allowed, or how long until one more request would be. */
export type Admission =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface TokenBucketsOptions {
  /** Requests a key may make in one window, and the largest burst. */
  readonly limit: number;
  readonly windowMs: number;
  readonly now?: () => number;
  /** Buckets kept at most; past it, full (idle) buckets are dropped. Protects memory from many keys. */
  readonly maximumKeys?: number;
}

/**
 * One token bucket per key, in this process: `limit` tokens, refilled evenly over `windowMs`.
 * A burst can spend the whole bucket; after that, requests are admitted at the refill rate, so
 * there is no window edge at which twice the limit gets through.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillPerMs: number;
  private readonly now: () => number;
  private readonly maximumKeys: number;

  constructor(private readonly options: TokenBucketsOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1)
      throw new RangeError(`a rate limit must be a positive whole number, not ${options.limit}`);
    this.refillPerMs = options.limit / options.windowMs;
    this.now = options.now ?? Date.now;
    this.maximumKeys = options.maximumKeys ?? 100_000;
  }

  take(key: string): Admission {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.options.limit, updatedAt: now };
    bucket.tokens = Math.min(this.options.limit, bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs);
    bucket.updatedAt = now;
    if (!this.buckets.has(key)) {
      if (this.buckets.size >= this.maximumKeys) this.dropIdle(now);
      this.buckets.set(key, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / this.refillPerMs) };
  }

  /** Buckets that have refilled completely carry no state worth keeping. */
  private dropIdle(now: number): void {
    for (const [key, bucket] of this.buckets)
      if (bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs >= this.options.limit)
        this.buckets.delete(key);
    // Still full of busy keys: drop the oldest, which forgets (and so forgives) the least active.
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < this.maximumKeys) break;
      this.buckets.delete(key);
    }
  }
}
