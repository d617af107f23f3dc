import { CircuitBreaker, RetryPolicy, parseRetryAfter } from '@scheduler/resilience';
import { GoogleApiError, ReauthorizationRequired } from './errors.js';

export interface GoogleResilienceOptions {
  /** Total attempts of an idempotent call, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A longer Retry-After is not waited out; the error goes to the caller (which may nak with delay). */
  maxRetryAfterMs?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
  breakerFailureThreshold?: number;
  breakerOpenDurationMs?: number;
  random?: () => number;
  sleep?: (milliseconds: number) => Promise<void>;
}

interface GaxiosLikeError {
  message: string;
  status?: number;
  code?: string | number;
  response?: { status: number; data?: unknown; headers?: unknown };
}

function isGaxiosLike(error: unknown): error is GaxiosLikeError {
  return error instanceof Error && ('response' in error || 'config' in error);
}

function header(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, unknown>)[name.toLowerCase()];
  return typeof value === 'string' ? value : undefined;
}

/** Turns whatever googleapis/gaxios threw into our typed errors. */
export function translateGoogleError(operation: string, error: unknown, account: string | undefined): Error {
  if (error instanceof GoogleApiError || error instanceof ReauthorizationRequired) return error;
  if (!isGaxiosLike(error)) return error instanceof Error ? error : new Error(String(error));
  const response = error.response;
  if (!response)
    return new GoogleApiError(
      operation,
      undefined,
      typeof error.code === 'string' ? error.code : undefined,
      error.message,
      undefined,
      { cause: error },
    );
  const data = response.data as
    | {
        error?: string | { message?: string; errors?: Array<{ reason?: string }> };
        error_description?: string;
      }
    | undefined;
  // The OAuth token endpoint answers {error: "invalid_grant"} when a refresh token is dead.
  if (typeof data?.error === 'string') {
    if (data.error === 'invalid_grant')
      return new ReauthorizationRequired(account, data.error, { cause: error });
    return new GoogleApiError(
      operation,
      response.status,
      data.error,
      data.error_description ?? error.message,
      undefined,
      { cause: error },
    );
  }
  const reason = data?.error?.errors?.[0]?.reason;
  const message = data?.error?.message ?? error.message;
  const retryAfterMs = parseRetryAfter(header(response.headers, 'retry-after'));
  return new GoogleApiError(operation, response.status, reason, message, retryAfterMs, { cause: error });
}

/**
 * Runs Google calls through the one retry policy and a per-API circuit breaker: backoff with
 * jitter on 429, rate-limit 403s, 5xx and timeouts, honouring Retry-After; only idempotent calls
 * retry automatically.
 */
export class GoogleCallRunner {
  private readonly retry: RetryPolicy;
  private readonly breaker: CircuitBreaker;
  readonly timeoutMs: number;

  constructor(api: string, options: GoogleResilienceOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = new RetryPolicy({
      maxAttempts: options.maxAttempts ?? 5,
      baseDelayMs: options.baseDelayMs ?? 250,
      maxDelayMs: options.maxDelayMs ?? 32_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      ...(options.random ? { random: options.random } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      classify: (error) =>
        error instanceof GoogleApiError && error.transient
          ? {
              retryable: true,
              ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
            }
          : { retryable: false },
    });
    this.breaker = new CircuitBreaker({
      name: api,
      failureThreshold: options.breakerFailureThreshold ?? 5,
      openDurationMs: options.breakerOpenDurationMs ?? 30_000,
      isFailure: (error) => error instanceof GoogleApiError && error.transient,
    });
  }

  get circuitState() {
    return this.breaker.state;
  }

  /**
   * `onUnauthorized` marks the access token stale; the call is then repeated once, which makes
   * the OAuth client refresh first. A 401 means the request was refused before it did anything,
   * so this is safe even for non-idempotent calls.
   */
  run<T>(
    operation: string,
    call: (requestOptions: { timeout: number; retry: false }) => Promise<T>,
    context: { idempotent: boolean; account?: string; onUnauthorized?: () => void },
  ): Promise<T> {
    const attempt = async () => {
      try {
        return await call({ timeout: this.timeoutMs, retry: false });
      } catch (error) {
        throw translateGoogleError(operation, error, context.account);
      }
    };
    return this.retry.run(
      () =>
        this.breaker.execute(async () => {
          try {
            return await attempt();
          } catch (error) {
            if (!(error instanceof GoogleApiError) || error.status !== 401 || !context.onUnauthorized)
              throw error;
            context.onUnauthorized();
            return attempt();
          }
        }),
      { idempotent: context.idempotent },
    );
  }
}
