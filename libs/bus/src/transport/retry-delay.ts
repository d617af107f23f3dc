export interface RetryDelayPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const defaultRetryDelay: RetryDelayPolicy = { initialMs: 1_000, maxMs: 60_000 };

/**
 * The nak delay after the `deliveryCount`-th failed delivery: exponential with full
 * jitter on the upper half, so that a burst of failures does not come back in lockstep.
 */
export function retryDelayMs(policy: RetryDelayPolicy, deliveryCount: number, random = Math.random): number {
  const exponential = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, deliveryCount - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}
