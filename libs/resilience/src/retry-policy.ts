import { assertBackoffSettings, backoffDelay, type BackoffSettings } from './backoff.js';
import { CircuitOpenError } from './circuit-breaker.js';

/** What a caller's classifier says about one failed attempt. */
export interface RetryDecision {
  retryable: boolean;
  /** The server asked us to wait at least this long (Retry-After). */
  retryAfterMs?: number;
}

export interface RetryAttemptInfo {
  /** The attempt that failed, from 1. */
  attempt: number;
  delayMs: number;
  error: unknown;
}

export interface RetryPolicyOptions extends BackoffSettings {
  /**
   * Total attempts including the first. `Infinity` retries until the classifier answers
   * "not retryable" (a loop that must never give up on its own, such as the event relay).
   */
  maxAttempts: number;
  /** A Retry-After longer than this is not waited out: the error goes back to the caller. */
  maxRetryAfterMs?: number;
  /** `attempt` is the attempt that failed, from 1. */
  classify: (error: unknown, attempt: number) => RetryDecision;
  random?: () => number;
  sleep?: (milliseconds: number) => Promise<void>;
  onRetry?: (info: RetryAttemptInfo) => void;
}

const defaultSleep = (milliseconds: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

/**
 * The one in-process retry mechanism: calls to external APIs, the relay's publishes, and
 * optimistic-concurrency retries alike. The delay between attempts is `backoffDelay`, or the
 * server's Retry-After when that is longer. Only idempotent operations are retried; a
 * non-idempotent call fails on its first error so the caller can decide (e.g. look the
 * resource up before creating it again). An open circuit is never retried: waiting out the
 * backoff would only hit it again.
 */
export class RetryPolicy {
  constructor(private readonly options: RetryPolicyOptions) {
    const { maxAttempts } = options;
    if (maxAttempts !== Infinity && (!Number.isInteger(maxAttempts) || maxAttempts < 1))
      throw new RangeError(`maxAttempts must be a positive integer or Infinity, got ${maxAttempts}`);
    assertBackoffSettings(options);
  }

  async run<T>(operation: (attempt: number) => Promise<T>, call: { idempotent: boolean }): Promise<T> {
    const sleep = this.options.sleep ?? defaultSleep;
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation(attempt);
      } catch (error) {
        if (!call.idempotent || attempt >= this.options.maxAttempts || error instanceof CircuitOpenError)
          throw error;
        const decision = this.options.classify(error, attempt);
        if (!decision.retryable) throw error;
        if (
          decision.retryAfterMs !== undefined &&
          this.options.maxRetryAfterMs !== undefined &&
          decision.retryAfterMs > this.options.maxRetryAfterMs
        )
          throw error;
        const backoff = backoffDelay(attempt, {
          baseDelayMs: this.options.baseDelayMs,
          maxDelayMs: this.options.maxDelayMs,
          ...(this.options.random ? { random: this.options.random } : {}),
        });
        const delayMs = Math.max(backoff, decision.retryAfterMs ?? 0);
        this.options.onRetry?.({ attempt, delayMs, error });
        await sleep(delayMs);
      }
    }
  }
}
