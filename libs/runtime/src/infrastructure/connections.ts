import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsConnectOptions, type BusConnectionOptions } from '@scheduler/bus';
import { NATS_CONNECTION } from '../tokens.js';

export async function connectNats(options: BusConnectionOptions, service: string): Promise<NatsConnection> {
  return connect(natsConnectOptions(options, service));
}

/** Closes the shared NATS connection last, after consumers and relays have drained. */
@Injectable()
export class ConnectionsLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger(ConnectionsLifecycle.name);

  constructor(@Inject(NATS_CONNECTION) private readonly nats: NatsConnection) {}

  async onApplicationShutdown(): Promise<void> {
    await this.nats
      .drain()
      .catch((error: unknown) => this.logger.warn(`NATS drain failed: ${String(error)}`));
  }
}
