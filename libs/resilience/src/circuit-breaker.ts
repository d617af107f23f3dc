/** Thrown instead of calling an API whose circuit is open. */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  constructor(
    readonly circuit: string,
    readonly retryAtMs: number,
  ) {
    super(`circuit "${circuit}" is open until ${new Date(retryAtMs).toISOString()}`);
  }
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Names the external API in errors and metrics, e.g. "google-calendar". */
  name: string;
  /** Consecutive counted failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one trial call is let through. */
  openDurationMs: number;
  /** Which errors count against the API (e.g. 5xx, timeouts); a 404 says nothing about its health. */
  isFailure?: (error: unknown) => boolean;
  now?: () => number;
}

/**
 * A per-API circuit breaker: after `failureThreshold` consecutive failures calls fail fast for
 * `openDurationMs`; then a single trial call decides whether to close it again.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedAtMs: number | undefined;
  private trialInFlight = false;

  constructor(private readonly options: CircuitBreakerOptions) {}

  get state(): CircuitState {
    if (this.openedAtMs === undefined) return 'closed';
    return this.now() >= this.openedAtMs + this.options.openDurationMs ? 'half-open' : 'open';
  }

  async execute<T>(operation: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.trialInFlight))
      throw new CircuitOpenError(this.options.name, (this.openedAtMs ?? 0) + this.options.openDurationMs);
    const isTrial = state === 'half-open';
    if (isTrial) this.trialInFlight = true;
    try {
      const result = await operation();
      this.consecutiveFailures = 0;
      this.openedAtMs = undefined;
      return result;
    } catch (error) {
      const counts = this.options.isFailure ? this.options.isFailure(error) : true;
      if (counts) {
        this.consecutiveFailures += 1;
        if (isTrial || this.consecutiveFailures >= this.options.failureThreshold)
          this.openedAtMs = this.now();
      } else {
        // The API answered (e.g. 404): it is healthy.
        this.consecutiveFailures = 0;
        this.openedAtMs = undefined;
      }
      throw error;
    } finally {
      if (isTrial) this.trialInFlight = false;
    }
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }
}
