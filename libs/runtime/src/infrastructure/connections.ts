import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { NATS_CONNECTION, POSTGRES_POOL } from '../tokens.js';

export async function connectNats(url: string, service: string): Promise<NatsConnection> {
  return connect({
    servers: url,
    name: service,
    // After the first connection, keep reconnecting: readiness reports the outage meanwhile.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  });
}

export function createPostgresPool(connectionString: string, service: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    application_name: service,
    max: 10,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', (error) => new Logger('postgres').warn(`idle client error: ${error.message}`));
  return pool;
}

/** Closes the shared connections last, after consumers and relays have drained. */
@Injectable()
export class ConnectionsLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger(ConnectionsLifecycle.name);

  constructor(
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(POSTGRES_POOL) private readonly pool: pg.Pool | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([
      this.nats.drain().catch((error: unknown) => this.logger.warn(`NATS drain failed: ${String(error)}`)),
      this.pool?.end(),
    ]);
  }
}
