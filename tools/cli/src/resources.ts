import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  PersonalDataCodec,
  SecretBox,
  SubjectKeys,
  openDataKeyStore,
  type DataKeyStore,
} from '@scheduler/crypto-shredding';
import { createEventStore, type EventStore } from '@scheduler/event-store';
import { inboxPrefixOf } from '@scheduler/contracts';
import { keyEncryptionKeysOf } from '@scheduler/runtime';
import type { BusSettings, PersonalDataSettings } from './settings.js';

/** Connections a command opened; closed in reverse order whatever happened. */
export class Resources {
  private readonly closers: Array<() => Promise<unknown>> = [];

  async eventStore(url: string): Promise<EventStore> {
    const store = await createEventStore(url);
    this.closers.push(() => store.close());
    return store;
  }

  /** Opens and seals personal data as every service does (EventPlatformModule): same store, same key ring. */
  personalData(settings: PersonalDataSettings): {
    codec: PersonalDataCodec;
    keys: SubjectKeys;
    store: DataKeyStore;
  } {
    const store = openDataKeyStore(settings.KEY_STORE_URL);
    this.closers.push(() => store.close());
    const keys = new SubjectKeys({ store, keyEncryptionKeys: keyEncryptionKeysOf(settings) });
    return { codec: new PersonalDataCodec({ secretBox: new SecretBox(keys) }), keys, store };
  }

  async nats(settings: BusSettings): Promise<NatsConnection> {
    const connection = await connect({
      servers: settings.NATS_URL,
      name: 'scheduler-cli',
      ...(settings.NATS_USER !== undefined
        ? { user: settings.NATS_USER, pass: settings.NATS_PASSWORD ?? '' }
        : {}),
      // The only inboxes the scheduler-cli user may read.
      inboxPrefix: inboxPrefixOf('scheduler-cli'),
    });
    this.closers.push(() => connection.drain());
    return connection;
  }

  add(close: () => Promise<unknown>): void {
    this.closers.push(close);
  }

  async close(): Promise<void> {
    for (const close of this.closers.reverse()) await close().catch(() => undefined);
    this.closers.length = 0;
  }
}

export async function using<T>(work: (resources: Resources) => Promise<T>): Promise<T> {
  const resources = new Resources();
  try {
    return await work(resources);
  } finally {
    await resources.close();
  }
}
