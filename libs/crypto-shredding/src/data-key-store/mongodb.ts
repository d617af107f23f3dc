import { Binary, MongoClient, MongoServerError, type Collection, type Db } from 'mongodb';
import type { ActiveDataKey, DataKeyStore, StoredDataKey } from './port.js';

const DUPLICATE_KEY = 11000;

interface DataKeyDocument {
  _id: string;
  keyId: string | null;
  keyEncryptionKeyId: string | null;
  wrappedKey: Binary | null;
  createdAt: Date;
  rewrappedAt?: Date;
  forgottenAt: Date | null;
}

function toStoredDataKey(document: DataKeyDocument): StoredDataKey {
  if (document.forgottenAt !== null || document.wrappedKey === null) {
    return {
      state: 'forgotten',
      subject: document._id,
      forgottenAt: document.forgottenAt ?? document.createdAt,
    };
  }
  return {
    state: 'active',
    subject: document._id,
    keyId: document.keyId!,
    keyEncryptionKeyId: document.keyEncryptionKeyId!,
    wrappedKey: Buffer.from(document.wrappedKey.buffer),
    createdAt: document.createdAt,
  };
}

export interface MongoDataKeyStoreOptions {
  /** Either a database the caller owns, or a connection string (the store then owns its client). */
  readonly database?: Db;
  readonly url?: string;
  readonly collection?: string;
}

/** MongoDB adapter: one document per subject, `_id` = subject, so the unique index arbitrates races. */
export class MongoDataKeyStore implements DataKeyStore {
  private readonly client: MongoClient | undefined;
  private readonly collection: Collection<DataKeyDocument>;

  constructor(options: MongoDataKeyStoreOptions) {
    let database = options.database;
    if (!database) {
      if (!options.url) throw new Error('MongoDataKeyStore needs a database or a connection string');
      this.client = new MongoClient(options.url);
      database = this.client.db();
    }
    this.collection = database.collection<DataKeyDocument>(options.collection ?? 'dataKeys');
  }

  async ensureSchema(): Promise<void> {
    await this.collection.createIndex({ keyEncryptionKeyId: 1, createdAt: 1 });
  }

  async get(subject: string): Promise<StoredDataKey | undefined> {
    const document = await this.collection.findOne({ _id: subject });
    return document ? toStoredDataKey(document) : undefined;
  }

  async getMany(subjects: readonly string[]): Promise<ReadonlyMap<string, StoredDataKey>> {
    if (subjects.length === 0) return new Map();
    const documents = await this.collection.find({ _id: { $in: [...new Set(subjects)] } }).toArray();
    return new Map(documents.map((document) => [document._id, toStoredDataKey(document)]));
  }

  async getOrCreate(candidate: ActiveDataKey): Promise<StoredDataKey> {
    try {
      await this.collection.insertOne({
        _id: candidate.subject,
        keyId: candidate.keyId,
        keyEncryptionKeyId: candidate.keyEncryptionKeyId,
        wrappedKey: new Binary(Buffer.from(candidate.wrappedKey)),
        createdAt: candidate.createdAt,
        forgottenAt: null,
      });
      return candidate;
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
    }
    const existing = await this.get(candidate.subject);
    if (!existing) throw new Error(`data key of ${candidate.subject} vanished between insert and read`);
    return existing;
  }

  async forget(subject: string): Promise<void> {
    const now = new Date();
    // An update pipeline keeps the first forgottenAt, so forgetting twice changes nothing.
    await this.collection.updateOne(
      { _id: subject },
      [
        {
          $set: {
            keyId: null,
            keyEncryptionKeyId: null,
            wrappedKey: null,
            createdAt: { $ifNull: ['$createdAt', now] },
            forgottenAt: { $ifNull: ['$forgottenAt', now] },
          },
        },
      ],
      { upsert: true },
    );
  }

  async findWrappedByOtherThan(keyEncryptionKeyId: string, limit: number): Promise<readonly ActiveDataKey[]> {
    const documents = await this.collection
      .find({ forgottenAt: null, keyEncryptionKeyId: { $nin: [keyEncryptionKeyId, null] } })
      .sort({ createdAt: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return documents.map(toStoredDataKey).filter((key): key is ActiveDataKey => key.state === 'active');
  }

  async rewrap(
    expected: ActiveDataKey,
    replacement: { readonly keyEncryptionKeyId: string; readonly wrappedKey: Uint8Array },
  ): Promise<boolean> {
    const result = await this.collection.updateOne(
      {
        _id: expected.subject,
        keyId: expected.keyId,
        keyEncryptionKeyId: expected.keyEncryptionKeyId,
        wrappedKey: new Binary(Buffer.from(expected.wrappedKey)),
        forgottenAt: null,
      },
      {
        $set: {
          keyEncryptionKeyId: replacement.keyEncryptionKeyId,
          wrappedKey: new Binary(Buffer.from(replacement.wrappedKey)),
          rewrappedAt: new Date(),
        },
      },
    );
    return result.modifiedCount === 1;
  }

  async close(): Promise<void> {
    await this.client?.close();
  }
}
