/**
 * Exponential backoff with "full jitter": a random delay between 0 and the capped exponential
 * bound, so many clients that failed together do not retry together.
 */
export function backoffDelay(
  attempt: number,
  options: { baseDelayMs: number; maxDelayMs: number; random?: () => number },
): number {
  const random = options.random ?? Math.random;
  const bound = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(bound * random());
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
