import type { Clock } from './meeting-retention.js';

/** The clock endpoint answered with something other than `{ now: <ISO time> }`. */
export class RemoteClockError extends Error {
  override readonly name = 'RemoteClockError';
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`clock at ${url}: ${reason}`);
  }
}

/**
 * A clock read from another process (the emulators' `GET /control/clock`), for test stacks that
 * move time forward. `now()` must stay synchronous, so the offset from the system clock is read
 * at each timer pass (`synchronize`) and added to the system time in between.
 */
export class RemoteClock implements Clock {
  private offsetMs = 0;

  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
  ) {}

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  async synchronize(): Promise<void> {
    const response = await fetch(this.url, {
      headers: this.token === undefined ? {} : { authorization: `Bearer ${this.token}` },
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new RemoteClockError(this.url, `HTTP ${response.status}`);
    const body = (await response.json()) as { now?: unknown };
    const remoteMs = typeof body.now === 'string' ? Date.parse(body.now) : Number.NaN;
    if (Number.isNaN(remoteMs)) throw new RemoteClockError(this.url, 'no ISO time in "now"');
    this.offsetMs = remoteMs - Date.now();
  }
}
