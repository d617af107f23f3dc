import { backoffDelay } from './backoff.js';
import { CircuitOpenError } from './circuit-breaker.js';

/** What a caller's classifier says about one failed attempt. */
export interface RetryDecision {
  retryable: boolean;
  /** The server asked us to wait at least this long (Retry-After). */
  retryAfterMs?: number;
}

export interface RetryAttemptInfo {
  attempt: number;
  delayMs: number;
  error: unknown;
}

export interface RetryPolicyOptions {
  /** Total attempts including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited out: the error goes back to the caller. */
  maxRetryAfterMs?: number;
  classify: (error: unknown) => RetryDecision;
  random?: () => number;
  sleep?: (milliseconds: number) => Promise<void>;
  onRetry?: (info: RetryAttemptInfo) => void;
}

const defaultSleep = (milliseconds: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

/**
 * The one retry mechanism for calls to external APIs (design §7). Only idempotent operations
 * are retried automatically; a non-idempotent call fails on its first error so the caller can
 * decide (e.g. look the resource up before creating it again).
 */
export class RetryPolicy {
  constructor(private readonly options: RetryPolicyOptions) {
    if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1)
      throw new RangeError(`maxAttempts must be a positive integer, got ${options.maxAttempts}`);
  }

  async run<T>(operation: (attempt: number) => Promise<T>, call: { idempotent: boolean }): Promise<T> {
    const sleep = this.options.sleep ?? defaultSleep;
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation(attempt);
      } catch (error) {
        if (!call.idempotent || attempt >= this.options.maxAttempts || error instanceof CircuitOpenError)
          throw error;
        const decision = this.options.classify(error);
        if (!decision.retryable) throw error;
        if (
          decision.retryAfterMs !== undefined &&
          this.options.maxRetryAfterMs !== undefined &&
          decision.retryAfterMs > this.options.maxRetryAfterMs
        )
          throw error;
        const jittered = backoffDelay(attempt, {
          baseDelayMs: this.options.baseDelayMs,
          maxDelayMs: this.options.maxDelayMs,
          ...(this.options.random ? { random: this.options.random } : {}),
        });
        const delayMs = Math.max(jittered, decision.retryAfterMs ?? 0);
        this.options.onRetry?.({ attempt, delayMs, error });
        await sleep(delayMs);
      }
    }
  }
}
