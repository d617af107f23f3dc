export { assertBackoffSettings, backoffDelay, parseRetryAfter } from './backoff.js';
export type { BackoffOptions, BackoffSettings } from './backoff.js';
export { RetryPolicy } from './retry-policy.js';
export type { RetryDecision, RetryPolicyOptions, RetryAttemptInfo } from './retry-policy.js';
export { CircuitBreaker, CircuitOpenError } from './circuit-breaker.js';
export type { CircuitBreakerOptions, CircuitState } from './circuit-breaker.js';
export { TimeoutError, withTimeout } from './timeout.js';
