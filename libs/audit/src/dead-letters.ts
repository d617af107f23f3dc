import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { type BusNames, type StoredDeadLetter, listDeadLetters } from '@scheduler/bus';

/** The tenant an event payload names in its envelope, or undefined for a payload that is not one. */
function tenantOfPayload(payload: string): string | undefined {
  try {
    const envelope = JSON.parse(payload) as { tenantId?: unknown } | null;
    return typeof envelope?.tenantId === 'string' ? envelope.tenantId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How many dead letters hold an event of `tenantId`. The queue is shared by every tenant, so a
 * tenant's administrators see only their own letters; a payload that names no tenant (not even
 * JSON) is the operators' to read with the admin CLI (`scheduler dlq list`).
 */
export function countTenantDeadLetters(letters: readonly StoredDeadLetter[], tenantId: string): number {
  return letters.filter((stored) => tenantOfPayload(stored.letter.payload) === tenantId).length;
}

/** Reads the dead-letter queue as the admin CLI does (listDeadLetters) and counts the tenant's letters. */
export async function tenantDeadLetterCount(
  connection: NatsConnection,
  names: BusNames,
  tenantId: string,
): Promise<number> {
  return countTenantDeadLetters(await listDeadLetters(await jetstreamManager(connection), names), tenantId);
}
