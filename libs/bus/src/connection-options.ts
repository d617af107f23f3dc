import type { ConnectionOptions } from '@nats-io/transport-node';

/** How a bus connection reaches nats-server and who it is there. */
export interface BusConnectionOptions {
  readonly servers: string | string[];
  /** This service's NATS user (`NATS_USER`); absent where the server asks for no credentials. */
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  /**
   * Where replies to this connection arrive (`inboxPrefixOf(service)` from the contracts): a
   * user may subscribe to its own inboxes only, so it cannot read the answers other services get.
   */
  readonly inboxPrefix?: string | undefined;
}

/** The options every long-lived bus connection opens with: keep reconnecting after the first. */
export function natsConnectOptions(options: BusConnectionOptions, name: string): ConnectionOptions {
  return {
    servers: options.servers,
    name,
    ...(options.user !== undefined ? { user: options.user, pass: options.password ?? '' } : {}),
    ...(options.inboxPrefix ? { inboxPrefix: options.inboxPrefix } : {}),
    // After the first connection, keep reconnecting: readiness reports the outage meanwhile.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  };
}
