import pg from 'pg';

export interface PrivatePoolOptions {
  readonly connectionString: string;
  readonly max: number;
  /** `application_name`: who holds a connection, in pg_stat_activity. */
  readonly name: string;
  /** An idle connection's error; ignored by default (the next query reports a real outage). */
  readonly onIdleError?: (error: Error) => void;
}

/**
 * A pool on a service's private database. An idle connection dropped by the server (restart,
 * failover) is emitted on the pool and would crash the process unhandled; it is passed to
 * `onIdleError` instead.
 */
export function privatePool(options: PrivatePoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max,
    application_name: options.name,
  });
  pool.on('error', options.onIdleError ?? (() => undefined));
  return pool;
}
