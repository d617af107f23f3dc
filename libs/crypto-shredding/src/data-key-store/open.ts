import { UnsupportedDataKeyStoreError } from '../errors.js';
import { MongoDataKeyStore } from './mongodb.js';
import type { DataKeyStore } from './port.js';
import { PostgresDataKeyStore } from './postgres.js';

/** Picks the adapter by URL scheme: postgres:// or mongodb://. The store owns its connections. */
export function openDataKeyStore(
  url: string,
  options: { table?: string; schema?: string } = {},
): DataKeyStore {
  const scheme = new URL(url).protocol;
  switch (scheme) {
    case 'postgres:':
    case 'postgresql:':
      return new PostgresDataKeyStore({ connectionString: url, ...options });
    case 'mongodb:':
    case 'mongodb+srv:':
      return new MongoDataKeyStore({ url, ...(options.table ? { collection: options.table } : {}) });
    default:
      throw new UnsupportedDataKeyStoreError(scheme);
  }
}
