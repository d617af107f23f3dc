import { UnsupportedEventStoreUrlError } from './errors.js';
import type { EventStore } from './port.js';

/** Chooses the adapter by URL scheme: postgres(ql):// or esdb:// (esdb+discover://). */
export async function createEventStore(url: string): Promise<EventStore> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase() ?? '';
  switch (scheme) {
    case 'postgres':
    case 'postgresql': {
      const { PostgresEventStore } = await import('./postgres/postgres-event-store.js');
      return PostgresEventStore.connect({ connectionString: url });
    }
    case 'esdb':
    case 'esdb+discover': {
      const { EventStoreDbEventStore } = await import('./eventstoredb/eventstoredb-event-store.js');
      return EventStoreDbEventStore.connect(url);
    }
    default:
      throw new UnsupportedEventStoreUrlError(scheme || url.slice(0, 20));
  }
}
