import { UnsupportedReadModelUrlError } from './document-store/errors.js';
import type { ReadModelStore } from './document-store/port.js';
import type { ProjectionBackend } from './projections/projection-backend.js';

/** Every adapter is both: a document store, and a target for the projection runner. */
export type ProjectionStore = ReadModelStore & ProjectionBackend;

/** Chooses the adapter by URL scheme: postgres(ql):// or mongodb(+srv)://. */
export async function createReadModelStore(url: string): Promise<ProjectionStore> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase() ?? '';
  switch (scheme) {
    case 'postgres':
    case 'postgresql': {
      const { PostgresReadModelStore } = await import('./postgres/postgres-read-model-store.js');
      return PostgresReadModelStore.connect({ connectionString: url });
    }
    case 'mongodb':
    case 'mongodb+srv': {
      const { MongoReadModelStore } = await import('./mongodb/mongo-read-model-store.js');
      return MongoReadModelStore.connect({ url });
    }
    default:
      throw new UnsupportedReadModelUrlError(scheme || url.slice(0, 20));
  }
}
