import type { BusConnectionOptions } from '@scheduler/bus';
import { inboxPrefixOf } from '@scheduler/contracts';
import type { ServiceEnvironment } from '@scheduler/config';

/**
 * How each of a service's NATS connections (the shared one, the command client, the JetStream
 * transport) reaches the server: as the service's own user, with replies on the service's own
 * inboxes, the only ones its user may read.
 */
export function busConnectionOf(
  config: Pick<ServiceEnvironment, 'NATS_URL' | 'NATS_USER' | 'NATS_PASSWORD'>,
  service: string,
): BusConnectionOptions {
  return {
    servers: config.NATS_URL,
    user: config.NATS_USER,
    password: config.NATS_PASSWORD,
    inboxPrefix: inboxPrefixOf(service),
  };
}
