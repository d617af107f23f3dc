/** The parameters of one backoff: the first delay's bound and the cap. */
export interface BackoffSettings {
  /** The bound of the first retry's delay; it doubles with every further attempt. */
  readonly baseDelayMs: number;
  /** The bound never grows past this. */
  readonly maxDelayMs: number;
}

export interface BackoffOptions extends BackoffSettings {
  /** A number in [0, 1); tests pass a fixed one. */
  readonly random?: () => number;
}

/**
 * The project's one backoff formula, for every retry and every redelivery delay: exponential
 * (`baseDelayMs · 2^(attempt − 1)`), capped at `maxDelayMs`, with "equal jitter": a random
 * delay in the upper half of that bound, [bound / 2, bound].
 *
 * Equal rather than full jitter (0 to bound): the delay is never close to zero, so a nak or a
 * timer retry always waits a real fraction of its step instead of coming straight back to a
 * dependency that just failed, and many callers that failed together still spread over half
 * the window. `attempt` counts failures from 1.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  assertBackoffSettings(options);
  const random = options.random ?? Math.random;
  // The exponent stops where 2^n is still finite: a loop that retries forever never reaches NaN.
  const exponent = Math.min(Math.max(0, attempt - 1), 1_000);
  const bound = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** exponent);
  return Math.round(bound / 2 + (random() * bound) / 2);
}

/** Throws a RangeError unless 0 <= baseDelayMs <= maxDelayMs, both finite. */
export function assertBackoffSettings(settings: BackoffSettings): void {
  const { baseDelayMs, maxDelayMs } = settings;
  if (!(baseDelayMs >= 0) || !Number.isFinite(maxDelayMs) || !(maxDelayMs >= baseDelayMs))
    throw new RangeError(
      `backoff needs finite 0 <= baseDelayMs <= maxDelayMs, got baseDelayMs ${baseDelayMs}, maxDelayMs ${maxDelayMs}`,
    );
}

/**
 * Reads a Retry-After header: delay-seconds or an HTTP date. Returns milliseconds, or undefined
 * when the header is missing or unreadable.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
