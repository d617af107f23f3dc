/** An operation did not finish within its deadline. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super(`${operation} did not finish within ${timeoutMs} ms`);
  }
}

/**
 * Runs `operation` with an AbortSignal that fires after `timeoutMs`; rejects with TimeoutError
 * at the deadline even if the operation ignores the signal.
 */
export async function withTimeout<T>(
  operation: string,
  timeoutMs: number,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TimeoutError(operation, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([run(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
